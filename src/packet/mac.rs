//! An Ethernet MAC address: the client's `chaddr` when the hardware is Ethernet.

use std::fmt;
use std::str::FromStr;

/// An Ethernet MAC address, printed and parsed as six pairs of hex digits separated
/// by colons: `02:00:00:00:00:01` (dashes are read too, in either case).
///
/// ```
/// use ex_dhcp::{Mac, MessageType, Packet};
///
/// let mac: Mac = "02:00:5e:10:00:01".parse()?;
/// assert_eq!(mac.to_string(), "02:00:5e:10:00:01");
/// assert_eq!(mac, Mac::new([2, 0, 0x5e, 0x10, 0, 1]));
/// assert_eq!("02-00-5E-10-00-01".parse::<Mac>()?, mac);
///
/// let mut discover = Packet::new(MessageType::Discover);
/// discover.set_mac(mac);
/// assert_eq!(discover.mac(), Some(mac));
/// assert!("02:00:5e:10:00".parse::<Mac>().is_err());
/// # Ok::<(), ex_dhcp::MacParseError>(())
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac([u8; 6]);

impl Mac {
    /// The address with these six bytes.
    pub const fn new(octets: [u8; 6]) -> Self {
        Mac(octets)
    }

    /// The six bytes.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// True for a locally administered address (bit 1 of the first byte): the kind
    /// tests, virtual machines and randomising clients use.
    pub const fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }
}

impl From<[u8; 6]> for Mac {
    fn from(octets: [u8; 6]) -> Self {
        Mac(octets)
    }
}

impl From<Mac> for [u8; 6] {
    fn from(mac: Mac) -> Self {
        mac.0
    }
}

impl AsRef<[u8]> for Mac {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl PartialEq<[u8; 6]> for Mac {
    fn eq(&self, other: &[u8; 6]) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({self})")
    }
}

/// Text that is not a MAC address ([`Mac`]'s `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MacParseError;

impl fmt::Display for MacParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MAC address is six pairs of hex digits separated by ':' or '-'")
    }
}

impl std::error::Error for MacParseError {}

impl FromStr for Mac {
    type Err = MacParseError;

    /// Six pairs of hex digits separated by `:` or `-`, in either case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut octets = [0u8; 6];
        let mut parts = text.split([':', '-']);
        for octet in &mut octets {
            *octet = parts.next().and_then(hex_pair).ok_or(MacParseError)?;
        }
        match parts.next() {
            None => Ok(Mac(octets)),
            Some(_) => Err(MacParseError),
        }
    }
}

/// Two hex digits and nothing else (no sign, no space).
fn hex_pair(text: &str) -> Option<u8> {
    let [high, low] = <[u8; 2]>::try_from(text.as_bytes()).ok()?;
    let digit = |d: u8| (d as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_back() {
        let mac = Mac::new([0x02, 0, 0, 0xab, 0xcd, 0x0a]);
        assert_eq!(mac.to_string(), "02:00:00:ab:cd:0a");
        assert_eq!("02:00:00:ab:cd:0a".parse(), Ok(mac));
        assert_eq!("02-00-00-AB-Cd-0A".parse(), Ok(mac));
        assert_eq!("02:00-00:ab-cd:0a".parse(), Ok(mac), "separators may mix");
        assert_eq!(format!("{mac:?}"), "Mac(02:00:00:ab:cd:0a)");
        assert!(mac.is_local());
        assert!(!Mac::new([0, 0x0b, 0x82, 1, 0xfc, 0x42]).is_local());
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "02:00",
            "02:00:00:00:00",
            "02:00:00:00:00:01:02",
            "02:00:00:00:00:01:",
            ":02:00:00:00:00:01",
            "2:00:00:00:00:01",
            "002:00:00:00:00:01",
            "0g:00:00:00:00:01",
            "02.00.00.00.00.01",
            "020000000001",
            " 02:00:00:00:00:01",
            "é:00:00:00:00:01",
            "+2:00:00:00:00:01",
            "02:00:00:00:00:+1",
        ] {
            assert_eq!(text.parse::<Mac>(), Err(MacParseError), "{text:?}");
        }
    }
}
