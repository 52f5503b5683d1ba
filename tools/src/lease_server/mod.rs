//! The `lease_server` program's parts: its command line and the handler that runs
//! the library's lease engine (`ex_dhcp::lease`) with a lease file and the clock.

pub mod args;
pub mod budget;
pub mod handler;
