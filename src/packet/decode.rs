//! Bytes to [`Packet`].
//!
//! Contract: decoding never panics, whatever the input. Every slice is taken with a
//! length checked first; a packet that breaks the format gives a [`DecodeError`] that
//! says what and where, and input shorter than the header is refused before anything
//! is allocated. Leniencies, each deliberate and each recorded so that
//! [`Packet::encode_exact`] gives the bytes back: a missing END option ends the
//! options at the end of the datagram; bytes after END are kept as they came
//! ([`Options::after_end`]); a vendor area of zeros (or none) after the header is
//! plain BOOTP (RFC 951); `hlen` is kept as it came even when larger than 16; option
//! 52 is honoured only from its first occurrence in the options field, so overload
//! cannot loop.
//!
//! [`Packet::decode_lenient`] goes one step further, the way Kea does: an option whose
//! length runs past the end of its area is cut, the options before it are kept, and a
//! [`Truncation`] says what was cut.

use std::fmt;
use std::net::Ipv4Addr;

use byteorder::{BigEndian, ByteOrder};

use super::layout::{self, MAGIC_COOKIE};
use super::{Flags, Op, Packet};
use crate::error::{DecodeError, OptionLabel};
use crate::options::{Area, Options, END, OVERLOAD, PAD};

/// What a lenient decode ([`Packet::decode_lenient`]) cut: the last option of an area
/// whose length runs past the end of that area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Truncation {
    /// The area the cut option was in.
    pub area: Area,
    /// Offset of the cut option's code byte.
    pub offset: usize,
    /// The cut option's code.
    pub code: u8,
    /// Bytes dropped from the options: from the cut option's code to the end of its area.
    pub dropped: usize,
    /// The error a strict [`Packet::decode`] gives for the same bytes.
    pub error: DecodeError,
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at offset {} ({:#}) cut: {} bytes dropped",
            OptionLabel(self.code),
            self.offset,
            self.area,
            self.dropped
        )
    }
}

/// A packet from [`Packet::decode_lenient`] and what was cut to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lenient {
    /// Everything that was whole.
    pub packet: Packet,
    /// What was cut, in wire order (options field, `file`, `sname`); empty when the
    /// packet decoded whole, as [`Packet::decode`] would decode it.
    pub truncated: Vec<Truncation>,
}

impl Lenient {
    /// True when nothing was cut.
    pub fn is_whole(&self) -> bool {
        self.truncated.is_empty()
    }
}

/// The form of the bytes after the header, checked before anything is allocated.
enum Vendor {
    /// The magic cookie; options from offset 240.
    Cookie,
    /// Plain BOOTP: zeros, or nothing.
    Zeros,
}

/// Checks the header length and the vendor area's form; gives the header and the form.
#[inline(always)]
fn check_vendor(bytes: &[u8]) -> Result<(&[u8; layout::HEADER_LEN], Vendor), DecodeError> {
    let (Some(header), Some(vendor)) = (
        bytes
            .get(..layout::HEADER_LEN)
            .and_then(|header| <&[u8; layout::HEADER_LEN]>::try_from(header).ok()),
        bytes.get(layout::HEADER_LEN..),
    ) else {
        return Err(DecodeError::TooShort { len: bytes.len() });
    };
    if vendor.starts_with(&MAGIC_COOKIE) {
        return Ok((header, Vendor::Cookie));
    }
    if vendor.iter().all(|b| *b == 0) {
        return Ok((header, Vendor::Zeros));
    }
    match vendor.get(..MAGIC_COOKIE.len()) {
        None => Err(DecodeError::MissingMagicCookie { len: bytes.len() }),
        Some(cookie) => {
            let mut found = [0; 4];
            found.copy_from_slice(cookie);
            Err(DecodeError::BadMagicCookie { found })
        }
    }
}

