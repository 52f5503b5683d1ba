//! The receive thread: one per socket, recv into a reused buffer, decode, queue.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::dispatch::Incoming;
use super::handler::{Listener, Source};
use super::socket::describe;
use super::stats::Counters;
use crate::Packet;

/// The largest UDP payload over IPv4; a DHCP message is far smaller, but a datagram
/// cut short would decode as something it is not.
const MAX_DATAGRAM: usize = 65_507;

/// The receive thread's channels: packets to the handler, and back for reuse.
pub(crate) struct Queues {
    pub(crate) queue: Sender<Incoming>,
    pub(crate) pool: Receiver<Box<Packet>>,
}

/// Receives until `stop` is set (checked at every read timeout) or the handler is gone.
///
/// Never blocks on the handler: when its queue is full the packet is dropped and
/// counted. Returning drops this thread's sender, the first stage of shutdown.
pub(crate) fn run(
    socket: UdpSocket,
    listener: Listener,
    queues: Queues,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
) {
    let Queues { queue, pool } = queues;
    let mut buf = vec![0; MAX_DATAGRAM];
    // The packet decoded into next: one the handler has finished with when there is
    // one, so that decoding allocates nothing once the pool is warm.
    let mut spare: Option<Box<Packet>> = None;
    while !stop.load(Ordering::Relaxed) {
        let (len, peer) = match socket.recv_from(&mut buf) {
            Ok((len, SocketAddr::V4(peer))) => (len, peer),
            Ok((_, SocketAddr::V6(peer))) => {
                log::debug!("ignored a datagram from ipv6 peer {peer}");
                continue;
            }
            Err(error) if is_timeout(&error) => continue,
            Err(error) => {
                log::warn!("receive on {} failed: {error}", describe(&listener));
                continue;
            }
        };
        counters.received();
        let mut packet = spare
            .take()
            .or_else(|| pool.try_recv().ok())
            .unwrap_or_default();
        if let Err(error) = packet.decode_from(&buf[..len]) {
            counters.malformed();
            log::debug!("dropped {len} bytes from {peer}: {error}");
            spare = Some(packet);
            continue;
        }
        let incoming = Incoming {
            packet,
            source: Source::new(peer, &listener),
        };
        match queue.try_send(incoming) {
            Ok(()) => {}
            Err(TrySendError::Full(incoming)) => {
                counters.dropped_full();
                log::debug!(
                    "dropped xid {:#010x} from {peer}: the handler's queue is full",
                    incoming.packet.xid
                );
                spare = Some(incoming.packet);
            }
            Err(TrySendError::Disconnected(incoming)) => {
                counters.dropped_stopped();
                log::warn!(
                    "dropped xid {:#010x} from {peer}: the handler has stopped",
                    incoming.packet.xid
                );
                break;
            }
        }
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
