//! Bytes to [`Packet`].
//!
//! Contract: decoding never panics, whatever the input. Every slice is taken with a
//! length checked first; a packet that breaks the format gives a [`DecodeError`] that
//! says what and where. Leniencies, each deliberate: a missing END option ends the
//! options at the end of the datagram; bytes after END are padding and are ignored;
//! `hlen` is kept as it came even when larger than 16; option 52 is honoured only in
//! the options field, so overload cannot loop.

use std::net::Ipv4Addr;

use byteorder::{BigEndian, ByteOrder};

use super::layout::{self, MAGIC_COOKIE};
use super::{Flags, Op, Packet};
use crate::error::DecodeError;
use crate::options::{Area, Options, END, OVERLOAD, PAD};

impl Packet {
    /// Decodes a packet from the UDP payload of a datagram.
    ///
    /// ```
    /// use ex_dhcp::{MessageType, Packet};
    ///
    /// let bytes = Packet::new(MessageType::Discover).encode();
    /// let packet = Packet::decode(&bytes)?;
    /// assert_eq!(packet.message_type(), Some(MessageType::Discover));
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
        let area = bytes.get(layout::OPTIONS..).unwrap_or_default().len();
        let mut packet = Packet {
            options: Options::with_capacity(estimate_options(area), area),
            ..Packet::default()
        };
        packet.decode_from(bytes)?;
        Ok(packet)
    }

    /// Decodes into an existing packet, reusing its option storage (no allocation once
    /// the storage is large enough). On error the packet's contents are unspecified.
    pub fn decode_from(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        if bytes.len() < layout::HEADER_LEN {
            return Err(DecodeError::TooShort { len: bytes.len() });
        }
        let cookie = bytes
            .get(layout::MAGIC)
            .ok_or(DecodeError::MissingMagicCookie { len: bytes.len() })?;
        if cookie != MAGIC_COOKIE {
            let mut found = [0; 4];
            found.copy_from_slice(cookie);
            return Err(DecodeError::BadMagicCookie { found });
        }

        self.op = Op::from(bytes[layout::OP]);
        self.htype = bytes[layout::HTYPE];
        self.hlen = bytes[layout::HLEN];
        self.hops = bytes[layout::HOPS];
        self.xid = BigEndian::read_u32(&bytes[layout::XID]);
        self.secs = BigEndian::read_u16(&bytes[layout::SECS]);
        self.flags = Flags(BigEndian::read_u16(&bytes[layout::FLAGS]));
        self.ciaddr = address(&bytes[layout::CIADDR]);
        self.yiaddr = address(&bytes[layout::YIADDR]);
        self.siaddr = address(&bytes[layout::SIADDR]);
        self.giaddr = address(&bytes[layout::GIADDR]);
        self.chaddr.copy_from_slice(&bytes[layout::CHADDR]);
        self.sname.copy_from_slice(&bytes[layout::SNAME]);
        self.file.copy_from_slice(&bytes[layout::FILE]);

        self.options.clear();
        let options_area = &bytes[layout::OPTIONS..];
        let overloaded = read_options(
            options_area,
            layout::OPTIONS,
            Area::Options,
            &mut self.options,
        )?;
        if !overloaded {
            return Ok(());
        }
        if self.options.overloads(Area::File) {
            read_options(
                &bytes[layout::FILE],
                layout::FILE.start,
                Area::File,
                &mut self.options,
            )?;
        }
        if self.options.overloads(Area::Sname) {
            read_options(
                &bytes[layout::SNAME],
                layout::SNAME.start,
                Area::Sname,
                &mut self.options,
            )?;
        }
        Ok(())
    }
}

fn address(bytes: &[u8]) -> Ipv4Addr {
    Ipv4Addr::from(BigEndian::read_u32(bytes))
}

/// Room for the options of an area of `len` bytes, so that a fresh decode makes two
/// allocations instead of growing by doubling (which callgrind put at three quarters
/// of a fresh decode). Estimated rather than counted, which costs a pass: most
/// options take at least three bytes, and the cap keeps the entry buffer within the
/// allocator's fast path for small blocks; an area of padding simply grows it.
fn estimate_options(len: usize) -> usize {
    (len / MIN_OPTION_LEN + 1).min(MAX_RESERVED_OPTIONS)
}

/// Code, length and one byte of value.
const MIN_OPTION_LEN: usize = 3;
/// 64 entries of 16 bytes: 1 KiB.
const MAX_RESERVED_OPTIONS: usize = 64;

/// Reads code/length/value triples until END or the end of `area`; `base` is the
/// area's offset in the packet, for error messages. Returns whether option 52
/// (overload) was among them.
fn read_options(
    area: &[u8],
    base: usize,
    which: Area,
    options: &mut Options,
) -> Result<bool, DecodeError> {
    let mut overload = false;
    let mut at = 0;
    while let Some(&code) = area.get(at) {
        match code {
            END => return Ok(overload),
            PAD => {
                options.push_decoded(PAD, which, &[]);
                at += 1;
            }
            _ => {
                let len = *area.get(at + 1).ok_or(DecodeError::MissingOptionLength {
                    area: which,
                    offset: base + at,
                    code,
                })?;
                let value_start = at + 2;
                let value = area
                    .get(value_start..value_start + usize::from(len))
                    .ok_or(DecodeError::OptionOverrun {
                        area: which,
                        offset: base + at,
                        code,
                        len,
                        available: area.len() - value_start,
                    })?;
                options.push_decoded(code, which, value);
                overload |= code == OVERLOAD;
                at = value_start + usize::from(len);
            }
        }
    }
    Ok(overload)
}
