//! The table of known options: code, name and how to show the value.

use std::fmt;
use std::net::Ipv4Addr;

use byteorder::{BigEndian, ByteOrder};

use crate::packet::MessageType;

/// How an option's value is shown in a packet dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Address,
    Addresses,
    U8,
    U16,
    U32,
    Text,
    Bytes,
    MessageType,
    Codes,
}

/// Every known option: code, name, shape. Sorted by code.
const TABLE: &[(u8, &str, Shape)] = &[
    (1, "subnet mask", Shape::Address),
    (3, "router", Shape::Addresses),
    (6, "domain name server", Shape::Addresses),
    (12, "host name", Shape::Text),
    (15, "domain name", Shape::Text),
    (50, "requested ip address", Shape::Address),
    (51, "ip address lease time", Shape::U32),
    (52, "option overload", Shape::U8),
    (53, "dhcp message type", Shape::MessageType),
    (54, "server identifier", Shape::Address),
    (55, "parameter request list", Shape::Codes),
    (57, "maximum dhcp message size", Shape::U16),
    (58, "renewal (t1) time value", Shape::U32),
    (59, "rebinding (t2) time value", Shape::U32),
    (61, "client identifier", Shape::Bytes),
    (82, "relay agent information", Shape::Bytes),
];

fn entry(code: u8) -> Option<&'static (u8, &'static str, Shape)> {
    TABLE
        .binary_search_by_key(&code, |(c, _, _)| *c)
        .ok()
        .map(|index| &TABLE[index])
}

/// The name of an option code, `None` when the library does not know it.
///
/// ```
/// assert_eq!(ex_dhcp::options::name(1), Some("subnet mask"));
/// assert_eq!(ex_dhcp::options::name(254), None);
/// ```
pub fn name(code: u8) -> Option<&'static str> {
    entry(code).map(|(_, name, _)| *name)
}

/// Writes a value in the shape its code has, falling back to hex when it does not fit.
pub(crate) fn format_value(f: &mut fmt::Formatter<'_>, code: u8, value: &[u8]) -> fmt::Result {
    let shape = entry(code).map_or(Shape::Bytes, |(_, _, shape)| *shape);
    match (shape, value.len()) {
        (Shape::Address, 4) => write!(f, "{}", Ipv4Addr::from(BigEndian::read_u32(value))),
        (Shape::Addresses, len) if len % 4 == 0 && len > 0 => {
            for (i, chunk) in value.chunks_exact(4).enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{}", Ipv4Addr::from(BigEndian::read_u32(chunk)))?;
            }
            Ok(())
        }
        (Shape::U8, 1) => write!(f, "{}", value[0]),
        (Shape::U16, 2) => write!(f, "{}", BigEndian::read_u16(value)),
        (Shape::U32, 4) => write!(f, "{}", BigEndian::read_u32(value)),
        (Shape::MessageType, 1) => write!(f, "{}", MessageType::from(value[0])),
        (Shape::Codes, _) => {
            for (i, code) in value.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{code}")?;
            }
            Ok(())
        }
        (Shape::Text, _) if std::str::from_utf8(value).is_ok() => {
            write!(f, "{:?}", String::from_utf8_lossy(value))
        }
        _ => crate::packet::write_hex(f, value, ' '),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_without_duplicates() {
        assert!(TABLE.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }
}
