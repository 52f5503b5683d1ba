//! DHCP options: the raw list kept in wire order, and typed access on top of it.
//!
//! - [`Options`] holds every option occurrence as it came, in order, so a decoded
//!   packet encodes back to the same bytes.
//! - A typed key such as [`SubnetMask`] implements [`DhcpOption`]: it ties a code to
//!   a Rust type that implements [`OptionValue`]. Read with [`Options::get`], write
//!   with [`Options::set`]. Define your own keys with [`dhcp_option!`](crate::dhcp_option).
//! - [`name`] gives every known option code its name, and [`describe`] shows a value,
//!   for logs and packet dumps.
//!
//! Sub-option codes have modules of their own, so they never sit beside option codes:
//! [`relay`] for option 82's, [`pxe`] for option 43's PXE sub-options.
//! [`OptionNames`] adds names for your own options to dumps and errors.
//!
//! Structured values each have a type: [`RelayAgentInfo`] (82), [`VendorInfo`] (43,
//! PXE sub-options named by [`pxe_sub_option_name`]), [`VendorClasses`] (124),
//! [`VendorIdentifyingInfo`] (125), [`DomainSearchList`] (119), [`Fqdn`] (81),
//! [`ClasslessRoute`] (121), [`StaticRoute`] (33), [`UserClasses`] (77), [`ClientNdi`]
//! (94), [`MachineId`] (97), [`ClientId`] (61), [`ParameterList`] (55), [`Overload`]
//! (52), [`SipServerList`] (120).
//!
//! Typed reads are lazy: decoding a packet only checks and copies its options (the
//! first edit indexes them), and a value is
//! parsed when asked for. A malformed value is an error for that read only.

mod arg;
mod client_id;
mod dns;
mod domain_search;
mod fqdn;
mod key;
mod known;
mod list;
mod names;
mod overload;
mod parameter_list;
pub mod pxe;
pub mod relay;
mod routes;
mod small;
mod suboptions;
mod table;
mod user_class;
mod value;
mod vendor;
mod vendor_identifying;

pub use arg::OptionArg;
pub use client_id::ClientId;
pub use domain_search::{DomainSearchList, SipServerList};
pub use fqdn::Fqdn;
pub use key::DhcpOption;
pub use known::*;
pub(crate) use list::codec;
pub use list::{
    Area, Options, RawOption, VendorArea, END, MAX_SEGMENT, OVERLOAD, PAD, RELAY_AGENT_INFORMATION,
};
pub use names::{label, OptionNames};
pub use overload::Overload;
pub use parameter_list::ParameterList;
pub use pxe::{
    architecture_name, ClientNdi, MachineId, ARCH_ARM32_UEFI, ARCH_ARM64_UEFI, ARCH_EBC,
    ARCH_X64_UEFI, ARCH_X64_UEFI_HTTP, ARCH_X86_BIOS, ARCH_X86_UEFI, MACHINE_ID_LEN,
};
pub use relay::{relay_sub_option_name, RelayAgentInfo};
pub use routes::{ClasslessRoute, StaticRoute};
pub use suboptions::{SubOption, SubOptions};
pub(crate) use table::format_value;
pub use table::{describe, name};
#[cfg(feature = "config")]
pub(crate) use table::{shape, Shape};
pub use user_class::UserClasses;
pub use value::{NulTerminated, OptionValue, Present, ValueError};
pub use vendor::{pxe_sub_option_name, VendorInfo};
pub use vendor_identifying::{VendorClass, VendorClasses, VendorIdentifyingInfo, VendorOptions};
