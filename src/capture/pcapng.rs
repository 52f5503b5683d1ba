//! pcapng files: a sequence of sections, each a section header block (SHB)
//! followed by blocks in the section's byte order.
//!
//! ```text
//! every block                         interface description block (type 1)
//!  0 block type          4 bytes       8 link type   2 bytes
//!  4 block total length  4 bytes      10 reserved    2 bytes
//!  8 body                …            12 snaplen     4 bytes
//!  … block total length  4 bytes      16 options     …
//!
//! enhanced packet block (type 6)      simple packet block (type 3)
//!  8 interface id        4 bytes       8 original length  4 bytes
//! 12 timestamp (high)    4 bytes      12 packet data      …
//! 16 timestamp (low)     4 bytes
//! 20 captured length     4 bytes      obsolete packet block (type 2) is an
//! 24 original length     4 bytes      enhanced packet block whose interface
//! 28 packet data         …            id is 2 bytes, then 2 bytes of drops
//! ```
//!
//! Blocks of other types (name resolution, statistics, custom, …) are
//! skipped. Interface ids count interface description blocks from the start
//! of their section.

use std::time::Duration;

use super::bytes::{array4, field, Endian};
use super::error::CaptureError;
use super::reader::Record;

/// The section header block's type, the same in both byte orders.
pub(crate) const SECTION_HEADER: u32 = 0x0a0d_0d0a;
const INTERFACE_DESCRIPTION: u32 = 0x0000_0001;
const OBSOLETE_PACKET: u32 = 0x0000_0002;
const SIMPLE_PACKET: u32 = 0x0000_0003;
const ENHANCED_PACKET: u32 = 0x0000_0006;

/// Written as a native `u32`, it tells the section's byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const VERSION_MAJOR: u16 = 1;

const BLOCK_TYPE: usize = 0;
const BLOCK_LENGTH: usize = 4;
/// Block type, leading length and trailing length.
const BLOCK_FRAMING_LEN: usize = 12;
const BLOCK_BODY: usize = 8;
const BLOCK_ALIGNMENT: usize = 4;

// Offsets inside the section header block's body.
const SHB_BYTE_ORDER: usize = 0;
const SHB_VERSION_MAJOR: usize = 4;
const SHB_VERSION_MINOR: usize = 6;
const SHB_BODY_LEN: usize = 16;

// Offsets inside the interface description block's body.
const IDB_LINK_TYPE: usize = 0;
const IDB_SNAPLEN: usize = 4;
const IDB_OPTIONS: usize = 8;

// Offsets inside the enhanced (and obsolete) packet block's body.
const EPB_INTERFACE_ID: usize = 0;
const OPB_INTERFACE_ID: usize = 0;
const EPB_TIMESTAMP_HIGH: usize = 4;
const EPB_TIMESTAMP_LOW: usize = 8;
const EPB_CAPTURED_LEN: usize = 12;
const EPB_DATA: usize = 20;

// Offsets inside the simple packet block's body.
const SPB_ORIGINAL_LEN: usize = 0;
const SPB_DATA: usize = 4;

// Options: a 2-byte code, a 2-byte length, the value padded to 4 bytes.
const OPTION_HEADER_LEN: usize = 4;
const OPT_END_OF_OPTIONS: u16 = 0;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

/// In `if_tsresol`, a set high bit means a power of two, not of ten.
const TSRESOL_BINARY: u8 = 0x80;
const TSRESOL_EXPONENT: u8 = 0x7f;
const DEFAULT_TICKS_PER_SECOND: u128 = 1_000_000;
const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// Whether `bytes` starts like a pcapng file.
pub(crate) fn is_pcapng(bytes: &[u8]) -> bool {
    array4(bytes, BLOCK_TYPE) == Some(SECTION_HEADER.to_le_bytes())
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    ticks_per_second: u128,
    offset_seconds: i64,
}

impl Interface {
    /// Converts a timestamp in this interface's units to time since the epoch.
    /// Times before the epoch (through `if_tsoffset`) become the epoch.
    fn timestamp(&self, ticks: u64) -> Duration {
        let ticks = u128::from(ticks);
        let seconds = ticks / self.ticks_per_second;
        let nanos = (ticks % self.ticks_per_second) * NANOS_PER_SECOND / self.ticks_per_second;
        let seconds =
            i128::try_from(seconds).unwrap_or(i128::MAX) + i128::from(self.offset_seconds);
        match u64::try_from(seconds) {
            // `nanos` is below a billion, so the conversion cannot fail.
            Ok(seconds) => Duration::new(seconds, u32::try_from(nanos).unwrap_or_default()),
            Err(_) if seconds < 0 => Duration::ZERO,
            Err(_) => Duration::MAX,
        }
    }
}

