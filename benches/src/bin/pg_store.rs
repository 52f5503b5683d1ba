//! The PostgreSQL lease store's commit rate: N new leases committed in batches of 1,
//! 10 and 100, one transaction (one `COMMIT`, one WAL flush) per batch.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --features postgres --bin pg_store -- \
//!     [--leases N] [--servers S] [--same-clients] [--url URL]
//! ```
//!
//! Without `--url` it starts a throw-away cluster (`ex_dhcp_testkit::postgres`:
//! initdb in a temporary directory, Unix socket, no TCP, PostgreSQL's default
//! durability: `fsync` and `synchronous_commit` on) and removes it at the end; as
//! root the cluster runs as the `postgres` user. With `--servers S` (default 1), S
//! threads, each with its own `PgStore` (its own connection: a server), commit
//! disjoint shares of the N leases at once. With `--same-clients`, every server
//! commits all N clients instead, each server to addresses of its own: the servers
//! race for every client, one wins it and the others are refused
//! (`Committed::Conflict`), and the table is checked for a client with two leases.
//! Prints a Markdown table: per batch size, commits (transactions) per second and
//! changes per second, the best of 3 runs, the lease table emptied between runs;
//! with `--same-clients`, also how the changes were settled.

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
    same_clients: bool,
    url: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        leases: 5000,
        servers: 1,
        same_clients: false,
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
            "--same-clients" => args.same_clients = true,
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
    eprintln!("usage: pg_store [--leases N] [--servers S] [--same-clients] [--url URL]");
    std::process::exit(2)
}

/// Client `n` leases address `addr` (an index into 10.0.0.0/8, which holds 16M
/// addresses: far more than a run commits).
fn bound(n: usize, addr: usize, until: u64) -> Change {
    let n = u32::try_from(n).expect("fewer than 2^32 leases");
    let addr = u32::try_from(addr).expect("fewer than 2^32 addresses");
    let [a, b, c, d] = n.to_be_bytes();
    Change::Bound {
        key: ClientKey::Hw(1, vec![2, 0, a, b, c, d]),
        addr: Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 0)) + addr),
        until,
    }
}

/// How a run's changes were settled.
#[derive(Debug, Default, Clone, Copy)]
struct Settled {
    durable: usize,
    conflict: usize,
    contended: usize,
}

/// One run: `servers` threads commit their changes in batches of `batch`; returns
/// the wall time in seconds, the number of transactions and how the changes were
/// settled.
fn run(args: &Args, url: &str, batch: usize) -> (f64, usize, Settled) {
    let (leases, servers) = (args.leases, args.servers);
    let until = secs(SystemTime::now()) + 3600;
    let stores: Vec<PgStore> = (0..servers)
        .map(|_| PgStore::connect(url).expect("connect"))
        .collect();
    let start = Instant::now();
    let per_server: Vec<(usize, Settled)> = thread::scope(|scope| {
        let handles: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(server, mut store)| {
                scope.spawn(move || {
                    let mine: Vec<Change> = if args.same_clients {
                        (0..leases)
                            .map(|n| bound(n, server * leases + n, until))
                            .collect()
                    } else {
                        (server..leases)
                            .step_by(servers)
                            .map(|n| bound(n, n, until))
                            .collect()
                    };
                    let mut commits = 0;
                    let mut settled = Settled::default();
                    for chunk in mine.chunks(batch) {
                        for committed in store.commit(chunk).expect("commit") {
                            match committed {
                                Committed::Durable => settled.durable += 1,
                                Committed::Conflict { .. } => settled.conflict += 1,
                                Committed::Contended => settled.contended += 1,
                                other => panic!("unexpected {other:?}"),
                            }
                        }
                        commits += 1;
                    }
                    (commits, settled)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("server thread"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let commits = per_server.iter().map(|(c, _)| c).sum();
    let settled = per_server
        .iter()
        .fold(Settled::default(), |sum, (_, s)| Settled {
            durable: sum.durable + s.durable,
            conflict: sum.conflict + s.conflict,
            contended: sum.contended + s.contended,
        });
    if !args.same_clients {
        assert_eq!(settled.durable, leases, "every lease is made");
    }
    (secs, commits, settled)
}

/// Clients holding more than one lease in the table (must be none).
fn doubled(url: &str) -> usize {
    let mut store = PgStore::connect(url).expect("connect");
    let mut clients = std::collections::HashMap::new();
    store
        .load(&mut |change| {
            if let Change::Bound { key, .. } = change {
                *clients.entry(key).or_insert(0) += 1;
            }
        })
        .expect("load");
    clients.values().filter(|n| **n > 1).count()
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
        "PostgreSQL store: {} leases, {} server(s){}, best of {RUNS} runs",
        args.leases,
        args.servers,
        if args.same_clients {
            ", the same clients"
        } else {
            ""
        }
    );
    println!();
    if args.same_clients {
        println!(
            "| batch | commits/s | changes/s | µs per commit | durable | conflict | contended | clients with 2 leases |"
        );
        println!("|---|---|---|---|---|---|---|---|");
    } else {
        println!("| batch | commits/s | leases/s | µs per commit |");
        println!("|---|---|---|---|");
    }
    for batch in BATCHES {
        let mut best: Option<(f64, usize, Settled, usize)> = None;
        for _ in 0..RUNS {
            empty();
            let (secs, commits, settled) = run(&args, &url, batch);
            let doubled = doubled(&url);
            if best.is_none_or(|(b, ..)| secs < b) {
                best = Some((secs, commits, settled, doubled));
            }
        }
        let (secs, commits, settled, doubled) = best.expect("at least one run");
        let changes = if args.same_clients {
            args.leases * args.servers
        } else {
            args.leases
        };
        let per_commit = secs * 1e6 / commits as f64 * args.servers as f64;
        if args.same_clients {
            println!(
                "| {batch} | {:.0} | {:.0} | {per_commit:.0} | {} | {} | {} | {doubled} |",
                commits as f64 / secs,
                changes as f64 / secs,
                settled.durable,
                settled.conflict,
                settled.contended,
            );
        } else {
            println!(
                "| {batch} | {:.0} | {:.0} | {per_commit:.0} |",
                commits as f64 / secs,
                changes as f64 / secs,
            );
        }
    }
    drop(cluster);
}
