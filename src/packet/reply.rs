//! Building a reply from the request it answers.

use std::net::Ipv4Addr;

use super::{MessageType, Op, Packet};
use crate::options::{
    ClientIdentifier, DhcpMessageType, DhcpOption, LeaseTime, OptionArg, Options, RebindingTime,
    RenewalTime, RELAY_AGENT_INFORMATION,
};

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
    // The options first and the packet last (see `Packet::with_options`).
    let mut options = Options::new();
    options.set(DhcpMessageType, message_type);
    if let Some(id) = request.options.get_raw(ClientIdentifier::CODE) {
        options.set_raw(ClientIdentifier::CODE, &id);
    }
    echo_relay_agent_information(request, &mut options);
    let ciaddr = if message_type == MessageType::Ack {
        request.ciaddr
    } else {
        Ipv4Addr::UNSPECIFIED
    };
    Packet {
        ciaddr,
        ..answering(request, options)
    }
}

/// Starts a BOOTP reply to `request` (RFC 951, RFC 1542): a BOOTREPLY with no DHCP
/// message type, for a client that sent none.
///
/// Copied from the request: `xid`, `flags`, `giaddr`, `htype`, `hlen`, `chaddr`,
/// `ciaddr`, relay agent information (option 82, echoed as RFC 3046 asks), and the
/// vendor area's form: a plain BOOTP request (no magic cookie) gets a reply of zeros
/// after the header, which options added to it turn into RFC 1048 vendor extensions;
/// an RFC 1048 request gets the cookie and END. [`Encoding::Padded`](crate::Encoding::Padded)
/// pads it to 300 bytes.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::{options::{SubnetMask, VendorArea}, respond_bootp, Encoding, Op, Packet};
///
/// let mut request = Packet::bootp(Op::Request);
/// request.set_mac([0x02, 0, 0, 0, 0, 7]);
/// request.xid = 0x1234;
/// let reply = respond_bootp(&request)
///     .with_yiaddr(Ipv4Addr::new(198, 18, 0, 7))
///     .with_file("pxelinux.0");
/// let bytes = reply.encode(Encoding::Padded);
/// assert_eq!(bytes.len(), 300);
/// let decoded = Packet::decode(&bytes)?;
/// assert_eq!((decoded.op, decoded.xid, decoded.message_type()), (Op::Reply, 0x1234, None));
/// assert_eq!(decoded.options.vendor_area(), VendorArea::Zeros);
///
/// // With an option, the vendor area carries the cookie (RFC 1048).
/// let with_mask = respond_bootp(&request).with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0));
/// assert_eq!(&with_mask.encode(Encoding::Padded)[236..240], &ex_dhcp::wire::MAGIC_COOKIE);
/// # Ok::<(), ex_dhcp::DecodeError>(())
/// ```
pub fn respond_bootp(request: &Packet) -> Packet {
    let mut options = Options::new();
    options.set_vendor_area(request.options.vendor_area());
    echo_relay_agent_information(request, &mut options);
    Packet {
        ciaddr: request.ciaddr,
        ..answering(request, options)
    }
}

/// A BOOTREPLY to `request` with these options: the fields every reply copies from
/// its request set, the others zero.
#[inline]
fn answering(request: &Packet, options: Options) -> Packet {
    Packet {
        htype: request.htype,
        hlen: request.hlen,
        xid: request.xid,
        flags: request.flags,
        giaddr: request.giaddr,
        chaddr: request.chaddr,
        ..Packet::with_options(Op::Reply, options)
    }
}

fn echo_relay_agent_information(request: &Packet, options: &mut Options) {
    for value in request.options.values(RELAY_AGENT_INFORMATION) {
        options.push_raw(RELAY_AGENT_INFORMATION, value);
    }
}

impl Packet {
    /// Sets `xid`, the transaction ID.
    pub fn with_xid(mut self, xid: u32) -> Self {
        self.xid = xid;
        self
    }

    /// Sets an Ethernet MAC address (see [`Packet::set_mac`]).
    pub fn with_mac(mut self, mac: [u8; 6]) -> Self {
        self.set_mac(mac);
        self
    }

    /// Sets the lease time (option 51) to `secs`, and the renewal time T1 (58) and
    /// rebinding time T2 (59) to the RFC 2131 defaults, half and seven eighths of it.
    ///
    /// ```
    /// use ex_dhcp::options::{LeaseTime, RebindingTime, RenewalTime};
    /// use ex_dhcp::{MessageType, Packet};
    ///
    /// let offer = Packet::new(MessageType::Offer).with_lease_times(3600);
    /// assert_eq!(offer.options.get(LeaseTime), Some(3600));
    /// assert_eq!(offer.options.get(RenewalTime), Some(1800));
    /// assert_eq!(offer.options.get(RebindingTime), Some(3150));
    /// ```
    pub fn with_lease_times(mut self, secs: u32) -> Self {
        self.options.set(LeaseTime, secs);
        self.options.set(RenewalTime, secs / 2);
        // In u64: secs * 7 overflows u32 above 613 million seconds.
        let rebinding = u64::from(secs) * 7 / 8;
        self.options
            .set(RebindingTime, u32::try_from(rebinding).unwrap_or(u32::MAX));
        self
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

    /// Sets a typed option, the value taken by value or as a shorthand (`&str` for
    /// text, one address for a list: [`OptionArg`]), as
    /// [`Options::set`](crate::options::Options::set) takes it.
    pub fn with_option<O: DhcpOption>(
        mut self,
        option: O,
        value: impl OptionArg<O::Value>,
    ) -> Self {
        self.options.set(option, value);
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
