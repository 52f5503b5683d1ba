//! The crate's error types, one per operation.

use std::fmt;

use crate::options::{Area, OptionNames, ValueError};
use crate::wire::HEADER_LEN;

/// Why bytes could not be decoded as a DHCPv4 packet.
///
/// Every variant says where the problem is, as a byte offset from the start of the
/// packet (for options in `file` or `sname`, from the start of the packet too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// Shorter than the fixed 236-byte BOOTP header.
    TooShort {
        /// The length received.
        len: usize,
    },
    /// The header is complete but the 4-byte magic cookie is not.
    MissingMagicCookie {
        /// The length received.
        len: usize,
    },
    /// The four bytes after the header are not 99.130.83.99: BOOTP, or not DHCP at all.
    BadMagicCookie {
        /// The bytes found at offset 236.
        found: [u8; 4],
    },
    /// An option code is the last byte of its area, with no length byte after it.
    MissingOptionLength {
        /// The area the option is in.
        area: Area,
        /// Offset of the option code.
        offset: usize,
        /// The option code.
        code: u8,
    },
    /// An option's length runs past the end of its area.
    OptionOverrun {
        /// The area the option is in.
        area: Area,
        /// Offset of the option code.
        offset: usize,
        /// The option code.
        code: u8,
        /// The length byte.
        len: u8,
        /// How many bytes were left after the length byte.
        available: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_with(f, OptionNames::builtin())
    }
}

impl DecodeError {
    /// Shows the error with option names from `names`, so that an option you
    /// registered there reads like a built-in one.
    ///
    /// ```
    /// use ex_dhcp::options::OptionNames;
    /// use ex_dhcp::{Encoding, Packet};
    ///
    /// let mut bytes = Packet::default().encode(Encoding::Exact);
    /// bytes.pop(); // END
    /// bytes.extend_from_slice(&[224, 9, 1]);
    /// let error = Packet::decode(&bytes).unwrap_err();
    /// let names = OptionNames::new().with_name(224, "rack location");
    /// assert_eq!(
    ///     error.display_with(&names).to_string(),
    ///     "option 224 (rack location) at offset 240 (options field) says 9 bytes but only 1 remain"
    /// );
    /// ```
    pub fn display_with<'a>(&'a self, names: &'a OptionNames) -> impl fmt::Display + 'a {
        WithNames(move |f: &mut fmt::Formatter<'_>| self.fmt_with(f, names))
    }

    fn fmt_with(&self, f: &mut fmt::Formatter<'_>, names: &OptionNames) -> fmt::Result {
        match *self {
            DecodeError::TooShort { len } => {
                write!(
                    f,
                    "packet of {len} bytes is shorter than the {HEADER_LEN}-byte BOOTP header"
                )
            }
            DecodeError::MissingMagicCookie { len } => {
                write!(
                    f,
                    "packet of {len} bytes ends before the magic cookie at offset {HEADER_LEN}"
                )
            }
            DecodeError::BadMagicCookie { found } => write!(
                f,
                "bad magic cookie {:02x} {:02x} {:02x} {:02x} at offset {HEADER_LEN} (not DHCP)",
                found[0], found[1], found[2], found[3]
            ),
            DecodeError::MissingOptionLength { area, offset, code } => write!(
                f,
                "{} has no length byte at offset {offset} ({area})",
                names.label(code)
            ),
            DecodeError::OptionOverrun {
                area,
                offset,
                code,
                len,
                available,
            } => write!(
                f,
                "{} at offset {offset} ({area}) says {len} bytes but only {available} remain",
                names.label(code)
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a packet could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is smaller than the encoded packet.
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EncodeError::BufferTooSmall { needed, available } => write!(
                f,
                "buffer of {available} bytes is too small for a packet of {needed} bytes"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// A typed read of one option failed; the option's raw bytes are still in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionError {
    /// The option code.
    pub code: u8,
    /// What is wrong with the value.
    pub reason: ValueError,
}

impl OptionError {
    pub(crate) fn new(code: u8, reason: ValueError) -> Self {
        OptionError { code, reason }
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", OptionLabel(self.code), self.reason)
    }
}

impl OptionError {
    /// Shows the error with the option's name from `names` (see
    /// [`DecodeError::display_with`]).
    pub fn display_with<'a>(&'a self, names: &'a OptionNames) -> impl fmt::Display + 'a {
        WithNames(move |f: &mut fmt::Formatter<'_>| {
            write!(f, "{}: {}", names.label(self.code), self.reason)
        })
    }
}

/// A `Display` from a closure.
struct WithNames<F>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for WithNames<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

impl std::error::Error for OptionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

/// `option 1 (subnet mask)`, or `option 224` for a code without a name: the one
/// label errors, dumps and replay differences use ([`crate::options::label`]).
pub(crate) struct OptionLabel(pub(crate) u8);

impl fmt::Display for OptionLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&OptionNames::builtin().label(self.0), f)
    }
}

impl fmt::Display for Area {
    /// `options field`, `file field`, `sname field`; with `{:#}`, the short form
    /// `options`, `file`, `sname`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (long, short) = match self {
            Area::Options => ("options field", "options"),
            Area::File => ("file field", "file"),
            Area::Sname => ("sname field", "sname"),
        };
        f.write_str(if f.alternate() { short } else { long })
    }
}
