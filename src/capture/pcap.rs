//! Classic libpcap files: a 24-byte global header, then records of a 16-byte
//! header and the captured bytes.
//!
//! ```text
//! global header                      record header
//!  0 magic          4 bytes           0 ts_sec     4 bytes
//!  4 version_major  2 bytes           4 ts_frac    4 bytes (µs or ns, by magic)
//!  6 version_minor  2 bytes           8 incl_len   4 bytes (bytes captured)
//!  8 thiszone       4 bytes          12 orig_len   4 bytes (bytes on the wire)
//! 12 sigfigs        4 bytes
//! 16 snaplen        4 bytes
//! 20 link type      4 bytes (low 16 bits; the high bits may describe an FCS)
//! ```
//!
//! The byte order of every field is the writer's, told by how the magic reads.

use std::time::Duration;

use super::bytes::{array4, Endian};
use super::error::CaptureError;
use super::reader::Record;

/// The magic of files whose `ts_frac` counts microseconds.
pub(crate) const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
/// The magic of files whose `ts_frac` counts nanoseconds.
pub(crate) const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// The only major version of the format.
pub(crate) const VERSION_MAJOR: u16 = 2;
/// The minor version every current writer uses.
pub(crate) const VERSION_MINOR: u16 = 4;

pub(crate) const GLOBAL_HEADER_LEN: usize = 24;
pub(crate) const RECORD_HEADER_LEN: usize = 16;

pub(crate) const MAGIC: usize = 0;
pub(crate) const VERSION_MAJOR_FIELD: usize = 4;
pub(crate) const VERSION_MINOR_FIELD: usize = 6;
pub(crate) const SNAPLEN_FIELD: usize = 16;
pub(crate) const LINK_TYPE_FIELD: usize = 20;

pub(crate) const TS_SEC_FIELD: usize = 0;
pub(crate) const TS_FRAC_FIELD: usize = 4;
pub(crate) const INCL_LEN_FIELD: usize = 8;

/// The link type proper; the bits above it may say whether frames end in an
/// FCS, which the dissector ignores anyway because it trusts IP lengths.
const LINK_TYPE_MASK: u32 = 0xffff;

const NANOS_PER_MICRO: u64 = 1_000;

/// What the global header says about the records that follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) endian: Endian,
    pub(crate) nanosecond: bool,
    /// The whole link type field, FCS bits included.
    pub(crate) link_type_field: u32,
}

impl Header {
    /// Reads a global header, or `Ok(None)` if `bytes` does not start with
    /// a pcap magic number in either byte order.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Option<Self>, CaptureError> {
        let truncated = CaptureError::Truncated { offset: 0 };
        let magic = array4(bytes, MAGIC).ok_or(truncated)?;
        let (endian, nanosecond) = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
            (MAGIC_MICROS, _) => (Endian::Little, false),
            (MAGIC_NANOS, _) => (Endian::Little, true),
            (_, MAGIC_MICROS) => (Endian::Big, false),
            (_, MAGIC_NANOS) => (Endian::Big, true),
            _ => return Ok(None),
        };
        let header = bytes
            .get(..GLOBAL_HEADER_LEN)
            .ok_or(CaptureError::Truncated { offset: 0 })?;
        let read16 = |at| endian.u16(header, at).unwrap_or_default();
        let (major, minor) = (read16(VERSION_MAJOR_FIELD), read16(VERSION_MINOR_FIELD));
        if major != VERSION_MAJOR {
            return Err(CaptureError::UnsupportedVersion {
                offset: 0,
                major,
                minor,
            });
        }
        Ok(Some(Self {
            endian,
            nanosecond,
            link_type_field: endian.u32(header, LINK_TYPE_FIELD).unwrap_or_default(),
        }))
    }

    /// The link type with the FCS bits masked off.
    pub(crate) fn link_type(&self) -> u32 {
        self.link_type_field & LINK_TYPE_MASK
    }
}

/// The records of a classic pcap file, in file order.
#[derive(Debug, Clone)]
pub(crate) struct Records<'a> {
    bytes: &'a [u8],
    offset: usize,
    header: Header,
}

impl<'a> Records<'a> {
    pub(crate) fn new(bytes: &'a [u8], header: Header) -> Self {
        Self {
            bytes,
            offset: GLOBAL_HEADER_LEN,
            header,
        }
    }

    fn timestamp(&self, seconds: u32, fraction: u32) -> Duration {
        let nanos = if self.header.nanosecond {
            u64::from(fraction)
        } else {
            u64::from(fraction) * NANOS_PER_MICRO
        };
        // A fraction of a second or more is malformed but harmless: add it up.
        Duration::from_secs(u64::from(seconds)) + Duration::from_nanos(nanos)
    }

    fn read(&mut self) -> Result<Record<'a>, CaptureError> {
        let offset = self.offset;
        let truncated = CaptureError::Truncated { offset };
        let endian = self.header.endian;
        let header = self
            .bytes
            .get(offset..)
            .and_then(|rest| rest.get(..RECORD_HEADER_LEN))
            .ok_or(truncated)?;
        let read = |at| endian.u32(header, at).unwrap_or_default();
        let captured = usize::try_from(read(INCL_LEN_FIELD))
            .map_err(|_| CaptureError::Truncated { offset })?;
        let start = offset + RECORD_HEADER_LEN;
        let end = start
            .checked_add(captured)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(CaptureError::Truncated { offset })?;
        self.offset = end;
        Ok(Record {
            timestamp: self.timestamp(read(TS_SEC_FIELD), read(TS_FRAC_FIELD)),
            link_type: self.header.link_type(),
            data: self.bytes.get(start..end).unwrap_or_default(),
        })
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.offset >= self.bytes.len() {
            return None;
        }
        let record = self.read();
        if record.is_err() {
            // Nothing after a broken record can be trusted to be aligned.
            self.offset = self.bytes.len();
        }
        Some(record)
    }
}
