//! The option list's side of the packet codec: what `src/packet/decode.rs` and
//! `src/packet/encode.rs` use beyond the public API, and the only crate-private
//! surface they have into [`Options`].
//!
//! - The decoder checks each area's options (every option whole, the area's last
//!   PAD run and END found) and hands them over with one call: [`Options::load`],
//!   [`Options::load_overloaded`] when option 52 makes `file` and `sname` carry
//!   options too, or [`Options::load_plain_bootp`]. The list keeps those bytes as
//!   they came (the wire-bytes form) and what surrounded them (the framing).
//! - The encoder asks what to write around the options ([`Options::writes_cookie`],
//!   [`Options::exact_end`], [`Options::overload_value`], and the public
//!   [`Options::after_end`]) and has each area's options written by the list, which
//!   knows its storage form ([`Options::area_len`], [`Options::write_area`]).
//! - [`pad_run`] and [`overloads`] are the two rules of the format both sides apply.
//!
//! Neither side sees the storage forms, the index or the value buffer.

use super::framing::zeros_after_end;
use super::wire_bytes::WireBytes;
use super::{to_start, Area, Options, INLINE_BYTES, PAD};
use crate::options::overload::{OVERLOAD_BOTH, OVERLOAD_FILE, OVERLOAD_SNAME};
use crate::wire;

/// One area's options as the decoder checked them: the first `body` bytes of the
/// area are whole options and interior padding, then come `pads` PAD bytes, then END
/// when `end` (else the end of the area, or an option a lenient decode cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) body: usize,
    pub(crate) pads: usize,
    pub(crate) end: bool,
}

/// The `file` and `sname` fields of a packet whose option 52 overloads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Overloaded<'a> {
    /// Option 52's value, 1 to 3 (see [`overloads`]).
    pub(crate) value: u8,
    /// `sname` and `file` side by side, as in the header (offsets 44 to 236): the
    /// list keeps them whole, in one copy.
    pub(crate) fields: &'a [u8],
    /// The options of `file`, when overloaded.
    pub(crate) file: Option<Checked>,
    /// The options of `sname`, when overloaded.
    pub(crate) sname: Option<Checked>,
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

/// True when option 52 of value `value` says `area` carries options (RFC 2132,
/// section 9.3: 1 file, 2 sname, 3 both).
#[inline]
pub(crate) fn overloads(value: u8, area: Area) -> bool {
    matches!(
        (area, value),
        (Area::File, OVERLOAD_FILE | OVERLOAD_BOTH) | (Area::Sname, OVERLOAD_SNAME | OVERLOAD_BOTH)
    )
}

/// The bytes after END that a decoded list copies into its value buffer: none when
/// they are all zeros (`zeros`), which it counts instead; else all of them.
#[inline(always)]
fn kept(after_end: &[u8], zeros: bool) -> usize {
    if zeros {
        0
    } else {
        after_end.len()
    }
}

impl Options {
    /// Takes a decoded options field without option 52, on an empty list: `field`
    /// (the bytes from offset 240) as `checked`, and the bytes after its END.
    #[inline(always)]
    pub(crate) fn load(&mut self, field: &[u8], checked: Checked, after_end: &[u8]) {
        if checked.body <= INLINE_BYTES {
            self.load_field(field, checked, 0);
            self.set_after_end(after_end, zeros_after_end(after_end));
        } else {
            // The buffer moves to the heap: with room for the bytes after END when
            // they are kept, so that it moves once.
            let zeros = zeros_after_end(after_end);
            self.data.reserve(checked.body + kept(after_end, zeros));
            self.load_field(field, checked, 0);
            self.set_after_end(after_end, zeros);
        }
    }

