//! Checked field access over untrusted bytes.
//!
//! Every read returns `None` instead of panicking when the field does not
//! fit, so the format readers can turn a short input into a typed error.

use byteorder::{BigEndian, ByteOrder, LittleEndian};

/// The byte order of a pcap file or a pcapng section, known only at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    pub(crate) fn u16(self, bytes: &[u8], offset: usize) -> Option<u16> {
        let field = field(bytes, offset, 2)?;
        Some(match self {
            Self::Little => LittleEndian::read_u16(field),
            Self::Big => BigEndian::read_u16(field),
        })
    }

    pub(crate) fn u32(self, bytes: &[u8], offset: usize) -> Option<u32> {
        let field = field(bytes, offset, 4)?;
        Some(match self {
            Self::Little => LittleEndian::read_u32(field),
            Self::Big => BigEndian::read_u32(field),
        })
    }

    pub(crate) fn i64(self, bytes: &[u8], offset: usize) -> Option<i64> {
        let field = field(bytes, offset, 8)?;
        Some(match self {
            Self::Little => LittleEndian::read_i64(field),
            Self::Big => BigEndian::read_i64(field),
        })
    }
}

/// The `len` bytes at `offset`, if they are all there.
pub(crate) fn field(bytes: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    bytes.get(offset..offset.checked_add(len)?)
}

/// The four bytes at `offset`, for magic numbers compared as byte strings.
pub(crate) fn array4(bytes: &[u8], offset: usize) -> Option<[u8; 4]> {
    field(bytes, offset, 4)?.try_into().ok()
}
