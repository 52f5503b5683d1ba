//! The `lease_server` program's parts: its command line, and how it starts the
//! library's lease service (`ex_dhcp::lease::LeaseService`) from it.

pub mod args;
pub mod start;
