//! Bytes to [`Packet`].
//!
//! Contract: decoding never panics, whatever the input. Every slice is taken with a
//! length checked first; a packet that breaks the format gives a [`DecodeError`] that
//! says what and where, and input shorter than the header is refused before anything
//! is allocated. Leniencies, each deliberate and each recorded so that
//! [`Encoding::Exact`](crate::Encoding::Exact) gives the bytes back: a missing END
//! option ends the options at the end of the datagram; bytes after END are kept as
//! they came ([`Options::after_end`]); a vendor area of zeros (or none) after the
//! header is plain BOOTP (RFC 951); `hlen` is kept as it came even when larger than 16; option
//! 52 is honoured only from its first occurrence in the options field, so overload
//! cannot loop.
//!
//! [`Packet::decode_lenient`] goes one step further, the way Kea does: an option whose
//! length runs past the end of its area is cut, the options before it are kept, and a
//! [`Truncation`] says what was cut.

use std::fmt;
use std::net::Ipv4Addr;

use byteorder::{BigEndian, ByteOrder};

use super::{Flags, Op, Packet};
use crate::error::{DecodeError, OptionLabel};
use crate::options::codec::{overloads, pad_run, Checked, Overloaded};
use crate::options::{Area, Options, END, OVERLOAD, PAD};
use crate::wire::{self, FILE_LEN, MAGIC_COOKIE, SNAME_LEN};

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
fn check_vendor(bytes: &[u8]) -> Result<(&[u8; wire::HEADER_LEN], Vendor), DecodeError> {
    let (Some(header), Some(vendor)) = (
        bytes
            .get(..wire::HEADER_LEN)
            .and_then(|header| <&[u8; wire::HEADER_LEN]>::try_from(header).ok()),
        bytes.get(wire::HEADER_LEN..),
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
    /// which, and what followed END, so [`Encoding::Exact`](crate::Encoding::Exact)
    /// gives back `bytes`.
    ///
    /// ```
    /// use ex_dhcp::{Encoding, MessageType, Packet};
    ///
    /// let bytes = Packet::new(MessageType::Discover).encode(Encoding::Padded);
    /// let packet = Packet::decode(&bytes)?;
    /// assert_eq!(packet.message_type(), Some(MessageType::Discover));
    /// assert_eq!(packet.encode(Encoding::Exact), bytes);
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    #[inline]
    pub fn decode(bytes: &[u8]) -> Result<Packet, DecodeError> {
        let (header, vendor) = check_vendor(bytes)?;
        let mut packet = fresh_packet(header);
        Self::decode_options(&mut packet.options, bytes, vendor, None)?;
        Ok(packet)
    }

    /// Decodes like [`Packet::decode`], but an option whose length runs past the end
    /// of its area is cut instead of failing the packet: the options before it are
    /// kept, and [`Lenient::truncated`] says what was cut. Other errors (too short, a
    /// bad magic cookie) are still errors.
    ///
    /// The cut bytes are kept too, so [`Encoding::Exact`](crate::Encoding::Exact) still
    /// gives back `bytes`.
    ///
    /// ```
    /// use ex_dhcp::options::{HostName, ServerIdentifier};
    /// use ex_dhcp::{Encoding, MessageType, Packet};
    /// use std::net::Ipv4Addr;
    ///
    /// let mut packet = Packet::new(MessageType::Ack);
    /// packet.options.set(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 1));
    /// let mut bytes = packet.encode(Encoding::Exact);
    /// bytes.pop(); // END
    /// bytes.extend_from_slice(&[12, 9, b'c', b'u', b't']); // host name says 9, has 3
    ///
    /// assert!(Packet::decode(&bytes).is_err());
    /// let lenient = Packet::decode_lenient(&bytes)?;
    /// assert_eq!(lenient.packet.options.get(ServerIdentifier), Some(Ipv4Addr::new(198, 18, 0, 1)));
    /// assert_eq!(lenient.packet.options.get(HostName), None);
    /// assert_eq!((lenient.truncated[0].code, lenient.truncated[0].dropped), (12, 5));
    /// assert_eq!(lenient.packet.encode(Encoding::Exact), bytes);
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn decode_lenient(bytes: &[u8]) -> Result<Lenient, DecodeError> {
        let (header, vendor) = check_vendor(bytes)?;
        let mut packet = fresh_packet(header);
        let mut truncated = Vec::new();
        Self::decode_options(&mut packet.options, bytes, vendor, Some(&mut truncated))?;
        Ok(Lenient { packet, truncated })
    }

    /// Decodes into an existing packet, reusing its option storage (no allocation once
    /// the storage is large enough). On error the packet's contents are unspecified.
    pub fn decode_from(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        let (header, vendor) = check_vendor(bytes)?;
        self.op = Op::from(header[wire::OP]);
        self.htype = header[wire::HTYPE];
        self.hlen = header[wire::HLEN];
        self.hops = header[wire::HOPS];
        self.xid = BigEndian::read_u32(&header[wire::XID]);
        self.secs = BigEndian::read_u16(&header[wire::SECS]);
        self.flags = Flags(BigEndian::read_u16(&header[wire::FLAGS]));
        self.ciaddr = address(&header[wire::CIADDR]);
        self.yiaddr = address(&header[wire::YIADDR]);
        self.siaddr = address(&header[wire::SIADDR]);
        self.giaddr = address(&header[wire::GIADDR]);
        self.chaddr.copy_from_slice(&header[wire::CHADDR]);
        self.sname.copy_from_slice(&header[wire::SNAME]);
        self.file.copy_from_slice(&header[wire::FILE]);
        self.options.clear();
        Self::decode_options(&mut self.options, bytes, vendor, None)
    }

    /// Decodes the options of `bytes` into the empty option list, the header fields
    /// already read; `check_vendor` has checked the header's length and the vendor
    /// form. Cuts overrunning options into `cuts` when given, else fails on them.
    ///
    /// Each area is checked option by option, then handed to the list whole (see
    /// [`Options::load`]): no record is built per option.
    #[inline]
    fn decode_options(
        options: &mut Options,
        bytes: &[u8],
        vendor: Vendor,
        mut cuts: Option<&mut Vec<Truncation>>,
    ) -> Result<(), DecodeError> {
        if let Vendor::Zeros = vendor {
            options.load_plain_bootp(bytes.get(wire::HEADER_LEN..).unwrap_or_default());
            return Ok(());
        }
        let field = bytes.get(wire::OPTIONS..).unwrap_or_default();
        let main =
            read_options::<true>(field, 0, wire::OPTIONS, Area::Options, cuts.as_deref_mut())?;
        let after_end = field.get(main.end..).unwrap_or_default();
        if main.overload != 0 {
            return Self::decode_overloaded(options, bytes, field, &main, after_end, cuts);
        }
        options.load(field, main.checked(), after_end);
        Ok(())
    }

    /// The rest of [`Packet::decode_options`] when option 52 is there: `file` and
    /// `sname` are checked (in that order, after the options field), then the list
    /// takes the options field, and the two fields, which are side by side in the
    /// header, in one copy (see [`Options::load_overloaded`]).
    #[inline(never)]
    fn decode_overloaded(
        options: &mut Options,
        bytes: &[u8],
        field: &[u8],
        main: &Read,
        after_end: &[u8],
        mut cuts: Option<&mut Vec<Truncation>>,
    ) -> Result<(), DecodeError> {
        let file_field = bytes.get(wire::FILE).unwrap_or_default();
        let sname_field = bytes.get(wire::SNAME).unwrap_or_default();
        let (file_from, sname_from) = match (file_field.try_into(), sname_field.try_into()) {
            (Ok(file), Ok(sname)) => skip_fields(file, sname, main.overload),
            // Not reached: `check_vendor` checked that the header is whole.
            _ => (0, 0),
        };
        let file = match overloads(main.overload, Area::File) {
            true => Some(
                finish_field(
                    file_field,
                    file_from,
                    wire::FILE.start,
                    Area::File,
                    cuts.as_deref_mut(),
                )?
                .checked(),
            ),
            false => None,
        };
        let sname = match overloads(main.overload, Area::Sname) {
            true => Some(
                finish_field(
                    sname_field,
                    sname_from,
                    wire::SNAME.start,
                    Area::Sname,
                    cuts,
                )?
                .checked(),
            ),
            false => None,
        };
        // `sname` then `file`, as in the header.
        let fields = bytes
            .get(wire::SNAME.start..wire::FILE.end)
            .unwrap_or_default();
        let overloaded = Overloaded {
            value: main.overload,
            fields,
            file,
            sname,
        };
        options.load_overloaded(field, main.checked(), overloaded, after_end);
        Ok(())
    }
}

/// A fresh packet: the header's fields read, and an empty option list for
/// [`Packet::decode_options`] to fill.
///
/// The packet is built once, field by field from the header, rather than built
/// empty and then filled: zeroing some 440 bytes only to overwrite them, and moving
/// the packet between constructors, costs more than the parsing of a small packet.
#[inline(always)]
fn fresh_packet(header: &[u8; wire::HEADER_LEN]) -> Packet {
    Packet {
        op: Op::from(header[wire::OP]),
        htype: header[wire::HTYPE],
        hlen: header[wire::HLEN],
        hops: header[wire::HOPS],
        xid: BigEndian::read_u32(&header[wire::XID]),
        secs: BigEndian::read_u16(&header[wire::SECS]),
        flags: Flags(BigEndian::read_u16(&header[wire::FLAGS])),
        ciaddr: address(&header[wire::CIADDR]),
        yiaddr: address(&header[wire::YIADDR]),
        siaddr: address(&header[wire::SIADDR]),
        giaddr: address(&header[wire::GIADDR]),
        chaddr: array(&header[wire::CHADDR]),
        sname: array(&header[wire::SNAME]),
        file: array(&header[wire::FILE]),
        options: Options::new(),
    }
}

/// A fixed-size field from a slice of its length.
#[inline(always)]
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut field = [0; N];
    field.copy_from_slice(bytes);
    field
}

