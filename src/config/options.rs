//! Options in a configuration file: keyed by name (`ntp-servers`, `"ntp servers"`)
//! or code (`42`), with values written in TOML for their type (addresses as strings,
//! numbers as integers, text as strings) or as bytes (`{ hex = "0a0b" }`), read into
//! the bytes they carry on the wire.

use std::fmt;
use std::net::Ipv4Addr;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::{Spanned, Value};

use crate::lease::Subnet;
use crate::options::{self, shape, ClasslessRoute, DomainSearchList, OptionValue, Shape};

use super::error::{ConfigError, Source};

/// An `options` table as written: each key and value with its place in the file.
#[derive(Debug, Clone, Default)]
pub(super) struct OptionTable(Vec<(Spanned<String>, Spanned<Value>)>);

impl<'de> Deserialize<'de> for OptionTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;
        impl<'de> Visitor<'de> for TableVisitor {
            type Value = OptionTable;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of options, e.g. { ntp-servers = [\"198.18.0.1\"] }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OptionTable, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OptionTable(entries))
            }
        }
        deserializer.deserialize_map(TableVisitor)
    }
}

/// Where an options table is: what else sets the options it may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// `[server.options]` or a subnet's: sent when the client asks for them, beside
    /// the routers, DNS servers and domain of their own keys.
    Subnet,
    /// A host's: sent in every reply to it, replacing the subnet's.
    Host,
}

/// Options the engine writes itself, and what sets each instead.
fn owned_by_the_engine(code: u8, place: Place) -> Option<&'static str> {
    Some(match code {
        1 => "the subnet mask comes from the subnet's network",
        3 if place == Place::Subnet => "routers are set with the routers key",
        6 if place == Place::Subnet => "DNS servers are set with the dns key",
        15 if place == Place::Subnet => "the domain is set with the domain key",
        51 => "the lease time is set with the lease-time key",
        58 | 59 => "T1 and T2 follow from the lease time",
        54 => "the server identifier is [server] id",
        50 | 52 | 53 | 55 | 61 | 82 => "the server does not send this option to clients",
        _ => return None,
    })
}

/// The options of `table` as (code, value bytes), in the order written.
pub(super) fn encode(
    table: &OptionTable,
    place: Place,
    source: &Source<'_>,
) -> Result<Vec<(u8, Vec<u8>)>, ConfigError> {
    let mut encoded: Vec<(u8, Vec<u8>)> = Vec::with_capacity(table.0.len());
    for (key, value) in &table.0 {
        let code = code_of(key.get_ref()).map_err(|problem| source.invalid(key.span(), problem))?;
        let label = options::label(code);
        if let Some(instead) = owned_by_the_engine(code, place) {
            return Err(source.invalid(key.span(), format!("{label}: {instead}")));
        }
        if encoded.iter().any(|(seen, _)| *seen == code) {
            return Err(source.invalid(key.span(), format!("{label} is set twice")));
        }
        let bytes = value_bytes(code, value.get_ref())
            .map_err(|problem| source.invalid(value.span(), format!("{label}: {problem}")))?;
        encoded.push((code, bytes));
    }
    Ok(encoded)
}

/// An option's code from its key: a number from 1 to 254, or a name of the library's
/// table, in any case, with `-` or `_` for spaces.
fn code_of(key: &str) -> Result<u8, String> {
    if key.bytes().all(|b| b.is_ascii_digit()) {
        return match key.parse::<u8>() {
            Ok(code @ 1..=254) => Ok(code),
            _ => Err(format!("option {key}: codes go from 1 to 254")),
        };
    }
    let wanted = normalise(key);
    (1..=254u8)
        .find(|&code| options::name(code).is_some_and(|name| normalise(name) == wanted))
        .ok_or_else(|| {
            format!(
                "no option is named {key:?}: use its code, or a name of ex_dhcp::options::name \
                 with - for spaces (ntp-servers)"
            )
        })
}

