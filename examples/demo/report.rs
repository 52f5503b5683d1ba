//! The summary at the end: the server's counters and the handler's state.

use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::{MessageType, Server, ServerStats};

use crate::pool::{Lease, Pool};

/// How long to wait for the handler to see the RELEASEs, which have no reply.
const RELEASE_WAIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(10);

/// Waits until the server has handled `count` RELEASEs, or gives up quietly.
pub fn await_releases(server: &Server<Pool>, count: usize) {
    let deadline = Instant::now() + RELEASE_WAIT;
    while server.handle().stats().handled(Some(MessageType::Release))
        < u64::try_from(count).unwrap_or(u64::MAX)
        && Instant::now() < deadline
    {
        thread::sleep(POLL);
    }
}

pub fn print_stats(stats: &ServerStats) {
    println!("server statistics:");
    println!(
        "  received {}, malformed {}, dropped (queue full) {}, sent {}, send failures {}",
        stats.received, stats.malformed, stats.dropped_full, stats.sent, stats.send_failures
    );
    let handled: Vec<String> = MessageType::ALL
        .iter()
        .map(|&kind| (kind, stats.handled(Some(kind))))
        .filter(|&(_, count)| count > 0)
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    println!("  handled: {}", handled.join(", "));
}

pub fn print_leases(leases: &[Lease]) {
    println!("handler state (via Handle::call):");
    for lease in leases {
        println!("  {lease}");
    }
}
