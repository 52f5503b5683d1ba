//! What one DISCOVER costs the lease engine as the lease table grows.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --bin lease_alloc -- [DISCOVERS] [SIZES...]
//! ```
//!
//! A /12 pool (10.16.0.10 to 10.31.255.254, 1,048,565 addresses, relayed by 10.16.0.1). For each size (default
//! 0, 1k, 10k, 100k, 1M leases) the table is filled with that many bound leases, lowest
//! addresses first (the worst case for a scan from the start of the range), then
//! DISCOVERS (default 2000) DISCOVERs from new clients are timed one by one through
//! [`LeaseEngine::handle`]: no sockets, no file, just the engine. A second table does
//! the same with a pool exactly as large as the table and every lease expired, so each
//! DISCOVER reuses the address free the longest. A third has the first of two servers
//! sharing the range (`Settings::share`), its own half full: each DISCOVER takes an
//! address from the other half, walked down from the range's end. It prints the median,
//! the 99th percentile, the mean and the slowest DISCOVER (after a fill, the first
//! one walks the cursor past the filled addresses, once), the time to fill the table,
//! and the process's resident memory with the server alive (the allocator keeps what
//! a dropped server freed, so later rows show the high-water mark).
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --bin lease_alloc -- subnets [DISCOVERS] [ROUNDS] [ONLY] [SPREAD]
//! ```
//!
//! Many subnets: one engine of a single /12 subnet and one of 1,000 /21 subnets (each
//! behind its relay at .1), both holding 1M bound leases (1,000 a subnet in the
//! second), built in the same process. Every subnet first gets one DISCOVER, untimed
//! but reported (it walks the subnet's cursor past the filled addresses, once); then
//! ROUNDS (default 5) rounds of DISCOVERS (default 2000) new clients each, the two
//! engines in turn, the second's DISCOVERs spread over its subnets through their
//! relays. A third engine, the same 1,000 subnets with the DISCOVERs through SPREAD of
//! them (default 20, evenly spaced), separates the cost of the subnets' number from that
//! of touching many subnets' tables in turn. It prints each engine's median, p99, mean
//! and slowest DISCOVER, and the ratios of the others' figures to the single subnet's.
//! ONLY (0, 1, 2, or `all`, the default) builds and times that engine alone, for a profiler (`valgrind --tool=callgrind --cache-sim=yes
//! --toggle-collect='*Subject*round*'`).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use std::time::Duration;

use ex_dhcp::lease::{Change, ClientKey, LeaseEngine, Pool, Secs, Settings, Share, SubnetConfig};
use ex_dhcp::{MessageType, Packet};

const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 240, 0, 0);
const RELAY: Ipv4Addr = Ipv4Addr::new(10, 16, 0, 1);
const FIRST: Ipv4Addr = Ipv4Addr::new(10, 16, 0, 10);
const LAST: Ipv4Addr = Ipv4Addr::new(10, 31, 255, 254);
const NOW: Secs = 1_700_000_000;
const DEFAULT_SIZES: [usize; 5] = [0, 1_000, 10_000, 100_000, 1_000_000];
const DEFAULT_DISCOVERS: usize = 2000;

/// A server whose table holds `leases` leases from the pool's first address up, bound
/// until `until`, and whose range ends `spare` addresses after them (or at the /12's end).
fn server(leases: usize, until: Secs, spare: Option<u32>) -> LeaseEngine {
    shared_server(leases, until, spare, Share::WHOLE)
}

