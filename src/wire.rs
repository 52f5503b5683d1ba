//! The wire layout of a DHCPv4 message (RFC 2131, section 2): field lengths, the magic
//! cookie, the BOOTP minimum.
//!
//! Every offset is defined here once, at the crate's root, beneath both the packet
//! codec (`src/packet`) and the option list (`src/options`), which needs to know where
//! each option area starts in the packet. The byte ranges of the fields are the
//! codec's (crate-private); the lengths and constants below are public.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +---------------+---------------+---------------+---------------+
//! |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
//! +---------------+---------------+---------------+---------------+
//! |                            xid (4)                            |
//! +-------------------------------+-------------------------------+
//! |           secs (2)            |           flags (2)           |
//! +-------------------------------+-------------------------------+
//! |                          ciaddr  (4)                          |
//! |                          yiaddr  (4)                          |
//! |                          siaddr  (4)                          |
//! |                          giaddr  (4)                          |
//! +---------------------------------------------------------------+
//! |                          chaddr  (16)                         |
//! |                          sname   (64)                         |
//! |                          file    (128)                        |
//! +---------------------------------------------------------------+
//! |          magic cookie 99.130.83.99 (4), then options          |
//! +---------------------------------------------------------------+
//! ```

use core::ops::Range;

// Byte offsets and ranges of each field, for the codec.
pub(crate) const OP: usize = 0;
pub(crate) const HTYPE: usize = 1;
pub(crate) const HLEN: usize = 2;
pub(crate) const HOPS: usize = 3;
pub(crate) const XID: Range<usize> = 4..8;
pub(crate) const SECS: Range<usize> = 8..10;
pub(crate) const FLAGS: Range<usize> = 10..12;
pub(crate) const CIADDR: Range<usize> = 12..16;
pub(crate) const YIADDR: Range<usize> = 16..20;
pub(crate) const SIADDR: Range<usize> = 20..24;
pub(crate) const GIADDR: Range<usize> = 24..28;
pub(crate) const CHADDR: Range<usize> = 28..44;
pub(crate) const SNAME: Range<usize> = 44..108;
pub(crate) const FILE: Range<usize> = 108..236;
pub(crate) const MAGIC: Range<usize> = 236..240;
/// First byte of the options field, after the magic cookie.
pub(crate) const OPTIONS: usize = 240;

/// The fixed BOOTP header, up to and excluding the magic cookie.
pub const HEADER_LEN: usize = 236;
/// The DHCP magic cookie that follows the BOOTP header (RFC 2131, section 3).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// The smallest message a BOOTP relay must accept (RFC 951, RFC 1542); replies are padded to it.
pub const MIN_PACKET_LEN: usize = 300;
/// Length of the `chaddr` field.
pub const CHADDR_LEN: usize = 16;
/// Length of the `sname` field.
pub const SNAME_LEN: usize = 64;
/// Length of the `file` field.
pub const FILE_LEN: usize = 128;
/// Hardware type 1, Ethernet (RFC 1700), with 6-byte addresses.
pub const HTYPE_ETHERNET: u8 = 1;
/// The length of an Ethernet MAC address.
pub const ETHERNET_ADDR_LEN: u8 = 6;
