//! The raw option list: every option as it came, in wire order.

use std::borrow::Cow;
use std::fmt;

use super::key::DhcpOption;
use super::overload::{OVERLOAD_BOTH, OVERLOAD_FILE, OVERLOAD_SNAME};
use super::value::OptionValue;
use crate::error::OptionError;

/// Option code 0, one byte of padding between options.
pub const PAD: u8 = 0;
/// Option code 255, the end of the options.
pub const END: u8 = 255;
/// Option code 52, option overload: `file` and/or `sname` carry options too.
pub const OVERLOAD: u8 = 52;
/// Option code 82, relay agent information, which a reply echoes last.
pub const RELAY_AGENT_INFORMATION: u8 = 82;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    code: u8,
    area: Area,
    start: usize,
    len: u8,
}

/// The options of a packet, kept in wire order with duplicates, unknown codes and
/// interior padding, so that decoding then encoding gives back the same bytes.
///
/// Values live in one buffer, so decoding a packet costs two allocations whatever the
/// number of options. Typed access ([`Options::get`]) joins every occurrence of a code,
/// in RFC 3396 order (options field, then `file`, then `sname`); [`Options::set`] splits
/// values longer than 255 bytes into several occurrences.
#[derive(Clone, Default)]
pub struct Options {
    entries: Vec<Entry>,
    data: Vec<u8>,
}

/// One occurrence of an option as it stands in the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawOption<'a> {
    /// The option code.
    pub code: u8,
    /// Where it was found.
    pub area: Area,
    /// The value bytes, without code and length.
    pub data: &'a [u8],
}

impl Options {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `options` options holding `bytes` bytes of values.
    pub fn with_capacity(options: usize, bytes: usize) -> Self {
        Options {
            entries: Vec::with_capacity(options),
            data: Vec::with_capacity(bytes),
        }
    }

    /// Makes room for at least `options` more occurrences holding `bytes` more bytes.
    pub fn reserve(&mut self, options: usize, bytes: usize) {
        self.entries.reserve(options);
        self.data.reserve(bytes);
    }

    /// Removes every option, keeping the allocated space.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.data.clear();
    }

    /// The number of occurrences, padding excluded.
    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.code != PAD).count()
    }

    /// True when there is no option.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every occurrence in wire order (options field, then `file`, then `sname`), padding excluded.
    pub fn iter(&self) -> impl Iterator<Item = RawOption<'_>> + '_ {
        self.entries
            .iter()
            .filter(|e| e.code != PAD)
            .map(move |e| self.raw(e))
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
        self.entries.iter().any(|e| e.code == code && code != PAD)
    }

    /// The value of `code`, every occurrence joined (RFC 3396); borrowed when it occurs once.
    pub fn get_raw(&self, code: u8) -> Option<Cow<'_, [u8]>> {
        let mut found = self
            .entries
            .iter()
            .filter(|e| e.code == code && code != PAD);
        let first = found.next()?;
        match found.next() {
            None => Some(Cow::Borrowed(self.bytes(first))),
            Some(second) => {
                let mut joined = self.bytes(first).to_vec();
                joined.extend_from_slice(self.bytes(second));
                for more in found {
                    joined.extend_from_slice(self.bytes(more));
                }
                Some(Cow::Owned(joined))
            }
        }
    }

    /// Decodes the typed value of an option; `Ok(None)` when absent.
    ///
    /// A malformed value is an error for this read only: the bytes stay in the list.
    pub fn try_get<O: DhcpOption>(&self, option: O) -> Result<Option<O::Value>, OptionError> {
        let _ = option;
        match self.get_raw(O::CODE) {
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
    /// A replaced option keeps its position; a new one goes last, but before a trailing
    /// relay agent information option (82), which RFC 3046 wants last.
    ///
    /// # Panics
    ///
    /// If the option's code is 0 (PAD) or 255 (END), which carry no value.
    pub fn set<O: DhcpOption>(&mut self, option: O, value: &O::Value) -> &mut Self {
        let _ = option;
        assert_has_value(O::CODE);
        let start = self.data.len();
        value.encode_value(&mut self.data);
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
        let start = self.data.len();
        self.data.extend_from_slice(value);
        let index = self.options_end();
        self.insert_segments(index, code, Area::Options, start);
        self
    }

    /// Removes every occurrence of `code`; returns whether there was one.
    pub fn remove(&mut self, code: u8) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.code != code);
        before != self.entries.len()
    }

    /// Keeps only the options for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(RawOption<'_>) -> bool) {
        let data = &self.data;
        self.entries.retain(|e| {
            e.code == PAD
                || keep(RawOption {
                    code: e.code,
                    area: e.area,
                    data: slice(data, e),
                })
        });
    }

    /// Appends one occurrence exactly as decoded (used by the decoder; no splitting).
    pub(crate) fn push_decoded(&mut self, code: u8, area: Area, value: &[u8]) {
        let start = self.data.len();
        self.data.extend_from_slice(value);
        self.entries.push(Entry {
            code,
            area,
            start,
            // The decoder only hands over single occurrences, at most 255 bytes.
            len: value.len().min(MAX_SEGMENT) as u8,
        });
    }

    /// Every entry in wire order, padding included, for the encoder.
    pub(crate) fn entries_in(&self, area: Area) -> impl Iterator<Item = (u8, &[u8])> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.area == area)
            .map(move |e| (e.code, self.bytes(e)))
    }

    /// True when option 52, in the options field, says `area` carries options
    /// (RFC 2132, section 9.3: 1 file, 2 sname, 3 both). Option 52 found in `file` or
    /// `sname` is not honoured, so overload cannot loop.
    pub(crate) fn overloads(&self, area: Area) -> bool {
        let value = self
            .entries
            .iter()
            .find(|e| e.code == OVERLOAD && e.area == Area::Options)
            .and_then(|e| self.bytes(e).first().copied());
        matches!(
            (area, value),
            (Area::File, Some(OVERLOAD_FILE | OVERLOAD_BOTH))
                | (Area::Sname, Some(OVERLOAD_SNAME | OVERLOAD_BOTH))
        )
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
        let live: usize = self.entries.iter().map(|e| usize::from(e.len)).sum();
        if self.data.len() <= COMPACT_ABOVE || self.data.len() <= 2 * live {
            return;
        }
        let mut data = Vec::with_capacity(live);
        for entry in &mut self.entries {
            let bytes = slice(&self.data, entry);
            let start = data.len();
            data.extend_from_slice(bytes);
            entry.start = start;
        }
        self.data = data;
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
                    start: at,
                    len: len as u8,
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
        }
    }

    fn bytes(&self, e: &Entry) -> &[u8] {
        slice(&self.data, e)
    }
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
    let start = e.start;
    data.get(start..start + usize::from(e.len)).unwrap_or(&[])
}

impl PartialEq for Options {
    /// Two lists are equal when they hold the same occurrences, padding included, in the same order.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| {
                a.code == b.code && a.area == b.area && self.bytes(a) == other.bytes(b)
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
