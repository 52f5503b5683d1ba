//! Option 119, domain search list (RFC 3397).

use std::fmt;

use super::dns;
use super::value::{OptionValue, ValueError};

/// The value of option 119: domain names in order, written as DNS names with
/// compression pointers relative to the start of the (joined) option value.
///
/// ```
/// use ex_dhcp::options::{DomainSearchList, OptionValue};
///
/// let list = DomainSearchList(vec!["eng.example.com".into(), "example.com".into()]);
/// let mut bytes = Vec::new();
/// list.encode_value(&mut bytes);
/// // "example.com" is written once; the second name is a pointer to it.
/// assert_eq!(&bytes[17..], &[0xc0, 4]);
/// assert_eq!(DomainSearchList::decode_value(&bytes)?, list);
/// # Ok::<(), ex_dhcp::options::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DomainSearchList(pub Vec<String>);

impl OptionValue for DomainSearchList {
    /// Compression pointers must point backwards; loops, forward pointers and names
    /// over 255 bytes are errors.
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let mut names = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let (name, next) = dns::read_compressed(bytes, at)?;
            names.push(name);
            at = next;
        }
        Ok(DomainSearchList(names))
    }
    /// Empty labels are skipped and labels over 63 bytes cut.
    fn encode_value(&self, out: &mut Vec<u8>) {
        dns::write_compressed(out, self.0.iter().map(String::as_str));
    }
}

impl fmt::Display for DomainSearchList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

/// Option 120's encoding byte for domain names.
const SIP_ENCODING_NAMES: u8 = 0;
/// Option 120's encoding byte for addresses.
const SIP_ENCODING_ADDRESSES: u8 = 1;

/// The value of option 120, SIP servers (RFC 3361): names or addresses, never both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SipServerList {
    /// Encoding 0: domain names, compressed as in option 119.
    Names(Vec<String>),
    /// Encoding 1: IPv4 addresses.
    Addresses(Vec<std::net::Ipv4Addr>),
}

impl OptionValue for SipServerList {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes.split_first() {
            Some((&SIP_ENCODING_NAMES, names)) => {
                DomainSearchList::decode_value(names).map(|list| SipServerList::Names(list.0))
            }
            Some((&SIP_ENCODING_ADDRESSES, addresses)) => {
                Vec::decode_value(addresses).map(SipServerList::Addresses)
            }
            Some(_) => Err(ValueError::Invalid {
                offset: 0,
                reason: "unknown encoding",
            }),
            None => Err(ValueError::Length {
                expected: "at least 1",
                actual: 0,
            }),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        match self {
            SipServerList::Names(names) => {
                out.push(SIP_ENCODING_NAMES);
                dns::write_compressed(out, names.iter().map(String::as_str));
            }
            SipServerList::Addresses(addresses) => {
                out.push(SIP_ENCODING_ADDRESSES);
                addresses.encode_value(out);
            }
        }
    }
}

impl fmt::Display for SipServerList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SipServerList::Names(names) => f.write_str(&names.join(", ")),
            SipServerList::Addresses(addresses) => {
                for (i, address) in addresses.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{address}")?;
                }
                Ok(())
            }
        }
    }
}