fn normalise(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '-' | '_' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The bytes of `value` for option `code`.
fn value_bytes(code: u8, value: &Value) -> Result<Vec<u8>, String> {
    if let Value::Table(table) = value {
        return match (table.get("hex"), table.len()) {
            (Some(Value::String(hex)), 1) => hex_bytes(hex),
            _ => Err("a table here is { hex = \"...\" }: the value's bytes in hex".into()),
        };
    }
    let Some(shape) = shape(code) else {
        return match value {
            Value::String(text) => Ok(text.as_bytes().to_vec()),
            _ => Err(
                "an option the library has no type for takes a string (its text) \
                      or { hex = \"...\" } (its bytes)"
                    .into(),
            ),
        };
    };
    let mut out = Vec::new();
    match shape {
        Shape::Address => address(value)?.encode_value(&mut out),
        Shape::Addresses => addresses(value)?.encode_value(&mut out),
        Shape::U8 => integer::<u8>(value)?.encode_value(&mut out),
        Shape::U16 => integer::<u16>(value)?.encode_value(&mut out),
        Shape::U32 => integer::<u32>(value)?.encode_value(&mut out),
        Shape::I32 => integer::<i32>(value)?.encode_value(&mut out),
        Shape::U16s | Shape::Architectures => {
            for item in list(value, "a list of numbers")? {
                integer::<u16>(item)?.encode_value(&mut out);
            }
        }
        Shape::Codes => {
            for item in list(value, "a list of option codes")? {
                out.push(integer::<u8>(item)?);
            }
        }
        Shape::Bool => match value {
            Value::Boolean(on) => on.encode_value(&mut out),
            _ => return Err("takes true or false".into()),
        },
        Shape::Text => out.extend_from_slice(text(value)?.as_bytes()),
        Shape::Empty => match value {
            Value::Boolean(true) => {}
            _ => return Err("carries no value: write true".into()),
        },
        Shape::DomainSearch => {
            let names = list(value, "a list of domain names")?
                .iter()
                .map(|item| text(item).map(str::to_owned))
                .collect::<Result<Vec<_>, _>>()?;
            DomainSearchList(names).encode_value(&mut out);
        }
        Shape::ClasslessRoutes => routes(value)?.encode_value(&mut out),
        _ => {
            return Err(
                "takes its bytes as { hex = \"...\" } (the library reads this option \
                        but has no written form for it)"
                    .into(),
            )
        }
    }
    Ok(out)
}

fn text(value: &Value) -> Result<&str, String> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err("takes a string".into()),
    }
}

fn address(value: &Value) -> Result<Ipv4Addr, String> {
    let text = text(value).map_err(|_| "takes an IPv4 address, e.g. \"198.18.0.1\"")?;
    text.parse()
        .map_err(|_| format!("{text:?} is not an IPv4 address"))
}

/// A list of addresses; one address alone is a list of one.
fn addresses(value: &Value) -> Result<Vec<Ipv4Addr>, String> {
    let all = match value {
        Value::Array(items) => items.iter().map(address).collect::<Result<Vec<_>, _>>()?,
        one => vec![address(one)?],
    };
    if all.is_empty() {
        return Err("takes at least one address".into());
    }
    Ok(all)
}

fn list<'v>(value: &'v Value, what: &str) -> Result<&'v [Value], String> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(format!("takes {what}")),
    }
}

fn integer<T: TryFrom<i64>>(value: &Value) -> Result<T, String> {
    match value {
        Value::Integer(n) => T::try_from(*n).map_err(|_| {
            format!(
                "{n} does not fit: this option's number is {}",
                std::any::type_name::<T>()
            )
        }),
        _ => Err("takes a number".into()),
    }
}

/// Option 121's routes: `[{ network = "10.0.0.0/8", router = "198.18.0.1" }]`.
fn routes(value: &Value) -> Result<Vec<ClasslessRoute>, String> {
    const FORM: &str = "takes a list of { network = \"10.0.0.0/8\", router = \"198.18.0.1\" }";
    list(value, FORM)?
        .iter()
        .map(|item| {
            let Value::Table(route) = item else {
                return Err(FORM.to_owned());
            };
            if route.len() != 2 {
                return Err(FORM.to_owned());
            }
            let network: Subnet = text(route.get("network").ok_or(FORM)?)?
                .parse()
                .map_err(|e| format!("{e}"))?;
            Ok(ClasslessRoute {
                destination: network.network(),
                prefix_len: network.prefix_len(),
                router: address(route.get("router").ok_or(FORM)?)?,
            })
        })
        .collect()
}

