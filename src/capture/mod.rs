//! Reading and writing packet captures, so that tests, a snooper and a replay
//! tool can work from real traffic.
//!
//! Reading turns a capture into the UDP datagrams over IPv4 that it holds,
//! with their addresses, ports and capture times; writing wraps datagrams in
//! Ethernet, IPv4 and UDP headers so that Wireshark shows them as they would
//! have looked on the wire.
//!
//! # Formats read
//!
//! The format is told by the first bytes, never by the file name.
//!
//! - **Classic pcap**, in either byte order, with microsecond
//!   (`a1b2c3d4`) or nanosecond (`a1b23c4d`) timestamps.
//! - **pcapng**, any number of sections in either byte order; interface
//!   description blocks with their own link types and the `if_tsresol` and
//!   `if_tsoffset` options; enhanced, simple (no timestamp: zero) and
//!   obsolete packet blocks. Other block types are skipped.
//!
//! Link types: Ethernet (1) with any number of 802.1Q or 802.1ad VLAN
//! tags, raw IP (101) and raw IPv4 (228), Linux cooked capture v1 (113) and
//! v2 (276), and BSD (0) and OpenBSD (108) loopback.
//!
//! # What becomes a datagram
//!
//! A frame yields a [`Datagram`] when it carries UDP over IPv4. IPv4 options
//! are stepped over; the payload is what the UDP length field says, less
//! anything the capture did not keep, and never includes Ethernet padding or
//! an FCS. Checksums are not verified, because captures taken on the sending
//! host often hold checksums the network card would have filled in.
//!
//! Frames that carry no datagram (ARP, IPv6, TCP, IPv4 fragments after the
//! first, frames too short for their own headers) are not errors: they are
//! skipped and counted in [`CaptureStats`], by reason.
//!
//! # No panics on untrusted input
//!
//! Captures come from anywhere, so every read of a length or offset is
//! checked and a broken file becomes a [`CaptureError`] saying where (byte
//! offset, block type). No input, however malformed, makes the reader panic,
//! loop forever, or allocate more than the size of the input; property tests
//! check this on arbitrary bytes.
//!
//! # Writing
//!
//! [`PcapWriter`] writes classic pcap (microsecond, little-endian, Ethernet),
//! with correct IPv4 and UDP checksums, and can append to a file it or
//! tcpdump wrote before.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use ex_dhcp::capture::{read_datagrams, Datagram, PcapWriter};
//!
//! # fn main() -> Result<(), ex_dhcp::capture::CaptureError> {
//! let discover = Datagram {
//!     timestamp: Duration::from_micros(1_700_000_000_123_456),
//!     source: "0.0.0.0:68".parse().unwrap(),
//!     destination: "255.255.255.255:67".parse().unwrap(),
//!     payload: vec![1, 1, 6, 0],
//! };
//! let mut writer = PcapWriter::new(Vec::new())?;
//! writer.write_datagram(&discover)?;
//!
//! let capture = read_datagrams(&writer.into_inner())?;
//! assert_eq!(capture.datagrams, [discover]);
//! assert_eq!(capture.stats.skipped(), 0);
//! # Ok(())
//! # }
//! ```
//!
//! Reading a file, and keeping only DHCP traffic:
//!
//! ```no_run
//! # fn main() -> Result<(), ex_dhcp::capture::CaptureError> {
//! let capture = ex_dhcp::capture::read_file("dhcp.pcapng")?;
//! for datagram in capture.datagrams.iter().filter(|d| d.is_dhcp_port()) {
//!     println!("{} -> {}: {} bytes", datagram.source, datagram.destination, datagram.payload.len());
//! }
//! println!("{} frames skipped", capture.stats.skipped());
//! # Ok(())
//! # }
//! ```

mod bytes;
mod error;
mod frame;
mod pcap;
mod pcapng;
mod reader;
mod writer;

pub use error::CaptureError;
pub use reader::{
    datagrams, read_datagrams, read_file, Capture, CaptureStats, Datagram, Datagrams,
};
pub use writer::PcapWriter;
