//! The receive loop, run on one thread per port.

use std::io;
use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossbeam_channel::Sender;

/// Large enough for any UDP payload over IPv4.
const RECEIVE_BUFFER_LEN: usize = 65_536;
/// How often a receive loop looks at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// One datagram as received.
#[derive(Debug)]
pub struct Received {
    pub at: SystemTime,
    pub from: SocketAddrV4,
    /// The local address the socket is bound to; the wildcard address when it is not
    /// bound to one, since a plain UDP socket does not learn a datagram's destination.
    pub to: SocketAddrV4,
    pub bytes: Vec<u8>,
}

/// Receives until `stop` is set or the main loop hangs up.
pub fn receive_loop(socket: UdpSocket, stop: Arc<AtomicBool>, out: Sender<Received>) {
    let to = match socket.local_addr() {
        Ok(SocketAddr::V4(address)) => address,
        other => {
            log::error!("socket has no IPv4 local address: {other:?}");
            return;
        }
    };
    if let Err(error) = socket.set_read_timeout(Some(POLL_INTERVAL)) {
        log::error!("cannot set a read timeout on port {}: {error}", to.port());
        return;
    }
    let mut buffer = vec![0; RECEIVE_BUFFER_LEN];
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buffer) {
            Ok((len, SocketAddr::V4(from))) => {
                let received = Received {
                    at: SystemTime::now(),
                    from,
                    to,
                    bytes: buffer[..len].to_vec(),
                };
                if out.send(received).is_err() {
                    return;
                }
            }
            Ok((_, from)) => log::warn!("ignoring a datagram from non-IPv4 {from}"),
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(error) => {
                log::error!("receiving on port {}: {error}", to.port());
                return;
            }
        }
    }
}
