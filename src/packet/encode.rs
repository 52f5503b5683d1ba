//! [`Packet`] to bytes, in two forms.
//!
//! - **Reply form** ([`Packet::encode`], [`Packet::encode_to`]): what this crate sends.
//!   The magic cookie, the options, END, and zeros up to the 300-byte BOOTP minimum
//!   (RFC 1542). [`Packet::encode_unpadded_to`] is the same without the padding.
//! - **Exact form** ([`Packet::encode_exact`], [`Packet::encode_exact_to`]): a decoded
//!   packet as it came, byte for byte: no END where the sender put none, whatever
//!   followed END, no cookie for plain BOOTP, no padding added. For a packet built
//!   here it is the unpadded reply form.
//!
//! Encoding into a buffer allocates nothing. Options are written in the order they are
//! kept: the options field gets the options found there or set by the caller; an
//! overloaded `file` or `sname` field (option 52) is written from the options that
//! came in it, over its raw bytes.

use byteorder::{BigEndian, ByteOrder};

use super::layout::{self, MAGIC_COOKIE, MIN_PACKET_LEN};
use super::Packet;
use crate::error::EncodeError;
use crate::options::{overloads, Area, Options, END, PAD};

/// Which of the two forms to write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Cookie, options, END; padding is the caller's.
    Reply,
    /// As decoded.
    Exact,
}

impl Packet {
    /// The length [`Packet::encode_to`] writes, padding to 300 bytes included.
    pub fn encoded_len(&self) -> usize {
        self.encoded_len_unpadded().max(MIN_PACKET_LEN)
    }

    /// The length of the reply form up to and including the END option, without padding.
    pub fn encoded_len_unpadded(&self) -> usize {
        self.form_len(Form::Reply)
    }

    /// The length [`Packet::encode_exact_to`] writes.
    pub fn encoded_len_exact(&self) -> usize {
        self.form_len(Form::Exact)
    }

    /// Encodes the reply form into `buf`, padded to the 300-byte BOOTP minimum;
    /// returns the length written.
    pub fn encode_to(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len();
        let out = checked(buf, len)?;
        let end = self.write(out, Form::Reply);
        out[end..].fill(0);
        Ok(len)
    }

    /// Encodes the reply form into `buf` up to and including END, with no padding;
    /// returns the length written.
    pub fn encode_unpadded_to(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len_unpadded();
        Ok(self.write(checked(buf, len)?, Form::Reply))
    }

    /// Encodes the reply form into a new vector, padded to the 300-byte BOOTP minimum.
    ///
    /// This is what a server sends. A decoded packet loses what followed its END (the
    /// sender's padding) and gains END and padding where it had none; use
    /// [`Packet::encode_exact`] to get the received bytes back.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = vec![0; self.encoded_len()];
        self.write(&mut buf, Form::Reply);
        buf
    }

    /// Encodes the exact form into `buf`; returns the length written.
    pub fn encode_exact_to(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len_exact();
        Ok(self.write(checked(buf, len)?, Form::Exact))
    }

    /// Encodes the exact form into a new vector: for a decoded packet, the bytes it
    /// was decoded from (edits included); for a packet built here, the reply form
    /// without padding.
    ///
    /// ```
    /// use ex_dhcp::{MessageType, Packet};
    ///
    /// // A sender that pads to 320 bytes with 0xff filler after END.
    /// let mut bytes = Packet::new(MessageType::Discover).encode_exact();
    /// bytes.resize(320, 0xff);
    /// let packet = Packet::decode(&bytes)?;
    /// assert_eq!(packet.encode_exact(), bytes);
    /// assert_eq!(packet.encode().len(), 300); // the reply form drops the filler
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn encode_exact(&self) -> Vec<u8> {
        let mut buf = vec![0; self.encoded_len_exact()];
        self.write(&mut buf, Form::Exact);
        buf
    }

    fn form_len(&self, form: Form) -> usize {
        let options = &self.options;
        if options.writes_no_cookie() {
            return layout::HEADER_LEN
                + match form {
                    Form::Reply => 0,
                    Form::Exact => options.after_end().len(),
                };
        }
        let end = match form {
            Form::Exact if !options.exact_end() => 0,
            _ => 1,
        };
        let tail = match form {
            Form::Reply => 0,
            Form::Exact => options.after_end().len(),
        };
        layout::OPTIONS + area_len(options, Area::Options) + end + tail
    }

    /// Writes the packet into `buf`, which is exactly `form_len(form)` long, or at
    /// least that long for the reply form; returns where the written form ends.
    fn write(&self, buf: &mut [u8], form: Form) -> usize {
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
        // One look for option 52 instead of one per field: most packets have none.
        let overload = self.options.overload_value();
        write_field(
            &self.options,
            overload,
            Area::Sname,
            &self.sname,
            &mut buf[layout::SNAME],
            form,
        );
        write_field(
            &self.options,
            overload,
            Area::File,
            &self.file,
            &mut buf[layout::FILE],
            form,
        );
        let options = &self.options;
        let mut at = if options.writes_no_cookie() {
            layout::HEADER_LEN
        } else {
            buf[layout::MAGIC].copy_from_slice(&MAGIC_COOKIE);
            let mut at = layout::OPTIONS
                + write_options(options, Area::Options, &mut buf[layout::OPTIONS..]);
            if form == Form::Reply || options.exact_end() {
                buf[at] = END;
                at += 1;
            }
            at
        };
        if form == Form::Exact {
            let tail = options.after_end();
            buf[at..at + tail.len()].copy_from_slice(tail);
            at += tail.len();
        }
        at
    }
}

