//! Values the file writes as text or numbers that serde has no reader for: ranges,
//! subnets, MAC addresses, durations, log levels, shares. Each is read where it
//! stands, so a bad one is reported at its own line and column.

use std::fmt;
use std::marker::PhantomData;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::lease::Share;

/// A value read from a TOML string with its `FromStr`: a [`Subnet`](crate::lease::Subnet)
/// (`"198.18.0.0/24"`), a [`Mac`](crate::Mac) (`"02:00:00:00:00:01"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Text<T>(pub(super) T);

impl<'de, T> Deserialize<'de> for Text<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<T>(PhantomData<T>);
        impl<T> Visitor<'_> for TextVisitor<T>
        where
            T: FromStr,
            T::Err: fmt::Display,
        {
            type Value = Text<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                text.parse()
                    .map(Text)
                    .map_err(|problem| E::custom(format!("{text:?}: {problem}")))
            }
        }
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

/// A range of addresses, `"FIRST-LAST"` as `--range` takes it (spaces around the
/// dash allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AddressRange {
    pub(super) first: Ipv4Addr,
    pub(super) last: Ipv4Addr,
}

impl FromStr for AddressRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (first, last) = text
            .split_once('-')
            .ok_or("a range is written FIRST-LAST, e.g. 198.18.0.100-198.18.0.150")?;
        let address = |part: &str| {
            part.trim()
                .parse::<Ipv4Addr>()
                .map_err(|_| format!("{:?} is not an IPv4 address", part.trim()))
        };
        Ok(AddressRange {
            first: address(first)?,
            last: address(last)?,
        })
    }
}

/// A [`Share`], `"K/N"` one-based as `--share` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ShareText(pub(super) Share);

impl FromStr for ShareText {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const BAD: &str = "a share is K/N with 1 <= K <= N, e.g. \"1/2\"";
        let (k, n) = text.split_once('/').ok_or(BAD)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| BAD)?,
            n.trim().parse().map_err(|_| BAD)?,
        );
        k.checked_sub(1)
            .and_then(|index| Share::new(index, n))
            .map(ShareText)
            .ok_or(BAD)
    }
}

/// A log level: `off`, `error`, `warn`, `info`, `debug` or `trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Level(pub(super) log::LevelFilter);

impl FromStr for Level {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse()
            .map(Level)
            .map_err(|_| "a log level is off, error, warn, info, debug or trace")
    }
}

/// A duration: a whole number of seconds (`3600`), or a whole number with a unit
/// (`"250ms"`, `"30s"`, `"10m"`, `"12h"`, `"7d"`), as dnsmasq writes lease times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span(pub(super) Duration);

const UNITS: [(&str, u64); 5] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

impl FromStr for Span {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "{text:?} is not a duration: a whole number and a unit, ms, s, m, h or d \
                 (\"250ms\", \"12h\"), or a number of seconds"
            )
        };
        let text = text.trim();
        let digits = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(digits);
        let number: u64 = number.parse().map_err(|_| bad())?;
        let unit = unit.trim();
        let (_, millis) = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .ok_or_else(bad)?;
        number
            .checked_mul(*millis)
            .map(|ms| Span(Duration::from_millis(ms)))
            .ok_or_else(|| format!("{text:?} is too long"))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpanVisitor;
        impl Visitor<'_> for SpanVisitor {
            type Value = Span;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds, or a string such as \"250ms\" or \"12h\"")
            }
            fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Span, E> {
                u64::try_from(secs)
                    .map(|secs| Span(Duration::from_secs(secs)))
                    .map_err(|_| E::custom(format!("{secs}: a duration cannot be negative")))
            }
            fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Span, E> {
                Ok(Span(Duration::from_secs(secs)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Span, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(SpanVisitor)
    }
}

/// A time a client is told, in whole seconds of at most `u32::MAX` and more than 0
/// (a lease time, an offer's hold): a [`Span`] checked where it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seconds(pub(super) u32);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Span(duration) = Span::deserialize(deserializer)?;
        if duration.subsec_nanos() != 0 {
            return Err(de::Error::custom(format!(
                "{duration:?}: this time is in whole seconds"
            )));
        }
        match u32::try_from(duration.as_secs()) {
            Ok(0) => Err(de::Error::custom("this time must be more than 0")),
            Ok(secs) => Ok(Seconds(secs)),
            Err(_) => Err(de::Error::custom(format!(
                "{} s is more than a lease can say ({} s)",
                duration.as_secs(),
                u32::MAX
            ))),
        }
    }
}

/// A count that must be more than 0 (`max-offers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Positive(pub(super) usize);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match usize::deserialize(deserializer)? {
            0 => Err(de::Error::custom("this count must be more than 0")),
            n => Ok(Positive(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_or_are_seconds() {
        let span = |text: &str| text.parse::<Span>().map(|Span(d)| d);
        assert_eq!(span("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(span("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(span("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(span(" 30 s "), Ok(Duration::from_secs(30)));
        for bad in ["", "12", "h", "1.5h", "-3s", "3w", "99999999999999999999d"] {
            assert!(span(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges_and_shares_read_as_the_flags_do() {
        let range: AddressRange = "198.18.0.100 - 198.18.0.150".parse().unwrap();
        assert_eq!(range.first, Ipv4Addr::new(198, 18, 0, 100));
        assert_eq!(range.last, Ipv4Addr::new(198, 18, 0, 150));
        assert!("198.18.0.100".parse::<AddressRange>().is_err());
        assert!("198.18.0.100-x".parse::<AddressRange>().is_err());
        assert_eq!(
            "2/3".parse::<ShareText>().unwrap().0,
            Share::new(1, 3).unwrap()
        );
        for bad in ["0/2", "3/2", "1/0", "2", "a/b"] {
            assert!(bad.parse::<ShareText>().is_err(), "{bad}");
        }
    }
}
