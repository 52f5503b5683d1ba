//! A recording paired into exchanges: client packets in recording order, each
//! with the server replies that answered it.
//!
//! Pairing works the same for every source ([`Recording::from_packets`]). A
//! packet with op BOOTREQUEST opens an exchange; a BOOTREPLY joins the earliest
//! exchange with the same transaction (xid and `chaddr`) whose request its
//! message type answers (an OFFER answers a DISCOVER, an ACK or NAK a REQUEST or
//! INFORM, ...) and that has no reply yet; failing that, the latest exchange of
//! the transaction. Pairing by `chaddr` as well as xid keeps interleaved clients
//! apart even if two of them picked the same xid, and pairing
//! first-unanswered-first keeps retransmissions apart. Reading files and
//! captures is [`RecordingReader`](super::RecordingReader)'s part.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;

use super::error::{Origin, ReplayError};
use crate::capture::Datagram;
use crate::server::{CLIENT_PORT, SERVER_PORT};
use crate::{MessageType, Op, Packet};

/// One recorded packet and what is known of how it travelled.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recorded {
    /// The packet, decoded.
    pub packet: Packet,
    /// Where it was in the recording: the capture's frame number or the file.
    pub origin: Origin,
    /// The sender, when the recording says (captures do, `.bin` files do not).
    pub source: Option<SocketAddrV4>,
    /// The receiver, when the recording says.
    pub destination: Option<SocketAddrV4>,
    /// The capture time since the Unix epoch, when the recording says.
    pub timestamp: Option<Duration>,
    /// Its place among the recording's packets, from 0: what tells a replay whether
    /// a reply came before the next client packet.
    seq: usize,
}

impl Recorded {
    /// A packet known only by its bytes, from a `.bin` file or built in a test.
    pub fn new(packet: Packet, origin: Origin) -> Self {
        Recorded {
            packet,
            origin,
            source: None,
            destination: None,
            timestamp: None,
            seq: 0,
        }
    }

    /// Its place among the recording's packets ([`Recording::from_packets`] numbers them).
    pub(super) fn seq(&self) -> usize {
        self.seq
    }

    /// The address the packet is replayed from: the recorded sender, or what a
    /// client or relay would have used (port 68 from 0.0.0.0 or `ciaddr`, port 67
    /// from `giaddr` when relayed).
    pub fn replay_source(&self) -> SocketAddrV4 {
        if let Some(source) = self.source {
            return source;
        }
        let packet = &self.packet;
        if packet.giaddr != Ipv4Addr::UNSPECIFIED {
            SocketAddrV4::new(packet.giaddr, SERVER_PORT)
        } else {
            SocketAddrV4::new(packet.ciaddr, CLIENT_PORT)
        }
    }

    pub(super) fn from_datagram(datagram: &Datagram, frame: usize) -> Result<Self, ReplayError> {
        let origin = Origin::Frame(frame);
        let packet = Packet::decode(&datagram.payload).map_err(|error| ReplayError::Decode {
            origin: origin.clone(),
            error,
        })?;
        Ok(Recorded {
            packet,
            origin,
            source: Some(datagram.source),
            destination: Some(datagram.destination),
            timestamp: Some(datagram.timestamp),
            seq: 0,
        })
    }
}

/// A client packet and the recorded server replies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The client's (or relay's) packet, op BOOTREQUEST.
    pub request: Recorded,
    /// The server replies recorded for it, in capture order; empty when the
    /// server stayed silent.
    pub replies: Vec<Recorded>,
}

/// A recording turned into exchanges, ready to replay.
///
/// Read one with [`Recording::read`] (a capture on ports 67 and 68, a `.bin`
/// file or a directory of them) or, for other ports or a capture from a reader,
/// [`Recording::reader`]; build one in code with [`Recording::from_packets`].
///
/// ```
/// use ex_dhcp::replay::{Origin, Recorded, Recording};
/// use ex_dhcp::{respond, MessageType, Packet};
///
/// let discover = Packet::new(MessageType::Discover);
/// let offer = respond(&discover, MessageType::Offer);
/// let recording = Recording::from_packets([
///     Recorded::new(discover, Origin::Packet(1)),
///     Recorded::new(offer, Origin::Packet(2)),
/// ]);
/// assert_eq!(recording.exchanges.len(), 1);
/// assert_eq!(recording.exchanges[0].replies[0].origin, Origin::Packet(2));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recording {
    /// One exchange per client packet, in recording order.
    pub exchanges: Vec<Exchange>,
    /// Server replies that answer no recorded client packet, such as the end of
    /// an exchange that began before the capture did. They are not compared.
    pub unmatched_replies: Vec<Recorded>,
    /// Where the recording came from, for messages.
    pub path: Option<PathBuf>,
    /// For a capture: the ports read as DHCP's, and what was left out.
    pub ports: Option<PortFilter>,
}

