//! [`Packet`] to bytes, in the form an [`Encoding`] names.
//!
//! - [`Encoding::Padded`]: what this crate sends, and what a client or server is
//!   expected to send: the magic cookie, the options, END, and zeros up to the
//!   300-byte BOOTP minimum (RFC 1542).
//! - [`Encoding::Unpadded`]: the same up to and including END, for a caller that pads
//!   or measures itself (the server fits a reply to the client's maximum size with it).
//! - [`Encoding::Exact`]: a decoded packet as it came, byte for byte: no END where the
//!   sender put none, whatever followed END, no cookie for plain BOOTP, no padding
//!   added. For a packet built here it is the unpadded form.
//!
//! The three forms are one parameter of three methods ([`Packet::encoded_len`],
//! [`Packet::encode_to`], [`Packet::encode`]) rather than a method per form. The
//! methods are `#[inline]` and only pick one of the private writers below, so a form
//! written as a constant at the call site costs no branch.
//!
//! Encoding into a buffer allocates nothing. Options are written in the order they are
//! kept: the options field gets the options found there or set by the caller; an
//! overloaded `file` or `sname` field (option 52) is written from the options that
//! came in it, over its raw bytes.

use byteorder::{BigEndian, ByteOrder};

use super::Packet;
use crate::error::EncodeError;
use crate::options::codec::overloads;
use crate::options::{Area, Options, END};
use crate::wire::{self, MAGIC_COOKIE, MIN_PACKET_LEN};

/// Which bytes [`Packet::encode`], [`Packet::encode_to`] and [`Packet::encoded_len`]
/// give for a packet.
///
/// ```
/// use ex_dhcp::{Encoding, MessageType, Packet};
///
/// let discover = Packet::new(MessageType::Discover);
/// assert_eq!(discover.encode(Encoding::Padded).len(), 300); // what goes on the wire
/// assert_eq!(discover.encoded_len(Encoding::Unpadded), 244); // header, cookie, option 53, END
///
/// // A sender that pads to 320 bytes with 0xff filler after END.
/// let mut bytes = discover.encode(Encoding::Exact);
/// bytes.resize(320, 0xff);
/// let decoded = Packet::decode(&bytes)?;
/// assert_eq!(decoded.encode(Encoding::Exact), bytes); // given back as it came
/// assert_eq!(decoded.encode(Encoding::Padded).len(), 300); // the filler is not sent on
///
/// let mut buf = [0; 1500];
/// let len = decoded.encode_to(&mut buf, Encoding::Padded)?;
/// assert_eq!(&buf[..len], &decoded.encode(Encoding::Padded)[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// The form to send: the magic cookie, the options, END, then zeros up to the
    /// 300-byte BOOTP minimum (RFC 951, RFC 1542). A decoded packet loses what
    /// followed its END and gains END where it had none; plain BOOTP (no cookie, no
    /// option) is the header and a vendor area of zeros.
    Padded,
    /// [`Encoding::Padded`] without the padding: up to and including END.
    Unpadded,
    /// A decoded packet's own bytes, edits included: no END where the sender put
    /// none, whatever followed END, no cookie for plain BOOTP, nothing added. For a
    /// packet built here, [`Encoding::Unpadded`].
    Exact,
}

/// What the private writer lays down after the header: the form this crate writes
/// (padding is the caller's), or the packet as decoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Cookie, options, END.
    Reply,
    /// As decoded.
    Exact,
}

impl Packet {
    /// The number of bytes `encoding` gives for this packet: what [`Packet::encode_to`]
    /// writes and the length of [`Packet::encode`]'s vector.
    #[inline]
    pub fn encoded_len(&self, encoding: Encoding) -> usize {
        match encoding {
            Encoding::Padded => self.form_len(Form::Reply).max(MIN_PACKET_LEN),
            Encoding::Unpadded => self.form_len(Form::Reply),
            Encoding::Exact => self.form_len(Form::Exact),
        }
    }

    /// Encodes the packet into `buf` in the form `encoding` names; returns the length
    /// written, [`Packet::encoded_len`]. Allocates nothing; a buffer shorter than that
    /// is an error and is left as it was.
    #[inline]
    pub fn encode_to(&self, buf: &mut [u8], encoding: Encoding) -> Result<usize, EncodeError> {
        match encoding {
            Encoding::Padded => self.encode_padded_to(buf),
            Encoding::Unpadded => self.encode_form_to(buf, Form::Reply),
            Encoding::Exact => self.encode_form_to(buf, Form::Exact),
        }
    }