impl Packet {
    /// Decodes a packet from the UDP payload of a datagram.
    ///
    /// DHCP, BOOTP with RFC 1048 vendor extensions (the magic cookie, no option 53) and
    /// plain BOOTP (no cookie, a vendor area of zeros) all decode; the packet remembers
    /// which, and what followed END, so [`Packet::encode_exact`] gives back `bytes`.
    ///
    /// ```
    /// use ex_dhcp::{MessageType, Packet};
    ///
    /// let bytes = Packet::new(MessageType::Discover).encode();
    /// let packet = Packet::decode(&bytes)?;
    /// assert_eq!(packet.message_type(), Some(MessageType::Discover));
    /// assert_eq!(packet.encode_exact(), bytes);
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    #[inline]
    pub fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
        let (header, vendor) = check_vendor(bytes)?;
        let mut packet = fresh_packet(header, bytes);
        packet.decode_options(bytes, vendor, None)?;
        Ok(packet)
    }

    /// Decodes like [`Packet::decode`], but an option whose length runs past the end
    /// of its area is cut instead of failing the packet: the options before it are
    /// kept, and [`Lenient::truncated`] says what was cut. Other errors (too short, a
    /// bad magic cookie) are still errors.
    ///
    /// The cut bytes are kept too, so [`Packet::encode_exact`] still gives back `bytes`.
    ///
    /// ```
    /// use ex_dhcp::options::{HostName, ServerIdentifier};
    /// use ex_dhcp::{MessageType, Packet};
    /// use std::net::Ipv4Addr;
    ///
    /// let mut packet = Packet::new(MessageType::Ack);
    /// packet.options.set(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 1));
    /// let mut bytes = packet.encode_exact();
    /// bytes.pop(); // END
    /// bytes.extend_from_slice(&[12, 9, b'c', b'u', b't']); // host name says 9, has 3
    ///
    /// assert!(Packet::decode(&bytes).is_err());
    /// let lenient = Packet::decode_lenient(&bytes)?;
    /// assert_eq!(lenient.packet.options.get(ServerIdentifier), Some(Ipv4Addr::new(198, 18, 0, 1)));
    /// assert_eq!(lenient.packet.options.get(HostName), None);
    /// assert_eq!((lenient.truncated[0].code, lenient.truncated[0].dropped), (12, 5));
    /// assert_eq!(lenient.packet.encode_exact(), bytes);
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn decode_lenient(bytes: &[u8]) -> Result<Lenient, DecodeError> {
        let (header, vendor) = check_vendor(bytes)?;
        let mut packet = fresh_packet(header, bytes);
        let mut truncated = Vec::new();
        packet.decode_options(bytes, vendor, Some(&mut truncated))?;
        Ok(Lenient { packet, truncated })
    }

    /// Decodes into an existing packet, reusing its option storage (no allocation once
    /// the storage is large enough). On error the packet's contents are unspecified.
    pub fn decode_from(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let (header, vendor) = check_vendor(bytes)?;
        self.op = Op::from(header[layout::OP]);
        self.htype = header[layout::HTYPE];
        self.hlen = header[layout::HLEN];
        self.hops = header[layout::HOPS];
        self.xid = BigEndian::read_u32(&header[layout::XID]);
        self.secs = BigEndian::read_u16(&header[layout::SECS]);
        self.flags = Flags(BigEndian::read_u16(&header[layout::FLAGS]));
        self.ciaddr = address(&header[layout::CIADDR]);
        self.yiaddr = address(&header[layout::YIADDR]);
        self.siaddr = address(&header[layout::SIADDR]);
        self.giaddr = address(&header[layout::GIADDR]);
        self.chaddr.copy_from_slice(&header[layout::CHADDR]);
        self.sname.copy_from_slice(&header[layout::SNAME]);
        self.file.copy_from_slice(&header[layout::FILE]);
        self.options.clear();
        self.decode_options(bytes, vendor, None)
    }

    /// Decodes the options of `bytes` into the empty option list, the header fields
    /// already read; `check_vendor` has checked the header's length and the vendor
    /// form. Cuts overrunning options into `cuts` when given, else fails on them.
    fn decode_options(
        &mut self,
        bytes: &[u8],
        vendor: Vendor,
        mut cuts: Option<&mut Vec<Truncation>>,
    ) -> Result<(), DecodeError> {
        if let Vendor::Zeros = vendor {
            self.options
                .set_plain_bootp(bytes.get(layout::HEADER_LEN..).unwrap_or_default());
            return Ok(());
        }
        let options_area = bytes.get(layout::OPTIONS..).unwrap_or_default();
        let read = read_options(
            options_area,
            layout::OPTIONS,
            Area::Options,
            &mut self.options,
            cuts.as_deref_mut(),
        )?;
        self.options
            .set_after_end(options_area.get(read.end..).unwrap_or_default());
        if !read.overload {
            return Ok(());
        }
        for (area, range) in [(Area::File, layout::FILE), (Area::Sname, layout::SNAME)] {
            if self.options.overloads(area) {
                let field = bytes.get(range.clone()).unwrap_or_default();
                read_options(
                    field,
                    range.start,
                    area,
                    &mut self.options,
                    cuts.as_deref_mut(),
                )?;
            }
        }
        Ok(())
    }
}

/// A fresh packet with the header's fields read and empty options with room for
/// every option, which one pass over the option headers counts exactly (`file` and
/// `sname` too when option 52 is there): a small packet's options stay inline (no
/// allocation at all) and a large or overloaded one's buffers are allocated once at
/// their final size. Counting costs a few nanoseconds; growing cost up to four
/// reallocations on overloaded packets.
///
/// The packet is built once, field by field from the header, rather than built
/// empty and then filled: zeroing some 440 bytes only to overwrite them, and moving
/// the packet between constructors, cost more than the parsing on small packets.
#[inline(always)]
fn fresh_packet(header: &[u8; layout::HEADER_LEN], bytes: &[u8]) -> Packet {
    let area = bytes.get(layout::OPTIONS..).unwrap_or_default();
    // An options field no longer than the inline value buffer fits there whatever it
    // holds, so only a packet with more than a few options (rare in so few bytes)
    // grows; counting would cost short packets more than it saves. Overload may
    // bring up to 192 more bytes: those packets are counted.
    let options = if area.len() <= Options::INLINE_VALUE_BYTES && !area.contains(&OVERLOAD) {
        Options::new()
    } else {
        let (entries, values) = count_options(bytes);
        Options::with_capacity(entries, values)
    };
    Packet {
        op: Op::from(header[layout::OP]),
        htype: header[layout::HTYPE],
        hlen: header[layout::HLEN],
        hops: header[layout::HOPS],
        xid: BigEndian::read_u32(&header[layout::XID]),
        secs: BigEndian::read_u16(&header[layout::SECS]),
        flags: Flags(BigEndian::read_u16(&header[layout::FLAGS])),
        ciaddr: address(&header[layout::CIADDR]),
        yiaddr: address(&header[layout::YIADDR]),
        siaddr: address(&header[layout::SIADDR]),
        giaddr: address(&header[layout::GIADDR]),
        chaddr: array(&header[layout::CHADDR]),
        sname: array(&header[layout::SNAME]),
        file: array(&header[layout::FILE]),
        options,
    }
}