/// The UDP ports a capture was read on, and the datagrams left out because
/// neither of their ports was one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortFilter {
    /// The server's port (67 unless named).
    pub server_port: u16,
    /// The client's port (68 unless named).
    pub client_port: u16,
    /// UDP datagrams on other ports, left out.
    pub skipped: usize,
    /// The ports of the datagrams left out, lowest first; at most
    /// [`PortFilter::MAX_SKIPPED_PORTS`] of them.
    pub skipped_ports: Vec<u16>,
}

impl PortFilter {
    /// How many of the left-out ports are kept for the message.
    pub const MAX_SKIPPED_PORTS: usize = 8;

    pub(super) fn new(server_port: u16, client_port: u16) -> Self {
        PortFilter {
            server_port,
            client_port,
            skipped: 0,
            skipped_ports: Vec::new(),
        }
    }

    /// Whether a datagram is DHCP on these ports: from or to either of them
    /// (relayed traffic runs from server port to server port).
    pub(super) fn keeps(&mut self, datagram: &Datagram) -> bool {
        let ports = [datagram.source.port(), datagram.destination.port()];
        let kept = ports
            .iter()
            .any(|&port| port == self.server_port || port == self.client_port);
        if !kept {
            self.skipped += 1;
            // The lowest ports seen, sorted, without a set rebuilt per datagram.
            for port in ports {
                if let Err(at) = self.skipped_ports.binary_search(&port) {
                    self.skipped_ports.insert(at, port);
                    self.skipped_ports.truncate(Self::MAX_SKIPPED_PORTS);
                }
            }
        }
        kept
    }
}

impl fmt::Display for PortFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "looked for udp ports {} (server) and {} (client)",
            self.server_port, self.client_port
        )?;
        if self.skipped > 0 {
            let ports: Vec<String> = self.skipped_ports.iter().map(u16::to_string).collect();
            write!(
                f,
                "; left out {} udp datagram(s) on ports {}: name the server and client ports to read them",
                self.skipped,
                ports.join(", ")
            )?;
        }
        Ok(())
    }
}

impl Recording {
    /// Pairs recorded packets, given in recording order, into exchanges: how a
    /// recording built in code is made (every reader ends here too).
    pub fn from_packets(packets: impl IntoIterator<Item = Recorded>) -> Self {
        let mut recording = Recording::default();
        for (seq, mut recorded) in packets.into_iter().enumerate() {
            recorded.seq = seq;
            match recorded.packet.op {
                Op::Request => recording.exchanges.push(Exchange {
                    request: recorded,
                    replies: Vec::new(),
                }),
                _ => match recording.exchange_for(&recorded.packet) {
                    Some(index) => recording.exchanges[index].replies.push(recorded),
                    None => recording.unmatched_replies.push(recorded),
                },
            }
        }
        recording
    }

    /// True when the recording holds at least one server reply, matched or not.
    ///
    /// Without any, there is nothing to compare with: a replay reports what the
    /// handler answers instead.
    pub fn has_replies(&self) -> bool {
        !self.unmatched_replies.is_empty() || self.exchanges.iter().any(|e| !e.replies.is_empty())
    }

    /// The exchange a reply belongs to (see the module docs).
    fn exchange_for(&self, reply: &Packet) -> Option<usize> {
        let same = |e: &&Exchange| same_transaction(&e.request.packet, reply);
        let answers =
            |e: &&Exchange| answers(e.request.packet.message_type(), reply.message_type());
        let indexed = || self.exchanges.iter().enumerate();
        indexed()
            .find(|(_, e)| same(e) && answers(e) && e.replies.is_empty())
            .or_else(|| indexed().rev().find(|(_, e)| same(e) && answers(e)))
            .or_else(|| indexed().rev().find(|(_, e)| same(e)))
            .map(|(index, _)| index)
    }
}

/// The key that ties a reply to its request: xid and the whole `chaddr`.
fn same_transaction(request: &Packet, reply: &Packet) -> bool {
    request.xid == reply.xid && request.chaddr == reply.chaddr
}

