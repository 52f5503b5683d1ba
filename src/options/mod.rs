//! DHCP options: the raw list kept in wire order, and typed access on top of it.
//!
//! - [`Options`] holds every option occurrence as it came, in order, so a decoded
//!   packet encodes back to the same bytes.
//! - A typed key such as [`SubnetMask`] implements [`DhcpOption`]: it ties a code to
//!   a Rust type that implements [`OptionValue`]. Read with [`Options::get`], write
//!   with [`Options::set`]. Define your own keys with [`dhcp_option!`](crate::dhcp_option).
//! - [`name`] gives every known option code its name, for logs and packet dumps.

mod key;
mod known;
mod list;
mod table;
mod value;

pub use key::DhcpOption;
pub use known::*;
pub use list::{
    Area, Options, RawOption, END, MAX_SEGMENT, OVERLOAD, PAD, RELAY_AGENT_INFORMATION,
};
pub(crate) use table::format_value;
pub use table::name;
pub use value::{NulTerminated, OptionValue, ValueError};
