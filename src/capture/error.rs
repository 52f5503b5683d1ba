//! The one error type of the capture module.

use std::fmt;
use std::io;

/// Why a capture could not be read, or a datagram could not be written.
///
/// Offsets count bytes from the start of the capture. Problems inside a
/// single frame (a truncated or non-UDP packet) are not errors: such frames
/// are skipped and counted in [`CaptureStats`](super::CaptureStats).
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The input starts with neither a pcap magic number nor a pcapng
    /// section header block.
    NotACapture {
        /// The first four bytes of the input.
        magic: [u8; 4],
    },
    /// The input ends inside a file header, a record header or a block.
    Truncated {
        /// Where the structure that does not fit begins.
        offset: usize,
    },
    /// A pcapng block whose length fields are inconsistent: shorter than a
    /// block can be, not a multiple of four, different at the two ends, or too
    /// short for the fields and options its type requires.
    BadBlock {
        /// Where the block begins.
        offset: usize,
        /// The block type as read from the block.
        block_type: u32,
    },
    /// A pcapng packet block names an interface that its section never
    /// described.
    UnknownInterface {
        /// Where the packet block begins.
        offset: usize,
        /// The interface id it names.
        interface_id: u32,
    },
    /// A file format version that this reader does not understand.
    UnsupportedVersion {
        /// Where the header carrying the version begins.
        offset: usize,
        /// The major version number.
        major: u16,
        /// The minor version number.
        minor: u16,
    },
    /// A classic pcap file whose link type this module cannot dissect.
    UnsupportedLinkType(u32),
    /// An existing file that [`PcapWriter`](super::PcapWriter) cannot append
    /// to: it is a capture, but not a microsecond, little-endian pcap with
    /// link type Ethernet.
    CannotAppend {
        /// The file's first four bytes.
        magic: [u8; 4],
        /// The classic pcap link type field; `None` for pcapng.
        link_type: Option<u32>,
    },
    /// A UDP payload longer than an IPv4 datagram can carry.
    PayloadTooLarge {
        /// The payload length that was asked for.
        length: usize,
    },
    /// A timestamp after what a classic pcap record can hold (the year 2106).
    TimestampOutOfRange {
        /// Whole seconds since the Unix epoch.
        seconds: u64,
    },
    /// Reading or writing the underlying file or stream failed.
    Io(io::Error),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng capture: unknown magic {:02x}{:02x}{:02x}{:02x} at byte offset 0",
                magic[0], magic[1], magic[2], magic[3]
            ),
            Self::Truncated { offset } => {
                write!(f, "capture ends inside the structure at byte offset {offset}")
            }
            Self::BadBlock { offset, block_type } => write!(
                f,
                "malformed pcapng block of type {block_type:#010x} at byte offset {offset}"
            ),
            Self::UnknownInterface {
                offset,
                interface_id,
            } => write!(
                f,
                "pcapng packet block at byte offset {offset} names undescribed interface {interface_id}"
            ),
            Self::UnsupportedVersion {
                offset,
                major,
                minor,
            } => write!(
                f,
                "unsupported capture format version {major}.{minor} at byte offset {offset}"
            ),
            Self::UnsupportedLinkType(link_type) => {
                write!(f, "unsupported link type {link_type}")
            }
            Self::CannotAppend { magic, link_type } => {
                write!(
                    f,
                    "cannot append to the capture with magic {:02x}{:02x}{:02x}{:02x}",
                    magic[0], magic[1], magic[2], magic[3]
                )?;
                if let Some(link_type) = link_type {
                    write!(f, " and link type {link_type}")?;
                }
                f.write_str(": only microsecond little-endian ethernet pcap can be appended to")
            }
            Self::PayloadTooLarge { length } => write!(
                f,
                "udp payload of {length} bytes does not fit in an ipv4 datagram"
            ),
            Self::TimestampOutOfRange { seconds } => write!(
                f,
                "timestamp of {seconds} seconds since the epoch does not fit in a pcap record"
            ),
            Self::Io(_) => f.write_str("capture i/o failed"),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for CaptureError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}