/// Whether a reply of type `reply` can answer a request of type `request`.
pub(super) fn answers(request: Option<MessageType>, reply: Option<MessageType>) -> bool {
    use MessageType::*;
    match (request, reply) {
        (Some(Discover), Some(reply)) => reply == Offer,
        (Some(Request), Some(reply)) => matches!(reply, Ack | Nak),
        (Some(Inform), Some(reply)) => reply == Ack,
        (Some(LeaseQuery), Some(reply)) => {
            matches!(reply, LeaseUnassigned | LeaseUnknown | LeaseActive)
        }
        (Some(BulkLeaseQuery | ActiveLeaseQuery), Some(reply)) => matches!(
            reply,
            LeaseUnassigned | LeaseUnknown | LeaseActive | LeaseQueryDone | LeaseQueryStatus
        ),
        (Some(Decline | Release), _) => false,
        // BOOTP, unknown types and malformed option 53: anything of the transaction.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond;

    fn client(kind: MessageType, xid: u32, mac: u8) -> Packet {
        let mut packet = Packet::new(kind);
        packet.xid = xid;
        packet.set_mac([2, 0, 0, 0, 0, mac]);
        packet
    }

    fn numbered(packets: Vec<Packet>) -> Vec<Recorded> {
        packets
            .into_iter()
            .enumerate()
            .map(|(index, packet)| Recorded::new(packet, Origin::Packet(index + 1)))
            .collect()
    }

    fn origins(exchange: &Exchange) -> Vec<Origin> {
        exchange.replies.iter().map(|r| r.origin.clone()).collect()
    }

    #[test]
    fn interleaved_clients_with_the_same_xid_are_told_apart_by_chaddr() {
        let a = client(MessageType::Discover, 7, 1);
        let b = client(MessageType::Discover, 7, 2);
        let recording = Recording::from_packets(numbered(vec![
            a.clone(),
            b.clone(),
            respond(&b, MessageType::Offer),
            respond(&a, MessageType::Offer),
        ]));
        assert_eq!(recording.exchanges.len(), 2);
        assert_eq!(origins(&recording.exchanges[0]), [Origin::Packet(4)]);
        assert_eq!(origins(&recording.exchanges[1]), [Origin::Packet(3)]);
    }

    #[test]
    fn retransmissions_take_replies_first_come_first_served() {
        let discover = client(MessageType::Discover, 9, 1);
        let offer = respond(&discover, MessageType::Offer);
        let recording = Recording::from_packets(numbered(vec![
            discover.clone(),
            discover,
            offer.clone(),
            offer,
        ]));
        assert_eq!(origins(&recording.exchanges[0]), [Origin::Packet(3)]);
        assert_eq!(origins(&recording.exchanges[1]), [Origin::Packet(4)]);
    }

    #[test]
    fn replies_go_to_the_request_their_type_answers() {
        let discover = client(MessageType::Discover, 5, 1);
        let request = client(MessageType::Request, 5, 1);
        let recording = Recording::from_packets(numbered(vec![
            discover.clone(),
            request.clone(),
            respond(&request, MessageType::Ack),
            respond(&discover, MessageType::Offer),
        ]));
        assert_eq!(origins(&recording.exchanges[0]), [Origin::Packet(4)]);
        assert_eq!(origins(&recording.exchanges[1]), [Origin::Packet(3)]);
    }

    #[test]
    fn replies_without_a_request_are_kept_apart() {
        let orphan = respond(&client(MessageType::Request, 1, 1), MessageType::Ack);
        let recording =
            Recording::from_packets(numbered(vec![orphan, client(MessageType::Release, 2, 1)]));
        assert_eq!(recording.unmatched_replies.len(), 1);
        assert!(recording.exchanges[0].replies.is_empty());
        assert!(recording.has_replies());
    }

    #[test]
    fn the_port_filter_says_what_it_left_out() {
        let mut filter = PortFilter::new(67, 68);
        let datagram = |from: &str, to: &str| Datagram {
            timestamp: Duration::ZERO,
            source: from.parse().unwrap(),
            destination: to.parse().unwrap(),
            payload: Vec::new(),
        };
        assert!(filter.keeps(&datagram("0.0.0.0:68", "255.255.255.255:67")));
        assert!(!filter.keeps(&datagram("127.0.0.1:6868", "127.0.0.1:6767")));
        let text = filter.to_string();
        assert!(
            text.contains("udp ports 67 (server) and 68 (client)"),
            "{text}"
        );
        assert!(
            text.contains("left out 1 udp datagram(s) on ports 6767, 6868"),
            "{text}"
        );
    }

    #[test]
    fn replay_source_follows_the_relay_or_the_client() {
        let mut packet = client(MessageType::Request, 1, 1);
        packet.ciaddr = Ipv4Addr::new(192, 0, 2, 5);
        let bound = Recorded::new(packet.clone(), Origin::Packet(1));
        assert_eq!(bound.replay_source(), "192.0.2.5:68".parse().unwrap());
        packet.giaddr = Ipv4Addr::new(192, 0, 2, 1);
        let relayed = Recorded::new(packet, Origin::Packet(1));
        assert_eq!(relayed.replay_source(), "192.0.2.1:67".parse().unwrap());
    }
}
