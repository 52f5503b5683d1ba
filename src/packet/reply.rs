//! Building a reply from the request it answers.

use std::net::Ipv4Addr;

use super::{MessageType, Op, Packet};
use crate::options::{ClientIdentifier, DhcpMessageType, DhcpOption, RELAY_AGENT_INFORMATION};

/// Starts a reply to `request` of the given message type (RFC 2131, section 4.3.1, table 3).
///
/// Copied from the request: `xid`, `flags`, `giaddr`, `htype`, `hlen`, `chaddr`; `ciaddr`
/// for an ACK (it answers INFORM and renewals with the client's own address); the client
/// identifier (option 61, as RFC 6842 asks); relay agent information (option 82, which
/// RFC 3046 wants echoed, and which stays last whatever is added after). Set: `op` to
/// BOOTREPLY and the message type as the first option. Everything else is zero or empty,
/// for the caller to fill in with the `with_*` methods.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::{options::{LeaseTime, ServerIdentifier, SubnetMask}, respond, MessageType, Packet};
///
/// let discover = Packet::new(MessageType::Discover);
/// let offer = respond(&discover, MessageType::Offer)
///     .with_yiaddr(Ipv4Addr::new(198, 18, 0, 10))
///     .with_option(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 1))
///     .with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0))
///     .with_option(LeaseTime, 3600);
/// assert_eq!(offer.xid, discover.xid);
/// assert_eq!(offer.message_type(), Some(MessageType::Offer));
/// ```
pub fn respond(request: &Packet, message_type: MessageType) -> Packet {
    let mut reply = Packet::new(message_type);
    reply.op = Op::Reply;
    reply.htype = request.htype;
    reply.hlen = request.hlen;
    reply.xid = request.xid;
    reply.flags = request.flags;
    reply.giaddr = request.giaddr;
    reply.chaddr = request.chaddr;
    if message_type == MessageType::Ack {
        reply.ciaddr = request.ciaddr;
    }
    reply.options.set(DhcpMessageType, &message_type);
    if let Some(id) = request.options.get_raw(ClientIdentifier::CODE) {
        reply.options.set_raw(ClientIdentifier::CODE, &id);
    }
    for option in request
        .options
        .iter()
        .filter(|o| o.code == RELAY_AGENT_INFORMATION)
    {
        reply.options.push_raw(option.code, option.data);
    }
    reply
}

impl Packet {
    /// Starts a reply to this packet; see [`respond`].
    pub fn respond(&self, message_type: MessageType) -> Packet {
        respond(self, message_type)
    }

    /// Sets `yiaddr`, the address given to the client.
    pub fn with_yiaddr(mut self, address: Ipv4Addr) -> Self {
        self.yiaddr = address;
        self
    }

    /// Sets `siaddr`, the next server (the TFTP server for PXE).
    pub fn with_siaddr(mut self, address: Ipv4Addr) -> Self {
        self.siaddr = address;
        self
    }

    /// Sets `ciaddr`.
    pub fn with_ciaddr(mut self, address: Ipv4Addr) -> Self {
        self.ciaddr = address;
        self
    }

    /// Sets `giaddr`.
    pub fn with_giaddr(mut self, address: Ipv4Addr) -> Self {
        self.giaddr = address;
        self
    }

    /// Sets or clears the broadcast flag.
    pub fn with_broadcast(mut self, broadcast: bool) -> Self {
        self.flags = self.flags.with_broadcast(broadcast);
        self
    }

    /// Sets `sname` from text (see [`Packet::set_sname`]).
    pub fn with_sname(mut self, name: &str) -> Self {
        self.set_sname(name);
        self
    }

    /// Sets `file` from text (see [`Packet::set_file`]).
    pub fn with_file(mut self, name: &str) -> Self {
        self.set_file(name);
        self
    }

    /// Sets a typed option (see [`Options::set`](crate::options::Options::set)).
    pub fn with_option<O: DhcpOption>(mut self, option: O, value: O::Value) -> Self {
        self.options.set(option, &value);
        self
    }

    /// Sets an option from raw bytes (see [`Options::set_raw`](crate::options::Options::set_raw)).
    pub fn with_raw_option(mut self, code: u8, value: &[u8]) -> Self {
        self.options.set_raw(code, value);
        self
    }

    /// Removes every occurrence of an option.
    pub fn without_option(mut self, code: u8) -> Self {
        self.options.remove(code);
        self
    }
}