    /// Encodes the packet into a new vector in the form `encoding` names:
    /// [`Encoding::Padded`] for what a server or client sends,
    /// [`Encoding::Exact`] to get a decoded packet's bytes back.
    #[inline]
    pub fn encode(&self, encoding: Encoding) -> Vec<u8> {
        match encoding {
            Encoding::Padded => self.encode_vec(Form::Reply, true),
            Encoding::Unpadded => self.encode_vec(Form::Reply, false),
            Encoding::Exact => self.encode_vec(Form::Exact, false),
        }
    }

    /// [`Encoding::Padded`] into `buf`.
    fn encode_padded_to(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len(Encoding::Padded);
        let out = checked(buf, len)?;
        let end = self.write(out, Form::Reply);
        out[end..].fill(0);
        Ok(len)
    }

    /// `form`, unpadded, into `buf`.
    fn encode_form_to(&self, buf: &mut [u8], form: Form) -> Result<usize, EncodeError> {
        let len = self.form_len(form);
        Ok(self.write(checked(buf, len)?, form))
    }

    /// `form` into a new vector, padded to the BOOTP minimum when `pad`.
    fn encode_vec(&self, form: Form, pad: bool) -> Vec<u8> {
        let len = self.form_len(form);
        let mut buf = vec![0; if pad { len.max(MIN_PACKET_LEN) } else { len }];
        self.write(&mut buf, form);
        buf
    }

    /// The length of `form`, unpadded.
    fn form_len(&self, form: Form) -> usize {
        let options = &self.options;
        if !options.writes_cookie() {
            return wire::HEADER_LEN
                + match form {
                    Form::Reply => 0,
                    Form::Exact => options.after_end().len(),
                };
        }
        let end = match form {
            Form::Exact if !options.exact_end(Area::Options) => 0,
            _ => 1,
        };
        let tail = match form {
            Form::Reply => 0,
            Form::Exact => options.after_end().len(),
        };
        wire::OPTIONS + options.area_len(Area::Options) + end + tail
    }

    /// Writes the packet into `buf`, which is exactly `form_len(form)` long, or at
    /// least that long for [`Form::Reply`]; returns where the written form ends.
    fn write(&self, buf: &mut [u8], form: Form) -> usize {
        buf[wire::OP] = self.op.into();
        buf[wire::HTYPE] = self.htype;
        buf[wire::HLEN] = self.hlen;
        buf[wire::HOPS] = self.hops;
        BigEndian::write_u32(&mut buf[wire::XID], self.xid);
        BigEndian::write_u16(&mut buf[wire::SECS], self.secs);
        BigEndian::write_u16(&mut buf[wire::FLAGS], self.flags.0);
        buf[wire::CIADDR].copy_from_slice(&self.ciaddr.octets());
        buf[wire::YIADDR].copy_from_slice(&self.yiaddr.octets());
        buf[wire::SIADDR].copy_from_slice(&self.siaddr.octets());
        buf[wire::GIADDR].copy_from_slice(&self.giaddr.octets());
        buf[wire::CHADDR].copy_from_slice(&self.chaddr);
        // One look for option 52 instead of one per field: most packets have none.
        let overload = self.options.overload_value();
        write_field(
            &self.options,
            overload,
            Area::Sname,
            &self.sname,
            &mut buf[wire::SNAME],
            form,
        );
        write_field(
            &self.options,
            overload,
            Area::File,
            &self.file,
            &mut buf[wire::FILE],
            form,
        );
        let options = &self.options;
        let mut at = if options.writes_cookie() {
            buf[wire::MAGIC].copy_from_slice(&MAGIC_COOKIE);
            let mut at =
                wire::OPTIONS + options.write_area(Area::Options, &mut buf[wire::OPTIONS..]);
            if form == Form::Reply || options.exact_end(Area::Options) {
                buf[at] = END;
                at += 1;
            }
            at
        } else {
            wire::HEADER_LEN
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

/// Writes `sname` or `file`: its raw bytes, then, when option 52 overloads it, its
/// options over them, then END where there is room: always in [`Form::Reply`], and
/// in the exact form when the field had one. Whatever followed END in the field as
/// decoded stays as it was, so a decoded packet encodes back byte for byte, a stray
/// byte after END included. A field whose last option a lenient decode cut keeps
/// the cut bytes after that END in [`Form::Reply`], so the packet written decodes
/// strictly.
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
        let at = options.write_area(area, out);
        if form == Form::Reply || options.exact_end(area) {
            if let Some(byte) = out.get_mut(at) {
                *byte = END;
            }
        }
    }
}
