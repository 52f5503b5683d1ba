//! Option 81, client fully qualified domain name (RFC 4702).

use std::fmt;

use super::dns;
use super::value::{OptionValue, ValueError};

/// Flags, rcode1 and rcode2 before the name.
const FIXED_LEN: usize = 3;

/// The value of option 81: flags, two deprecated RCODE bytes, and a name.
///
/// The name is ASCII when the E flag is clear, DNS wire format when it is set. In wire
/// format a complete name ends with the root label and a partial one does not; the
/// [`name`](Fqdn::name) shows a complete name with a trailing dot, so the value
/// encodes back to the same bytes.
///
/// ```
/// use ex_dhcp::options::{Fqdn, OptionValue};
///
/// let fqdn = Fqdn::decode_value(&[0x05, 0, 0, 2, b'p', b'c', 3, b'l', b'a', b'n', 0])?;
/// assert!(fqdn.server_updates() && fqdn.wire_format());
/// assert_eq!(fqdn.name, "pc.lan.");
/// # Ok::<(), ex_dhcp::options::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Fqdn {
    /// The flag bits: [`Fqdn::S`], [`Fqdn::O`], [`Fqdn::E`], [`Fqdn::N`].
    pub flags: u8,
    /// RCODE1, deprecated: clients send 0, servers 255.
    pub rcode1: u8,
    /// RCODE2, deprecated: clients send 0, servers 255.
    pub rcode2: u8,
    /// The name, dotted; with a trailing dot when complete in wire format.
    pub name: String,
}

impl Fqdn {
    /// S: the server should update the A record.
    pub const S: u8 = 0x01;
    /// O: the server overrode the client's S flag.
    pub const O: u8 = 0x02;
    /// E: the name is in DNS wire format.
    pub const E: u8 = 0x04;
    /// N: the server should do no update at all.
    pub const N: u8 = 0x08;

    /// A name in wire format (E set), complete when it ends with a dot.
    pub fn new(flags: u8, name: impl Into<String>) -> Self {
        Fqdn {
            flags: flags | Self::E,
            rcode1: 0,
            rcode2: 0,
            name: name.into(),
        }
    }

    /// True when the S flag is set.
    pub fn server_updates(&self) -> bool {
        self.flags & Self::S != 0
    }

    /// True when the O flag is set.
    pub fn overridden(&self) -> bool {
        self.flags & Self::O != 0
    }

    /// True when the E flag is set: the name is in DNS wire format.
    pub fn wire_format(&self) -> bool {
        self.flags & Self::E != 0
    }

    /// True when the N flag is set.
    pub fn no_updates(&self) -> bool {
        self.flags & Self::N != 0
    }
}

impl OptionValue for Fqdn {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let &[flags, rcode1, rcode2, ref raw_name @ ..] = bytes else {
            return Err(ValueError::Length {
                expected: "at least 3",
                actual: bytes.len(),
            });
        };
        let name = if flags & Self::E != 0 {
            let (mut name, complete) = dns::read_uncompressed(raw_name)?;
            if complete {
                name.push('.');
            }
            name
        } else {
            String::from_utf8(raw_name.to_vec()).map_err(|e| ValueError::Invalid {
                offset: FIXED_LEN + e.utf8_error().valid_up_to(),
                reason: "name is not UTF-8",
            })?
        };
        Ok(Fqdn {
            flags,
            rcode1,
            rcode2,
            name,
        })
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.flags, self.rcode1, self.rcode2]);
        if self.wire_format() {
            let complete = self.name.ends_with('.');
            dns::write_uncompressed(out, &self.name, complete);
        } else {
            out.extend_from_slice(self.name.as_bytes());
        }
    }
}

impl fmt::Display for Fqdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} flags", self.name)?;
        for (bit, letter) in [
            (Self::S, " S"),
            (Self::O, " O"),
            (Self::E, " E"),
            (Self::N, " N"),
        ] {
            if self.flags & bit != 0 {
                f.write_str(letter)?;
            }
        }
        write!(f, " rcode {}/{}", self.rcode1, self.rcode2)
    }
}
