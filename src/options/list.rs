//! The raw option list: every option as it came, in wire order.

use std::borrow::Cow;
use std::fmt;

use super::arg::OptionArg;
use super::key::DhcpOption;
use super::known::{OptionOverload, RelayAgentInformation};
use super::overload::{OVERLOAD_BOTH, OVERLOAD_FILE, OVERLOAD_SNAME};
use super::small::Small;
use super::value::OptionValue;
use crate::error::OptionError;

/// Option code 0, one byte of padding between options.
pub const PAD: u8 = 0;
/// Option code 255, the end of the options.
pub const END: u8 = 255;
/// Option code 52, option overload: `file` and/or `sname` carry options too
/// (the code of [`OptionOverload`], defined there once).
pub const OVERLOAD: u8 = OptionOverload::CODE;
/// Option code 82, relay agent information, which a reply echoes last (the code of
/// [`RelayAgentInformation`], defined there once).
pub const RELAY_AGENT_INFORMATION: u8 = RelayAgentInformation::CODE;
/// The longest value one occurrence of an option can carry; longer values are split (RFC 3396).
pub const MAX_SEGMENT: usize = 255;

/// Where in the message an option was found (RFC 2131, option 52).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// The options field after the magic cookie.
    Options,
    /// The `file` field, when option 52 says it is overloaded.
    File,
    /// The `sname` field, when option 52 says it is overloaded.
    Sname,
}

/// One occurrence. For PAD, a run of up to 255 pad bytes is one entry (`len` is the
/// run's length and no value bytes are stored), so a packet of padding costs an entry
/// per 255 bytes instead of one per byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    code: u8,
    area: Area,
    len: u8,
    /// Offset of the code byte in the packet, `NO_OFFSET` for options set here.
    offset: u16,
    start: u32,
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            code: PAD,
            area: Area::Options,
            len: 0,
            offset: NO_OFFSET,
            start: 0,
        }
    }
}

/// Value bytes kept inline before the buffer moves to the heap: enough for the
/// options of most real requests (a PXE DISCOVER carries about 100 bytes), and it
/// makes a [`Packet`](crate::Packet) 448 bytes, seven 64-byte blocks. glibc's
/// AVX-512 memmove (the one it picks on the machine measured) copies a block that
/// size in 64-byte loads and stores that line up from one move to the next, where
/// 400 bytes took overlapping ones, and a load that spans two recent stores stalls
/// (BENCHMARKS.md, "Fresh decode without stalls").
pub(crate) const INLINE_BYTES: usize = 112;

/// Zeros to lend as the bytes after END, which are nearly always zeros: they are
/// counted rather than copied.
static ZEROS: [u8; 65_536] = [0; 65_536];

/// The `offset` of an option that was not decoded. Datagrams are shorter than 65,535
/// bytes, so no option code sits there.
const NO_OFFSET: u16 = u16::MAX;

impl Entry {
    fn offset(&self) -> Option<usize> {
        (self.offset != NO_OFFSET).then_some(usize::from(self.offset))
    }
}

/// What a decoded packet looked like on the wire beyond its options, so that
/// [`Encoding::Exact`](crate::Encoding::Exact) gives back the same bytes.
/// The default is the form this crate writes: cookie, options, END, nothing after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct WireRecord {
    /// One bit per area (`area_bit`) that ended without an END option.
    no_end: u8,
    /// No magic cookie: plain BOOTP, whose vendor area is the tail.
    no_cookie: bool,
    /// The bytes that followed the options field's END (or, when a lenient decode cut
    /// an option, the cut bytes), up to the end of the datagram: `data[tail_start..][..tail_len]`,
    /// or `tail_len` zeros when `tail_zeros`.
    tail_start: u32,
    tail_len: u32,
    tail_zeros: bool,
    /// Unused, zero: a byte that would otherwise be padding (see [`Lazy::spare`]).
    spare: u8,
}

fn area_bit(area: Area) -> u8 {
    match area {
        Area::Options => 1,
        Area::File => 2,
        Area::Sname => 4,
    }
}

/// The form of the vendor area, the bytes after the fixed BOOTP header (RFC 951, RFC 1048).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VendorArea {
    /// The magic cookie 99.130.83.99, then options: DHCP, or BOOTP with RFC 1048
    /// vendor extensions (no option 53).
    Options,
    /// Plain BOOTP (RFC 951): no magic cookie, the vendor area all zeros or absent.
    Zeros,
}

