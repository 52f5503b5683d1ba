//! The sender thread: encode into a reused buffer, send from the right socket, count.

use std::sync::Arc;

use crossbeam_channel::Sender;

use super::dispatch::Routed;
use super::error::SendError;
use super::handler::SendFailure;
use super::socket::Bound;
use super::stats::Counters;
use super::tap::Tap;
use super::traffic;
use crate::wake;
use crate::Encoding;
use crate::Packet;

/// Room for any reply: fitted replies are at most the client's maximum message size.
const BUFFER_LEN: usize = 65_507;

/// Sends until the handler thread drops its end of `queue`, then returns.
///
/// Every failure is counted, logged and reported back to the handler through
/// `failures` (it may already be gone during shutdown; that is fine). Each reply
/// sent is logged (`ex_dhcp::tx`) with the address `send_to` was given, and
/// tapped as it is handed to `send_to`. The box of a reply sent goes back to the
/// handler thread through `spares`, for its next reply (when that pool is full or
/// gone, it is simply freed).
pub(crate) fn run(
    sockets: Vec<Bound>,
    queue: wake::Receiver<Routed>,
    spares: Sender<Box<Packet>>,
    failures: wake::Sender<SendFailure>,
    counters: Arc<Counters>,
    tap: Option<Tap>,
) {
    let mut buf = vec![0; BUFFER_LEN];
    // Parks without spinning when the queue is empty (see `crate::wake`).
    while let Some(outgoing) = queue.recv() {
        let result = match outgoing.packet.encode_to(&mut buf, Encoding::Padded) {
            Ok(len) => match sockets.get(outgoing.listener) {
                Some(bound) => {
                    // Tapped before the send: once it is sent the client may answer,
                    // and its next packet must not reach the tap first.
                    if let Some(tap) = &tap {
                        tap.record(bound.listener.local, outgoing.to, &buf[..len]);
                    }
                    bound
                        .socket
                        .send_to(&buf[..len], outgoing.to)
                        .map(|_| traffic::sent(&outgoing.packet, outgoing.to, &bound.listener))
                        .map_err(SendError::Io)
                }
                None => Err(SendError::NoSuchSocket {
                    listener: outgoing.listener,
                }),
            },
            Err(error) => Err(SendError::Encode(error)),
        };
        match result {
            Ok(()) => {
                counters.sent();
                let _ = spares.try_send(outgoing.packet);
            }
            Err(error) => {
                counters.send_failure();
                log_failure(&outgoing, &error);
                let _ = failures.send(SendFailure {
                    packet: *outgoing.packet,
                    to: outgoing.to,
                    listener: outgoing.listener,
                    error,
                });
            }
        }
    }
}

fn log_failure(outgoing: &Routed, error: &SendError) {
    // The Display of a refused send carries the conntrack hint.
    log::error!(
        target: traffic::TX,
        "sending reply xid {:#010x} to {} failed: {error}",
        outgoing.packet.xid,
        outgoing.to
    );
}
