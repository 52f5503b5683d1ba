//! The receive thread: one per socket, recv into a reused buffer, decode, queue.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, TrySendError};

use super::alive::{Alive, Watch};
use super::dispatch::Incoming;
use super::handler::{Listener, Source, Undecodable};
use super::socket::{describe, is_timeout};
use super::stats::Counters;
use super::tap::Tap;
use super::traffic::{self, DROP};
use crate::wake;
use crate::Packet;

/// The largest UDP payload over IPv4; a DHCP message is far smaller, but a datagram
/// cut short would decode as something it is not.
const MAX_DATAGRAM: usize = 65_507;

/// The receive thread's channels: packets to the handler, and back for reuse.
pub(crate) struct Queues {
    pub(crate) queue: wake::Sender<Incoming>,
    pub(crate) pool: Receiver<Box<Packet>>,
    /// Ends when the handler loop does: time to stop receiving.
    pub(crate) handler_running: Watch,
    /// Held while this thread runs: the handler thread counts what the receive
    /// threads queued until every one of these is gone.
    pub(crate) receiving: Alive,
}

/// What the configuration asks of a receive thread.
pub(crate) struct Options {
    /// Queue datagrams that do not decode for [`Handler::undecodable`](crate::Handler::undecodable).
    pub(crate) deliver_undecodable: bool,
    /// Where a copy of every datagram goes ([`Config::tap`](crate::Config::tap)).
    pub(crate) tap: Option<Tap>,
}

/// Receives until the handler loop has ended (looked at before each read, and so at
/// least once per read timeout).
///
/// Never blocks on the handler: when its queue is full the packet is dropped and
/// counted.
pub(crate) fn run(
    socket: UdpSocket,
    listener: Listener,
    queues: Queues,
    options: Options,
    counters: Arc<Counters>,
) {
    let Queues {
        queue,
        pool,
        handler_running,
        receiving: _receiving,
    } = queues;
    let mut buf = vec![0; MAX_DATAGRAM];
    // The packet decoded into next: one the handler has finished with when there is
    // one, so that decoding allocates nothing once the pool is warm.
    let mut spare: Option<Box<Packet>> = None;
    // Failed reads in a row, for the back-off.
    let mut failures: u32 = 0;
    while !handler_running.ended() {
        let (len, peer) = match socket.recv_from(&mut buf) {
            Ok((len, SocketAddr::V4(peer))) => (len, peer),
            Ok((_, SocketAddr::V6(peer))) => {
                log::debug!(target: DROP, "ignored a datagram from ipv6 peer {peer}");
                continue;
            }
            Err(error) if is_timeout(&error) => continue,
            Err(error) => {
                counters.receive_error();
                failures += 1;
                // Log the first failure of a run and then every doubling, and back off,
                // so a socket that keeps failing neither floods the log nor spins a core.
                if failures.is_power_of_two() {
                    log::warn!(
                        "receive on {} failed ({failures} in a row): {error}",
                        describe(&listener)
                    );
                }
                thread::sleep(backoff(failures));
                continue;
            }
        };
        failures = 0;
        counters.received();
        if let Some(tap) = &options.tap {
            tap.record(peer, listener.local, &buf[..len]);
        }
        let mut packet = spare
            .take()
            .or_else(|| pool.try_recv().ok())
            .unwrap_or_default();
        let incoming = match packet.decode_from(&buf[..len]) {
            Ok(()) => {
                let source = Source::new(peer, &listener);
                traffic::received(&packet, &source);
                Incoming::Packet { packet, source }
            }
            Err(error) => {
                counters.malformed();
                spare = Some(packet);
                if !options.deliver_undecodable {
                    log::debug!(target: DROP, "dropped {len} bytes from {peer}: {error}");
                    continue;
                }
                log::debug!(
                    target: traffic::RX,
                    "{len} undecodable bytes from {peer} on {}: {error}",
                    traffic::Socket::of(&listener)
                );
                Incoming::Undecodable {
                    datagram: Box::new(Undecodable {
                        bytes: buf[..len].to_vec(),
                        error,
                    }),
                    source: Source::new(peer, &listener),
                }
            }
        };
        match queue.try_send(incoming) {
            Ok(()) => {}
            Err(TrySendError::Full(incoming)) => {
                counters.dropped_full();
                // Under overload this runs for every datagram: ask the logger first, so
                // that a debug logger filtering other targets costs nothing more.
                if log::log_enabled!(target: DROP, log::Level::Debug) {
                    log::debug!(
                        target: DROP,
                        "dropped {} from {peer}: the handler's queue is full",
                        describe_incoming(&incoming)
                    );
                }
                if let Incoming::Packet { packet, .. } = incoming {
                    spare = Some(packet);
                }
            }
            Err(TrySendError::Disconnected(incoming)) => {
                counters.dropped_stopped();
                log::warn!(
                    target: DROP,
                    "dropped {} from {peer}: the handler has stopped",
                    describe_incoming(&incoming)
                );
                break;
            }
        }
    }
}

/// What a dropped datagram was, for the log: formatted only if a logger writes it.
fn describe_incoming(incoming: &Incoming) -> impl std::fmt::Display + '_ {
    struct Described<'a>(&'a Incoming);
    impl std::fmt::Display for Described<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.0 {
                Incoming::Packet { packet, .. } => write!(f, "xid {:#010x}", packet.xid),
                Incoming::Undecodable { datagram, .. } => {
                    write!(f, "{} undecodable bytes", datagram.bytes.len())
                }
            }
        }
    }
    Described(incoming)
}

/// The pause after `failures` failed reads in a row: none after the first, then
/// doubling from 1 ms up to the cap.
fn backoff(failures: u32) -> Duration {
    if failures <= 1 {
        return Duration::ZERO;
    }
    let millis = 1u64 << (failures - 2).min(MAX_BACKOFF_DOUBLINGS);
    Duration::from_millis(millis)
}

/// The back-off stops doubling at 2^6 = 64 ms: short enough that the end of the
/// handler loop (looked at before each read) is still seen promptly.
const MAX_BACKOFF_DOUBLINGS: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_nothing_and_doubles_to_a_cap() {
        assert_eq!(backoff(1), Duration::ZERO);
        assert_eq!(backoff(2), Duration::from_millis(1));
        assert_eq!(backoff(3), Duration::from_millis(2));
        assert_eq!(backoff(8), Duration::from_millis(64));
        assert_eq!(backoff(u32::MAX), Duration::from_millis(64));
    }
}