/// A fixed-size field from a slice of its length.
#[inline(always)]
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut field = [0; N];
    field.copy_from_slice(bytes);
    field
}

/// Entries and value-buffer bytes the options need: those of the options field,
/// and, when option 52 is there, those of `file` and `sname` as if both were
/// overloaded (bytes after END that are not zeros are added when they are met).
fn count_options(bytes: &[u8]) -> (usize, usize) {
    let area = bytes.get(layout::OPTIONS..).unwrap_or_default();
    let (mut entries, mut values, overload) = count_area(area);
    if overload {
        for range in [layout::FILE, layout::SNAME] {
            let (more, more_values, _) = count_area(bytes.get(range).unwrap_or_default());
            entries += more;
            values += more_values;
        }
    }
    (entries, values)
}

/// Entries and value bytes of one area, and whether option 52 is among them.
fn count_area(area: &[u8]) -> (usize, usize, bool) {
    let mut entries = 0;
    let mut values = 0;
    let mut overload = false;
    let mut at = 0;
    while let Some(&code) = area.get(at) {
        match code {
            END => break,
            PAD => {
                let run = pad_run(&area[at..]);
                entries += run.div_ceil(usize::from(u8::MAX));
                at += run;
            }
            _ => {
                let len = usize::from(area.get(at + 1).copied().unwrap_or(0));
                entries += 1;
                values += len;
                overload |= code == OVERLOAD;
                at += 2 + len;
            }
        }
    }
    (entries, values.min(area.len()), overload)
}

/// The length of the run of PAD bytes `bytes` starts with, eight at a time: a packet
/// of padding is walked at memory speed.
fn pad_run(bytes: &[u8]) -> usize {
    let mut run = 0;
    for chunk in bytes.chunks_exact(8) {
        if chunk != [PAD; 8] {
            break;
        }
        run += 8;
    }
    run + bytes[run..].iter().take_while(|b| **b == PAD).count()
}

#[inline(always)]
fn address(bytes: &[u8]) -> Ipv4Addr {
    let mut octets = [0; 4];
    octets.copy_from_slice(bytes);
    Ipv4Addr::from(octets)
}

/// What [`read_options`] found in an area.
struct Read {
    /// Whether option 52 was among the options.
    overload: bool,
    /// The offset in the area just after END, or the end of the area when there was
    /// none, or the cut option's offset when one was cut.
    end: usize,
}

/// Reads code/length/value triples until END or the end of `area`; `base` is the
/// area's offset in the packet, for error messages and [`crate::options::RawOption`]
/// offsets. An option that runs past the end is an error, or, with `cuts`, recorded
/// there and left out.
fn read_options(
    area: &[u8],
    base: usize,
    which: Area,
    options: &mut Options,
    cuts: Option<&mut Vec<Truncation>>,
) -> Result<Read, DecodeError> {
    let mut overload = false;
    let mut at = 0;
    while let Some(&code) = area.get(at) {
        match code {
            END => {
                return Ok(Read {
                    overload,
                    end: at + 1,
                })
            }
            PAD => {
                let run = pad_run(&area[at..]);
                options.push_padding(which, run, base + at);
                at += run;
            }
            _ => {
                let value_start = at + 2;
                let error = match area.get(at + 1) {
                    None => DecodeError::MissingOptionLength {
                        area: which,
                        offset: base + at,
                        code,
                    },
                    Some(&len) => match area.get(value_start..value_start + usize::from(len)) {
                        Some(value) => {
                            options.push_decoded(code, which, value, base + at);
                            overload |= code == OVERLOAD;
                            at = value_start + usize::from(len);
                            continue;
                        }
                        None => DecodeError::OptionOverrun {
                            area: which,
                            offset: base + at,
                            code,
                            len,
                            available: area.len() - value_start,
                        },
                    },
                };
                let Some(cuts) = cuts else {
                    return Err(error);
                };
                cuts.push(Truncation {
                    area: which,
                    offset: base + at,
                    code,
                    dropped: area.len() - at,
                    error,
                });
                options.mark_no_end(which);
                return Ok(Read { overload, end: at });
            }
        }
    }
    options.mark_no_end(which);
    Ok(Read {
        overload,
        end: area.len(),
    })
}