/// The options of a packet, kept in wire order with duplicates, unknown codes and
/// interior padding, so that decoding then encoding gives back the same bytes.
///
/// Values live in one buffer, so [`Packet::decode`](crate::Packet::decode) costs one
/// allocation at most, whatever the number of options: none when what the list
/// keeps fits in 112 bytes. It keeps the options, the whole of `sname` and `file`
/// when option 52 overloads them (so an overloaded packet allocates), and the bytes
/// after END unless they are all zeros. [`Packet::decode_from`](crate::Packet::decode_from)
/// allocates nothing once the buffer has held as much. A decoded
/// list is not indexed: reads walk the options as they came, and the first edit
/// ([`Options::set`], [`Options::set_raw`], [`Options::push_raw`],
/// [`Options::remove`], [`Options::retain`]) builds the index once. Typed access ([`Options::get`]) joins every occurrence of a code,
/// in RFC 3396 order (options field, then `file`, then `sname`); [`Options::set`] splits
/// values longer than 255 bytes into several occurrences.
///
/// A decoded list also remembers what the sender put around the options (no END,
/// bytes after END, no magic cookie), for [`Encoding::Exact`](crate::Encoding::Exact).
/// That record is not compared by `==`, and [`Options::clear`] resets it.
#[derive(Clone, Default)]
pub struct Options {
    /// The index, one entry per occurrence; empty while `lazy.on`. On the heap, and
    /// allocated by the first edit only: a decoded list has none, and eight entries
    /// kept inline made every `Packet` 80 bytes larger, moved with it on each fresh
    /// decode.
    entries: Vec<Entry>,
    data: Small<u8, INLINE_BYTES>,
    wire: WireRecord,
    lazy: Lazy,
}

/// A decoded list before it is indexed. The decoder checks each area's options and
/// copies them as they came into `data`: code, length, value and interior padding,
/// without END and the padding before it. An overloaded `sname` and `file` are copied
/// whole, in one go, and their areas point into them. No entry is built: reads walk
/// those bytes, and the first edit builds the index ([`Options::index`]). Decoding
/// thus costs one copy per area instead of an entry and a copy per option. That
/// matters on packets with many options, such as an overloaded `file` and `sname`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Lazy {
    /// True while the list is in this form.
    on: bool,
    /// Where each area's bytes start and end in `data`, in [`AREAS`] order (an area
    /// not overloaded is empty).
    starts: [u32; 3],
    ends: [u32; 3],
    /// The PAD bytes that followed each area's last option (before END, a cut option
    /// or the end of the area): counted, not copied.
    pads: [u32; 3],
    /// The value of the first option 52 of the options field when it is one byte
    /// long, else 0 (see [`Options::overload_value`]).
    overload: u8,
    /// Unused, zeros: two bytes that would otherwise be padding. Padding is
    /// undefined, so rustc copied a fresh decode's new option list around the hole,
    /// with overlapping 8-byte loads of bytes just written by narrower stores; such a
    /// load waits for those stores to complete (store-to-load forwarding fails).
    /// Zeroed bytes are copied whole (BENCHMARKS.md, "Fresh decode without stalls").
    spare: [u8; 2],
}

/// The areas in wire order, as [`Lazy`] keeps them.
const AREAS: [Area; 3] = [Area::Options, Area::File, Area::Sname];
/// The offset in the packet at which each area of [`AREAS`] starts.
const AREA_BASES: [usize; 3] = [240, 108, 44];

/// Every entry of a list in wire order, from the index or from the unindexed bytes.
enum Entries<'a> {
    Indexed(std::slice::Iter<'a, Entry>),
    Wire(WireEntries<'a>),
}

impl Iterator for Entries<'_> {
    type Item = Entry;

    #[inline]
    fn next(&mut self) -> Option<Entry> {
        match self {
            Entries::Indexed(entries) => entries.next().copied(),
            Entries::Wire(wire) => wire.next(),
        }
    }
}

/// The entries of an unindexed list, read from its bytes: the same entries, in the
/// same order, as the decoder used to push (PAD runs of up to 255 bytes each).
struct WireEntries<'a> {
    data: &'a [u8],
    lazy: Lazy,
    /// The current area, an index into [`AREAS`] (3 when done).
    area: usize,
    /// The position in `data`.
    at: usize,
    /// Trailing PAD bytes of the current area not yet given.
    pads_left: usize,
}

impl<'a> WireEntries<'a> {
    fn new(data: &'a [u8], lazy: Lazy) -> Self {
        WireEntries {
            data,
            lazy,
            area: 0,
            at: lazy.starts[0] as usize,
            pads_left: lazy.pads[0] as usize,
        }
    }
}

