//! Ordered code/length/value sub-option lists, as options 43, 82 and 125 carry.

use std::fmt;

use super::value::{OptionValue, ValueError};
use crate::options::list::MAX_SEGMENT;

/// One sub-option: a code and its value bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubOption {
    /// The sub-option code.
    pub code: u8,
    /// The value, without code and length.
    pub data: Vec<u8>,
}

/// Sub-options in the order they came, duplicates and unknown codes kept.
///
/// Every byte belongs to a code/length/value triple; there is no padding or end
/// marker (see [`VendorInfo`](super::VendorInfo) for option 43, which may have one).
/// A value longer than 255 bytes is written as consecutive sub-options of the same
/// code, the way RFC 3396 splits long options.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubOptions(pub Vec<SubOption>);

/// Code byte and length byte before each sub-option value.
const TLV_HEADER: usize = 2;

impl SubOptions {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a sub-option; returns the list for chaining.
    pub fn with(mut self, code: u8, data: impl Into<Vec<u8>>) -> Self {
        self.push(code, data);
        self
    }

    /// Appends a sub-option.
    pub fn push(&mut self, code: u8, data: impl Into<Vec<u8>>) {
        self.0.push(SubOption {
            code,
            data: data.into(),
        });
    }

    /// The value of the first sub-option with `code`.
    pub fn get(&self, code: u8) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|s| s.code == code)
            .map(|s| s.data.as_slice())
    }

    /// Every sub-option, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, SubOption> {
        self.0.iter()
    }

    /// The number of sub-options.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no sub-option.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads triples from `bytes`, stopping at `stop` (an END code) when given;
    /// returns the list and the offset where reading stopped.
    pub(crate) fn read(bytes: &[u8], stop: Option<u8>) -> Result<(Self, usize), ValueError> {
        let mut list = Vec::new();
        let mut at = 0;
        while let Some(&code) = bytes.get(at) {
            if Some(code) == stop {
                break;
            }
            let len = *bytes.get(at + 1).ok_or(ValueError::Invalid {
                offset: at,
                reason: "sub-option without a length",
            })?;
            let start = at + TLV_HEADER;
            let data = bytes
                .get(start..start + usize::from(len))
                .ok_or(ValueError::Invalid {
                    offset: at,
                    reason: "sub-option runs past the end",
                })?;
            list.push(SubOption {
                code,
                data: data.to_vec(),
            });
            at = start + usize::from(len);
        }
        Ok((SubOptions(list), at))
    }

    /// Writes every sub-option, splitting values over 255 bytes.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for sub in &self.0 {
            write_tlv(out, sub.code, &sub.data);
        }
    }
}

/// Writes `code`, length, value; a value over 255 bytes becomes several triples.
pub(crate) fn write_tlv(out: &mut Vec<u8>, code: u8, data: &[u8]) {
    let mut chunks = data.chunks(MAX_SEGMENT).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[code, 0]);
    }
    for chunk in chunks {
        out.push(code);
        out.push(len_u8(chunk.len()));
        out.extend_from_slice(chunk);
    }
}

/// A length that the caller has already bounded to 255; saturates rather than wraps.
pub(crate) fn len_u8(len: usize) -> u8 {
    u8::try_from(len).unwrap_or(u8::MAX)
}

/// Writes a one-byte length and at most 255 bytes of `data` (longer data cannot be
/// carried by a one-byte length, and is cut rather than wrapped).
pub(crate) fn write_len_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    let data = data.get(..MAX_SEGMENT).unwrap_or(data);
    out.push(len_u8(data.len()));
    out.extend_from_slice(data);
}

impl OptionValue for SubOptions {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        SubOptions::read(bytes, None).map(|(list, _)| list)
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        self.write(out);
    }
}

/// Writes `code: value` pairs, naming codes with `name` and showing values as text
/// when printable, else hex.
pub(crate) fn format_sub_options(
    f: &mut fmt::Formatter<'_>,
    list: &SubOptions,
    name: fn(u8) -> Option<&'static str>,
) -> fmt::Result {
    f.write_str("[")?;
    for (i, sub) in list.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match name(sub.code) {
            Some(label) => write!(f, "{} {label}: ", sub.code)?,
            None => write!(f, "{}: ", sub.code)?,
        }
        format_bytes(f, &sub.data)?;
    }
    f.write_str("]")
}

/// Printable ASCII as a quoted string, anything else as hex.
pub(crate) fn format_bytes(f: &mut fmt::Formatter<'_>, data: &[u8]) -> fmt::Result {
    let printable = !data.is_empty() && data.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if printable {
        write!(f, "{:?}", String::from_utf8_lossy(data))
    } else {
        crate::packet::write_hex(f, data, ' ')
    }
}

impl fmt::Display for SubOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_sub_options(f, self, |_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_split_and_lengths_never_wrap() {
        let list = SubOptions::new().with(1, vec![7; 300]);
        let mut out = Vec::new();
        list.write(&mut out);
        assert_eq!(out.len(), 300 + 2 * TLV_HEADER);
        assert_eq!(&out[..2], &[1, 255]);
        assert_eq!(&out[257..259], &[1, 45]);
    }

    #[test]
    fn truncated_sub_options_are_errors() {
        assert!(SubOptions::decode_value(&[1]).is_err());
        assert!(SubOptions::decode_value(&[1, 3, 0]).is_err());
        assert_eq!(SubOptions::decode_value(&[]), Ok(SubOptions::new()));
    }
}