#[inline(always)]
fn address(bytes: &[u8]) -> Ipv4Addr {
    let mut octets = [0; 4];
    octets.copy_from_slice(bytes);
    Ipv4Addr::from(octets)
}

/// What [`read_options`] found in an area.
struct Read {
    /// The end of the last option (PAD excluded) in the area.
    body: usize,
    /// The PAD bytes between that and `end` (or END).
    pads: usize,
    /// The offset in the area just after END, or the end of the area when there was
    /// none, or the cut option's offset when one was cut.
    end: usize,
    /// Whether the area ended with END.
    has_end: bool,
    /// The value of the area's first option 52 when one byte long, else 0.
    overload: u8,
}

impl Read {
    /// What the list takes of the area (see [`Options::load`]).
    #[inline(always)]
    fn checked(&self) -> Checked {
        Checked {
            body: self.body,
            pads: self.pads,
            end: self.has_end,
        }
    }
}

/// The option at `at` in a field of `N` bytes: where it ends, and whether it is
/// ordinary (neither PAD nor END, its length byte there and its value whole).
///
/// The field's length is known at compile time and the callers keep `at + 1` inside
/// it, so a step is two loads, two adds and two compares, with no slice to narrow
/// and no early return (LLVM still turns the compares into branches, which the
/// processor predicts: they fail once per field).
#[inline(always)]
fn step<const N: usize>(field: &[u8; N], at: usize) -> (usize, bool) {
    let code = field.get(at).copied().unwrap_or(PAD);
    let len = field.get(at + 1).copied().unwrap_or(0);
    let next = at + 2 + usize::from(len);
    (next, (code.wrapping_sub(1) < 254) & (next <= N))
}

