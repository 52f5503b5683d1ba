//! Comparing a reply with the recorded one, field by field and option by option.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddrV4;

use super::ignore::{Field, Ignore};
use crate::options;
use crate::{Flags, Op, Packet};

/// One way a reply differs from the recorded one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// A header field (or the destination) has another value.
    Field {
        /// Which field.
        field: Field,
        /// The recorded value, as shown.
        recorded: String,
        /// The handler's value, as shown.
        got: String,
    },
    /// An option has another value (every occurrence of the code joined).
    Option {
        /// The option code.
        code: u8,
        /// The recorded value.
        recorded: Vec<u8>,
        /// The handler's value.
        got: Vec<u8>,
    },
    /// The recorded reply has an option the handler's lacks.
    MissingOption {
        /// The option code.
        code: u8,
        /// The recorded value.
        recorded: Vec<u8>,
    },
    /// The handler's reply has an option the recorded one lacks.
    ExtraOption {
        /// The option code.
        code: u8,
        /// The handler's value.
        got: Vec<u8>,
    },
    /// The options come in another order (only when order is compared).
    OptionOrder {
        /// The recorded codes, each once, in order of first appearance.
        recorded: Vec<u8>,
        /// The handler's codes, likewise.
        got: Vec<u8>,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Field {
                field,
                recorded,
                got,
            } => write!(f, "{field}: recorded {recorded}, got {got}"),
            Difference::Option {
                code,
                recorded,
                got,
            } => write!(
                f,
                "{}: recorded {}, got {}",
                option_label(*code),
                option_value(*code, recorded),
                option_value(*code, got)
            ),
            Difference::MissingOption { code, recorded } => write!(
                f,
                "missing {}: recorded {}",
                option_label(*code),
                option_value(*code, recorded)
            ),
            Difference::ExtraOption { code, got } => write!(
                f,
                "extra {}: got {}",
                option_label(*code),
                option_value(*code, got)
            ),
            Difference::OptionOrder { recorded, got } => write!(
                f,
                "option order: recorded {}, got {}",
                Codes(recorded),
                Codes(got)
            ),
        }
    }
}

/// `option 51 (ip address lease time)`, or `option 224` when the table has no name:
/// the same label as decode and option errors ([`options::label`]).
fn option_label(code: u8) -> impl fmt::Display {
    options::label(code)
}

/// An option value as packet dumps show it ([`options::describe`]), and
/// `(empty)` rather than nothing for a zero-length value.
fn option_value(code: u8, value: &[u8]) -> impl fmt::Display + '_ {
    OptionValueShown { code, value }
}

struct OptionValueShown<'a> {
    code: u8,
    value: &'a [u8],
}

impl fmt::Display for OptionValueShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            return f.write_str("(empty)");
        }
        write!(f, "{}", options::describe(self.code, self.value))
    }
}

struct Codes<'a>(&'a [u8]);

impl fmt::Display for Codes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, code) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{code}")?;
        }
        Ok(())
    }
}

/// How to compare: what to ignore, and whether option order counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Comparison<'a> {
    pub(crate) ignore: &'a Ignore,
    pub(crate) option_order: bool,
}

impl Comparison<'_> {
    /// Every difference between the recorded reply and the handler's, fields
    /// first in wire order, then options in the recorded reply's order, then
    /// options only the handler sent.
    pub(crate) fn packets(
        &self,
        recorded: (&Packet, Option<SocketAddrV4>),
        got: (&Packet, Option<SocketAddrV4>),
    ) -> Vec<Difference> {
        let mut differences = Vec::new();
        for field in Field::ALL {
            if self.ignore.ignores_field(*field) {
                continue;
            }
            let (left, right) = (show(*field, recorded), show(*field, got));
            if left != right {
                differences.push(Difference::Field {
                    field: *field,
                    recorded: left.into_owned(),
                    got: right.into_owned(),
                });
            }
        }
        self.options(&recorded.0.options, &got.0.options, &mut differences);
        differences
    }

    fn options(
        &self,
        recorded: &options::Options,
        got: &options::Options,
        out: &mut Vec<Difference>,
    ) {
        let kept = |codes: Vec<u8>| -> Vec<u8> {
            codes
                .into_iter()
                .filter(|code| !self.ignore.ignores_option(*code))
                .collect()
        };
        let (recorded_codes, got_codes) = (kept(recorded.codes()), kept(got.codes()));
        let only_got = got_codes
            .iter()
            .filter(|code| !recorded_codes.contains(code));
        for &code in recorded_codes.iter().chain(only_got) {
            let (left, right) = (recorded.get_raw(code), got.get_raw(code));
            let value_counts = !self.ignore.ignores_option_value(code);
            match (left, right) {
                (Some(left), Some(right)) if value_counts && left != right => {
                    out.push(Difference::Option {
                        code,
                        recorded: left.into_owned(),
                        got: right.into_owned(),
                    })
                }
                (Some(left), None) => out.push(Difference::MissingOption {
                    code,
                    recorded: left.into_owned(),
                }),
                (None, Some(right)) => out.push(Difference::ExtraOption {
                    code,
                    got: right.into_owned(),
                }),
                _ => {}
            }
        }
        if self.option_order {
            let common = |codes: &[u8], other: &[u8]| -> Vec<u8> {
                codes
                    .iter()
                    .copied()
                    .filter(|c| other.contains(c))
                    .collect()
            };
            let left = common(&recorded_codes, &got_codes);
            let right = common(&got_codes, &recorded_codes);
            if left != right {
                out.push(Difference::OptionOrder {
                    recorded: left,
                    got: right,
                });
            }
        }
    }
}

