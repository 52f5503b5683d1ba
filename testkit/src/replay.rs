//! Shared by the replay tests: fixture paths, handlers that answer like the
//! server recorded in the DORA fixture (at once, or once the lease is durable),
//! and captures built in code.

use ex_dhcp::server::HandlerError;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;

use ex_dhcp::capture::{Datagram, PcapWriter};
use ex_dhcp::lease::{client_key, secs, Change, Done, LeaseStore, StoreWorker};
use ex_dhcp::options::{
    ClientIdentifier, DhcpOption, LeaseTime, RebindingTime, RenewalTime, ServerIdentifier,
    SubnetMask,
};
use ex_dhcp::{
    respond, Context, Encoding, Handler, MessageType, Packet, Pending, Reply, Source, StopReason,
};

/// The whole DORA exchange of the shared fixtures (packetlife.net, via Net-DHCP).
pub const DORA: &str = "DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap";

/// A capture of the repository's fixtures (`tests/data/captures`).
pub fn fixture(name: &str) -> PathBuf {
    crate::fixtures::capture(name)
}

/// The recorded server's address, and the one it handed out.
pub const SERVER: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);
pub const OFFERED: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 10);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const LEASE_SECS: u32 = 3600;
const T1_SECS: u32 = 1800;
const T2_SECS: u32 = 3150;

/// Answers like the server in the DORA fixture: the same address, options and
/// option order. That server did not echo the client identifier (RFC 6842 came
/// later), so neither does this handler.
#[derive(Debug, Clone)]
pub struct DoraServer {
    address: Ipv4Addr,
    lease_secs: u32,
}

impl DoraServer {
    /// A handler that answers exactly as recorded.
    pub fn new() -> Self {
        DoraServer {
            address: OFFERED,
            lease_secs: LEASE_SECS,
        }
    }

    /// The same handler handing out another address.
    pub fn handing_out(address: Ipv4Addr) -> Self {
        DoraServer {
            address,
            ..DoraServer::new()
        }
    }

    /// The same handler with another lease time.
    pub fn leasing_for(lease_secs: u32) -> Self {
        DoraServer {
            lease_secs,
            ..DoraServer::new()
        }
    }

    fn reply(&self, request: &Packet, kind: MessageType) -> Packet {
        respond(request, kind)
            .without_option(ClientIdentifier::CODE)
            .with_yiaddr(self.address)
    }

    /// The OFFER the recorded server sent.
    fn offer(&self, discover: &Packet) -> Packet {
        self.reply(discover, MessageType::Offer)
            .with_siaddr(SERVER)
            .with_option(SubnetMask, MASK)
            .with_option(RenewalTime, T1_SECS)
            .with_option(RebindingTime, T2_SECS)
            .with_option(LeaseTime, self.lease_secs)
            .with_option(ServerIdentifier, SERVER)
    }

    /// The ACK the recorded server sent.
    fn ack(&self, request: &Packet) -> Packet {
        self.reply(request, MessageType::Ack)
            .with_option(RenewalTime, T1_SECS)
            .with_option(RebindingTime, T2_SECS)
            .with_option(LeaseTime, self.lease_secs)
            .with_option(ServerIdentifier, SERVER)
            .with_option(SubnetMask, MASK)
    }
}

impl Default for DoraServer {
    fn default() -> Self {
        DoraServer::new()
    }
}

impl Handler for DoraServer {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.offer(packet).into()
    }

    fn request(&mut self, packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.ack(packet).into()
    }

    fn decline(&mut self, _packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

/// What [`DurableDoraServer`]'s mailbox carries.
#[derive(Debug)]
pub enum Durable {
    /// The store worker made a batch durable (or failed to).
    Done(Done),
    /// Send the next ACK a batch released (one per callback, in order).
    Release,
}

/// A request's lease change on its way to the store, and the ACK it waits for.
struct Held {
    seq: u64,
    pending: Pending,
    ack: Packet,
}

/// Answers like [`DoraServer`], but holds each ACK until a [`StoreWorker`] over
/// the store reports the lease durable, as a durable lease server does: the
/// request is deferred ([`Context::defer`]), the worker's [`Done`] comes through
/// the mailbox, and the ACKs it covers go out in order
/// ([`Context::continue_with`] for all but the first). A failed batch drops its
/// ACKs, which count as abandoned.
pub struct DurableDoraServer<S: LeaseStore> {
    dora: DoraServer,
    store: Option<S>,
    worker: Option<StoreWorker<S>>,
    held: VecDeque<Held>,
    released: VecDeque<Reply>,
}

impl<S: LeaseStore> std::fmt::Debug for DurableDoraServer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableDoraServer")
            .field("held", &self.held.len())
            .field("released", &self.released.len())
            .finish_non_exhaustive()
    }
}

