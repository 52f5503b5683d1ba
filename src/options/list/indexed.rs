//! The indexed form: one [`Entry`] per occurrence, in wire order, pointing into the
//! value buffer. Edits work on it; the first edit of a decoded list builds it from
//! the wire bytes.

use super::{to_start, Area, Options, MAX_SEGMENT, PAD, RELAY_AGENT_INFORMATION};
use crate::options::small::Small;

/// One occurrence. For PAD, a run of up to 255 pad bytes is one entry (`len` is the
/// run's length and no value bytes are stored), so a packet of padding costs an entry
/// per 255 bytes instead of one per byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) code: u8,
    pub(super) area: Area,
    pub(super) len: u8,
    /// Offset of the code byte in the packet, `NO_OFFSET` for options set here.
    pub(super) offset: u16,
    /// Where the value starts in the value buffer (0 for PAD).
    pub(super) start: u32,
}

/// The `offset` of an option that was not decoded. Datagrams are shorter than 65,535
/// bytes, so no option code sits there.
const NO_OFFSET: u16 = u16::MAX;

/// Below this many bytes, dead values are not worth copying the live ones down for.
const COMPACT_ABOVE: usize = 1024;

impl Entry {
    /// An occurrence found at `offset` in the packet (PAD: a run of `len` bytes).
    #[inline]
    pub(super) fn decoded(code: u8, area: Area, len: u8, offset: usize, start: usize) -> Self {
        Entry {
            code,
            area,
            len,
            // Offsets past 65,534 cannot occur in a datagram; they would read as
            // "not decoded".
            offset: u16::try_from(offset).unwrap_or(NO_OFFSET),
            start: to_start(start),
        }
    }

    pub(super) fn offset(&self) -> Option<usize> {
        (self.offset != NO_OFFSET).then_some(usize::from(self.offset))
    }

    /// The value bytes in `data`, the list's value buffer (none for PAD).
    pub(super) fn value<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        if self.code == PAD {
            return &[];
        }
        let start = self.start as usize;
        data.get(start..start + usize::from(self.len))
            .unwrap_or(&[])
    }
}

/// The values of one code in an indexed list, in wire order.
pub(super) struct IndexedValues<'a> {
    pub(super) data: &'a [u8],
    pub(super) entries: std::slice::Iter<'a, Entry>,
    pub(super) code: u8,
}

impl<'a> Iterator for IndexedValues<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let code = self.code;
        self.entries
            .find(|e| e.code == code && code != PAD)
            .map(|e| e.value(self.data))
    }
}

impl Options {
    /// Replaces every occurrence of `code` by the value from `start` to the end of
    /// the buffer, split into segments of at most 255 bytes.
    pub(super) fn place(&mut self, code: u8, start: usize) -> &mut Self {
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
            + if self.framing.tail_zeros {
                0
            } else {
                self.framing.tail_len()
            };
        if self.data.len() <= COMPACT_ABOVE || self.data.len() <= 2 * live {
            return;
        }
        let mut data = Vec::with_capacity(live);
        for entry in self.entries.iter_mut().filter(|e| e.code != PAD) {
            let bytes = entry.value(&self.data);
            let start = data.len();
            data.extend_from_slice(bytes);
            entry.start = to_start(start);
        }
        if !self.framing.tail_zeros {
            let tail_start = data.len();
            data.extend_from_slice(self.after_end());
            self.framing.move_tail(tail_start);
        }
        self.data = Small::Heap(data);
    }

    /// The index just after the last entry of the options field; entries from `file`
    /// and `sname` follow it, so that the list stays in wire order.
    pub(super) fn options_end(&self) -> usize {
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
    pub(super) fn insert_segments(&mut self, mut index: usize, code: u8, area: Area, start: usize) {
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

    /// The entries of `area`, in wire order.
    ///
    /// The list keeps wire order, every entry of the options field before those of
    /// `file`, and those before `sname` (the decoder reads them in that order, and
    /// new options go to the options field before the others), so an area's entries
    /// are one run: the walk stops at its end instead of filtering the whole list,
    /// and walks the index's own slice, with no branch per entry on the form.
    #[inline]
    fn entries_in(&self, area: Area) -> impl Iterator<Item = &Entry> + '_ {
        self.entries
            .iter()
            .skip_while(move |e| e.area != area)
            .take_while(move |e| e.area == area)
    }

    /// Bytes the entries of `area` take on the wire, END excluded.
    pub(super) fn indexed_area_len(&self, area: Area) -> usize {
        self.entries_in(area)
            .map(|e| {
                if e.code == PAD {
                    usize::from(e.len)
                } else {
                    2 + usize::from(e.len)
                }
            })
            .sum::<usize>()
    }

    /// Writes the entries of `area` into `out`, without END; returns the length.
    pub(super) fn write_indexed_area(&self, area: Area, out: &mut [u8]) -> usize {
        let mut at = 0;
        for e in self.entries_in(area) {
            if e.code == PAD {
                let pads = usize::from(e.len);
                out[at..at + pads].fill(PAD);
                at += pads;
                continue;
            }
            let value = e.value(&self.data);
            out[at] = e.code;
            // Each occurrence holds at most 255 bytes (the list splits longer values).
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

    /// The value of the first option 52 of the options field, searched in the index.
    #[inline]
    pub(super) fn indexed_overload(&self) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|e| e.code == super::OVERLOAD && e.area == Area::Options)
            .map(|e| e.value(&self.data))
    }
}

#[cfg(test)]
mod tests {
    use super::COMPACT_ABOVE;
    use crate::options::{Options, END, PAD};

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