/// The same, allocating first from `share` of the range ([`Settings::share`]).
fn shared_server(leases: usize, until: Secs, spare: Option<u32>, share: Share) -> LeaseEngine {
    // The pool is not on the server's subnet: clients come through a relay.
    let settings = Settings {
        allow_relays: true,
        lease_secs: 86_400,
        share,
        ..Settings::new(SERVER, MASK)
    };
    let last = spare.map_or(LAST, |spare| {
        Ipv4Addr::from(u32::from(FIRST) + leases as u32 - 1 + spare)
    });
    let pool = Pool::new(SERVER, MASK, FIRST, last, BTreeMap::new()).expect("a /12 pool");
    let mut server = LeaseEngine::new(settings, pool);
    let first = u32::from(FIRST);
    for n in 0..leases as u32 {
        server.apply(&Change::Bound {
            key: ClientKey::Hw(1, mac(0x10_0000_0000 + u64::from(n)).to_vec()),
            addr: Ipv4Addr::from(first + n),
            until,
        });
    }
    server
}

fn mac(n: u64) -> [u8; 6] {
    let b = n.to_be_bytes();
    [2, b[3], b[4], b[5], b[6], b[7]]
}

fn discover(n: u64) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac(mac(n));
    packet.xid = n as u32;
    packet.giaddr = RELAY;
    packet
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("subnets") {
        let args: Vec<String> = args.skip(1).collect();
        let number = |at: usize, what: &str, default: usize| {
            args.get(at)
                .map(|a| a.parse().unwrap_or_else(|_| panic!("{what} is a number")))
                .unwrap_or(default)
        };
        let only = args
            .get(2)
            .filter(|a| *a != "all")
            .map(|a| a.parse().expect("ONLY is 0, 1, 2 or all"));
        return many_subnets(
            number(0, "DISCOVERS", DEFAULT_DISCOVERS),
            number(1, "ROUNDS", DEFAULT_ROUNDS),
            only,
            number(3, "SPREAD", DEFAULT_SPREAD),
        );
    }
    let discovers: usize = args
        .next()
        .map(|a| a.parse().expect("DISCOVERS is a number"))
        .unwrap_or(DEFAULT_DISCOVERS);
    let sizes: Vec<usize> = args.map(|a| a.parse().expect("a size")).collect();
    let sizes = if sizes.is_empty() {
        DEFAULT_SIZES.to_vec()
    } else {
        sizes
    };
    println!("New clients, the table's leases bound, addresses to spare in the /12:\n");
    table(discovers, &sizes, |size| server(size, NOW + 86_400, None));
    println!("\nNew clients, a pool as large as the table, every lease expired (reuse):\n");
    let sizes: Vec<usize> = sizes.into_iter().filter(|s| *s > 0).collect();
    table(discovers, &sizes, |size| server(size, NOW - 1, Some(0)));
    println!(
        "\nNew clients, the first of two servers sharing a pool twice the table (share 1/2; \
         at most the /12), its own half full of bound leases: every address comes from the other half, \
         walked down from the range's end:\n"
    );
    let first_half = Share::new(0, 2).expect("the first of two");
    // The /12 holds 1,048,565 addresses: at 1M the table is its lower half.
    let whole = (u32::from(LAST) - u32::from(FIRST) + 1) as usize;
    let sizes: Vec<usize> = sizes.iter().map(|s| (*s).min(whole / 2)).collect();
    table(discovers, &sizes, |size| {
        shared_server(size, NOW + 86_400, Some(size as u32), first_half)
    });
}

fn table(discovers: usize, sizes: &[usize], build: impl Fn(usize) -> LeaseEngine) {
    println!("| leases in table | DISCOVER median | p99 | mean | max | fill time | process RSS |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &size in sizes {
        let filled = Instant::now();
        let mut server = build(size);
        let fill = filled.elapsed();
        let packets: Vec<Packet> = (0..discovers as u64).map(discover).collect();
        let mut times = Vec::with_capacity(discovers);
        for (n, packet) in packets.iter().enumerate() {
            let start = Instant::now();
            let outcome = server.handle(packet, NOW + n as Secs / 1000);
            times.push(start.elapsed());
            assert!(outcome.reply.is_some(), "an offer at {size} leases");
            black_box(outcome);
        }
        times.sort();
        let mean = times.iter().sum::<std::time::Duration>() / times.len() as u32;
        let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "| {size} | {:.1} µs | {:.1} µs | {:.1} µs | {:.1} µs | {:.2} s | {} MiB |",
            micros(p(0.5)),
            micros(p(0.99)),
            micros(mean),
            micros(p(1.0)),
            fill.as_secs_f64(),
            rss_mib()
        );
        drop(server);
    }
}