/// Hex bytes, optionally separated by spaces or colons: `"0a0b0c"`, `"0a:0b:0c"`.
fn hex_bytes(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b' ' | b':')).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("{text:?}: hex bytes come in pairs of digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{text:?} is not hex bytes"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_found_by_code_or_by_name_in_any_spelling() {
        for key in ["42", "ntp-servers", "NTP_Servers", "ntp servers"] {
            assert_eq!(code_of(key), Ok(42), "{key}");
        }
        assert_eq!(code_of("renewal (t1) time value"), Ok(58));
        assert!(code_of("0").is_err() && code_of("255").is_err() && code_of("256").is_err());
        assert!(code_of("warp-drive").unwrap_err().contains("warp-drive"));
    }

    #[test]
    fn values_are_written_as_their_type_and_go_on_the_wire_as_bytes() {
        let value = |text: &str| -> Value {
            toml::from_str::<toml::Table>(&format!("v = {text}")).unwrap()["v"].clone()
        };
        assert_eq!(
            value_bytes(42, &value(r#"["198.18.0.1", "198.18.0.2"]"#)),
            Ok(vec![198, 18, 0, 1, 198, 18, 0, 2])
        );
        assert_eq!(
            value_bytes(42, &value(r#""198.18.0.1""#)),
            Ok(vec![198, 18, 0, 1])
        );
        assert_eq!(value_bytes(26, &value("1500")), Ok(vec![0x05, 0xdc]));
        assert_eq!(
            value_bytes(2, &value("-3600")),
            Ok((-3600i32).to_be_bytes().to_vec())
        );
        assert_eq!(value_bytes(19, &value("true")), Ok(vec![1]));
        assert_eq!(
            value_bytes(66, &value(r#""tftp.lab""#)),
            Ok(b"tftp.lab".to_vec())
        );
        assert_eq!(
            value_bytes(224, &value(r#""rack 3""#)),
            Ok(b"rack 3".to_vec())
        );
        assert_eq!(
            value_bytes(43, &value(r#"{ hex = "01:04 0a0b0c0d" }"#)),
            Ok(vec![1, 4, 10, 11, 12, 13])
        );
        assert_eq!(
            value_bytes(
                121,
                &value(r#"[{ network = "10.0.0.0/8", router = "198.18.0.1" }]"#)
            ),
            Ok(vec![8, 10, 198, 18, 0, 1])
        );
        let search = value_bytes(119, &value(r#"["lab.example", "example"]"#)).unwrap();
        assert_eq!(
            DomainSearchList::decode_value(&search).unwrap().0,
            ["lab.example", "example"]
        );
        assert!(value_bytes(26, &value("70000"))
            .unwrap_err()
            .contains("does not fit"));
        assert!(value_bytes(42, &value("[]")).is_err());
        assert!(value_bytes(42, &value(r#"["x"]"#))
            .unwrap_err()
            .contains("\"x\""));
        assert!(value_bytes(43, &value(r#""text""#))
            .unwrap_err()
            .contains("hex"));
        assert!(value_bytes(43, &value(r#"{ hex = "0g" }"#)).is_err());
        assert!(value_bytes(224, &value("5")).is_err());
    }

    #[test]
    fn options_the_engine_writes_are_refused_with_what_to_use_instead() {
        assert!(owned_by_the_engine(51, Place::Host)
            .unwrap()
            .contains("lease-time"));
        assert!(owned_by_the_engine(3, Place::Subnet)
            .unwrap()
            .contains("routers"));
        assert_eq!(
            owned_by_the_engine(3, Place::Host),
            None,
            "a host may have its own router"
        );
        assert_eq!(owned_by_the_engine(42, Place::Subnet), None);
    }
}
