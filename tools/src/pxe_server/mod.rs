//! The `pxe` program's parts: its command line and the handler that adds the
//! library's boot rules (`ex_dhcp::pxe`) to leasing, or serves them alone (proxyDHCP).

pub mod args;
pub mod handler;
