//! The raw option list: every option as it came, in wire order.
//!
//! An [`Options`] keeps its values in one byte buffer, in one of two forms:
//!
//! - **wire bytes** (`wire_bytes.rs`): what a decode leaves. Each area's options are
//!   copied as they came (code, length, value, interior padding), checked by the
//!   decoder, and nothing else is built: reads walk those bytes, and the encoder
//!   copies them back whole. Decoding thus costs one copy per area instead of a
//!   record and a copy per option.
//! - **indexed** (`indexed.rs`): one entry per occurrence, pointing into the buffer.
//!   The first edit builds it from the wire bytes ([`Options::index`]); a list built
//!   by a program is indexed from the start.
//!
//! Around the options, `framing.rs` records what the sender put there (END or none
//! per area, bytes after END, no magic cookie), for the exact encoding, and reads it
//! back ([`Options::has_end`], [`Options::after_end`], [`Options::vendor_area`]).
//!
//! The rest of the public API is in `read.rs` (occurrences, raw and typed values,
//! equality) and `edit.rs` (building and editing). The packet codec reaches the list
//! through `codec.rs` alone, the one crate-private surface for it.

use std::fmt;

use super::key::DhcpOption;
use super::known::{OptionOverload, RelayAgentInformation};
use super::small::Small;

pub(crate) mod codec;
mod edit;
mod framing;
mod indexed;
mod read;
mod wire_bytes;

use framing::Framing;
use indexed::Entry;
use wire_bytes::{WireBytes, WireEntries};

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

impl Area {
    /// The areas in the order RFC 3396 joins them, which is also the order the
    /// list keeps them in: options field, `file`, `sname`.
    const ALL: [Area; 3] = [Area::Options, Area::File, Area::Sname];

    /// The area's place in [`Area::ALL`], for the per-area arrays of the wire form.
    #[inline]
    fn index(self) -> usize {
        match self {
            Area::Options => 0,
            Area::File => 1,
            Area::Sname => 2,
        }
    }

    /// The offset of the area's first byte in the packet.
    #[inline]
    fn start(self) -> usize {
        match self {
            Area::Options => crate::wire::OPTIONS,
            Area::File => crate::wire::FILE.start,
            Area::Sname => crate::wire::SNAME.start,
        }
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

/// Value bytes kept inline before the buffer moves to the heap: enough for the
/// options of most real requests (a PXE DISCOVER carries about 100 bytes), and it
/// makes a [`Packet`](crate::Packet) 448 bytes, seven 64-byte blocks. glibc's
/// AVX-512 memmove copies a block that size in 64-byte loads and stores that line up
/// from one move of a packet to the next; at sizes that are not whole blocks it uses
/// overlapping ones, and a load that spans two recent stores stalls
/// (`codec_worst`, fresh decode of a short packet: 28 ns at 448 bytes, 34 at 400).
const INLINE_BYTES: usize = 112;

/// The options of a packet, kept in wire order with duplicates, unknown codes and
/// interior padding, so that decoding then encoding gives back the same bytes.
///
/// Values live in one buffer, so [`Packet::decode`](crate::Packet::decode) costs one
/// allocation at most, whatever the number of options: none when what the list
/// keeps fits in 112 bytes. It keeps the options, the whole of `sname` and `file`
/// when option 52 overloads them (so an overloaded packet allocates), and the bytes
/// after END unless they are all zeros.
/// [`Packet::decode_from`](crate::Packet::decode_from) allocates nothing once the
/// buffer has held as much. A decoded list is not indexed: reads walk the options as
/// they came, and the first edit ([`Options::set`], [`Options::set_raw`],
/// [`Options::push_raw`], [`Options::remove`], [`Options::retain`]) builds the index
/// once. Typed access ([`Options::get`]) joins every occurrence of a code, in RFC 3396
/// order (options field, then `file`, then `sname`); [`Options::set`] splits values
/// longer than 255 bytes into several occurrences.
///
/// A decoded list also remembers what the sender put around the options (no END,
/// bytes after END, no magic cookie), for [`Encoding::Exact`](crate::Encoding::Exact).
/// That record is not compared by `==`, and [`Options::clear`] resets it.
#[derive(Clone, Default)]
pub struct Options {
    /// The index, one entry per occurrence; empty while `wire.on`. On the heap, and
    /// allocated by the first edit only: a decoded list has none, and entries kept
    /// inline would make every `Packet` larger, moved with it on each fresh decode.
    entries: Vec<Entry>,
    /// The value bytes of both forms, and the bytes after END when they are kept.
    data: Small<u8, INLINE_BYTES>,
    /// What surrounds the options on the wire.
    framing: Framing,
    /// Where each area's wire bytes are in `data`, while the list is in that form.
    wire: WireBytes,
}

/// Every entry of a list in wire order, from the index or from the wire bytes.
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

impl Options {
    /// Every entry in wire order, indexed or not.
    #[inline]
    fn all(&self) -> Entries<'_> {
        if self.wire.on {
            Entries::Wire(WireEntries::new(&self.data, self.wire))
        } else {
            Entries::Indexed(self.entries.iter())
        }
    }

    /// Builds the index of a decoded list, before an edit. The bytes stay where they
    /// are; the entries point into them.
    #[cold]
    #[inline(never)]
    fn index(&mut self) {
        if !self.wire.on {
            return;
        }
        let wire = std::mem::take(&mut self.wire);
        self.entries.clear();
        self.entries.extend(WireEntries::new(&self.data, wire));
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
        e.value(&self.data)
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|o| (o.code, o.data)))
            .finish()
    }
}

/// A position in the value buffer, which stays far below 4 GiB (compaction bounds
/// it), as the `u32` the records keep.
#[inline]
fn to_start(start: usize) -> u32 {
    u32::try_from(start).unwrap_or(u32::MAX)
}