impl Iterator for WireEntries<'_> {
    type Item = Entry;

    #[inline]
    fn next(&mut self) -> Option<Entry> {
        loop {
            let area = *AREAS.get(self.area)?;
            let end = self.lazy.ends[self.area] as usize;
            // The area's bytes in the packet start at its base, in `data` at `start`.
            let start = self.lazy.starts[self.area] as usize;
            let base = AREA_BASES[self.area];
            if self.at < end {
                let offset = to_offset(base + self.at.saturating_sub(start));
                let rest = self.data.get(self.at..end)?;
                let code = rest[0];
                if code == PAD {
                    let run = pad_run(rest).min(MAX_SEGMENT);
                    self.at += run;
                    return Some(Entry {
                        code,
                        area,
                        len: run as u8,
                        offset,
                        start: 0,
                    });
                }
                // The decoder checked every length: a value never runs past `end`.
                let len = *rest.get(1)?;
                let start = self.at + 2;
                self.at = start + usize::from(len);
                return Some(Entry {
                    code,
                    area,
                    len,
                    offset,
                    start: to_start(start),
                });
            }
            if self.pads_left > 0 {
                let done = self.lazy.pads[self.area] as usize - self.pads_left;
                let run = self.pads_left.min(MAX_SEGMENT);
                self.pads_left -= run;
                return Some(Entry {
                    code: PAD,
                    area,
                    len: run as u8,
                    offset: to_offset(base + end.saturating_sub(start) + done),
                    start: 0,
                });
            }
            self.area += 1;
            if let Some(next) = self.lazy.starts.get(self.area) {
                self.at = *next as usize;
                self.pads_left = self.lazy.pads[self.area] as usize;
            }
        }
    }
}

/// The values of one option code, from [`Options::values`].
enum Values<'a> {
    /// A decoded list before its first edit: its bytes, scanned area by area.
    Wire {
        data: &'a [u8],
        lazy: Lazy,
        /// The current area, an index into [`AREAS`] (3 when done).
        area: usize,
        /// The position in `data`.
        at: usize,
        code: u8,
    },
    /// An indexed list: its entries.
    Indexed {
        data: &'a [u8],
        entries: std::slice::Iter<'a, Entry>,
        code: u8,
    },
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            Values::Indexed {
                data,
                entries,
                code,
            } => entries
                .find(|e| e.code == *code && *code != PAD)
                .map(|e| slice(data, e)),
            Values::Wire {
                data,
                lazy,
                area,
                at,
                code,
            } => {
                if *code == PAD {
                    return None;
                }
                loop {
                    let end = *lazy.ends.get(*area)? as usize;
                    // The decoder checked every length: a value never runs past `end`.
                    let bytes = data.get(..end).unwrap_or_default();
                    while let Some(&this) = bytes.get(*at) {
                        if this == PAD {
                            *at += 1;
                            continue;
                        }
                        let Some(&len) = bytes.get(*at + 1) else {
                            break;
                        };
                        let value = *at + 2..*at + 2 + usize::from(len);
                        *at = value.end;
                        if this == *code {
                            return Some(bytes.get(value).unwrap_or_default());
                        }
                    }
                    *area += 1;
                    *at = lazy.starts.get(*area).map_or(0, |start| *start as usize);
                }
            }
        }
    }
}

/// The length of the run of PAD bytes `bytes` starts with, eight at a time: a packet
/// of padding is walked at memory speed.
#[inline]
pub(crate) fn pad_run(bytes: &[u8]) -> usize {
    let mut run = 0;
    for chunk in bytes.chunks_exact(8) {
        if chunk != [PAD; 8] {
            break;
        }
        run += 8;
    }
    run + bytes[run..].iter().take_while(|b| **b == PAD).count()
}

/// One occurrence of an option as it stands in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawOption<'a> {
    /// The option code.
    pub code: u8,
    /// Where it was found.
    pub area: Area,
    /// The value bytes, without code and length.
    pub data: &'a [u8],
    /// Offset of the option's code byte from the start of the packet, for a decoded
    /// option; `None` for one set or pushed by the program.
    pub offset: Option<usize>,
}

impl Options {
    /// An empty list.
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `options` options holding `bytes` bytes of values.
    #[inline]
    pub fn with_capacity(options: usize, bytes: usize) -> Self {
        Options {
            entries: Vec::with_capacity(options),
            data: Small::with_capacity(bytes),
            wire: WireRecord::default(),
            lazy: Lazy::default(),
        }
    }

    /// Makes room for at least `options` more occurrences holding `bytes` more bytes.
    pub fn reserve(&mut self, options: usize, bytes: usize) {
        self.entries.reserve(options);
        self.data.reserve(bytes);
    }