/// The process's resident memory, with the server still alive (Linux; 0 elsewhere).
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

fn micros(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The many-subnet engine: [`SUBNETS`] /21 subnets from [`MANY_BASE`] up, each with its
/// relay at .1 and a range from .10 to the last host address.
const SUBNETS: u32 = 1_000;
const MANY_BASE: Ipv4Addr = Ipv4Addr::new(10, 64, 0, 0);
const MANY_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 248, 0);
const SUBNET_SIZE: u32 = 2048;
const MANY_LEASES: u32 = 1_000_000;
const DEFAULT_ROUNDS: usize = 5;
/// The third engine's relays: few enough that their tables stay in the caches, many
/// enough that each subnet's share of the DISCOVERs stays well under its offer limit
/// (half its pool), past which every DISCOVER also withdraws an offer.
const DEFAULT_SPREAD: usize = 20;

/// The relay of the many-subnet engine's subnet `index`.
fn relay_of(index: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(MANY_BASE) + index * SUBNET_SIZE + 1)
}

/// [`SUBNETS`] subnets holding [`MANY_LEASES`] bound leases between them, each
/// subnet's from its range's first address up.
fn many_subnet_engine(until: Secs) -> LeaseEngine {
    let settings = Settings {
        allow_relays: true,
        lease_secs: 86_400,
        ..Settings::new(SERVER, MANY_MASK)
    };
    let subnets = (0..SUBNETS)
        .map(|index| {
            let network = u32::from(MANY_BASE) + index * SUBNET_SIZE;
            let (first, last) = (network + 10, network + SUBNET_SIZE - 2);
            let pool = Pool::new(
                SERVER,
                MANY_MASK,
                Ipv4Addr::from(first),
                Ipv4Addr::from(last),
                BTreeMap::new(),
            )
            .expect("a /21 pool");
            SubnetConfig::new(pool)
        })
        .collect();
    let mut engine = LeaseEngine::with_subnets(settings, subnets).expect("disjoint subnets");
    let per_subnet = MANY_LEASES / SUBNETS;
    for n in 0..MANY_LEASES {
        let (index, offset) = (n / per_subnet, n % per_subnet);
        let addr = u32::from(MANY_BASE) + index * SUBNET_SIZE + 10 + offset;
        assert!(engine.apply(&Change::Bound {
            key: ClientKey::Hw(1, mac(0x10_0000_0000 + u64::from(n)).to_vec()),
            addr: Ipv4Addr::from(addr),
            until,
        }));
    }
    engine
}

/// One engine of the comparison: how to reach its subnets, and its timings.
struct Subject {
    name: String,
    engine: LeaseEngine,
    relays: Vec<Ipv4Addr>,
    fill: Duration,
    first: Vec<Duration>,
    times: Vec<Duration>,
    next_client: u64,
}

impl Subject {
    fn new(name: String, build: impl FnOnce() -> LeaseEngine, relays: Vec<Ipv4Addr>) -> Self {
        let started = Instant::now();
        let engine = build();
        Subject {
            name,
            engine,
            relays,
            fill: started.elapsed(),
            first: Vec::new(),
            times: Vec::new(),
            next_client: 0,
        }
    }

    /// A timed round of `count` DISCOVERs (a function of its own for a profiler's
    /// `--toggle-collect`).
    #[inline(never)]
    fn round(&mut self, count: usize) {
        let times = self.discover(count);
        self.times.extend(times);
    }