/// Skips the ordinary options that the overloaded fields start with, and gives where
/// each walk stopped (at the first option that is not ordinary: PAD, END, one that
/// runs past the field, or the field's end): [`finish_field`] goes on from there.
///
/// Finding where an option ends needs the length byte of the one before, so a walk
/// over one field waits on one load per option; while both fields are overloaded
/// and both still have ordinary options, they are walked side by side, which
/// overlaps the two waits.
fn skip_fields(file: &[u8; FILE_LEN], sname: &[u8; SNAME_LEN], overload: u8) -> (usize, usize) {
    let (walk_file, walk_sname) = (
        overloads(overload, Area::File),
        overloads(overload, Area::Sname),
    );
    let (mut i, mut j) = (0, 0);
    if walk_file && walk_sname {
        while i + 1 < FILE_LEN && j + 1 < SNAME_LEN {
            let (next_i, ordinary_i) = step(file, i);
            let (next_j, ordinary_j) = step(sname, j);
            if !(ordinary_i & ordinary_j) {
                break;
            }
            (i, j) = (next_i, next_j);
        }
    }
    if walk_file {
        i = skip_field(file, i);
    }
    if walk_sname {
        j = skip_field(sname, j);
    }
    (i, j)
}

/// Skips the ordinary options of one field from `at` (see [`skip_fields`]).
#[inline(always)]
fn skip_field<const N: usize>(field: &[u8; N], mut at: usize) -> usize {
    while at + 1 < N {
        let (next, ordinary) = step(field, at);
        if !ordinary {
            break;
        }
        at = next;
    }
    at
}

/// The rest of an overloaded field after [`skip_fields`]: at END, as in a
/// well-formed field, it is read here; anything else (PAD, a cut option) goes to
/// [`read_options`].
#[inline(always)]
fn finish_field(
    field: &[u8],
    from: usize,
    base: usize,
    which: Area,
    cuts: Option<&mut Vec<Truncation>>,
) -> Result<Read, DecodeError> {
    if field.get(from) == Some(&END) {
        return Ok(Read {
            body: from,
            pads: 0,
            end: from + 1,
            has_end: true,
            overload: 0,
        });
    }
    read_options::<false>(field, from, base, which, cuts)
}