    /// Removes every option and the wire record (see [`Options::has_end`]), keeping
    /// the allocated space.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.data.clear();
        self.wire = WireRecord::default();
        self.lazy = Lazy::default();
    }

    /// Every entry in wire order, indexed or not.
    #[inline]
    fn all(&self) -> Entries<'_> {
        if self.lazy.on {
            Entries::Wire(WireEntries::new(&self.data, self.lazy))
        } else {
            Entries::Indexed(self.entries.iter())
        }
    }

    /// Builds the index of a decoded list, before an edit. The bytes stay where they
    /// are; the entries point into them.
    #[cold]
    #[inline(never)]
    fn index(&mut self) {
        if !self.lazy.on {
            return;
        }
        let lazy = self.lazy;
        self.lazy = Lazy::default();
        let entries = &mut self.entries;
        entries.clear();
        for entry in WireEntries::new(&self.data, lazy) {
            entries.push(entry);
        }
    }

    /// True when the options field ends with an END option: always for a list built
    /// here, and for a decoded one when the sender wrote it. False for a decoded packet
    /// whose sender put no END, or whose last option a lenient decode cut, and for
    /// plain BOOTP, which has no options field.
    ///
    /// ```
    /// use ex_dhcp::{Encoding, Packet};
    ///
    /// let mut bytes = Packet::default().encode(Encoding::Exact);
    /// assert_eq!(bytes.pop(), Some(255)); // drop END
    /// assert!(!Packet::decode(&bytes)?.options.has_end());
    /// assert!(Packet::default().options.has_end());
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn has_end(&self) -> bool {
        !self.wire.no_cookie && self.wire.no_end & area_bit(Area::Options) == 0
    }

    /// The bytes that followed END in the options field as decoded (sender padding,
    /// filler), up to the end of the datagram; for plain BOOTP, the whole vendor area.
    /// Empty for a list built here. [`Encoding::Exact`](crate::Encoding::Exact) writes
    /// them back; [`Encoding::Padded`](crate::Encoding::Padded) does not.
    pub fn after_end(&self) -> &[u8] {
        if self.wire.tail_zeros {
            return &ZEROS[..self.wire.tail_len as usize];
        }
        let start = self.wire.tail_start as usize;
        self.data
            .get(start..start + self.wire.tail_len as usize)
            .unwrap_or(&[])
    }

    /// How the vendor area after the BOOTP header is laid out.
    pub fn vendor_area(&self) -> VendorArea {
        if self.wire.no_cookie {
            VendorArea::Zeros
        } else {
            VendorArea::Options
        }
    }

    /// Every occurrence in wire order with the padding too: one [`RawOption`] of code
    /// 0 (PAD) and no data per pad byte. See [`Options::has_end`] for the END option.
    ///
    /// ```
    /// use ex_dhcp::{options::PAD, Encoding, Packet};
    ///
    /// let mut bytes = Packet::default().encode(Encoding::Exact);
    /// bytes.insert(240, PAD); // one pad byte before END
    /// let packet = Packet::decode(&bytes)?;
    /// let codes: Vec<_> = packet.options.iter_wire().map(|o| (o.code, o.offset)).collect();
    /// assert_eq!(codes, [(PAD, Some(240))]);
    /// assert_eq!(packet.options.iter().count(), 0);
    /// # Ok::<(), ex_dhcp::DecodeError>(())
    /// ```
    pub fn iter_wire(&self) -> impl Iterator<Item = RawOption<'_>> + '_ {
        self.all().flat_map(move |e| {
            let count = if e.code == PAD { usize::from(e.len) } else { 1 };
            (0..count).map(move |i| RawOption {
                code: e.code,
                area: e.area,
                data: self.bytes(&e),
                offset: e.offset().map(|offset| offset + i),
            })
        })
    }

    /// The number of occurrences, padding excluded.
    pub fn len(&self) -> usize {
        self.all().filter(|e| e.code != PAD).count()
    }

    /// True when there is no option.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every occurrence in wire order (options field, then `file`, then `sname`), padding excluded.
    pub fn iter(&self) -> impl Iterator<Item = RawOption<'_>> + '_ {
        self.all()
            .filter(|e| e.code != PAD)
            .map(move |e| self.raw(&e))
    }

    /// The codes present, each once, in order of first appearance.
    pub fn codes(&self) -> Vec<u8> {
        let mut seen = [false; 256];
        let mut codes = Vec::new();
        for option in self.iter() {
            if !seen[usize::from(option.code)] {
                seen[usize::from(option.code)] = true;
                codes.push(option.code);
            }
        }
        codes
    }

    /// True when the code occurs at least once.
    pub fn contains(&self, code: u8) -> bool {
        self.values(code).next().is_some()
    }

    /// The value of `code`, every occurrence joined (RFC 3396); borrowed when it occurs once.
    pub fn get_raw(&self, code: u8) -> Option<Cow<'_, [u8]>> {
        let mut values = self.values(code);
        let first = values.next()?;
        match values.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                let mut joined = [first, second].concat();
                for more in values {
                    joined.extend_from_slice(more);
                }
                Some(Cow::Owned(joined))
            }
        }
    }

    /// The value of each occurrence of `code` (never PAD) in RFC 3396 order (options
    /// field, `file`, `sname`), as it stands.
    ///
    /// A handler reads a few options of every packet (the message type alone three
    /// times on its way through the server), and each read looks at every option, for
    /// a second occurrence to join: on a decoded list before its first edit this is a
    /// scan of the checked bytes that builds no entries, so that loop is what a read
    /// costs (`benches/pipeline_callgrind.sh`).
    pub(crate) fn values(&self, code: u8) -> impl Iterator<Item = &[u8]> + '_ {
        if self.lazy.on {
            Values::Wire {
                data: &self.data,
                lazy: self.lazy,
                area: 0,
                at: self.lazy.starts[0] as usize,
                code,
            }
        } else {
            Values::Indexed {
                data: &self.data,
                entries: self.entries.iter(),
                code,
            }
        }
    }

    /// Decodes the typed value of an option; `Ok(None)` when absent.
    ///
    /// A malformed value is an error for this read only: the bytes stay in the list.
    ///
    /// Every occurrence is joined (RFC 3396), except for option 52 (overload), which is
    /// read from its first occurrence in the options field: the rule the decoder
    /// follows when it decides whether `file` and `sname` hold options, so the typed
    /// read always says what the decoder did.
    pub fn try_get<O: DhcpOption>(&self, option: O) -> Result<Option<O::Value>, OptionError> {
        let _ = option;
        let raw = if O::CODE == OVERLOAD {
            self.overload_raw().map(Cow::Borrowed)
        } else {
            self.get_raw(O::CODE)
        };
        match raw {
            None => Ok(None),
            Some(bytes) => O::Value::decode_value(&bytes)
                .map(Some)
                .map_err(|reason| OptionError::new(O::CODE, reason)),
        }
    }

    /// The typed value of an option, or `None` when it is absent or malformed.
    ///
    /// Use [`Options::try_get`] to tell the two apart.
    pub fn get<O: DhcpOption>(&self, option: O) -> Option<O::Value> {
        self.try_get(option).ok().flatten()
    }

    /// Sets an option to a typed value, replacing every earlier occurrence.
    ///
    /// The value is taken by value, as [`Packet::with_option`](crate::Packet::with_option)
    /// takes it, so `options.set(LeaseTime, 3600)` reads like
    /// `packet.with_option(LeaseTime, 3600)`.
    ///
    /// A replaced option keeps its position; a new one goes last, but before a trailing
    /// relay agent information option (82), which RFC 3046 wants last.
    ///
    /// # Panics
    ///
    /// If a key implemented by hand has code 0 (PAD) or 255 (END), which carry no
    /// value; [`dhcp_option!`](crate::dhcp_option) refuses those at compile time.
    pub fn set<O: DhcpOption>(&mut self, option: O, value: impl OptionArg<O::Value>) -> &mut Self {
        let _ = option;
        assert_has_value(O::CODE);
        self.index();
        let start = self.data.len();
        value.encode_into(self.data.vec_mut());
        self.place(O::CODE, start)
    }

    /// Sets an option to raw bytes, replacing every earlier occurrence (see [`Options::set`]).
    ///
    /// Values longer than 255 bytes are split into consecutive occurrences (RFC 3396).
    ///
    /// # Panics
    ///
    /// If `code` is 0 (PAD) or 255 (END), which carry no value.
    pub fn set_raw(&mut self, code: u8, value: &[u8]) -> &mut Self {
        assert_has_value(code);
        self.index();
        let start = self.data.len();
        self.data.extend_from_slice(value);
        self.place(code, start)
    }

    /// Appends one more occurrence of `code` at the end, keeping earlier ones.
    ///
    /// This is how a list is built exactly as it should appear on the wire, duplicates
    /// and order included. Values longer than 255 bytes are split (RFC 3396).
    ///
    /// # Panics
    ///
    /// If `code` is 0 (PAD) or 255 (END), which carry no value.
    pub fn push_raw(&mut self, code: u8, value: &[u8]) -> &mut Self {
        assert_has_value(code);
        self.index();
        let start = self.data.len();
        self.data.extend_from_slice(value);
        let index = self.options_end();
        self.insert_segments(index, code, Area::Options, start);
        self
    }

    /// Removes every occurrence of `code`; returns whether there was one.
    pub fn remove(&mut self, code: u8) -> bool {
        self.index();
        let before = self.entries.len();
        self.entries.retain(|e| e.code != code);
        before != self.entries.len()
    }

    /// Keeps only the options for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(RawOption<'_>) -> bool) {
        self.index();
        let data = &self.data;
        self.entries.retain(|e| {
            e.code == PAD
                || keep(RawOption {
                    code: e.code,
                    area: e.area,
                    data: slice(data, e),
                    offset: e.offset(),
                })
        });
    }

    /// Takes the options field of a decoded packet, unindexed (see [`Lazy`]):
    /// `body`, the options as they came, checked by the decoder, up to the last one;
    /// `pads`, the PAD bytes after it; `end`, whether END followed; `overload`, the
    /// value of its first option 52 when one byte long, else 0. The decoder calls
    /// this on an empty list, then [`Options::set_decoded_field`] for `file` and
    /// `sname` when overloaded, in that order, then [`Options::set_after_end`].
    #[inline(always)]
    pub(crate) fn set_decoded(&mut self, body: &[u8], pads: usize, end: bool, overload: u8) {
        // The list is empty: the options field's bytes start at 0.
        debug_assert!(self.data.is_empty());
        if !body.is_empty() {
            self.data.extend_from_slice(body);
        }
        let len = to_start(self.data.len());
        self.lazy = Lazy {
            on: true,
            starts: [0, len, len],
            ends: [len; 3],
            pads: [to_start(pads), 0, 0],
            overload,
            spare: [0; 2],
        };
        if !end {
            self.wire.no_end |= area_bit(Area::Options);
        }
    }

    /// Copies `bytes` (the decoder's `sname` and `file` fields, when overloaded) after
    /// the options field; returns where they start in the value buffer, for
    /// [`Options::set_decoded_field`].
    pub(crate) fn push_decoded_fields(&mut self, bytes: &[u8]) -> usize {
        let start = self.data.len();
        self.data.extend_from_slice(bytes);
        start
    }

    /// Takes an overloaded `file` or `sname` field's options, after the options
    /// field (see [`Options::set_decoded`]): `body` bytes from `start` in the value
    /// buffer ([`Options::push_decoded_fields`]), then `pads` PAD bytes, then END
    /// when `end`.
    pub(crate) fn set_decoded_field(
        &mut self,
        area: Area,
        start: usize,
        body: usize,
        pads: usize,
        end: bool,
    ) {
        let index = match area {
            Area::Options => return,
            Area::File => 1,
            Area::Sname => 2,
        };
        self.lazy.starts[index] = to_start(start);
        self.lazy.ends[index] = to_start(start + body);
        self.lazy.pads[index] = to_start(pads);
        if !end {
            self.wire.no_end |= area_bit(area);
        }
    }

    /// True when `area` ended with END (or is written by this crate, which adds it).
    pub(crate) fn area_has_end(&self, area: Area) -> bool {
        self.wire.no_end & area_bit(area) == 0
    }

    /// Records the bytes after the options field's END (decoder); `zeros` is
    /// [`zeros_after_end`] of them, and then they are counted, not copied.
    #[inline]
    pub(crate) fn set_after_end(&mut self, bytes: &[u8], zeros: bool) {
        self.wire.tail_len = to_start(bytes.len());
        self.wire.tail_zeros = zeros;
        if !zeros {
            let start = self.data.len();
            self.data.extend_from_slice(bytes);
            self.wire.tail_start = to_start(start);
        }
    }

    /// Records a plain BOOTP vendor area: no cookie, `area` kept as the tail (decoder,
    /// on an empty list).
    pub(crate) fn set_plain_bootp(&mut self, area: &[u8]) {
        self.wire.no_cookie = true;
        self.wire.no_end = area_bit(Area::Options);
        self.set_after_end(area, zeros_after_end(area));
    }

    /// Makes this list's vendor area plain BOOTP (no cookie) while it holds no option.
    pub(crate) fn set_vendor_area(&mut self, form: VendorArea) {
        self.wire.no_cookie = form == VendorArea::Zeros;
    }

    /// True when the exact form writes END after the options field: the sender wrote
    /// one, or options were added to a plain BOOTP packet, which had no options field.
    pub(crate) fn exact_end(&self) -> bool {
        self.wire.no_cookie || self.area_has_end(Area::Options)
    }

    /// True when the packet is written without a magic cookie: plain BOOTP with no
    /// option added since.
    pub(crate) fn writes_no_cookie(&self) -> bool {
        self.wire.no_cookie && self.entries.is_empty() && !self.lazy.on
    }

    /// Every entry of `area` in wire order, padding included, for the encoder: the
    /// code, the number of bytes a pad run takes (0 for other codes) and the value.
    ///
    /// The list keeps wire order, every entry of the options field before those of
    /// `file`, and those before `sname` (the decoder reads them in that order, and
    /// new options go to the options field before the others), so an area's entries
    /// are one run: the walk stops at its end instead of filtering the whole list.
    ///
    /// For an indexed list only: the encoder takes an unindexed one's areas whole
    /// ([`Options::wire_area`]), and this walks the index's own slice, which costs
    /// the encoder no branch per entry (`benches/pipeline_callgrind.sh`: the sender
    /// thread's instructions per reply).
    pub(crate) fn entries_in(&self, area: Area) -> impl Iterator<Item = (u8, usize, &[u8])> + '_ {
        debug_assert!(!self.lazy.on, "an unindexed list is encoded by area");
        self.entries
            .iter()
            .copied()
            .skip_while(move |e| e.area != area)
            .take_while(move |e| e.area == area)
            .map(move |e| {
                let pads = if e.code == PAD { usize::from(e.len) } else { 0 };
                (e.code, pads, self.bytes(&e))
            })
    }

    /// For an unindexed list, the options of `area` as they came (no END) and the
    /// number of PAD bytes that follow them: what the encoder writes for the area,
    /// in two copies instead of one per option. `None` once the list is indexed.
    #[inline]
    pub(crate) fn wire_area(&self, area: Area) -> Option<(&[u8], usize)> {
        if !self.lazy.on {
            return None;
        }
        let index = AREAS.iter().position(|a| *a == area)?;
        let start = self.lazy.starts[index] as usize;
        let body = self.data.get(start..self.lazy.ends[index] as usize)?;
        Some((body, self.lazy.pads[index] as usize))
    }

    /// The first option 52 of the options field: the one occurrence that counts.
    fn overload_raw(&self) -> Option<&[u8]> {
        self.all()
            .find(|e| e.code == OVERLOAD && e.area == Area::Options)
            .map(|e| self.bytes_of(e))
    }

    /// The value of the first option 52 of the options field when it is one byte
    /// long, else 0: what says whether `file` and `sname` carry options (see
    /// [`overloads`]). Only that first occurrence counts, and only in that form,
    /// which is what a typed read of [`OptionOverload`] accepts; option 52 found in
    /// `file` or `sname` is not honoured, so overload cannot loop.
    #[inline]
    pub(crate) fn overload_value(&self) -> u8 {
        if self.lazy.on {
            return self.lazy.overload;
        }
        // The encoder asks on every packet it writes: a search of the index, inlined.
        let first = self
            .entries
            .iter()
            .find(|e| e.code == OVERLOAD && e.area == Area::Options);
        match first.map(|e| self.bytes(e)) {
            Some(&[value]) => value,
            _ => 0,
        }
    }

    fn place(&mut self, code: u8, start: usize) -> &mut Self {
        // A replaced option keeps its place when that place is in the options field,
        // where new values are written.
        let kept = self
            .entries
            .iter()
            .position(|e| e.code == code)
            .filter(|index| self.entries[*index].area == Area::Options);
        self.entries.retain(|e| e.code != code);
        let index = kept.unwrap_or_else(|| self.insertion_point(code));
        self.insert_segments(index, code, Area::Options, start);
        self.compact_if_sparse();
        self
    }

    /// Replaced values stay in the buffer until this drops them: once the buffer is
    /// mostly dead bytes, the live values are copied down, so a packet edited again and
    /// again (a reply template, say) does not grow without bound.
    fn compact_if_sparse(&mut self) {
        let live: usize = self
            .entries
            .iter()
            .filter(|e| e.code != PAD)
            .map(|e| usize::from(e.len))
            .sum::<usize>()
            + if self.wire.tail_zeros {
                0
            } else {
                self.wire.tail_len as usize
            };
        if self.data.len() <= COMPACT_ABOVE || self.data.len() <= 2 * live {
            return;
        }
        let mut data = Vec::with_capacity(live);
        for entry in self.entries.iter_mut().filter(|e| e.code != PAD) {
            let bytes = slice(&self.data, entry);
            let start = data.len();
            data.extend_from_slice(bytes);
            entry.start = to_start(start);
        }
        if !self.wire.tail_zeros {
            let tail_start = data.len();
            data.extend_from_slice(self.after_end());
            self.wire.tail_start = to_start(tail_start);
        }
        self.data = Small::Heap(data);
    }

    /// The index just after the last entry of the options field; entries from `file`
    /// and `sname` follow it, so that the list stays in wire order.
    fn options_end(&self) -> usize {
        self.entries
            .iter()
            .rposition(|e| e.area == Area::Options)
            .map_or(0, |index| index + 1)
    }

    /// New options go last in the options field, but before a trailing run of relay
    /// agent information, which RFC 3046 wants last.
    fn insertion_point(&self, code: u8) -> usize {
        let end = self.options_end();
        if code == RELAY_AGENT_INFORMATION {
            return end;
        }
        let trailing_relay = self.entries[..end]
            .iter()
            .rev()
            .take_while(|e| e.code == RELAY_AGENT_INFORMATION)
            .count();
        end - trailing_relay
    }

    /// Records the bytes from `start` to the end of the buffer as occurrences of at most
    /// 255 bytes each (an empty value is one empty occurrence).
    fn insert_segments(&mut self, mut index: usize, code: u8, area: Area, start: usize) {
        let end = self.data.len();
        let mut at = start;
        loop {
            let len = (end - at).min(MAX_SEGMENT);
            self.entries.insert(
                index,
                Entry {
                    code,
                    area,
                    len: len as u8,
                    offset: NO_OFFSET,
                    start: to_start(at),
                },
            );
            index += 1;
            at += len;
            if at >= end {
                break;
            }
        }
    }

    fn raw(&self, e: &Entry) -> RawOption<'_> {
        RawOption {
            code: e.code,
            area: e.area,
            data: self.bytes(e),
            offset: e.offset(),
        }
    }

    fn bytes(&self, e: &Entry) -> &[u8] {
        slice(&self.data, e)
    }

    fn bytes_of(&self, e: Entry) -> &[u8] {
        slice(&self.data, &e)
    }
}

