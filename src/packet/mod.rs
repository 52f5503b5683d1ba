//! The DHCPv4 packet: every BOOTP field and the options.

mod decode;
mod display;
pub(crate) use display::write_hex;
mod encode;
mod flags;
mod mac;
mod message_type;
mod op;
mod reply;

use std::net::Ipv4Addr;

use crate::wire::{CHADDR_LEN, ETHERNET_ADDR_LEN, FILE_LEN, HTYPE_ETHERNET, SNAME_LEN};
pub use decode::{Lenient, Truncation};
pub use display::PacketDisplay;
pub use encode::Encoding;
pub use flags::Flags;
pub use mac::{Mac, MacParseError};
pub use message_type::MessageType;
pub use op::Op;
pub use reply::{respond, respond_bootp};

use crate::error::OptionError;
use crate::options::{self, DhcpOption, Options, VendorArea};

/// A DHCPv4 (or plain BOOTP) message, every field owned.
///
/// Fields carry the RFC 2131 names; the long names are search aliases in the docs.
/// `sname` and `file` are kept byte for byte, `chaddr` keeps all 16 bytes whatever
/// `hlen` says, and the options remember what the sender put around them (no END,
/// bytes after END, no magic cookie), so a decoded packet encodes back to the bytes
/// it came from with [`Encoding::Exact`]. [`Encoding::Padded`] is the form a server
/// sends: END, and zeros to the 300-byte BOOTP minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
// Aligned to a cache line: a packet is moved whole (out of `decode`, into a reply,
// through the server's queues) in 64-byte blocks, and where it lands decides
// whether those blocks split cache lines. Without the alignment that depends on
// where the process's stack sits, and a fresh decode of a short packet takes 28 or
// 38 ns from one process to the next (`codec_worst`); with it, 30 ns in every run.
#[repr(align(64))]
pub struct Packet {
    /// Message op code: request or reply.
    pub op: Op,
    /// Hardware address type (1 for Ethernet).
    #[doc(alias = "hardware_type")]
    pub htype: u8,
    /// Hardware address length (6 for Ethernet).
    #[doc(alias = "hardware_len")]
    pub hlen: u8,
    /// Relay hops: set to zero by clients, incremented by relay agents.
    pub hops: u8,
    /// Transaction ID, chosen by the client to match replies to requests.
    #[doc(alias = "transaction_id")]
    pub xid: u32,
    /// Seconds since the client began acquiring or renewing an address.
    pub secs: u16,
    /// Flags; only the broadcast bit is defined.
    pub flags: Flags,
    /// Client IP address, when the client is bound, renewing or rebinding.
    #[doc(alias = "client_ip_addr")]
    pub ciaddr: Ipv4Addr,
    /// "Your" IP address: the address the server gives the client.
    #[doc(alias = "your_ip_addr")]
    pub yiaddr: Ipv4Addr,
    /// The next server to use in bootstrap (TFTP server for PXE).
    #[doc(alias = "server_ip_addr")]
    #[doc(alias = "next_server")]
    pub siaddr: Ipv4Addr,
    /// Relay agent IP address.
    #[doc(alias = "gateway_ip_addr")]
    #[doc(alias = "relay_addr")]
    pub giaddr: Ipv4Addr,
    /// Client hardware address, all 16 bytes; `hlen` says how many count.
    #[doc(alias = "client_hardware_addr")]
    pub chaddr: [u8; CHADDR_LEN],
    /// Server host name, NUL-terminated, or options when overloaded (option 52).
    #[doc(alias = "server_name")]
    pub sname: [u8; SNAME_LEN],
    /// Boot file name, NUL-terminated, or options when overloaded (option 52).
    #[doc(alias = "boot_file")]
    pub file: [u8; FILE_LEN],
    /// The options, in wire order.
    pub options: Options,
}

impl Default for Packet {
    /// An empty BOOTREQUEST for Ethernet, with no options.
    fn default() -> Self {
        Packet::with_options(Op::Request, Options::new())
    }
}

impl Packet {
    /// An Ethernet packet with this op and these options, every other field zero.
    ///
    /// The constructors build their options first and the packet last, in one
    /// expression: the packet is then written once, where the caller wants it. A
    /// packet made first and filled in after is copied whole (448 bytes) on its way
    /// out, Rust having no guaranteed return-value optimisation for a named value.
    #[inline]
    pub(crate) fn with_options(op: Op, options: Options) -> Self {
        Packet {
            op,
            htype: HTYPE_ETHERNET,
            hlen: ETHERNET_ADDR_LEN,
            hops: 0,
            xid: 0,
            secs: 0,
            flags: Flags::default(),
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::UNSPECIFIED,
            chaddr: [0; CHADDR_LEN],
            sname: [0; SNAME_LEN],
            file: [0; FILE_LEN],
            options,
        }
    }
}

impl Packet {
    /// A new Ethernet DHCP packet of the given message type: BOOTREQUEST for the types a
    /// client sends, BOOTREPLY for the others, transaction ID zero, no other option.
    pub fn new(message_type: MessageType) -> Self {
        let op = match message_type {
            MessageType::Discover
            | MessageType::Request
            | MessageType::Decline
            | MessageType::Release
            | MessageType::Inform
            | MessageType::LeaseQuery
            | MessageType::BulkLeaseQuery
            | MessageType::ActiveLeaseQuery => Op::Request,
            _ => Op::Reply,
        };
        let mut options = Options::new();
        options.set(options::DhcpMessageType, message_type);
        Packet::with_options(op, options)
    }