    /// Takes a decoded packet whose options field carries option 52, on an empty
    /// list: the options field as for [`Options::load`], the overloaded fields, and
    /// the bytes after END. One allocation at most.
    #[inline]
    pub(crate) fn load_overloaded(
        &mut self,
        field: &[u8],
        checked: Checked,
        overloaded: Overloaded<'_>,
        after_end: &[u8],
    ) {
        let zeros = zeros_after_end(after_end);
        let fields = overloaded.fields;
        self.data
            .reserve(checked.body + fields.len() + kept(after_end, zeros));
        self.load_field(field, checked, overloaded.value);
        let sname_start = self.data.len();
        self.data.extend_from_slice(fields);
        let file_start = sname_start + wire::FILE.start - wire::SNAME.start;
        for (area, start, checked) in [
            (Area::File, file_start, overloaded.file),
            (Area::Sname, sname_start, overloaded.sname),
        ] {
            if let Some(checked) = checked {
                self.set_wire_area(area, start, checked.body, checked.pads);
                if !checked.end {
                    self.framing.set_no_end(area);
                }
            }
        }
        self.set_after_end(after_end, zeros);
    }

    /// Takes a plain BOOTP vendor area (no magic cookie; zeros, or nothing), on an
    /// empty list: no option, and the area kept as the bytes after END.
    pub(crate) fn load_plain_bootp(&mut self, vendor_area: &[u8]) {
        self.framing.no_cookie = true;
        self.framing.set_no_end(Area::Options);
        self.set_after_end(vendor_area, zeros_after_end(vendor_area));
    }

    /// The options field into the wire-bytes form, its other areas empty.
    #[inline(always)]
    fn load_field(&mut self, field: &[u8], checked: Checked, overload: u8) {
        debug_assert!(self.data.is_empty() && self.entries.is_empty());
        let body = field.get(..checked.body).unwrap_or_default();
        if !body.is_empty() {
            self.data.extend_from_slice(body);
        }
        let len = to_start(self.data.len());
        // One store of the whole record: a fresh decode copies it right after.
        self.wire = WireBytes {
            on: true,
            starts: [0, len, len],
            ends: [len; 3],
            pads: [to_start(checked.pads), 0, 0],
            overload,
            spare: [0; 2],
        };
        if !checked.end {
            self.framing.set_no_end(Area::Options);
        }
    }

    /// True when the packet is written with the magic cookie: always, but for plain
    /// BOOTP with no option added since.
    #[inline]
    pub(crate) fn writes_cookie(&self) -> bool {
        !(self.framing.no_cookie && self.entries.is_empty() && !self.wire.on)
    }

    /// True when the exact form writes END after the options of `area`: the sender
    /// wrote one (always, for a list built here), or, for the options field, options
    /// were added to a plain BOOTP packet, which had no options field.
    #[inline]
    pub(crate) fn exact_end(&self, area: Area) -> bool {
        (area == Area::Options && self.framing.no_cookie) || self.framing.has_end(area)
    }

    /// The value of the first option 52 of the options field when it is one byte
    /// long, else 0: what says whether `file` and `sname` carry options (see
    /// [`overloads`]). Only that first occurrence counts, and only in that form,
    /// which is what a typed read of [`OptionOverload`](crate::options::OptionOverload)
    /// accepts; option 52 found in `file` or `sname` is not honoured, so overload
    /// cannot loop.
    #[inline]
    pub(crate) fn overload_value(&self) -> u8 {
        if self.wire.on {
            return self.wire.overload;
        }
        match self.indexed_overload() {
            Some(&[value]) => value,
            _ => 0,
        }
    }

    /// The bytes the options of `area` take on the wire, END excluded.
    #[inline]
    pub(crate) fn area_len(&self, area: Area) -> usize {
        if self.wire.on {
            return self
                .wire
                .area(&self.data, area)
                .map_or(0, |(body, pads)| body.len() + pads);
        }
        self.indexed_area_len(area)
    }

    /// Writes the options of `area` into `out`, which has room for
    /// [`Options::area_len`] bytes, without END; returns the length written.
    #[inline]
    pub(crate) fn write_area(&self, area: Area, out: &mut [u8]) -> usize {
        if self.wire.on {
            // A decoded list not edited since: its options as they came, in one copy.
            let Some((body, pads)) = self.wire.area(&self.data, area) else {
                return 0;
            };
            let len = body.len() + pads;
            out[..body.len()].copy_from_slice(body);
            out[body.len()..len].fill(PAD);
            return len;
        }
        self.write_indexed_area(area, out)
    }
}