/// A field's value as a diff shows it.
fn show(field: Field, (packet, destination): (&Packet, Option<SocketAddrV4>)) -> Cow<'static, str> {
    let text = match field {
        Field::Op => op(packet.op),
        Field::Htype => packet.htype.to_string(),
        Field::Hlen => packet.hlen.to_string(),
        Field::Hops => packet.hops.to_string(),
        Field::Xid => format!("{:#010x}", packet.xid),
        Field::Secs => packet.secs.to_string(),
        Field::Flags => flags(packet.flags),
        Field::Ciaddr => packet.ciaddr.to_string(),
        Field::Yiaddr => packet.yiaddr.to_string(),
        Field::Siaddr => packet.siaddr.to_string(),
        Field::Giaddr => packet.giaddr.to_string(),
        Field::Chaddr => hex(trim_zeros(&packet.chaddr, usize::from(packet.hlen)), ':'),
        Field::Sname => text_field(&packet.sname),
        Field::File => text_field(&packet.file),
        Field::Destination => match destination {
            Some(address) => address.to_string(),
            None => return Cow::Borrowed("unknown"),
        },
    };
    Cow::Owned(text)
}

fn op(op: Op) -> String {
    match op {
        Op::Request => "BOOTREQUEST".to_owned(),
        Op::Reply => "BOOTREPLY".to_owned(),
        Op::Unknown(value) => value.to_string(),
    }
}

fn flags(flags: Flags) -> String {
    if flags.broadcast() {
        format!("{:#06x} (broadcast)", flags.0)
    } else {
        format!("{:#06x}", flags.0)
    }
}

/// The first `keep` bytes, and any after them up to the last non-zero byte, so
/// that stray bytes beyond `hlen` still show.
fn trim_zeros(bytes: &[u8], keep: usize) -> &[u8] {
    let last = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &bytes[..last.max(keep).min(bytes.len())]
}

/// Text up to the first NUL when that is all there is; hex of the meaningful bytes otherwise.
fn text_field(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let rest_is_empty = bytes[end..].iter().all(|b| *b == 0);
    match std::str::from_utf8(&bytes[..end]) {
        Ok(text) if rest_is_empty => format!("{text:?}"),
        _ => hex(trim_zeros(bytes, 0), ' '),
    }
}

fn hex(bytes: &[u8], separator: char) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(&separator.to_string())
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::options::{DhcpOption, LeaseTime, ServerIdentifier};
    use crate::MessageType;

    fn compare(recorded: &Packet, got: &Packet, ignore: &Ignore, order: bool) -> Vec<String> {
        let comparison = Comparison {
            ignore,
            option_order: order,
        };
        comparison
            .packets((recorded, None), (got, None))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// A site-specific code the option table does not name.
    const UNNAMED: u8 = 224;

    fn offer() -> Packet {
        Packet::new(MessageType::Offer)
            .with_yiaddr(Ipv4Addr::new(192, 0, 2, 10))
            .with_option(ServerIdentifier, Ipv4Addr::new(192, 0, 2, 1))
            .with_option(LeaseTime, 3600)
    }

    #[test]
    fn identical_packets_have_no_difference() {
        assert!(compare(&offer(), &offer(), &Ignore::default(), true).is_empty());
    }

    #[test]
    fn fields_and_options_are_named_with_decoded_values() {
        let got = offer()
            .with_yiaddr(Ipv4Addr::new(192, 0, 2, 11))
            .with_option(LeaseTime, 7200)
            .without_option(ServerIdentifier::CODE)
            .with_raw_option(UNNAMED, &[1, 2]);
        assert_eq!(
            compare(&offer(), &got, &Ignore::default(), false),
            [
                "yiaddr: recorded 192.0.2.10, got 192.0.2.11",
                "missing option 54 (server identifier): recorded 192.0.2.1",
                "option 51 (ip address lease time): recorded 3600, got 7200",
                "extra option 224: got 01 02",
            ]
        );
    }

    #[test]
    fn ignored_fields_and_options_are_left_out() {
        let mut got = offer().with_option(LeaseTime, 7200);
        got.secs = 3;
        got.options
            .set(ServerIdentifier, Ipv4Addr::new(203, 0, 113, 1));
        let mut ignore = Ignore::default();
        ignore.field("secs").option(51).option_value(54);
        assert!(compare(&offer(), &got, &ignore, false).is_empty());
        let mut missing = offer().without_option(54);
        missing.secs = 0;
        assert_eq!(compare(&offer(), &missing, &ignore, false).len(), 1);
    }

    #[test]
    fn option_order_counts_only_when_asked() {
        let mut got = offer();
        got.options.remove(53);
        got.options.push_raw(53, &[u8::from(MessageType::Offer)]);
        assert!(compare(&offer(), &got, &Ignore::default(), false).is_empty());
        assert_eq!(
            compare(&offer(), &got, &Ignore::default(), true),
            ["option order: recorded 53 54 51, got 54 51 53"]
        );
    }

    #[test]
    fn duplicate_occurrences_are_joined_before_comparing() {
        let mut split = offer().without_option(12);
        split.options.push_raw(12, b"ho").push_raw(12, b"st");
        let whole = offer().with_raw_option(12, b"host");
        assert!(compare(&whole, &split, &Ignore::default(), false).is_empty());
    }

    #[test]
    fn header_text_fields_show_as_text() {
        let got = offer().with_file("pxelinux.0");
        assert_eq!(
            compare(&offer(), &got, &Ignore::default(), false),
            [r#"file: recorded "", got "pxelinux.0""#]
        );
    }
}
