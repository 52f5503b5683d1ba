//! Small structured values: client identifier (61), parameter request list (55),
//! option overload (52) and options whose presence is their meaning (80).

use std::fmt;
use std::ops::Deref;

use super::value::{OptionValue, ValueError};
use crate::packet::HTYPE_ETHERNET;

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
    pub fn from_mac(mac: [u8; 6]) -> Self {
        ClientId {
            id_type: HTYPE_ETHERNET,
            data: mac.to_vec(),
        }
    }

    /// The MAC address, when the type is Ethernet and the data six bytes long.
    pub fn mac(&self) -> Option<[u8; 6]> {
        match (self.id_type, <[u8; 6]>::try_from(self.data.as_slice())) {
            (HTYPE_ETHERNET, Ok(mac)) => Some(mac),
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

/// The value of option 55: option codes the client wants, in order of preference.
///
/// Dereferences to the codes, so `list.contains(&1)` and iteration work directly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParameterList(pub Vec<u8>);

impl Deref for ParameterList {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for ParameterList {
    fn from(codes: Vec<u8>) -> Self {
        ParameterList(codes)
    }
}

impl OptionValue for ParameterList {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        Ok(ParameterList(bytes.to_vec()))
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

impl fmt::Display for ParameterList {
    /// Each code with its name: `1 (subnet mask), 3 (router), 224`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, code) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match super::name(*code) {
                Some(name) => write!(f, "{code} ({name})")?,
                None => write!(f, "{code}")?,
            }
        }
        Ok(())
    }
}

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
