//! Reading a list: occurrences, raw values, typed values, equality. Every read works
//! on both storage forms; none builds the index.

use std::borrow::Cow;

use super::indexed::IndexedValues;
use super::wire_bytes::WireValues;
use super::{Area, Options, RawOption, OVERLOAD, PAD};
use crate::error::OptionError;
use crate::options::key::DhcpOption;
use crate::options::value::OptionValue;

/// The values of one option code, from [`Options::values`].
enum Values<'a> {
    Wire(WireValues<'a>),
    Indexed(IndexedValues<'a>),
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            Values::Wire(values) => values.next(),
            Values::Indexed(values) => values.next(),
        }
    }
}

impl Options {
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
        if self.wire.on {
            Values::Wire(WireValues::new(&self.data, self.wire, code))
        } else {
            Values::Indexed(IndexedValues {
                data: &self.data,
                entries: self.entries.iter(),
                code,
            })
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

    /// The first option 52 of the options field: the one occurrence that counts.
    fn overload_raw(&self) -> Option<&[u8]> {
        self.all()
            .find(|e| e.code == OVERLOAD && e.area == Area::Options)
            .map(|e| self.bytes(&e))
    }

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

impl PartialEq for Options {
    /// Two lists are equal when they hold the same occurrences, padding included, in
    /// the same order. Offsets and what surrounds the options ([`Options::has_end`],
    /// [`Options::after_end`]) are not compared: compare
    /// [`Packet::encode`](crate::Packet::encode) with
    /// [`Encoding::Exact`](crate::Encoding::Exact) for those.
    fn eq(&self, other: &Self) -> bool {
        self.occurrences().eq(other.occurrences())
    }
}

impl Eq for Options {}
