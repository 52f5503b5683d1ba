//! The `lease_server` program's parts: its command line (flags, or a configuration
//! file), how it starts the library's lease service (`ex_dhcp::lease::LeaseService`)
//! from it, and how it reloads the file while serving.

pub mod args;
pub mod launch;
pub mod reload;
pub mod start;
