//! Boot information for PXE clients: which file, from which server, and the two
//! ways of giving it (beside an address, or as proxyDHCP with no address at all).
//!
//! What real clients need, and why each rule is here:
//! - the next server in `siaddr`: iPXE reads only `siaddr`;
//! - the file in both the `file` field and option 67, the option NUL-terminated:
//!   some UEFI firmware cancels the boot otherwise;
//! - option 54 in every OFFER and ACK;
//! - option 60 `PXEClient` only in a proxyDHCP reply, or beside an address when port
//!   4011 is also served: a client that sees it asks port 4011 for its boot file;
//! - option 97 (the client's UUID/GUID) echoed when the client sent it, in every reply
//!   with boot information: PXE 2.1 lists it in the server's replies, dnsmasq echoes
//!   it, and some firmware drops a PXE offer without it;
//! - a file of its own for iPXE itself (option 77 `iPXE`), once the firmware has
//!   loaded it: given the architecture's file again, iPXE would load itself forever.

//!
//! - [`PxeClient`]: what the client said about itself (architecture, UNDI, UUID,
//!   iPXE and its features), read once from its request;
//! - [`Boot`]: the server's answer, beside an address ([`Boot::add_to`]) or as
//!   proxyDHCP ([`Boot::proxy_reply`]);
//! - [`BootMap`]: which file for which architecture.

mod boot;
mod client;
pub mod ipxe;

pub use boot::{Boot, BootMap};
pub use client::PxeClient;
pub use ipxe::IpxeFeatures;

/// What PXE clients put at the start of option 60, and what a PXE server answers with.
pub const PXE_CLIENT: &str = "PXEClient";
/// The user class (option 77) iPXE sends.
pub const IPXE: &str = "iPXE";
/// The port of the PXE boot server (proxyDHCP requests after the address is known).
pub const PXE_PORT: u16 = 4011;
/// Option 175: iPXE's encapsulated options (features it announces, settings it takes).
pub const IPXE_ENCAPSULATED: u8 = 175;
