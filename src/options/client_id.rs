//! The client identifier (option 61).

use std::fmt;

use super::value::{OptionValue, ValueError};
use crate::packet::Mac;
use crate::wire::HTYPE_ETHERNET;

/// The value of option 61: a type byte (a hardware type, or 255 for RFC 4361
/// identifiers) and the identifier.
///
/// ```
/// use ex_dhcp::options::ClientId;
///
/// let id = ClientId::from_mac([0xf4, 0x4d, 0x30, 0x6c, 0x93, 0xb2]);
/// assert_eq!(id.to_bytes(), [1, 0xf4, 0x4d, 0x30, 0x6c, 0x93, 0xb2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId {
    /// The type byte: 1 for Ethernet, 0 for free-form text, 255 for RFC 4361.
    pub id_type: u8,
    /// The identifier after the type byte.
    pub data: Vec<u8>,
}

impl ClientId {
    /// Type 1 (Ethernet) and the MAC address, as most clients send.
    pub fn from_mac(mac: impl Into<Mac>) -> Self {
        ClientId {
            id_type: HTYPE_ETHERNET,
            data: mac.into().octets().to_vec(),
        }
    }

    /// The MAC address, when the type is Ethernet and the data six bytes long.
    pub fn mac(&self) -> Option<Mac> {
        match (self.id_type, <[u8; 6]>::try_from(self.data.as_slice())) {
            (HTYPE_ETHERNET, Ok(mac)) => Some(Mac::new(mac)),
            _ => None,
        }
    }

    /// The value as it is sent: type byte, then data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.data.len());
        self.encode_value(&mut out);
        out
    }
}

impl OptionValue for ClientId {
    /// RFC 2132 asks for at least two bytes; one (a type with no data) is accepted.
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes.split_first() {
            Some((&id_type, data)) => Ok(ClientId {
                id_type,
                data: data.to_vec(),
            }),
            None => Err(ValueError::Length {
                expected: "at least 1",
                actual: 0,
            }),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(self.id_type);
        out.extend_from_slice(&self.data);
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "type {} ", self.id_type)?;
        crate::packet::write_hex(f, &self.data, ':')
    }
}