impl<S: LeaseStore> DurableDoraServer<S> {
    /// A handler whose worker, started in [`Handler::init`], keeps leases in `store`.
    pub fn new(store: S) -> Self {
        DurableDoraServer::answering(DoraServer::new(), store)
    }

    /// The same, answering as `dora` does.
    pub fn answering(dora: DoraServer, store: S) -> Self {
        DurableDoraServer {
            dora,
            store: Some(store),
            worker: None,
            held: VecDeque::new(),
            released: VecDeque::new(),
        }
    }
}

impl<S: LeaseStore> Handler for DurableDoraServer<S> {
    type Message = Durable;

    fn init(&mut self, ctx: &mut Context<'_, Durable>) -> Result<(), HandlerError> {
        let store = self
            .store
            .take()
            .ok_or_else(|| HandlerError::new("the store was taken by an earlier init"))?;
        let mailbox = ctx.mailbox().clone();
        let worker = StoreWorker::spawn(store, move |done| {
            // Fails only once the handler has stopped: nobody is left to answer.
            let _ = mailbox.post(Durable::Done(done));
        })
        .map_err(HandlerError::new)?;
        self.worker = Some(worker);
        Ok(())
    }

    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context<'_, Durable>) -> Reply {
        self.dora.offer(packet).into()
    }

    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Durable>) -> Reply {
        let Some(worker) = self.worker.as_mut() else {
            return Reply::None;
        };
        let ack = self.dora.ack(packet);
        let until = secs(ctx.system_time()) + u64::from(self.dora.lease_secs);
        let change = Change::Bound {
            key: client_key(packet),
            addr: ack.yiaddr,
            until,
        };
        let seq = worker.submit(vec![change]);
        self.held.push_back(Held {
            seq,
            pending: ctx.defer(packet, from),
            ack,
        });
        Reply::None
    }

    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Durable>) -> Reply {
        Reply::None
    }

    fn message(&mut self, message: Durable, ctx: &mut Context<'_, Durable>) -> Reply {
        if let Durable::Done(done) = message {
            let durable = done.result.is_ok();
            while self
                .held
                .front()
                .is_some_and(|held| held.seq < done.seqs.end)
            {
                let Some(held) = self.held.pop_front() else {
                    break;
                };
                if durable {
                    self.released.push_back(held.pending.reply(held.ack));
                }
            }
            // This callback sends the first; each follow-up the next.
            for _ in 1..self.released.len() {
                ctx.continue_with(Durable::Release);
            }
        }
        self.released.pop_front().unwrap_or(Reply::None)
    }

    fn terminate(&mut self, _reason: &StopReason) {
        if let Some(worker) = self.worker.take() {
            worker.shutdown();
        }
    }
}

/// A client packet of `kind` from the Ethernet client `02:00:00:00:00:<last>`.
pub fn client(kind: MessageType, xid: u32, last: u8) -> Packet {
    let mut packet = Packet::new(kind);
    packet.xid = xid;
    packet.set_mac([0x02, 0, 0, 0, 0, last]);
    packet
}

const CLIENT_SIDE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68);
const SERVER_SIDE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::BROADCAST, 67);

