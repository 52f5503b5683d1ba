//! Routes: option 33 (static routes, RFC 2132) and option 121 (classless static
//! routes, RFC 3442).

use std::fmt;
use std::net::Ipv4Addr;

use super::value::{OptionValue, ValueError};

/// Bytes in an IPv4 address.
const ADDR_LEN: usize = 4;
/// The longest IPv4 prefix.
const MAX_PREFIX: u8 = 32;
/// Bits per byte, for the significant octets of a destination.
const BITS: u8 = 8;

/// One route of option 121: a destination prefix and the router to reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClasslessRoute {
    /// The destination network; only its first `ceil(prefix_len / 8)` octets are sent.
    pub destination: Ipv4Addr,
    /// The prefix length, 0 (default route) to 32.
    pub prefix_len: u8,
    /// The router.
    pub router: Ipv4Addr,
}

/// Option 121's value is `Vec<ClasslessRoute>`, in order.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::options::{ClasslessRoute, OptionValue};
///
/// let routes = Vec::<ClasslessRoute>::decode_value(&[24, 10, 0, 1, 10, 0, 0, 254, 0, 10, 0, 0, 1])?;
/// assert_eq!(routes[0], ClasslessRoute {
///     destination: Ipv4Addr::new(10, 0, 1, 0),
///     prefix_len: 24,
///     router: Ipv4Addr::new(10, 0, 0, 254),
/// });
/// assert_eq!(routes[1].prefix_len, 0);
/// # Ok::<(), ex_dhcp::options::ValueError>(())
/// ```
impl OptionValue for Vec<ClasslessRoute> {
    /// A prefix length over 32 or a route cut short is an error.
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let mut routes = Vec::new();
        let mut at = 0;
        while let Some(&prefix_len) = bytes.get(at) {
            if prefix_len > MAX_PREFIX {
                return Err(ValueError::Invalid {
                    offset: at,
                    reason: "prefix length over 32",
                });
            }
            let octets = significant_octets(prefix_len);
            let start = at + 1;
            let cut_short = ValueError::Invalid {
                offset: at,
                reason: "route cut short",
            };
            let destination = bytes.get(start..start + octets).ok_or(cut_short)?;
            let router = bytes
                .get(start + octets..start + octets + ADDR_LEN)
                .ok_or(cut_short)?;
            let mut full = [0; ADDR_LEN];
            full[..octets].copy_from_slice(destination);
            routes.push(ClasslessRoute {
                destination: Ipv4Addr::from(full),
                prefix_len,
                router: Ipv4Addr::decode_value(router)?,
            });
            at = start + octets + ADDR_LEN;
        }
        Ok(routes)
    }
    /// A prefix length over 32 is written as 32.
    fn encode_value(&self, out: &mut Vec<u8>) {
        for route in self {
            let prefix_len = route.prefix_len.min(MAX_PREFIX);
            out.push(prefix_len);
            let octets = route.destination.octets();
            out.extend_from_slice(&octets[..significant_octets(prefix_len)]);
            out.extend_from_slice(&route.router.octets());
        }
    }
}

/// Writes `10.0.1.0/24 via 10.0.0.254, ...`.
pub(crate) fn format_classless(
    f: &mut fmt::Formatter<'_>,
    routes: &[ClasslessRoute],
) -> fmt::Result {
    for (i, route) in routes.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(
            f,
            "{}/{} via {}",
            route.destination, route.prefix_len, route.router
        )?;
    }
    Ok(())
}

/// One route of option 33: a destination host or classful network and its router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StaticRoute {
    /// The destination.
    pub destination: Ipv4Addr,
    /// The router.
    pub router: Ipv4Addr,
}

/// Option 33's value is `Vec<StaticRoute>`: destination/router pairs.
impl OptionValue for Vec<StaticRoute> {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let addresses = Vec::<Ipv4Addr>::decode_value(bytes)?;
        if addresses.len() % 2 != 0 {
            return Err(ValueError::Length {
                expected: "a multiple of 8",
                actual: bytes.len(),
            });
        }
        Ok(addresses
            .chunks_exact(2)
            .map(|pair| StaticRoute {
                destination: pair[0],
                router: pair[1],
            })
            .collect())
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        for route in self {
            out.extend_from_slice(&route.destination.octets());
            out.extend_from_slice(&route.router.octets());
        }
    }
}

/// Writes `10.0.0.0 via 10.0.0.254, ...`.
pub(crate) fn format_static(f: &mut fmt::Formatter<'_>, routes: &[StaticRoute]) -> fmt::Result {
    for (i, route) in routes.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{} via {}", route.destination, route.router)?;
    }
    Ok(())
}

fn significant_octets(prefix_len: u8) -> usize {
    usize::from(prefix_len.div_ceil(BITS))
}
