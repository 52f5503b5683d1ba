//! Building and editing a list. Every edit works on the index, which the first edit
//! of a decoded list builds.

use super::framing::Framing;
use super::indexed::Entry;
use super::wire_bytes::WireBytes;
use super::{Area, Options, RawOption, END, PAD};
use crate::options::arg::OptionArg;
use crate::options::key::DhcpOption;
use crate::options::small::Small;

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
            framing: Framing::default(),
            wire: WireBytes::default(),
        }
    }

    /// Makes room for at least `options` more occurrences holding `bytes` more bytes.
    pub fn reserve(&mut self, options: usize, bytes: usize) {
        self.entries.reserve(options);
        self.data.reserve(bytes);
    }

    /// Removes every option and what the list recorded around them (see
    /// [`Options::has_end`]), keeping the allocated space.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.data.clear();
        self.framing = Framing::default();
        self.wire = WireBytes::default();
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
        self.entries.retain(|e: &Entry| {
            e.code == PAD
                || keep(RawOption {
                    code: e.code,
                    area: e.area,
                    data: e.value(data),
                    offset: e.offset(),
                })
        });
    }
}

fn assert_has_value(code: u8) {
    assert!(
        code != PAD && code != END,
        "option {code} ({}) carries no value and cannot be set",
        if code == PAD { "pad" } else { "end" }
    );
}
