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

/// Checks the header length and the vendor area's form.
fn check_vendor(bytes: &[u8]) -> Result<Vendor, DecodeError> {
    let vendor = bytes
        .get(layout::HEADER_LEN..)
        .ok_or(DecodeError::TooShort { len: bytes.len() })?;
    if vendor.starts_with(&MAGIC_COOKIE) {
        return Ok(Vendor::Cookie);
    }
    if vendor.iter().all(|b| *b == 0) {
        return Ok(Vendor::Zeros);
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
        let vendor = check_vendor(bytes)?;
        let mut packet = fresh_packet(bytes);
        packet.decode_checked(bytes, vendor, None)?;
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
        let vendor = check_vendor(bytes)?;
        let mut packet = fresh_packet(bytes);
        let mut truncated = Vec::new();
        packet.decode_checked(bytes, vendor, Some(&mut truncated))?;
        Ok(Lenient { packet, truncated })
    }

    /// Decodes into an existing packet, reusing its option storage (no allocation once
    /// the storage is large enough). On error the packet's contents are unspecified.
    pub fn decode_from(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let vendor = check_vendor(bytes)?;
        self.decode_checked(bytes, vendor, None)
    }

    /// Decodes `bytes`, whose header and vendor form `check_vendor` has checked; cuts
    /// overrunning options into `cuts` when given, else fails on them.
    fn decode_checked(
        &mut self,
        bytes: &[u8],
        vendor: Vendor,
        mut cuts: Option<&mut Vec<Truncation>>,
    ) -> Result<(), DecodeError> {
        let header = bytes
            .get(..layout::HEADER_LEN)
            .ok_or(DecodeError::TooShort { len: bytes.len() })?;
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
                let field = &header[range.clone()];
                self.options
                    .reserve(estimate_options(field.len()), field.len());
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

/// Storage for a fresh decode, sized from the datagram: one pass over the option
/// headers of the options field counts the entries and value bytes exactly, so a
/// small packet's options stay inline (no allocation at all) and a large one's
/// buffers are allocated once at their final size (an overloaded `file` or `sname`
/// reserves more when the decoder gets there). Counting costs a few nanoseconds;
/// growing by doubling cost three reallocations on large packets.
///
/// The packet is built once and filled in place: moving a `Packet` (some 500 bytes)
/// between constructors cost more than the parsing on small packets.
#[inline(always)]
fn fresh_packet(bytes: &[u8]) -> Packet {
    let area = bytes.get(layout::OPTIONS..).unwrap_or_default();
    let (entries, values) = count_options(area);
    let mut packet = Packet::default();
    packet.options.reserve(entries, values);
    packet
}

/// Entries and value bytes the options field needs (bytes after END that are not
/// zeros are added when they are met).
fn count_options(area: &[u8]) -> (usize, usize) {
    let mut entries = 0;
    let mut values = 0;
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
                at += 2 + len;
            }
        }
    }
    (entries, values)
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

/// Room for the options of an overloaded field of `len` bytes.
fn estimate_options(len: usize) -> usize {
    len / MIN_OPTION_LEN + 1
}

/// Code, length and one byte of value.
const MIN_OPTION_LEN: usize = 3;

fn address(bytes: &[u8]) -> Ipv4Addr {
    Ipv4Addr::from(BigEndian::read_u32(bytes))
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
