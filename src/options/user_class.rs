//! Option 77, user class (RFC 3004), with a fallback for clients that send plain text.

use std::fmt;

use super::suboptions::{format_bytes, write_len_prefixed};
use super::value::{OptionValue, ValueError};

/// Splits `bytes` into one-byte-length-prefixed items, each at least one byte long;
/// `None` when the bytes are not such a list.
pub(crate) fn length_prefixed(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut items = Vec::new();
    let mut at = 0;
    while let Some(&len) = bytes.get(at) {
        let start = at + 1;
        let item = bytes.get(start..start + usize::from(len))?;
        if item.is_empty() {
            return None;
        }
        items.push(item.to_vec());
        at = start + usize::from(len);
    }
    Some(items)
}

/// The value of option 77.
///
/// RFC 3004 defines a list of length-prefixed classes; Microsoft clients send one
/// class as plain text instead. Bytes that do not parse as the RFC's list are kept as
/// [`UserClasses::Text`], so either way the value encodes back to the same bytes.
///
/// ```
/// use ex_dhcp::options::{OptionValue, UserClasses};
///
/// assert_eq!(UserClasses::decode_value(&[3, b'i', b'p', b'x'])?, UserClasses::Classes(vec![b"ipx".to_vec()]));
/// assert_eq!(UserClasses::decode_value(b"RRAS.Microsoft")?, UserClasses::Text(b"RRAS.Microsoft".to_vec()));
/// # Ok::<(), ex_dhcp::options::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserClasses {
    /// RFC 3004 classes, each written with a one-byte length (at most 255 bytes).
    Classes(Vec<Vec<u8>>),
    /// Anything else, usually one class as plain text.
    Text(Vec<u8>),
}

impl OptionValue for UserClasses {
    /// Never fails: what is not an RFC 3004 list is [`UserClasses::Text`].
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        Ok(match length_prefixed(bytes) {
            Some(classes) if !classes.is_empty() => UserClasses::Classes(classes),
            _ => UserClasses::Text(bytes.to_vec()),
        })
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        match self {
            UserClasses::Classes(classes) => {
                for class in classes {
                    write_len_prefixed(out, class);
                }
            }
            UserClasses::Text(text) => out.extend_from_slice(text),
        }
    }
}

impl fmt::Display for UserClasses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserClasses::Classes(classes) => {
                for (i, class) in classes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    format_bytes(f, class)?;
                }
                Ok(())
            }
            UserClasses::Text(text) => format_bytes(f, text),
        }
    }
}
