//! A recorded exchange: client packets in capture order, each with the server
//! replies that answered it.
//!
//! Loading works the same for every source: decode each DHCP datagram, then
//! pair it. A packet with op BOOTREQUEST opens an exchange; a BOOTREPLY joins
//! the earliest exchange with the same transaction (xid and `chaddr`) whose
//! request its message type answers (an OFFER answers a DISCOVER, an ACK or NAK
//! a REQUEST or INFORM, ...) and that has no reply yet; failing that, the
//! latest exchange of the transaction. Pairing by `chaddr` as well as xid keeps
//! interleaved clients apart even if two of them picked the same xid, and
//! pairing first-unanswered-first keeps retransmissions apart.

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{Origin, ReplayError};
use crate::capture::{self, Datagram};
use crate::{MessageType, Op, Packet, CLIENT_PORT, SERVER_PORT};

/// The file name extension of saved packets.
const BIN_EXTENSION: &str = "bin";

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
        }
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

    fn from_datagram(datagram: &Datagram, frame: usize) -> Result<Self, ReplayError> {
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
}

impl Recording {
    /// Pairs recorded packets, in recording order, into exchanges.
    pub fn from_packets(packets: impl IntoIterator<Item = Recorded>) -> Self {
        let mut recording = Recording::default();
        for recorded in packets {
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

    /// Reads a classic pcap or pcapng capture held in memory, keeping UDP
    /// datagrams to or from ports 67 and 68.
    pub fn from_capture_bytes(bytes: &[u8]) -> Result<Self, ReplayError> {
        let capture_error = |error| ReplayError::Capture { path: None, error };
        let mut datagrams = capture::datagrams(bytes).map_err(capture_error)?;
        let mut packets = Vec::new();
        while let Some(datagram) = datagrams.next() {
            let datagram = datagram.map_err(capture_error)?;
            if datagram.is_dhcp_port() {
                // The frame just read is the last one counted: Wireshark's frame number.
                let frame = datagrams.stats().frames;
                packets.push(Recorded::from_datagram(&datagram, frame)?);
            }
        }
        Ok(Recording::from_packets(packets))
    }

    /// Reads the classic pcap or pcapng file at `path` (the format is told by
    /// its first bytes): what `snoop`, tcpdump or Wireshark saved.
    pub fn from_capture(path: impl AsRef<Path>) -> Result<Self, ReplayError> {
        let path = path.as_ref();
        let bytes = fs::read(path).map_err(|error| ReplayError::Capture {
            path: Some(path.to_owned()),
            error: error.into(),
        })?;
        let mut recording = Recording::from_capture_bytes(&bytes).map_err(|e| e.at(path))?;
        recording.path = Some(path.to_owned());
        Ok(recording)
    }

    /// Reads saved packets, one DHCP payload per file, in the order given.
    pub fn from_bin_files<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Self, ReplayError> {
        let mut packets = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let origin = Origin::File(path.to_owned());
            let bytes = fs::read(path).map_err(|error| ReplayError::Io {
                path: path.to_owned(),
                error,
            })?;
            let packet = Packet::decode(&bytes).map_err(|error| ReplayError::Decode {
                origin: origin.clone(),
                error,
            })?;
            packets.push(Recorded::new(packet, origin));
        }
        Ok(Recording::from_packets(packets))
    }

    /// Reads every `.bin` file of a directory, in file name order.
    pub fn from_bin_dir(dir: impl AsRef<Path>) -> Result<Self, ReplayError> {
        let dir = dir.as_ref();
        let io_error = |error| ReplayError::Io {
            path: dir.to_owned(),
            error,
        };
        let mut paths = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_error)? {
            let path = entry.map_err(io_error)?.path();
            if path.extension().is_some_and(|ext| ext == BIN_EXTENSION) {
                paths.push(path);
            }
        }
        paths.sort();
        let mut recording = Recording::from_bin_files(&paths)?;
        recording.path = Some(dir.to_owned());
        Ok(recording)
    }

    /// Reads a directory of `.bin` files, a single `.bin` file, or a capture.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ReplayError> {
        let path = path.as_ref();
        if path.is_dir() {
            Recording::from_bin_dir(path)
        } else if path.extension().is_some_and(|ext| ext == BIN_EXTENSION) {
            let mut recording = Recording::from_bin_files([path])?;
            recording.path = Some(path.to_owned());
            Ok(recording)
        } else {
            Recording::from_capture(path)
        }
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
fn answers(request: Option<MessageType>, reply: Option<MessageType>) -> bool {
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
