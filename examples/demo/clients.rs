//! The simulated clients: each walks DISCOVER -> OFFER -> REQUEST -> ACK, and
//! later RELEASE, over real UDP with the library's blocking [`Client`], printing one
//! line per message.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ex_dhcp::options::{HostName, LeaseTime, RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{Client, ClientError, MessageType, Packet};

use crate::pool::write_mac;

/// How long each client waits for a reply.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(2);
/// Locally administered unicast MACs (bit 1 of the first byte set): no vendor owns them.
const MAC_PREFIX: [u8; 5] = [0x02, 0x00, 0x00, 0xde, 0x00];
/// Transaction IDs that are easy to spot in a dump: 0xde40NN00 for the DISCOVER and
/// REQUEST of client NN (RFC 2131 keeps one xid for both), 0xde40NN01 for its RELEASE.
const XID_BASE: u32 = 0xde40_0000;
const XID_CLIENT_SHIFT: u32 = 8;
const XID_RELEASE: u32 = 1;

/// Why one client's walk failed.
#[derive(Debug)]
pub enum WalkError {
    /// Sending failed or no reply came in time.
    Client(ClientError),
    /// A reply of the wrong type came.
    Unexpected {
        expected: MessageType,
        got: Option<MessageType>,
    },
    /// The OFFER or ACK lacks the server identifier (option 54).
    NoServerIdentifier,
    /// The ACK is for another address than the OFFER.
    AddressChanged { offered: Ipv4Addr, acked: Ipv4Addr },
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkError::Client(error) => write!(f, "{error}"),
            WalkError::Unexpected { expected, got } => match got {
                Some(got) => write!(f, "expected {expected}, got {got}"),
                None => write!(f, "expected {expected}, got a packet without option 53"),
            },
            WalkError::NoServerIdentifier => write!(f, "reply without a server identifier"),
            WalkError::AddressChanged { offered, acked } => {
                write!(f, "offered {offered} but acknowledged {acked}")
            }
        }
    }
}

impl fmt::Display for SimulatedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {} ", self.number)?;
        write_mac(f, &self.mac)
    }
}

impl From<ClientError> for WalkError {
    fn from(error: ClientError) -> Self {
        WalkError::Client(error)
    }
}

/// What a client holds after its ACK.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub address: Ipv4Addr,
    pub server_id: Ipv4Addr,
}

/// One simulated client.
#[derive(Debug)]
pub struct SimulatedClient {
    number: u8,
    mac: [u8; 6],
}

impl SimulatedClient {
    pub fn new(number: u8) -> Self {
        let mut mac = [0; 6];
        mac[..MAC_PREFIX.len()].copy_from_slice(&MAC_PREFIX);
        mac[MAC_PREFIX.len()] = number;
        SimulatedClient { number, mac }
    }

    fn xid(&self) -> u32 {
        XID_BASE | u32::from(self.number) << XID_CLIENT_SHIFT
    }

    fn packet(&self, kind: MessageType, xid: u32) -> Packet {
        let mut packet = Packet::new(kind);
        packet.xid = xid;
        packet.set_mac(self.mac);
        packet
            .options
            .set(HostName, format!("demo-{}", self.number));
        packet
    }

    /// DISCOVER -> OFFER -> REQUEST -> ACK; returns the address and the server's identifier.
    pub fn acquire(&self, client: &mut Client, server: SocketAddrV4) -> Result<Bound, WalkError> {
        let discover = self.packet(MessageType::Discover, self.xid());
        let offer = self.exchange(client, server, &discover, MessageType::Offer)?;
        for line in offer.to_string().lines() {
            println!("            | {line}");
        }
        let server_id = offer
            .options
            .get(ServerIdentifier)
            .ok_or(WalkError::NoServerIdentifier)?;

        let mut request = self.packet(MessageType::Request, self.xid());
        request.options.set(RequestedIpAddress, offer.yiaddr);
        request.options.set(ServerIdentifier, server_id);
        let ack = self.exchange(client, server, &request, MessageType::Ack)?;
        if ack.yiaddr != offer.yiaddr {
            return Err(WalkError::AddressChanged {
                offered: offer.yiaddr,
                acked: ack.yiaddr,
            });
        }
        Ok(Bound {
            address: ack.yiaddr,
            server_id,
        })
    }

    /// RELEASE, which the server does not answer.
    pub fn release(
        &self,
        client: &Client,
        server: SocketAddrV4,
        bound: Bound,
    ) -> Result<(), WalkError> {
        let mut release = self.packet(MessageType::Release, self.xid() | XID_RELEASE);
        release.ciaddr = bound.address;
        release.options.set(ServerIdentifier, bound.server_id);
        self.print_sent(&release);
        client.send(&release, server).map_err(ClientError::Io)?;
        Ok(())
    }

    fn exchange(
        &self,
        client: &mut Client,
        server: SocketAddrV4,
        packet: &Packet,
        expected: MessageType,
    ) -> Result<Packet, WalkError> {
        self.print_sent(packet);
        let (reply, _from) = client.exchange(packet, server, REPLY_TIMEOUT)?;
        log::debug!("client {} received {reply}", self.number);
        println!("{}", self.line("<-", &reply));
        match reply.message_type() {
            Some(kind) if kind == expected => Ok(reply),
            got => Err(WalkError::Unexpected { expected, got }),
        }
    }

    fn print_sent(&self, packet: &Packet) {
        log::debug!("client {} sends {packet}", self.number);
        println!("{}", self.line("->", packet));
    }

    /// `client 1 02:00:00:de:00:01 -> DHCPREQUEST  xid 0xde400100 198.18.0.10 ...`
    fn line(&self, arrow: &str, packet: &Packet) -> String {
        let kind = packet
            .message_type()
            .map_or_else(|| "BOOTP".to_owned(), |kind| kind.to_string());
        let mut line = format!("{self} {arrow} {kind:<12} xid {:#010x}", packet.xid);
        let address = [packet.yiaddr, packet.ciaddr]
            .into_iter()
            .chain(packet.options.get(RequestedIpAddress))
            .find(|address| !address.is_unspecified());
        if let Some(address) = address {
            line.push_str(&format!(" {address}"));
        }
        if let Some(server) = packet.options.get(ServerIdentifier) {
            line.push_str(&format!(" server {server}"));
        }
        if let Some(seconds) = packet.options.get(LeaseTime) {
            line.push_str(&format!(" lease {seconds} s"));
        }
        line
    }
}
