//! The traffic log: one line per packet received and per reply sent, under log
//! targets of their own so that users can turn them on without the rest.
//!
//! Every function checks `log_enabled!` first, so with the level off a packet costs
//! one relaxed atomic load and a comparison: nothing is formatted or allocated.

use std::fmt;
use std::net::SocketAddrV4;

use log::Level;

use super::handler::{Listener, Source};
use crate::Packet;

/// Packets received on a socket.
pub(crate) const RX: &str = "ex_dhcp::rx";
/// Replies sent, and replies that could not be sent.
pub(crate) const TX: &str = "ex_dhcp::tx";
/// Datagrams received and not handled, and tap records lost.
pub(crate) const DROP: &str = "ex_dhcp::drop";

/// A packet received on a socket, logged before it is queued for the handler.
pub(crate) fn received(packet: &Packet, source: &Source) {
    if log::log_enabled!(target: RX, Level::Debug) {
        log::debug!(
            target: RX,
            "{} from {} on {}",
            Summary(packet),
            source.peer,
            Socket {
                index: source.listener,
                local: source.local,
                device: source.device.as_deref(),
            }
        );
    }
    if log::log_enabled!(target: RX, Level::Trace) {
        log::trace!(target: RX, "from {}: {packet}", source.peer);
    }
}

/// A reply as it left: `to` is the address `send_to` was given.
pub(crate) fn sent(packet: &Packet, to: SocketAddrV4, listener: &Listener) {
    if log::log_enabled!(target: TX, Level::Debug) {
        log::debug!(
            target: TX,
            "{} to {to} from {}",
            Summary(packet),
            Socket::of(listener)
        );
    }
    if log::log_enabled!(target: TX, Level::Trace) {
        log::trace!(target: TX, "to {to}: {packet}");
    }
}

/// One line about a packet: type, xid, chaddr, ciaddr, yiaddr.
pub(crate) struct Summary<'a>(pub(crate) &'a Packet);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let packet = self.0;
        match packet.message_type() {
            Some(kind) => write!(f, "{kind}")?,
            None => write!(f, "BOOTP {:?}", packet.op)?,
        }
        write!(f, " xid {:#010x} chaddr ", packet.xid)?;
        for (i, byte) in packet.hardware_addr().iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02x}")?;
        }
        write!(f, " ciaddr {} yiaddr {}", packet.ciaddr, packet.yiaddr)
    }
}

/// A server socket, for the log: its address, device and index.
pub(crate) struct Socket<'a> {
    pub(crate) index: usize,
    pub(crate) local: SocketAddrV4,
    pub(crate) device: Option<&'a str>,
}

impl<'a> Socket<'a> {
    pub(crate) fn of(listener: &'a Listener) -> Self {
        Socket {
            index: listener.index,
            local: listener.local,
            device: listener.device.as_deref(),
        }
    }
}

impl fmt::Display for Socket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.local)?;
        if let Some(device) = self.device {
            write!(f, " on {device}")?;
        }
        write!(f, " (listener {})", self.index)
    }
}