/// True when option 52 of value `value` says `area` carries options (RFC 2132,
/// section 9.3: 1 file, 2 sname, 3 both).
#[inline]
pub(crate) fn overloads(value: u8, area: Area) -> bool {
    matches!(
        (area, value),
        (Area::File, OVERLOAD_FILE | OVERLOAD_BOTH) | (Area::Sname, OVERLOAD_SNAME | OVERLOAD_BOTH)
    )
}

/// Below this many bytes, dead values are not worth copying the live ones down for.
const COMPACT_ABOVE: usize = 1024;

fn assert_has_value(code: u8) {
    assert!(
        code != PAD && code != END,
        "option {code} ({}) carries no value and cannot be set",
        if code == PAD { "pad" } else { "end" }
    );
}

fn slice<'a>(data: &'a [u8], e: &Entry) -> &'a [u8] {
    if e.code == PAD {
        return &[];
    }
    let start = e.start as usize;
    data.get(start..start + usize::from(e.len)).unwrap_or(&[])
}

/// True when every byte is zero, checked eight at a time (sender padding after END is
/// tens to hundreds of bytes on every packet); the last eight bytes are read as one
/// word too, which covers the bytes that make no whole chunk without a byte loop.
#[inline]
fn all_zeros(bytes: &[u8]) -> bool {
    let word = |chunk: &[u8]| u64::from_ne_bytes(chunk.try_into().unwrap_or([1; 8]));
    let Some(last) = bytes.len().checked_sub(8) else {
        return bytes.iter().all(|b| *b == 0);
    };
    bytes
        .chunks_exact(8)
        .fold(word(&bytes[last..]), |acc, chunk| acc | word(chunk))
        == 0
}

