//! [`Packet`] to bytes.
//!
//! Encoding writes into a caller's buffer and allocates nothing. Options are written
//! in the order they are kept: the options field gets the options found there or set
//! by the caller, then END; an overloaded `file` or `sname` field (option 52) is
//! written from the options that came in it, else from its raw bytes. Short packets
//! are padded with zeros to a minimum length, 300 bytes by default (RFC 1542).

use byteorder::{BigEndian, ByteOrder};

use super::layout::{self, MAGIC_COOKIE, MIN_PACKET_LEN};
use super::Packet;
use crate::error::EncodeError;
use crate::options::{Area, Options, END, PAD};

impl Packet {
    /// The length [`Packet::encode_to`] writes, padding to 300 bytes included.
    pub fn encoded_len(&self) -> usize {
        self.encoded_len_unpadded().max(MIN_PACKET_LEN)
    }

    /// The length of the packet up to and including the END option, without padding.
    pub fn encoded_len_unpadded(&self) -> usize {
        layout::OPTIONS + area_len(&self.options, Area::Options)
    }

    /// Encodes into `buf`, padded to the 300-byte BOOTP minimum; returns the length written.
    pub fn encode_to(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_to_min_len(buf, MIN_PACKET_LEN)
    }

    /// Encodes into `buf`, padded with zeros to at least `min_len` bytes (0 for no padding).
    pub fn encode_to_min_len(&self, buf: &mut [u8], min_len: usize) -> Result<usize, EncodeError> {
        let len = self.encoded_len_unpadded().max(min_len);
        if buf.len() < len {
            return Err(EncodeError::BufferTooSmall {
                needed: len,
                available: buf.len(),
            });
        }
        self.write(&mut buf[..len]);
        Ok(len)
    }

    /// Encodes into a new vector, padded to the 300-byte BOOTP minimum.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = vec![0; self.encoded_len()];
        self.write(&mut buf);
        buf
    }

    /// Writes the packet into `buf`, which is at least `encoded_len_unpadded()` long;
    /// whatever follows END is zeroed.
    fn write(&self, buf: &mut [u8]) {
        buf[layout::OP] = self.op.into();
        buf[layout::HTYPE] = self.htype;
        buf[layout::HLEN] = self.hlen;
        buf[layout::HOPS] = self.hops;
        BigEndian::write_u32(&mut buf[layout::XID], self.xid);
        BigEndian::write_u16(&mut buf[layout::SECS], self.secs);
        BigEndian::write_u16(&mut buf[layout::FLAGS], self.flags.0);
        buf[layout::CIADDR].copy_from_slice(&self.ciaddr.octets());
        buf[layout::YIADDR].copy_from_slice(&self.yiaddr.octets());
        buf[layout::SIADDR].copy_from_slice(&self.siaddr.octets());
        buf[layout::GIADDR].copy_from_slice(&self.giaddr.octets());
        buf[layout::CHADDR].copy_from_slice(&self.chaddr);
        write_field(
            &self.options,
            Area::Sname,
            &self.sname,
            &mut buf[layout::SNAME],
        );
        write_field(
            &self.options,
            Area::File,
            &self.file,
            &mut buf[layout::FILE],
        );
        buf[layout::MAGIC].copy_from_slice(&MAGIC_COOKIE);
        let end = write_options(&self.options, Area::Options, &mut buf[layout::OPTIONS..]);
        buf[layout::OPTIONS + end..].fill(0);
    }
}

/// Bytes the options of `area` take, END included.
fn area_len(options: &Options, area: Area) -> usize {
    options
        .entries_in(area)
        .map(|(code, value)| if code == PAD { 1 } else { 2 + value.len() })
        .sum::<usize>()
        + 1
}

/// Writes the options of `area` and, where there is room, END into `out`; returns the
/// length. The options field is sized for END by the caller; an overloaded field that
/// came filled to its last byte without END is given back the same way.
fn write_options(options: &Options, area: Area, out: &mut [u8]) -> usize {
    let mut at = 0;
    for (code, value) in options.entries_in(area) {
        out[at] = code;
        if code == PAD {
            at += 1;
            continue;
        }
        // Each kept occurrence holds at most 255 bytes (the list splits longer values).
        out[at + 1] = value.len() as u8;
        out[at + 2..at + 2 + value.len()].copy_from_slice(value);
        at += 2 + value.len();
    }
    match out.get_mut(at) {
        Some(byte) => {
            *byte = END;
            at + 1
        }
        None => at,
    }
}

/// Writes `sname` or `file`: its raw bytes, then, when option 52 overloads it, its
/// options over them. Whatever followed END in the field as decoded stays as it was,
/// so a decoded packet encodes back byte for byte (the fuzzer found a packet with a
/// stray byte after END in `file` that zero-filling lost).
///
/// Options only get into these fields by decoding, and editing can only remove them
/// (new options go to the options field), so they always fit.
fn write_field(options: &Options, area: Area, raw: &[u8], out: &mut [u8]) {
    out.copy_from_slice(raw);
    if options.overloads(area) {
        write_options(options, area, out);
    }
}
