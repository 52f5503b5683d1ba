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

use std::collections::BTreeMap;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use ex_dhcp::lease::{Change, ClientKey, LeaseEngine, Pool, Secs, Settings, Share};
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
    let mut args = std::env::args().skip(1);
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
