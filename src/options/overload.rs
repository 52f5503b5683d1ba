//! Option overload (option 52): which of `file` and `sname` carry options.

use super::value::{OptionValue, ValueError};

/// The value of option 52: which of `file` and `sname` carry options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Overload {
    /// 1: the `file` field.
    File,
    /// 2: the `sname` field.
    Sname,
    /// 3: both fields.
    Both,
    /// Any other value, kept as it came (and not honoured).
    Unknown(u8),
}

/// Option 52 values (RFC 2132, section 9.3).
pub(crate) const OVERLOAD_FILE: u8 = 1;
pub(crate) const OVERLOAD_SNAME: u8 = 2;
pub(crate) const OVERLOAD_BOTH: u8 = 3;

impl From<u8> for Overload {
    fn from(value: u8) -> Self {
        match value {
            OVERLOAD_FILE => Overload::File,
            OVERLOAD_SNAME => Overload::Sname,
            OVERLOAD_BOTH => Overload::Both,
            other => Overload::Unknown(other),
        }
    }
}

impl From<Overload> for u8 {
    fn from(value: Overload) -> Self {
        match value {
            Overload::File => OVERLOAD_FILE,
            Overload::Sname => OVERLOAD_SNAME,
            Overload::Both => OVERLOAD_BOTH,
            Overload::Unknown(other) => other,
        }
    }
}

impl OptionValue for Overload {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        u8::decode_value(bytes).map(Overload::from)
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}