/// Offsets past 65,534 cannot occur in a datagram; they would read as "not decoded".
#[inline]
fn to_offset(offset: usize) -> u16 {
    u16::try_from(offset).unwrap_or(NO_OFFSET)
}

/// True when the bytes after END are all zeros: a decoded list counts them instead
/// of copying them ([`Options::set_after_end`]).
#[inline]
pub(crate) fn zeros_after_end(bytes: &[u8]) -> bool {
    bytes.len() <= ZEROS.len() && all_zeros(bytes)
}

/// The value buffer of one packet stays far below 4 GiB (compaction bounds it).
#[inline]
fn to_start(start: usize) -> u32 {
    u32::try_from(start).unwrap_or(u32::MAX)
}

impl PartialEq for Options {
    /// Two lists are equal when they hold the same occurrences, padding included, in
    /// the same order. Offsets and the wire record ([`Options::has_end`],
    /// [`Options::after_end`]) are not compared: compare
    /// [`Packet::encode`](crate::Packet::encode) with [`Encoding::Exact`](crate::Encoding::Exact)
    /// for those.
    fn eq(&self, other: &Self) -> bool {
        self.occurrences().eq(other.occurrences())
    }
}

impl Options {
    /// Every occurrence in wire order as (code, area, PAD bytes, value), each run of
    /// padding in an area as one however the list splits it into entries (a removal
    /// leaves two runs side by side, which the wire, and so a decode, joins).
    fn occurrences(&self) -> impl Iterator<Item = (u8, Area, usize, &[u8])> + '_ {
        let mut entries = self.all().peekable();
        std::iter::from_fn(move || {
            let entry = entries.next()?;
            if entry.code != PAD {
                return Some((entry.code, entry.area, 0, self.bytes(&entry)));
            }
            let mut run = usize::from(entry.len);
            while let Some(more) = entries.next_if(|e| e.code == PAD && e.area == entry.area) {
                run += usize::from(more.len);
            }
            Some((PAD, entry.area, run, &[][..]))
        })
    }
}

impl Eq for Options {}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|o| (o.code, o.data)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_a_value_again_and_again_keeps_the_buffer_bounded() {
        // (the buffer is on the heap after the first `set`)
        let mut options = Options::new();
        options.set_raw(12, b"host");
        for round in 0..10_000u32 {
            options.set_raw(61, &round.to_be_bytes());
            options.set_raw(43, &[7; 200]);
        }
        assert!(
            options.data.len() <= 2 * COMPACT_ABOVE,
            "{}",
            options.data.len()
        );
        assert_eq!(options.get_raw(12).as_deref(), Some(&b"host"[..]));
        assert_eq!(
            options.get_raw(61).as_deref(),
            Some(&9_999u32.to_be_bytes()[..])
        );
        assert_eq!(options.get_raw(43).as_deref(), Some(&[7; 200][..]));
        assert_eq!(options.codes(), vec![12, 61, 43]);
    }

    #[test]
    #[should_panic(expected = "option 255 (end) carries no value")]
    fn setting_end_is_refused() {
        Options::new().set_raw(END, &[1]);
    }

    #[test]
    #[should_panic(expected = "option 0 (pad) carries no value")]
    fn pushing_pad_is_refused() {
        Options::new().push_raw(PAD, &[1]);
    }
}
