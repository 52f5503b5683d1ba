//! A DHCP load generator: DISCOVERs (or whole DORA exchanges) from one or more UDP
//! sockets, replies matched by `xid`, latency recorded per exchange.
//!
//! Shared by the `loadgen` tool (the command users run) and the `pipeline_bench` benchmark
//! (the same-run comparison with a raw UDP echo), so both measure with the same code.
//!
//! Each client is one thread with one socket, connected to the target. It keeps at
//! most `in_flight` exchanges outstanding; with a rate it sends on a fixed schedule
//! (rate / clients per client), without one it sends a new request the moment a reply
//! comes back (saturation, a closed loop). An exchange with no reply within `timeout`
//! is a drop. Everything is bounded by `duration` and `max_requests`.

mod client;
mod report;
mod requests;

use std::io;
use std::net::SocketAddrV4;
use std::thread;
use std::time::Duration;

pub use report::Report;

/// Client sockets at most: the client index is the top byte of every `xid`.
pub const MAX_CLIENTS: usize = 256;
/// Outstanding exchanges per client at most (the sequence number has 24 bits and
/// the slot table is twice the in-flight count).
pub const MAX_IN_FLIGHT: usize = 1 << 20;

/// What one exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// DISCOVER, then any datagram with the same `xid` ends it (an OFFER, or the
    /// DISCOVER itself from an echo server).
    Discover,
    /// DISCOVER, OFFER, REQUEST, ACK: the latency is that of the whole exchange.
    Dora,
}

/// The load to offer.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The server.
    pub target: SocketAddrV4,
    /// Client sockets, one thread each.
    pub clients: usize,
    /// Requests per second over all clients; `None` saturates (a new request as soon
    /// as a reply comes back, `in_flight` outstanding per client).
    pub rate: Option<f64>,
    /// How long to send.
    pub duration: Duration,
    /// Outstanding exchanges per client at most.
    pub in_flight: usize,
    /// Requests to send at most, over all clients.
    pub max_requests: u64,
    /// An exchange without a reply for this long is dropped.
    pub timeout: Duration,
    /// What an exchange is.
    pub mode: Mode,
    /// Extra options (8 value bytes each, private codes) in every request, to show
    /// the cost of longer packets.
    pub extra_options: usize,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            target: SocketAddrV4::new([127, 0, 0, 1].into(), 6767),
            clients: 1,
            rate: None,
            duration: Duration::from_secs(5),
            in_flight: 32,
            max_requests: 10_000_000,
            timeout: Duration::from_secs(1),
            mode: Mode::Discover,
            extra_options: 0,
        }
    }
}

/// Runs the load and returns what was measured, all clients together.
pub fn run(config: &LoadConfig) -> io::Result<Report> {
    let clients = config.clients.clamp(1, MAX_CLIENTS);
    let mut config = config.clone();
    config.clients = clients;
    config.in_flight = config.in_flight.clamp(1, MAX_IN_FLIGHT);
    let per_client = config.max_requests.div_ceil(clients as u64);
    let handles: Vec<_> = (0..clients)
        .map(|index| {
            let config = config.clone();
            thread::Builder::new()
                .name(format!("loadgen-{index}"))
                .spawn(move || client::run(&config, index, per_client))
        })
        .collect::<io::Result<_>>()?;
    let mut total = Report::default();
    for handle in handles {
        let report = handle
            .join()
            .map_err(|_| io::Error::other("a load generator thread panicked"))??;
        total.merge(report);
    }
    total.finish();
    Ok(total)
}