/// Checks the code/length/value triples of `area` until END or the end of the area;
/// `base` is the area's offset in the packet, for error messages. An option that runs
/// past the end is an error, or, with `cuts`, recorded there and left out.
///
/// The loop is the decoder's hot path (an overloaded packet has 30 options and more):
/// one slice pattern takes an option that is neither PAD nor END with its length
/// checked, and everything else (padding, END, errors, option 52) is off that path.
///
/// `WATCH_OVERLOAD` looks for option 52, which only the options field can carry.
///
/// `from` is where to start: 0, or the end of ordinary options already skipped
/// ([`skip_fields`]).
#[inline]
fn read_options<const WATCH_OVERLOAD: bool>(
    area: &[u8],
    from: usize,
    base: usize,
    which: Area,
    cuts: Option<&mut Vec<Truncation>>,
) -> Result<Read, DecodeError> {
    // The first option 52: its value when one byte long, else 0.
    let mut overload = None;
    // Where the last run of PAD starts and ends.
    let mut pads = (0, 0);
    let mut rest = area.get(from..).unwrap_or_default();
    loop {
        match rest {
            [code @ 1..=254, len, tail @ ..] if usize::from(*len) <= tail.len() => {
                if WATCH_OVERLOAD && *code == OVERLOAD && overload.is_none() {
                    overload = Some(match (*len, tail.first()) {
                        (1, Some(value)) => *value,
                        _ => 0,
                    });
                }
                rest = &tail[usize::from(*len)..];
            }
            [PAD, ..] => {
                let at = area.len() - rest.len();
                let run = pad_run(rest);
                pads = (at, at + run);
                rest = &rest[run..];
            }
            _ => break,
        }
    }
    let at = area.len() - rest.len();
    // The options end before a run of PAD that nothing but END (or the end) follows.
    let body = if pads.1 == at && pads.1 > pads.0 {
        pads.0
    } else {
        at
    };
    let read = |end, has_end| Read {
        body,
        pads: at - body,
        end,
        has_end,
        overload: overload.unwrap_or(0),
    };
    let (code, more) = match rest {
        [] => return Ok(read(at, false)),
        [END, ..] => return Ok(read(at + 1, true)),
        [code, more @ ..] => (*code, more),
    };
    let error = match more.split_first() {
        None => DecodeError::MissingOptionLength {
            area: which,
            offset: base + at,
            code,
        },
        Some((&len, value)) => DecodeError::OptionOverrun {
            area: which,
            offset: base + at,
            code,
            len,
            available: value.len(),
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
    Ok(read(at, false))
}

#[cfg(test)]
mod tests {
    use super::{skip_fields, FILE_LEN, SNAME_LEN};

    /// A field of `N` bytes holding `options`, then zeros.
    fn field<const N: usize>(options: &[u8]) -> [u8; N] {
        let mut field = [0; N];
        field[..options.len()].copy_from_slice(options);
        field
    }

    #[test]
    fn skip_fields_stops_at_pad_end_and_an_overrun_and_walks_only_overloaded_fields() {
        // file: two options, then END; sname: one option, then PAD.
        let file = field::<FILE_LEN>(&[3, 4, 10, 0, 0, 1, 6, 0, 255]);
        let sname = field::<SNAME_LEN>(&[12, 2, b'h', b'i']);
        assert_eq!(skip_fields(&file, &sname, 3), (8, 4));
        assert_eq!(skip_fields(&file, &sname, 1), (8, 0));
        assert_eq!(skip_fields(&file, &sname, 2), (0, 4));
        assert_eq!(skip_fields(&file, &sname, 0), (0, 0));

        // An option that ends on the field's last byte is whole; one byte more is not.
        let mut full = [0; SNAME_LEN];
        full[..2].copy_from_slice(&[224, 62]);
        assert_eq!(skip_fields(&file, &full, 2), (0, SNAME_LEN));
        full[1] = 63;
        assert_eq!(skip_fields(&file, &full, 2), (0, 0));
        // A code on the last byte has no length byte.
        let mut last = [0; SNAME_LEN];
        last[..2].copy_from_slice(&[224, 61]);
        last[SNAME_LEN - 1] = 7;
        assert_eq!(skip_fields(&file, &last, 2), (0, SNAME_LEN - 1));
    }
}