    /// `count` DISCOVERs from new clients, through the relays in turn; their times.
    fn discover(&mut self, count: usize) -> Vec<Duration> {
        let packets: Vec<Packet> = (0..count)
            .map(|n| {
                let mut packet = discover(self.next_client + n as u64);
                packet.giaddr = self.relays[n % self.relays.len()];
                packet
            })
            .collect();
        self.next_client += count as u64;
        let mut times = Vec::with_capacity(count);
        for (n, packet) in packets.iter().enumerate() {
            let start = Instant::now();
            let outcome = self.engine.handle(packet, NOW + n as Secs / 1000);
            times.push(start.elapsed());
            assert!(outcome.reply.is_some(), "an offer from {}", self.name);
            black_box(outcome);
        }
        times
    }
}

fn many_subnets(discovers: usize, rounds: usize, only: Option<usize>, spread: usize) {
    assert!(
        (1..=SUBNETS as usize).contains(&spread),
        "SPREAD is 1 to {SUBNETS}"
    );
    let step = SUBNETS as usize / spread;
    let until = NOW + 86_400;
    let mut subjects = vec![
        Subject::new(
            "1 subnet".into(),
            || server(1_000_000, until, None),
            vec![RELAY],
        ),
        Subject::new(
            "1,000 subnets".into(),
            || many_subnet_engine(until),
            (0..SUBNETS).map(relay_of).collect(),
        ),
        // The same subnets, the DISCOVERs through SPREAD of them only: the cost of their
        // number apart from that of touching many subnets' tables in turn.
        Subject::new(
            format!("1,000 subnets, {spread} relays"),
            || many_subnet_engine(until),
            (0..SUBNETS)
                .step_by(step)
                .take(spread)
                .map(relay_of)
                .collect(),
        ),
    ];
    if let Some(only) = only {
        subjects = vec![subjects.swap_remove(only)];
    }
    println!(
        "1M bound leases in each engine, {rounds} rounds of {discovers} DISCOVERs from new \
         clients, the engines in turn; process RSS with all alive: {} MiB\n",
        rss_mib()
    );
    for subject in &mut subjects {
        let subnets = subject.relays.len();
        subject.first = subject.discover(subnets);
    }
    for _ in 0..rounds {
        for subject in &mut subjects {
            subject.round(discovers);
        }
    }
    println!(
        "| engine | leases | DISCOVER median | p99 | mean | max | fill time | first DISCOVER per subnet, mean (max) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut figures = Vec::new();
    for subject in &mut subjects {
        let f = Figures::of(&mut subject.times);
        let first = Figures::of(&mut subject.first);
        println!(
            "| {} | {} | {:.2} µs | {:.2} µs | {:.2} µs | {:.1} µs | {:.2} s | {:.1} µs ({:.1} µs) |",
            subject.name,
            subject.engine.counts(NOW).bound,
            micros(f.median),
            micros(f.p99),
            micros(f.mean),
            micros(f.max),
            subject.fill.as_secs_f64(),
            micros(first.mean),
            micros(first.max),
        );
        figures.push(f);
    }
    for (row, subject) in subjects.iter().enumerate().skip(1) {
        let ratio = |pick: fn(&Figures) -> Duration| {
            pick(&figures[row]).as_secs_f64() / pick(&figures[0]).as_secs_f64()
        };
        println!(
            "\n{} over {}, same run: median {:.2}, p99 {:.2}, mean {:.2}",
            subject.name,
            subjects[0].name,
            ratio(|f| f.median),
            ratio(|f| f.p99),
            ratio(|f| f.mean)
        );
    }
}

/// Order statistics of a set of timings.
struct Figures {
    median: Duration,
    p99: Duration,
    mean: Duration,
    max: Duration,
}

impl Figures {
    fn of(times: &mut [Duration]) -> Figures {
        times.sort();
        let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        Figures {
            median: p(0.5),
            p99: p(0.99),
            mean: times.iter().sum::<Duration>() / times.len() as u32,
            max: p(1.0),
        }
    }
}