/// Writes packets as a classic pcap, one millisecond apart: requests from the
/// client port to the broadcast server port, replies the other way.
pub fn pcap_of(packets: &[Packet]) -> Vec<u8> {
    let mut writer = PcapWriter::new(Vec::new()).expect("a pcap header fits in memory");
    for (index, packet) in packets.iter().enumerate() {
        let (source, destination) = match packet.op {
            ex_dhcp::Op::Request => (CLIENT_SIDE, SERVER_SIDE),
            _ => (
                SocketAddrV4::new(SERVER, 67),
                SocketAddrV4::new(Ipv4Addr::BROADCAST, 68),
            ),
        };
        let millis = u64::try_from(index).expect("few packets");
        let datagram = Datagram {
            timestamp: Duration::from_millis(millis),
            source,
            destination,
            payload: packet.encode(Encoding::Padded),
        };
        writer.write_datagram(&datagram).expect("a small datagram");
    }
    writer.into_inner()
}

// Classic pcap, little-endian: global header and record header layout.
const PCAP_HEADER_LEN: usize = 24;
const PCAP_LINK_TYPE: usize = 20;
const PCAP_RECORD_HEADER_LEN: usize = 16;
const PCAP_TS_SECS: usize = 0;
const PCAP_TS_MICROS: usize = 4;
const PCAP_INCLUDED_LEN: usize = 8;
const PCAP_ORIGINAL_LEN: usize = 12;
// pcapng block types and the section header's byte-order magic.
const SECTION_HEADER_BLOCK: u32 = 0x0a0d_0d0a;
const INTERFACE_DESCRIPTION_BLOCK: u32 = 1;
const ENHANCED_PACKET_BLOCK: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const MICROS_PER_SEC: u64 = 1_000_000;

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"))
}

/// Rewrites a little-endian classic pcap as pcapng (one section, one
/// interface, enhanced packet blocks with microsecond timestamps), as
/// Wireshark saves by default.
pub fn pcap_to_pcapng(pcap: &[u8]) -> Vec<u8> {
    let link_type = u32_at(pcap, PCAP_LINK_TYPE);
    let mut out = Vec::new();
    let mut section = Vec::new();
    section.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    section.extend_from_slice(&1u16.to_le_bytes()); // version 1.0
    section.extend_from_slice(&0u16.to_le_bytes());
    section.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
    block(&mut out, SECTION_HEADER_BLOCK, &section);
    let mut interface = Vec::new();
    interface.extend_from_slice(&u16::try_from(link_type).expect("link type").to_le_bytes());
    interface.extend_from_slice(&0u16.to_le_bytes());
    interface.extend_from_slice(&0u32.to_le_bytes()); // no snap length
    block(&mut out, INTERFACE_DESCRIPTION_BLOCK, &interface);
    let mut at = PCAP_HEADER_LEN;
    while at + PCAP_RECORD_HEADER_LEN <= pcap.len() {
        let included = usize::try_from(u32_at(pcap, at + PCAP_INCLUDED_LEN)).expect("length");
        let micros = u64::from(u32_at(pcap, at + PCAP_TS_SECS)) * MICROS_PER_SEC
            + u64::from(u32_at(pcap, at + PCAP_TS_MICROS));
        let data_at = at + PCAP_RECORD_HEADER_LEN;
        let mut packet = Vec::new();
        packet.extend_from_slice(&0u32.to_le_bytes()); // interface 0
        packet.extend_from_slice(&u32::try_from(micros >> 32).expect("high").to_le_bytes());
        packet.extend_from_slice(&(micros as u32).to_le_bytes());
        packet.extend_from_slice(&pcap[at + PCAP_INCLUDED_LEN..at + PCAP_INCLUDED_LEN + 4]);
        packet.extend_from_slice(&pcap[at + PCAP_ORIGINAL_LEN..at + PCAP_ORIGINAL_LEN + 4]);
        packet.extend_from_slice(&pcap[data_at..data_at + included]);
        while packet.len() % 4 != 0 {
            packet.push(0);
        }
        block(&mut out, ENHANCED_PACKET_BLOCK, &packet);
        at = data_at + included;
    }
    out
}

/// A pcapng block: type, total length, body, total length again.
fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    const FRAMING_LEN: usize = 12;
    let total = u32::try_from(body.len() + FRAMING_LEN).expect("small block");
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&total.to_le_bytes());
}
