//! How option values are read from and written to bytes.

use std::fmt;
use std::net::Ipv4Addr;

use byteorder::{BigEndian, ByteOrder};

use crate::packet::MessageType;

/// Why an option value could not be read as the requested type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueError {
    /// The value has a length the type cannot have.
    Length {
        /// The lengths the type accepts, in words (`"4"`, `"a multiple of 4"`).
        expected: &'static str,
        /// The length found.
        actual: usize,
    },
    /// The bytes are of the right length but not a valid value.
    Invalid {
        /// Where in the value the problem starts.
        offset: usize,
        /// What is wrong, in a few words.
        reason: &'static str,
    },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Length { expected, actual } => {
                write!(f, "expected {expected} bytes, got {actual}")
            }
            ValueError::Invalid { offset, reason } => write!(f, "{reason} at byte {offset}"),
        }
    }
}

impl std::error::Error for ValueError {}

/// A Rust type that an option value can be decoded into and encoded from.
///
/// Implement it for your own types to define options the library does not know (see
/// [`dhcp_option!`](crate::dhcp_option)).
pub trait OptionValue: Sized {
    /// Reads a value from the option's bytes (every occurrence already joined).
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError>;
    /// Appends the value's bytes to `out`, without code or length.
    fn encode_value(&self, out: &mut Vec<u8>);
}

fn length(expected: &'static str, actual: usize) -> ValueError {
    ValueError::Length { expected, actual }
}

impl OptionValue for u8 {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes {
            [value] => Ok(*value),
            _ => Err(length("1", bytes.len())),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}

/// Accepts 1 or 2 bytes: some clients send one byte where RFC 2132 says two.
impl OptionValue for u16 {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes.len() {
            1 => Ok(u16::from(bytes[0])),
            2 => Ok(BigEndian::read_u16(bytes)),
            other => Err(length("1 or 2", other)),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
}

/// Accepts 1, 2 or 4 bytes: some clients send short integers where RFC 2132 says four.
impl OptionValue for u32 {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes.len() {
            1 => Ok(u32::from(bytes[0])),
            2 => Ok(u32::from(BigEndian::read_u16(bytes))),
            4 => Ok(BigEndian::read_u32(bytes)),
            other => Err(length("1, 2 or 4", other)),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
}

/// A signed 32-bit value (time offset, option 2); exactly 4 bytes.
impl OptionValue for i32 {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes.len() {
            4 => Ok(BigEndian::read_i32(bytes)),
            other => Err(length("4", other)),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
}

/// One byte, 0 for false and 1 for true; any other non-zero byte reads as true.
impl OptionValue for bool {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes {
            [value] => Ok(*value != 0),
            _ => Err(length("1", bytes.len())),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl OptionValue for Ipv4Addr {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes {
            [a, b, c, d] => Ok(Ipv4Addr::new(*a, *b, *c, *d)),
            _ => Err(length("4", bytes.len())),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.octets());
    }
}

impl OptionValue for Vec<Ipv4Addr> {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        if !bytes.len().is_multiple_of(4) {
            return Err(length("a multiple of 4", bytes.len()));
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
            .collect())
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        for address in self {
            out.extend_from_slice(&address.octets());
        }
    }
}

/// A list of 16-bit values (for instance the MTU plateau table, option 25).
impl OptionValue for Vec<u16> {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        if !bytes.len().is_multiple_of(2) {
            return Err(length("a multiple of 2", bytes.len()));
        }
        Ok(bytes.chunks_exact(2).map(BigEndian::read_u16).collect())
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        for value in self {
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

/// Opaque bytes, as they are.
impl OptionValue for Vec<u8> {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        Ok(bytes.to_vec())
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

/// UTF-8 text. Trailing NUL bytes, which many clients send, are dropped when reading;
/// none is written (use [`NulTerminated`] where a receiver wants one).
impl OptionValue for String {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let text = trim_nuls(bytes);
        match std::str::from_utf8(text) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => Err(ValueError::Invalid {
                offset: error.valid_up_to(),
                reason: "invalid UTF-8",
            }),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

fn trim_nuls(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Text written with a terminating NUL byte, as UEFI PXE firmware wants the boot file
/// name (option 67); reads like [`String`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NulTerminated(pub String);

impl OptionValue for NulTerminated {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        String::decode_value(bytes).map(NulTerminated)
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
        out.push(0);
    }
}

impl OptionValue for MessageType {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        u8::decode_value(bytes).map(MessageType::from)
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

/// The value of an option that carries no data and means something by being there,
/// such as rapid commit (80).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Present;

impl OptionValue for Present {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        if bytes.is_empty() {
            Ok(Present)
        } else {
            Err(ValueError::Length {
                expected: "0",
                actual: bytes.len(),
            })
        }
    }
    fn encode_value(&self, _out: &mut Vec<u8>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: OptionValue + PartialEq + fmt::Debug>(value: T, bytes: &[u8]) {
        assert_eq!(T::decode_value(bytes).as_ref(), Ok(&value));
        let mut out = Vec::new();
        value.encode_value(&mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn scalars_round_trip() {
        round_trip(7u8, &[7]);
        round_trip(1500u16, &[0x05, 0xdc]);
        round_trip(86_400u32, &[0, 1, 0x51, 0x80]);
        round_trip(-3600i32, &[0xff, 0xff, 0xf1, 0xf0]);
        round_trip(true, &[1]);
        round_trip(false, &[0]);
        round_trip(Ipv4Addr::new(198, 18, 0, 1), &[198, 18, 0, 1]);
        round_trip(
            vec![Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2)],
            &[198, 18, 0, 1, 198, 18, 0, 2],
        );
        round_trip(vec![576u16, 1500], &[2, 64, 5, 220]);
        round_trip(String::from("host"), b"host");
        round_trip(NulTerminated("boot.efi".into()), b"boot.efi\0");
        round_trip(MessageType::Ack, &[5]);
    }

    #[test]
    fn short_integers_are_accepted() {
        assert_eq!(u32::decode_value(&[0x0e, 0x10]), Ok(3600));
        assert_eq!(u32::decode_value(&[60]), Ok(60));
        assert_eq!(u16::decode_value(&[200]), Ok(200));
        assert_eq!(
            u32::decode_value(&[0, 0, 1]),
            Err(ValueError::Length {
                expected: "1, 2 or 4",
                actual: 3
            })
        );
    }

    #[test]
    fn trailing_nuls_are_dropped_from_text() {
        assert_eq!(String::decode_value(b"pc1\0\0"), Ok("pc1".into()));
        assert!(matches!(
            String::decode_value(&[b'a', 0xff]),
            Err(ValueError::Invalid { offset: 1, .. })
        ));
    }

    #[test]
    fn malformed_lengths_are_errors() {
        assert!(Ipv4Addr::decode_value(&[255, 255, 255]).is_err());
        assert!(<Vec<Ipv4Addr>>::decode_value(&[1, 2, 3, 4, 5]).is_err());
        assert!(bool::decode_value(&[]).is_err());
    }
}
