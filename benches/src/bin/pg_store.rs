//! The PostgreSQL lease store's commit rate: N new leases committed in batches of 1,
//! 10 and 100, one transaction (one `COMMIT`, one WAL flush) per batch.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --features postgres --bin pg_store -- \
//!     [--leases N] [--servers S] [--url URL]
//! ```
//!
//! Without `--url` it starts a throw-away cluster (`ex_dhcp_testkit::postgres`:
//! initdb in a temporary directory, Unix socket, no TCP, PostgreSQL's default
//! durability: `fsync` and `synchronous_commit` on) and removes it at the end; as
//! root the cluster runs as the `postgres` user. With `--servers S` (default 1), S
//! threads, each with its own `PgStore` (its own connection: a server), commit
//! disjoint shares of the N leases at once. Prints a Markdown table: per batch size,
//! commits (transactions) per second and leases per second, the best of 3 runs, the
//! lease table emptied between runs.

use std::net::Ipv4Addr;
use std::thread;
use std::time::{Instant, SystemTime};

use ex_dhcp::lease::{secs, Change, ClientKey, Committed, LeaseStore, PgStore};
use ex_dhcp_testkit::postgres::Cluster;

const BATCHES: [usize; 3] = [1, 10, 100];
const RUNS: usize = 3;

struct Args {
    leases: usize,
    servers: usize,
    url: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        leases: 5000,
        servers: 1,
        url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--leases" => args.leases = value().parse().unwrap_or_else(|_| usage("--leases N")),
            "--servers" => args.servers = value().parse().unwrap_or_else(|_| usage("--servers S")),
            "--url" => args.url = Some(value()),
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    if args.servers == 0 || args.leases < args.servers {
        usage("--servers must be at least 1 and at most --leases");
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!("pg_store: {problem}");
    eprintln!("usage: pg_store [--leases N] [--servers S] [--url URL]");
    std::process::exit(2)
}

fn bound(n: usize, until: u64) -> Change {
    let n = u32::try_from(n).expect("fewer than 2^32 leases");
    let [a, b, c, d] = n.to_be_bytes();
    Change::Bound {
        key: ClientKey::Hw(1, vec![2, 0, a, b, c, d]),
        // 10.0.0.0/8 holds 16M addresses: far more than a run commits.
        addr: Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 0)) + n),
        until,
    }
}

/// One run: `servers` threads commit their share of `leases` in batches of `batch`;
/// returns the wall time in seconds and the number of transactions.
fn run(url: &str, leases: usize, servers: usize, batch: usize) -> (f64, usize) {
    let until = secs(SystemTime::now()) + 3600;
    let stores: Vec<PgStore> = (0..servers)
        .map(|_| PgStore::connect(url).expect("connect"))
        .collect();
    let start = Instant::now();
    let commits: usize = thread::scope(|scope| {
        let handles: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(server, mut store)| {
                scope.spawn(move || {
                    let mine: Vec<Change> = (server..leases)
                        .step_by(servers)
                        .map(|n| bound(n, until))
                        .collect();
                    let mut commits = 0;
                    for chunk in mine.chunks(batch) {
                        let committed = store.commit(chunk).expect("commit");
                        assert!(committed.iter().all(|c| *c == Committed::Durable));
                        commits += 1;
                    }
                    commits
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("server thread"))
            .sum()
    });
    (start.elapsed().as_secs_f64(), commits)
}

fn main() {
    let args = args();
    let cluster = args.url.is_none().then(Cluster::start);
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| cluster.as_ref().expect("a cluster").url());
    // Creates the schema, and empties the table between runs.
    let empty = || {
        let mut store = PgStore::connect(&url).expect("connect");
        let mut live = Vec::new();
        store.load(&mut |c| live.push(c)).expect("load");
        let released: Vec<Change> = live
            .into_iter()
            .filter_map(|c| match c {
                Change::Bound { key, addr, .. } => Some(Change::Released { key, addr }),
                _ => None,
            })
            .collect();
        store.commit(&released).expect("release");
    };
    println!(
        "PostgreSQL store: {} leases, {} server(s), best of {RUNS} runs",
        args.leases, args.servers
    );
    println!();
    println!("| batch | commits/s | leases/s | µs per commit |");
    println!("|---|---|---|---|");
    for batch in BATCHES {
        let mut best: Option<(f64, usize)> = None;
        for _ in 0..RUNS {
            empty();
            let (secs, commits) = run(&url, args.leases, args.servers, batch);
            if best.is_none_or(|(b, _)| secs < b) {
                best = Some((secs, commits));
            }
        }
        let (secs, commits) = best.expect("at least one run");
        println!(
            "| {batch} | {:.0} | {:.0} | {:.0} |",
            commits as f64 / secs,
            args.leases as f64 / secs,
            secs * 1e6 / commits as f64 * args.servers as f64
        );
    }
    drop(cluster);
}
