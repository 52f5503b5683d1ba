//! Options 124 and 125 (RFC 3925): vendor class and vendor-specific information
//! qualified by an IANA enterprise number.

use std::fmt;

use byteorder::{BigEndian, ByteOrder};

use super::suboptions::{format_bytes, write_len_prefixed, SubOptions};
use super::value::{OptionValue, ValueError};
use crate::options::list::MAX_SEGMENT;

/// Enterprise number (4 bytes) and data length (1 byte) before each block.
const BLOCK_HEADER: usize = 5;

/// Splits `bytes` into (enterprise number, data) blocks.
fn blocks(bytes: &[u8]) -> Result<Vec<(u32, &[u8])>, ValueError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let header = bytes
            .get(at..at + BLOCK_HEADER)
            .ok_or(ValueError::Invalid {
                offset: at,
                reason: "enterprise block header cut short",
            })?;
        let enterprise = BigEndian::read_u32(header);
        let len = usize::from(header[BLOCK_HEADER - 1]);
        let start = at + BLOCK_HEADER;
        let data = bytes.get(start..start + len).ok_or(ValueError::Invalid {
            offset: at,
            reason: "enterprise data runs past the end",
        })?;
        out.push((enterprise, data));
        at = start + len;
    }
    Ok(out)
}

/// Writes `pieces` (whole class items or sub-options) in blocks of at most 255 bytes,
/// all with the same enterprise number; a block breaks between pieces, and only a
/// piece longer than 255 bytes on its own is cut across blocks.
fn write_blocks(out: &mut Vec<u8>, enterprise: u32, pieces: &[Vec<u8>]) {
    let mut block: Vec<u8> = Vec::new();
    let flush = |out: &mut Vec<u8>, block: &mut Vec<u8>| {
        for chunk in block.chunks(MAX_SEGMENT) {
            out.extend_from_slice(&enterprise.to_be_bytes());
            write_len_prefixed(out, chunk);
        }
        block.clear();
    };
    if pieces.is_empty() {
        out.extend_from_slice(&enterprise.to_be_bytes());
        out.push(0);
        return;
    }
    for piece in pieces {
        if !block.is_empty() && block.len() + piece.len() > MAX_SEGMENT {
            flush(out, &mut block);
        }
        block.extend_from_slice(piece);
    }
    flush(out, &mut block);
}

/// One vendor's classes in option 124.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorClass {
    /// The vendor's IANA enterprise number.
    pub enterprise: u32,
    /// The class data items, each written with a one-byte length (at most 255 bytes).
    pub classes: Vec<Vec<u8>>,
}

/// The value of option 124, V-I vendor class: one entry per enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct VendorClasses(pub Vec<VendorClass>);

impl OptionValue for VendorClasses {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let mut out = Vec::new();
        for (enterprise, data) in blocks(bytes)? {
            let classes = super::user_class::length_prefixed(data).ok_or(ValueError::Invalid {
                offset: 0,
                reason: "vendor class data is not length-prefixed",
            })?;
            out.push(VendorClass {
                enterprise,
                classes,
            });
        }
        Ok(VendorClasses(out))
    }
    /// A vendor's data over 255 bytes goes in several blocks with the same enterprise
    /// number, split between class items.
    fn encode_value(&self, out: &mut Vec<u8>) {
        for vendor in &self.0 {
            let pieces: Vec<Vec<u8>> = vendor
                .classes
                .iter()
                .map(|class| {
                    let mut piece = Vec::new();
                    write_len_prefixed(&mut piece, class);
                    piece
                })
                .collect();
            write_blocks(out, vendor.enterprise, &pieces);
        }
    }
}

/// One vendor's sub-options in option 125.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorOptions {
    /// The vendor's IANA enterprise number.
    pub enterprise: u32,
    /// The vendor's sub-options.
    pub sub_options: SubOptions,
}

/// The value of option 125, V-I vendor-specific information: one entry per enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct VendorIdentifyingInfo(pub Vec<VendorOptions>);

impl OptionValue for VendorIdentifyingInfo {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let mut out = Vec::new();
        for (enterprise, data) in blocks(bytes)? {
            out.push(VendorOptions {
                enterprise,
                sub_options: SubOptions::decode_value(data)?,
            });
        }
        Ok(VendorIdentifyingInfo(out))
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        for vendor in &self.0 {
            let pieces: Vec<Vec<u8>> = vendor
                .sub_options
                .iter()
                .map(|sub| {
                    let mut piece = Vec::new();
                    super::suboptions::write_tlv(&mut piece, sub.code, &sub.data);
                    piece
                })
                .collect();
            write_blocks(out, vendor.enterprise, &pieces);
        }
    }
}

impl fmt::Display for VendorClasses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, vendor) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "enterprise {}:", vendor.enterprise)?;
            for class in &vendor.classes {
                f.write_str(" ")?;
                format_bytes(f, class)?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for VendorIdentifyingInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, vendor) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(
                f,
                "enterprise {}: {}",
                vendor.enterprise, vendor.sub_options
            )?;
        }
        Ok(())
    }
}
