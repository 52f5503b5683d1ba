//! The table of known options (generated in `known.rs` from the key definitions):
//! code, name and how a packet dump shows the value.

use std::fmt;
use std::net::Ipv4Addr;

use super::known::TABLE;
use super::routes::{format_classless, format_static, ClasslessRoute, StaticRoute};
use super::value::OptionValue;
use super::{
    architecture_name, ClientId, ClientNdi, DomainSearchList, Fqdn, MachineId, Overload,
    ParameterList, RelayAgentInfo, SipServerList, SubOptions, UserClasses, VendorClasses,
    VendorIdentifyingInfo, VendorInfo,
};
use crate::packet::MessageType;

/// How an option's value is shown in a packet dump: which typed decoder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Address,
    Addresses,
    U8,
    U16,
    U32,
    I32,
    U16s,
    Bool,
    Text,
    Bytes,
    Empty,
    MessageType,
    Codes,
    Overload,
    ClientId,
    StaticRoutes,
    ClasslessRoutes,
    DomainSearch,
    Sip,
    Fqdn,
    UserClass,
    RelayInfo,
    VendorInfo,
    VendorClasses,
    VendorOptions,
    SubOptions,
    Architectures,
    Ndi,
    MachineId,
}

fn entry(code: u8) -> Option<&'static (u8, &'static str, Shape)> {
    TABLE
        .binary_search_by_key(&code, |(c, _, _)| *c)
        .ok()
        .and_then(|index| TABLE.get(index))
}

/// How the value of a known option is shaped (what a configuration file may write
/// for it), `None` for a code the library does not know.
#[cfg(feature = "config")]
pub(crate) fn shape(code: u8) -> Option<Shape> {
    entry(code).map(|(_, _, shape)| *shape)
}

/// The name of an option code, `None` when the library does not know it.
///
/// ```
/// assert_eq!(ex_dhcp::options::name(1), Some("subnet mask"));
/// assert_eq!(ex_dhcp::options::name(254), None);
/// ```
pub fn name(code: u8) -> Option<&'static str> {
    entry(code).map(|(_, name, _)| *name)
}

/// Shows an option's value the way a packet dump does: decoded with the built-in
/// type for its code, or as hex when the code is unknown or the value malformed.
///
/// ```
/// use ex_dhcp::options::describe;
///
/// assert_eq!(describe(1, &[255, 255, 255, 0]).to_string(), "255.255.255.0");
/// assert_eq!(describe(55, &[1, 3]).to_string(), "1 (subnet mask), 3 (router)");
/// assert_eq!(describe(1, &[255, 255, 255]).to_string(), "ff ff ff");
/// ```
pub fn describe(code: u8, value: &[u8]) -> impl fmt::Display + '_ {
    Describe { code, value }
}

struct Describe<'a> {
    code: u8,
    value: &'a [u8],
}

impl fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_value(f, self.code, self.value)
    }
}

/// Decodes `value` as `T` and shows it with `show`; `None` when it does not decode.
fn typed<T: OptionValue>(
    f: &mut fmt::Formatter<'_>,
    value: &[u8],
    show: impl FnOnce(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> Option<fmt::Result> {
    T::decode_value(value).ok().map(|decoded| show(f, &decoded))
}

fn display<T: OptionValue + fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    value: &[u8],
) -> Option<fmt::Result> {
    typed(f, value, |f, v: &T| write!(f, "{v}"))
}

fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Writes a value in the shape its code has, falling back to hex when it does not fit.
pub(crate) fn format_value(f: &mut fmt::Formatter<'_>, code: u8, value: &[u8]) -> fmt::Result {
    let shape = entry(code).map_or(Shape::Bytes, |(_, _, shape)| *shape);
    let shown = match shape {
        Shape::Address => display::<Ipv4Addr>(f, value),
        Shape::Addresses if !value.is_empty() => typed(f, value, |f, v: &Vec<Ipv4Addr>| list(f, v)),
        Shape::U8 => display::<u8>(f, value),
        Shape::U16 => display::<u16>(f, value),
        Shape::U32 => display::<u32>(f, value),
        Shape::I32 => display::<i32>(f, value),
        Shape::U16s => typed(f, value, |f, v: &Vec<u16>| list(f, v)),
        Shape::Bool => display::<bool>(f, value),
        Shape::Text => typed(f, value, |f, v: &String| write!(f, "{v:?}")),
        Shape::Empty if value.is_empty() => Some(f.write_str("(present)")),
        Shape::MessageType => display::<MessageType>(f, value),
        Shape::Codes => display::<ParameterList>(f, value),
        Shape::Overload => typed(f, value, |f, v: &Overload| write!(f, "{v:?}")),
        Shape::ClientId => display::<ClientId>(f, value),
        Shape::StaticRoutes => typed(f, value, |f, v: &Vec<StaticRoute>| format_static(f, v)),
        Shape::ClasslessRoutes => typed(f, value, |f, v: &Vec<ClasslessRoute>| {
            format_classless(f, v)
        }),
        Shape::DomainSearch => display::<DomainSearchList>(f, value),
        Shape::Sip => display::<SipServerList>(f, value),
        Shape::Fqdn => display::<Fqdn>(f, value),
        Shape::UserClass => display::<UserClasses>(f, value),
        Shape::RelayInfo => display::<RelayAgentInfo>(f, value),
        Shape::VendorInfo => display::<VendorInfo>(f, value),
        Shape::VendorClasses => display::<VendorClasses>(f, value),
        Shape::VendorOptions => display::<VendorIdentifyingInfo>(f, value),
        Shape::SubOptions => display::<SubOptions>(f, value),
        Shape::Architectures => typed(f, value, |f, v: &Vec<u16>| {
            for (i, arch) in v.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match architecture_name(*arch) {
                    Some(name) => write!(f, "{arch} ({name})")?,
                    None => write!(f, "{arch}")?,
                }
            }
            Ok(())
        }),
        Shape::Ndi => display::<ClientNdi>(f, value),
        Shape::MachineId => display::<MachineId>(f, value),
        Shape::Addresses | Shape::Empty | Shape::Bytes => None,
    };
    shown.unwrap_or_else(|| crate::packet::write_hex(f, value, ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_without_duplicates() {
        assert!(TABLE.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn pad_and_end_have_no_entry() {
        assert_eq!(name(0), None);
        assert_eq!(name(255), None);
    }
}
