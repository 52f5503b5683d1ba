//! The requests a client sends: a DISCOVER encoded once and patched per send, and
//! the REQUEST that follows an OFFER in DORA mode.

use std::ops::Range;

use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{Encoding, MessageType, Packet};

/// Where `xid` sits in a DHCP message (RFC 2131, section 2).
pub const XID: Range<usize> = 4..8;
/// Where the first 6 bytes of `chaddr` (the Ethernet address) sit.
pub const MAC: Range<usize> = 28..34;
/// The locally administered, unicast first byte of every generated MAC.
const MAC_PREFIX: u8 = 0x02;
/// The first private option code (RFC 3942 keeps 224-254 for site use).
const FIRST_PRIVATE_CODE: u8 = 224;
/// Private codes available for extra options (224 to 254).
const PRIVATE_CODES: usize = 31;
/// Value bytes of each extra option.
const EXTRA_OPTION_LEN: usize = 8;

/// The `xid` of request `seq` of client `client`: the client in the top byte.
pub fn xid(client: usize, seq: u32) -> u32 {
    ((client as u32) << 24) | (seq & SEQ_MASK)
}

/// The sequence-number bits of an `xid`.
pub const SEQ_MASK: u32 = 0x00FF_FFFF;

/// The `xid` of a datagram, if it is long enough to have one.
pub fn read_xid(bytes: &[u8]) -> Option<u32> {
    let field = bytes.get(XID)?;
    Some(u32::from_be_bytes([field[0], field[1], field[2], field[3]]))
}

/// A DISCOVER encoded once; [`Discover::stamp`] writes the `xid` and MAC of one send.
#[derive(Debug, Clone)]
pub struct Discover {
    bytes: Vec<u8>,
}

impl Discover {
    /// A DISCOVER with `extra` more options of 8 bytes each (codes 224 and up, then
    /// repeated: duplicates are legal and kept).
    pub fn new(extra: usize) -> Discover {
        let mut packet = Packet::new(MessageType::Discover);
        for index in 0..extra {
            let code = FIRST_PRIVATE_CODE + (index % PRIVATE_CODES) as u8;
            packet
                .options
                .push_raw(code, &[index as u8; EXTRA_OPTION_LEN]);
        }
        Discover {
            bytes: packet.encode(Encoding::Padded),
        }
    }

    /// The bytes of the request with this `xid`, its MAC derived from it.
    pub fn stamp(&mut self, xid: u32) -> &[u8] {
        self.bytes[XID].copy_from_slice(&xid.to_be_bytes());
        let [a, b, c, d] = xid.to_be_bytes();
        self.bytes[MAC].copy_from_slice(&[MAC_PREFIX, 0, a, b, c, d]);
        &self.bytes
    }
}

/// The REQUEST answering `offer` (same `xid` and MAC), or `None` when the datagram
/// is not an OFFER.
pub fn request_for(offer: &[u8]) -> Option<Vec<u8>> {
    let offer = Packet::decode(offer).ok()?;
    if offer.message_type() != Some(MessageType::Offer) {
        return None;
    }
    let mut request = Packet::new(MessageType::Request);
    request.xid = offer.xid;
    request.chaddr = offer.chaddr;
    request.options.set(RequestedIpAddress, offer.yiaddr);
    if let Some(server) = offer.options.get(ServerIdentifier) {
        request.options.set(ServerIdentifier, server);
    }
    Some(request.encode(Encoding::Padded))
}

/// Whether a datagram is an ACK.
pub fn is_ack(bytes: &[u8]) -> bool {
    Packet::decode(bytes).is_ok_and(|p| p.message_type() == Some(MessageType::Ack))
}
