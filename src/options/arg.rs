//! What [`Options::set`](super::Options::set) and `with_option` accept for a value:
//! the option's own value type, and the shorthands users reach for.

use std::net::Ipv4Addr;

use super::value::{NulTerminated, OptionValue};
use super::ParameterList;

/// A value for an option whose value type is `V`: `V` itself, or a shorthand.
///
/// - text options (`String`, and option 67's [`NulTerminated`]) take a `&str`;
/// - address-list options (`Vec<Ipv4Addr>`: routers, DNS servers...) take one
///   address or an array of them;
/// - the parameter request list (55) takes an array of codes;
/// - any option takes a reference to its value type, encoded without a copy.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::options::{BootfileNameNul, DomainName, DomainNameServer, Router};
/// use ex_dhcp::{respond, MessageType, Packet};
///
/// let request = Packet::new(MessageType::Discover);
/// let gateway = Ipv4Addr::new(198, 18, 0, 1);
/// let offer = respond(&request, MessageType::Offer)
///     .with_option(Router, gateway) // one address where the option is a list
///     .with_option(DomainNameServer, [gateway, Ipv4Addr::new(198, 18, 0, 2)])
///     .with_option(DomainName, "lab.example") // &str where the option is text
///     .with_option(BootfileNameNul, "ipxe.efi");
/// assert_eq!(offer.options.get(Router), Some(vec![gateway]));
/// assert_eq!(offer.options.get(DomainName).as_deref(), Some("lab.example"));
/// ```
pub trait OptionArg<V> {
    /// The value itself.
    fn into_value(self) -> V;

    /// Appends the value's bytes to `out`, as [`OptionValue::encode_value`] does; a
    /// borrowed value writes them without a copy of the value first.
    fn encode_into(self, out: &mut Vec<u8>)
    where
        V: OptionValue,
        Self: Sized,
    {
        self.into_value().encode_value(out);
    }
}

impl<V: OptionValue> OptionArg<V> for V {
    fn into_value(self) -> V {
        self
    }
}

/// A borrowed value: what a server passes for the configuration it holds (routers,
/// DNS servers, a domain) into every reply, encoded straight from the borrow.
impl<V: OptionValue + Clone> OptionArg<V> for &V {
    fn into_value(self) -> V {
        self.clone()
    }

    fn encode_into(self, out: &mut Vec<u8>) {
        self.encode_value(out);
    }
}

impl OptionArg<String> for &str {
    fn into_value(self) -> String {
        self.to_owned()
    }
}

impl OptionArg<NulTerminated> for &str {
    fn into_value(self) -> NulTerminated {
        NulTerminated(self.to_owned())
    }
}

impl OptionArg<Vec<Ipv4Addr>> for Ipv4Addr {
    fn into_value(self) -> Vec<Ipv4Addr> {
        vec![self]
    }
}

impl<const N: usize> OptionArg<Vec<Ipv4Addr>> for [Ipv4Addr; N] {
    fn into_value(self) -> Vec<Ipv4Addr> {
        self.to_vec()
    }
}

impl<const N: usize> OptionArg<ParameterList> for [u8; N] {
    fn into_value(self) -> ParameterList {
        ParameterList(self.to_vec())
    }
}
