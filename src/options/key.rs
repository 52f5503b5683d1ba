//! Typed option keys: what ties an option code to a Rust type.

use super::value::OptionValue;

/// A typed DHCP option: a code, a name and the Rust type of its value.
///
/// Built-in options (in [`crate::options`]) and options you define yourself with
/// [`dhcp_option!`](crate::dhcp_option) implement this trait the same way, so both are
/// read with [`Options::get`](super::Options::get) and written with
/// [`Options::set`](super::Options::set) or [`Packet::with_option`](crate::Packet::with_option).
pub trait DhcpOption: Copy {
    /// The Rust type of the value.
    type Value: OptionValue;
    /// The option code.
    const CODE: u8;
    /// A human-readable name, used in logs and packet dumps.
    const NAME: &'static str;
}

/// Defines a typed option key, the way the built-in ones are defined.
///
/// Codes 0 (PAD) and 255 (END) carry no value, so a key with either does not compile:
///
/// ```compile_fail
/// ex_dhcp::dhcp_option! {
///     /// Not an option.
///     pub struct Pad = 0, "pad", Vec<u8>;
/// }
/// ```
///
/// The value type must implement [`OptionValue`]: use one of
/// the provided types, or implement the trait for your own.
///
/// ```
/// use ex_dhcp::{dhcp_option, options::{OptionValue, ValueError}, MessageType, Packet};
///
/// /// A site-specific option: the rack a machine sits in.
/// #[derive(Debug, Clone, PartialEq)]
/// pub struct Rack { pub row: u8, pub slot: u16 }
///
/// impl OptionValue for Rack {
///     fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
///         match bytes {
///             [row, hi, lo] => Ok(Rack { row: *row, slot: u16::from_be_bytes([*hi, *lo]) }),
///             _ => Err(ValueError::Length { expected: "3", actual: bytes.len() }),
///         }
///     }
///     fn encode_value(&self, out: &mut Vec<u8>) {
///         out.push(self.row);
///         out.extend_from_slice(&self.slot.to_be_bytes());
///     }
/// }
///
/// dhcp_option! {
///     /// Option 224 (site-specific): where the machine is racked.
///     pub struct RackLocation = 224, "rack location", Rack;
/// }
///
/// let mut packet = Packet::new(MessageType::Discover);
/// packet.options.set(RackLocation, Rack { row: 3, slot: 12 });
/// assert_eq!(packet.options.get_raw(224).as_deref(), Some(&[3, 0, 12][..]));
/// assert_eq!(packet.options.get(RackLocation), Some(Rack { row: 3, slot: 12 }));
/// ```
#[macro_export]
macro_rules! dhcp_option {
    ($($(#[$meta:meta])* $vis:vis struct $key:ident = $code:literal, $name:literal, $value:ty;)*) => {
        $(
            $(#[$meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
            $vis struct $key;

            // Codes 0 (PAD) and 255 (END) carry no value: refused when compiling.
            const _: () = assert!(
                $code != 0 && $code != 255,
                "dhcp_option!: codes 0 (pad) and 255 (end) carry no value"
            );

            impl $crate::options::DhcpOption for $key {
                type Value = $value;
                const CODE: u8 = $code;
                const NAME: &'static str = $name;
            }
        )*
    };
}