    /// A plain BOOTP packet (RFC 951): Ethernet, no magic cookie and no options, so it
    /// encodes as the header and a vendor area of zeros. Adding an option gives it the
    /// cookie (RFC 1048 vendor extensions). See [`respond_bootp`] for replies.
    ///
    /// ```
    /// use ex_dhcp::{options::VendorArea, Encoding, Op, Packet};
    ///
    /// let request = Packet::bootp(Op::Request);
    /// let bytes = request.encode(Encoding::Padded);
    /// assert_eq!(bytes.len(), 300);
    /// assert!(bytes[236..].iter().all(|b| *b == 0));
    /// let decoded = Packet::decode(&bytes)?;
    /// assert_eq!(decoded.options.vendor_area(), VendorArea::Zeros);
    /// assert_eq!(decoded.message_type(), None);
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn bootp(op: Op) -> Self {
        let mut options = Options::new();
        options.set_vendor_area(VendorArea::Zeros);
        Packet::with_options(op, options)
    }

    /// True for BOOTP: no DHCP message type (option 53), whether the vendor area is
    /// zeros or RFC 1048 options.
    pub fn is_bootp(&self) -> bool {
        !self.options.contains(options::DhcpMessageType::CODE)
    }

    /// The DHCP message type (option 53); `None` for BOOTP or a malformed option 53.
    ///
    /// Use [`Packet::message_type_checked`] to tell those two apart.
    pub fn message_type(&self) -> Option<MessageType> {
        self.options.get(options::DhcpMessageType)
    }

    /// The DHCP message type (option 53): `Ok(None)` when absent (BOOTP), an error when
    /// present but malformed.
    ///
    /// ```
    /// use ex_dhcp::{options::DhcpOption, options::DhcpMessageType, MessageType, Packet};
    ///
    /// let mut packet = Packet::new(MessageType::Discover);
    /// assert_eq!(packet.message_type_checked(), Ok(Some(MessageType::Discover)));
    /// packet.options.set_raw(DhcpMessageType::CODE, &[1, 2]);
    /// assert!(packet.message_type_checked().is_err());
    /// assert_eq!(packet.message_type(), None);
    /// packet.options.remove(DhcpMessageType::CODE);
    /// assert_eq!(packet.message_type_checked(), Ok(None));
    /// ```
    pub fn message_type_checked(&self) -> Result<Option<MessageType>, OptionError> {
        self.options.try_get(options::DhcpMessageType)
    }

    /// The meaningful part of `chaddr`: `hlen` bytes, at most 16.
    #[doc(alias = "client_hardware_addr")]
    pub fn hardware_addr(&self) -> &[u8] {
        &self.chaddr[..usize::from(self.hlen).min(CHADDR_LEN)]
    }

    /// The client's MAC address, when the hardware is Ethernet (htype 1, hlen 6).
    pub fn mac(&self) -> Option<Mac> {
        if self.htype == HTYPE_ETHERNET && self.hlen == ETHERNET_ADDR_LEN {
            <[u8; 6]>::try_from(&self.chaddr[..6]).ok().map(Mac::new)
        } else {
            None
        }
    }

    /// Sets an Ethernet MAC address: htype 1, hlen 6, the rest of `chaddr` zeroed.
    pub fn set_mac(&mut self, mac: impl Into<Mac>) {
        self.htype = HTYPE_ETHERNET;
        self.hlen = ETHERNET_ADDR_LEN;
        self.chaddr = [0; CHADDR_LEN];
        self.chaddr[..6].copy_from_slice(&mac.into().octets());
    }

    /// True when the client asked for broadcast replies.
    pub fn broadcast(&self) -> bool {
        self.flags.broadcast()
    }

    /// The server host name up to its first NUL, when `sname` holds text rather than options.
    pub fn sname_str(&self) -> Option<&str> {
        field_str(&self.sname)
    }

    /// The boot file name up to its first NUL, when `file` holds text rather than options.
    pub fn file_str(&self) -> Option<&str> {
        field_str(&self.file)
    }

    /// Sets `sname` from text, NUL-padded; text longer than 63 bytes is cut so a NUL remains.
    pub fn set_sname(&mut self, name: &str) {
        self.sname = [0; SNAME_LEN];
        copy_text(&mut self.sname, name);
    }

    /// Sets `file` from text, NUL-padded; text longer than 127 bytes is cut so a NUL remains.
    pub fn set_file(&mut self, name: &str) {
        self.file = [0; FILE_LEN];
        copy_text(&mut self.file, name);
    }
}

fn field_str(field: &[u8]) -> Option<&str> {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    std::str::from_utf8(&field[..end]).ok()
}

fn copy_text(field: &mut [u8], text: &str) {
    let len = text.len().min(field.len() - 1);
    field[..len].copy_from_slice(&text.as_bytes()[..len]);
}

#[cfg(test)]
mod tests {
    use super::Packet;

    /// The size the inline value buffer (`options::list::INLINE_BYTES`) is chosen
    /// for, and the alignment: whole 64-byte blocks on cache-line boundaries, which
    /// moves of a packet copy without overlap or split lines.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_packet_is_whole_64_byte_blocks_on_a_cache_line() {
        assert_eq!(std::mem::size_of::<Packet>(), 7 * 64);
        assert_eq!(std::mem::align_of::<Packet>(), 64);
    }
}
