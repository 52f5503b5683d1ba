//! What surrounds the options on the wire: END or none in each area, the bytes after
//! the options field's END, the magic cookie or none. Both storage forms share it;
//! the exact encoding writes it back.

use super::{to_start, Area, Options, VendorArea};

/// Zeros to lend as the bytes after END, which are nearly always zeros: they are
/// counted rather than copied.
static ZEROS: [u8; 65_536] = [0; 65_536];

/// What a decoded packet looked like on the wire beyond its options, so that
/// [`Encoding::Exact`](crate::Encoding::Exact) gives back the same bytes. The default
/// is the form this crate writes: cookie, options, END, nothing after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Framing {
    /// One bit per area ([`bit`]) that ended without an END option.
    no_end: u8,
    /// No magic cookie: plain BOOTP, whose vendor area is the tail.
    pub(super) no_cookie: bool,
    /// The bytes that followed the options field's END (or, when a lenient decode cut
    /// an option, the cut bytes), up to the end of the datagram: `data[tail_start..][..tail_len]`,
    /// or `tail_len` zeros when `tail_zeros`.
    tail_start: u32,
    tail_len: u32,
    pub(super) tail_zeros: bool,
    /// Unused, zero: a byte that would otherwise be padding. rustc copies around
    /// padding, which is undefined, with overlapping loads of bytes a fresh decode
    /// has just stored, and such a load waits for the stores to complete
    /// (store-to-load forwarding fails); zeroed bytes are copied whole.
    spare: u8,
}

/// The bit of `area` in [`Framing::no_end`].
fn bit(area: Area) -> u8 {
    1 << area.index()
}

impl Framing {
    /// True when `area` ended with END (or is written by this crate, which adds it).
    #[inline]
    pub(super) fn has_end(&self, area: Area) -> bool {
        self.no_end & bit(area) == 0
    }

    /// Records that `area` ended without END.
    #[inline]
    pub(super) fn set_no_end(&mut self, area: Area) {
        self.no_end |= bit(area);
    }

    /// The number of bytes after END (see [`Options::after_end`]).
    #[inline]
    pub(super) fn tail_len(&self) -> usize {
        self.tail_len as usize
    }

    /// Where the kept bytes after END now start in the value buffer.
    pub(super) fn move_tail(&mut self, start: usize) {
        self.tail_start = to_start(start);
    }
}

impl Options {
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
        !self.framing.no_cookie && self.framing.has_end(Area::Options)
    }

    /// The bytes that followed END in the options field as decoded (sender padding,
    /// filler), up to the end of the datagram; for plain BOOTP, the whole vendor area.
    /// Empty for a list built here. [`Encoding::Exact`](crate::Encoding::Exact) writes
    /// them back; [`Encoding::Padded`](crate::Encoding::Padded) does not.
    pub fn after_end(&self) -> &[u8] {
        let framing = &self.framing;
        if framing.tail_zeros {
            return &ZEROS[..framing.tail_len()];
        }
        let start = framing.tail_start as usize;
        self.data
            .get(start..start + framing.tail_len())
            .unwrap_or(&[])
    }

    /// How the vendor area after the BOOTP header is laid out.
    pub fn vendor_area(&self) -> VendorArea {
        if self.framing.no_cookie {
            VendorArea::Zeros
        } else {
            VendorArea::Options
        }
    }

    /// Makes this list's vendor area plain BOOTP (no cookie) while it holds no option.
    pub(crate) fn set_vendor_area(&mut self, form: VendorArea) {
        self.framing.no_cookie = form == VendorArea::Zeros;
    }

    /// Records the bytes after the options field's END as decoded; `zeros` is
    /// [`zeros_after_end`] of them, and then they are counted, not copied.
    #[inline]
    pub(super) fn set_after_end(&mut self, bytes: &[u8], zeros: bool) {
        self.framing.tail_len = to_start(bytes.len());
        self.framing.tail_zeros = zeros;
        if !zeros {
            let start = self.data.len();
            self.data.extend_from_slice(bytes);
            self.framing.tail_start = to_start(start);
        }
    }
}

/// True when the bytes after END are all zeros: a decoded list counts them instead
/// of copying them ([`Options::set_after_end`]).
#[inline]
pub(super) fn zeros_after_end(bytes: &[u8]) -> bool {
    bytes.len() <= ZEROS.len() && all_zeros(bytes)
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
