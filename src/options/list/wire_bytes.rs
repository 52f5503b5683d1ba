//! The wire-bytes form: a decoded list before its first edit.
//!
//! The decoder checks each area's options and copies them as they came into the
//! value buffer: code, length, value and interior padding, without END and the
//! padding before it. An overloaded `sname` and `file` are copied whole, in one go,
//! and their areas point into them. No entry is built: reads walk those bytes, the
//! encoder copies them back whole, and the first edit builds the index
//! ([`Options::index`]). That matters on packets with many options, such as an
//! overloaded `file` and `sname`.

use super::codec::pad_run;
use super::indexed::Entry;
use super::{Area, Options, MAX_SEGMENT, PAD};

/// Where each area's wire bytes are in the value buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct WireBytes {
    /// True while the list is in this form.
    pub(super) on: bool,
    /// Where each area's bytes start and end in the buffer, in [`Area::ALL`] order
    /// (an area not overloaded is empty).
    pub(super) starts: [u32; 3],
    pub(super) ends: [u32; 3],
    /// The PAD bytes that followed each area's last option (before END, a cut option
    /// or the end of the area): counted, not copied.
    pub(super) pads: [u32; 3],
    /// The value of the first option 52 of the options field when it is one byte
    /// long, else 0 (see [`Options::overload_value`]).
    pub(super) overload: u8,
    /// Unused, zeros: two bytes that would otherwise be padding, which rustc copies
    /// around with overlapping loads of bytes just stored (see `Framing::spare`).
    pub(super) spare: [u8; 2],
}

impl WireBytes {
    /// The options of `area` as they came (no END), and the PAD bytes after them.
    #[inline]
    pub(super) fn area<'a>(&self, data: &'a [u8], area: Area) -> Option<(&'a [u8], usize)> {
        let index = area.index();
        let body = data.get(self.starts[index] as usize..self.ends[index] as usize)?;
        Some((body, self.pads[index] as usize))
    }
}

/// The entries of a list in the wire-bytes form, read from its bytes: the entries
/// the index holds once built (PAD runs of up to 255 bytes each), in the same order.
pub(super) struct WireEntries<'a> {
    data: &'a [u8],
    wire: WireBytes,
    /// The current area, an index into [`Area::ALL`] (3 when done).
    area: usize,
    /// The position in `data`.
    at: usize,
    /// Trailing PAD bytes of the current area not yet given.
    pads_left: usize,
}

impl<'a> WireEntries<'a> {
    pub(super) fn new(data: &'a [u8], wire: WireBytes) -> Self {
        WireEntries {
            data,
            wire,
            area: 0,
            at: wire.starts[0] as usize,
            pads_left: wire.pads[0] as usize,
        }
    }
}

impl Iterator for WireEntries<'_> {
    type Item = Entry;

    #[inline]
    fn next(&mut self) -> Option<Entry> {
        loop {
            let area = *Area::ALL.get(self.area)?;
            let end = self.wire.ends[self.area] as usize;
            // The area's bytes start in the packet at its start, in `data` at `start`.
            let start = self.wire.starts[self.area] as usize;
            let base = area.start();
            if self.at < end {
                let offset = base + self.at.saturating_sub(start);
                let rest = self.data.get(self.at..end)?;
                let code = rest[0];
                if code == PAD {
                    let run = pad_run(rest).min(MAX_SEGMENT);
                    self.at += run;
                    return Some(Entry::decoded(code, area, run as u8, offset, 0));
                }
                // The decoder checked every length: a value never runs past `end`.
                let len = *rest.get(1)?;
                let value = self.at + 2;
                self.at = value + usize::from(len);
                return Some(Entry::decoded(code, area, len, offset, value));
            }
            if self.pads_left > 0 {
                let done = self.wire.pads[self.area] as usize - self.pads_left;
                let run = self.pads_left.min(MAX_SEGMENT);
                self.pads_left -= run;
                let offset = base + end.saturating_sub(start) + done;
                return Some(Entry::decoded(PAD, area, run as u8, offset, 0));
            }
            self.area += 1;
            if let Some(next) = self.wire.starts.get(self.area) {
                self.at = *next as usize;
                self.pads_left = self.wire.pads[self.area] as usize;
            }
        }
    }
}

/// The values of one code in a list in the wire-bytes form: its bytes, scanned area
/// by area.
pub(super) struct WireValues<'a> {
    data: &'a [u8],
    wire: WireBytes,
    /// The current area, an index into [`Area::ALL`] (3 when done).
    area: usize,
    /// The position in `data`.
    at: usize,
    code: u8,
}

impl<'a> WireValues<'a> {
    pub(super) fn new(data: &'a [u8], wire: WireBytes, code: u8) -> Self {
        WireValues {
            data,
            wire,
            area: 0,
            at: wire.starts[0] as usize,
            code,
        }
    }
}

impl<'a> Iterator for WireValues<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.code == PAD {
            return None;
        }
        loop {
            let end = *self.wire.ends.get(self.area)? as usize;
            // The decoder checked every length: a value never runs past `end`.
            let bytes = self.data.get(..end).unwrap_or_default();
            while let Some(&this) = bytes.get(self.at) {
                if this == PAD {
                    self.at += 1;
                    continue;
                }
                let Some(&len) = bytes.get(self.at + 1) else {
                    break;
                };
                let value = self.at + 2..self.at + 2 + usize::from(len);
                self.at = value.end;
                if this == self.code {
                    return Some(bytes.get(value).unwrap_or_default());
                }
            }
            self.area += 1;
            self.at = self
                .wire
                .starts
                .get(self.area)
                .map_or(0, |start| *start as usize);
        }
    }
}

impl Options {
    /// Takes the options of an area as the decoder checked them, into the wire-bytes
    /// form: `body` bytes from `start` in the value buffer, then `pads` PAD bytes.
    #[inline(always)]
    pub(super) fn set_wire_area(&mut self, area: Area, start: usize, body: usize, pads: usize) {
        let index = area.index();
        self.wire.starts[index] = super::to_start(start);
        self.wire.ends[index] = super::to_start(start + body);
        self.wire.pads[index] = super::to_start(pads);
    }
}