/// The packet records of a pcapng file, across all its sections.
#[derive(Debug, Clone)]
pub(crate) struct Records<'a> {
    bytes: &'a [u8],
    offset: usize,
    endian: Endian,
    interfaces: Vec<Interface>,
}

/// One block, its framing checked.
struct Block<'a> {
    offset: usize,
    block_type: u32,
    body: &'a [u8],
}

impl Block<'_> {
    fn bad(&self) -> CaptureError {
        CaptureError::BadBlock {
            offset: self.offset,
            block_type: self.block_type,
        }
    }
}

impl<'a> Records<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            endian: Endian::Little,
            interfaces: Vec::new(),
        }
    }

    /// Reads the block at the current offset and moves past it.
    fn block(&mut self) -> Result<Block<'a>, CaptureError> {
        let offset = self.offset;
        let truncated = || CaptureError::Truncated { offset };
        let rest = self.bytes.get(offset..).ok_or_else(truncated)?;
        let raw_type = array4(rest, BLOCK_TYPE).ok_or_else(truncated)?;
        if u32::from_le_bytes(raw_type) == SECTION_HEADER {
            // The byte order magic decides how even this block's length reads.
            let order = array4(rest, BLOCK_BODY + SHB_BYTE_ORDER).ok_or_else(truncated)?;
            self.endian = if u32::from_le_bytes(order) == BYTE_ORDER_MAGIC {
                Endian::Little
            } else if u32::from_be_bytes(order) == BYTE_ORDER_MAGIC {
                Endian::Big
            } else {
                return Err(CaptureError::BadBlock {
                    offset,
                    block_type: SECTION_HEADER,
                });
            };
        }
        let endian = self.endian;
        let block_type = endian.u32(rest, BLOCK_TYPE).ok_or_else(truncated)?;
        let bad = CaptureError::BadBlock { offset, block_type };
        let declared = endian.u32(rest, BLOCK_LENGTH).ok_or_else(truncated)?;
        let length = usize::try_from(declared).map_err(|_| truncated())?;
        if length < BLOCK_FRAMING_LEN || length % BLOCK_ALIGNMENT != 0 {
            return Err(bad);
        }
        let block = rest.get(..length).ok_or_else(truncated)?;
        let trailer = length - BLOCK_LENGTH;
        if endian.u32(block, trailer) != Some(declared) {
            return Err(bad);
        }
        self.offset = offset + length;
        Ok(Block {
            offset,
            block_type,
            body: block.get(BLOCK_BODY..trailer).unwrap_or_default(),
        })
    }

    fn section_header(&mut self, block: &Block<'_>) -> Result<(), CaptureError> {
        if block.body.len() < SHB_BODY_LEN {
            return Err(block.bad());
        }
        let major = self
            .endian
            .u16(block.body, SHB_VERSION_MAJOR)
            .unwrap_or_default();
        let minor = self
            .endian
            .u16(block.body, SHB_VERSION_MINOR)
            .unwrap_or_default();
        if major != VERSION_MAJOR {
            return Err(CaptureError::UnsupportedVersion {
                offset: block.offset,
                major,
                minor,
            });
        }
        self.interfaces.clear();
        Ok(())
    }

    fn interface_description(&mut self, block: &Block<'_>) -> Result<(), CaptureError> {
        let endian = self.endian;
        let (Some(link_type), Some(snaplen)) = (
            endian.u16(block.body, IDB_LINK_TYPE),
            endian.u32(block.body, IDB_SNAPLEN),
        ) else {
            return Err(block.bad());
        };
        let mut interface = Interface {
            link_type: u32::from(link_type),
            snaplen,
            ticks_per_second: DEFAULT_TICKS_PER_SECOND,
            offset_seconds: 0,
        };
        let mut options = block.body.get(IDB_OPTIONS..).unwrap_or_default();
        while let (Some(code), Some(length)) = (endian.u16(options, 0), endian.u16(options, 2)) {
            let length = usize::from(length);
            let value = field(options, OPTION_HEADER_LEN, length).ok_or_else(|| block.bad())?;
            match code {
                OPT_END_OF_OPTIONS => break,
                IF_TSRESOL => {
                    let &[resolution] = value else {
                        return Err(block.bad());
                    };
                    interface.ticks_per_second = ticks_per_second(resolution);
                }
                IF_TSOFFSET => {
                    interface.offset_seconds = endian.i64(value, 0).ok_or_else(|| block.bad())?;
                }
                _ => {}
            }
            let padded = length.next_multiple_of(BLOCK_ALIGNMENT);
            options = options
                .get(OPTION_HEADER_LEN + padded..)
                .unwrap_or_default();
        }
        self.interfaces.push(interface);
        Ok(())
    }

    fn interface(&self, block: &Block<'_>, id: u32) -> Result<Interface, CaptureError> {
        usize::try_from(id)
            .ok()
            .and_then(|index| self.interfaces.get(index))
            .copied()
            .ok_or(CaptureError::UnknownInterface {
                offset: block.offset,
                interface_id: id,
            })
    }

    /// An enhanced or obsolete packet block: they differ only in how wide
    /// the interface id is.
    fn timestamped_packet(&self, block: &Block<'a>) -> Result<Record<'a>, CaptureError> {
        let endian = self.endian;
        let body = block.body;
        let id = if block.block_type == OBSOLETE_PACKET {
            endian.u16(body, OPB_INTERFACE_ID).map(u32::from)
        } else {
            endian.u32(body, EPB_INTERFACE_ID)
        };
        let (Some(id), Some(high), Some(low), Some(captured)) = (
            id,
            endian.u32(body, EPB_TIMESTAMP_HIGH),
            endian.u32(body, EPB_TIMESTAMP_LOW),
            endian.u32(body, EPB_CAPTURED_LEN),
        ) else {
            return Err(block.bad());
        };
        let interface = self.interface(block, id)?;
        let captured = usize::try_from(captured).map_err(|_| block.bad())?;
        let data = field(body, EPB_DATA, captured).ok_or_else(|| block.bad())?;
        let ticks = (u64::from(high) << 32) | u64::from(low);
        Ok(Record {
            timestamp: interface.timestamp(ticks),
            link_type: interface.link_type,
            data,
        })
    }

    /// A simple packet block: no timestamp, interface 0, and a captured
    /// length implied by the block length, the original length and snaplen.
    fn simple_packet(&self, block: &Block<'a>) -> Result<Record<'a>, CaptureError> {
        let interface = self.interface(block, 0)?;
        let original = self
            .endian
            .u32(block.body, SPB_ORIGINAL_LEN)
            .ok_or_else(|| block.bad())?;
        let data = block.body.get(SPB_DATA..).unwrap_or_default();
        let mut captured = usize::try_from(original)
            .unwrap_or(usize::MAX)
            .min(data.len());
        if interface.snaplen != 0 {
            captured = captured.min(usize::try_from(interface.snaplen).unwrap_or(usize::MAX));
        }
        Ok(Record {
            timestamp: Duration::ZERO,
            link_type: interface.link_type,
            data: data.get(..captured).unwrap_or_default(),
        })
    }

    /// Reads blocks until one holds a packet.
    fn read(&mut self) -> Option<Result<Record<'a>, CaptureError>> {
        while self.offset < self.bytes.len() {
            let block = match self.block() {
                Ok(block) => block,
                Err(error) => return Some(Err(error)),
            };
            let outcome = match block.block_type {
                SECTION_HEADER => self.section_header(&block),
                INTERFACE_DESCRIPTION => self.interface_description(&block),
                ENHANCED_PACKET | OBSOLETE_PACKET => return Some(self.timestamped_packet(&block)),
                SIMPLE_PACKET => return Some(self.simple_packet(&block)),
                _ => Ok(()),
            };
            if let Err(error) = outcome {
                return Some(Err(error));
            }
        }
        None
    }
}

/// Ticks per second for an `if_tsresol` value; resolutions too fine to count
/// in a `u128` are clamped, which makes every such timestamp the epoch.
fn ticks_per_second(resolution: u8) -> u128 {
    let exponent = u32::from(resolution & TSRESOL_EXPONENT);
    let base: u128 = if resolution & TSRESOL_BINARY != 0 {
        2
    } else {
        10
    };
    base.checked_pow(exponent).unwrap_or(u128::MAX)
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.read();
        if let Some(Err(_)) = record {
            // Nothing after a broken block can be trusted to be aligned.
            self.offset = self.bytes.len();
        }
        record
    }
}