fn checked(buf: &mut [u8], len: usize) -> Result<&mut [u8], EncodeError> {
    let available = buf.len();
    buf.get_mut(..len).ok_or(EncodeError::BufferTooSmall {
        needed: len,
        available,
    })
}

/// Bytes the options of `area` take, END excluded.
fn area_len(options: &Options, area: Area) -> usize {
    if let Some((body, pads)) = options.wire_area(area) {
        return body.len() + pads;
    }
    options
        .entries_in(area)
        .map(|(_, pads, value)| if pads > 0 { pads } else { 2 + value.len() })
        .sum::<usize>()
}

/// Writes the options of `area` into `out`, without END; returns the length.
fn write_options(options: &Options, area: Area, out: &mut [u8]) -> usize {
    if let Some((body, pads)) = options.wire_area(area) {
        // A decoded list not edited since: its options as they came, in one copy.
        let len = body.len() + pads;
        out[..body.len()].copy_from_slice(body);
        out[body.len()..len].fill(PAD);
        return len;
    }
    let mut at = 0;
    for (code, pads, value) in options.entries_in(area) {
        if pads > 0 {
            out[at..at + pads].fill(code);
            at += pads;
            continue;
        }
        out[at] = code;
        // Each kept occurrence holds at most 255 bytes (the list splits longer values).
        out[at + 1] = value.len() as u8;
        if let [a, b, c, d] = *value {
            // Four bytes (addresses, times) are the commonest values: no memcpy call.
            out[at + 2..at + 6].copy_from_slice(&[a, b, c, d]);
        } else {
            out[at + 2..at + 2 + value.len()].copy_from_slice(value);
        }
        at += 2 + value.len();
    }
    at
}

/// Writes `sname` or `file`: its raw bytes, then, when option 52 overloads it, its
/// options over them, then END where there is room: always in the reply form, and
/// in the exact form when the field had one. Whatever followed END in the field as
/// decoded stays as it was, so a decoded packet encodes back byte for byte (the
/// fuzzer found a packet with a stray byte after END in `file` that zero-filling
/// lost). A field whose last option a lenient decode cut keeps the cut bytes after
/// that END in the reply form, so the reply decodes strictly.
///
/// Options only get into these fields by decoding, and editing can only remove them
/// (new options go to the options field), so they always fit.
fn write_field(
    options: &Options,
    overload: u8,
    area: Area,
    raw: &[u8],
    out: &mut [u8],
    form: Form,
) {
    out.copy_from_slice(raw);
    if overloads(overload, area) {
        let at = write_options(options, area, out);
        if form == Form::Reply || options.area_has_end(area) {
            if let Some(byte) = out.get_mut(at) {
                *byte = END;
            }
        }
    }
}
