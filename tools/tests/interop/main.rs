//! The interop suite: real DHCP clients, a relay, a load tool and PXE firmware against
//! the `lease_server` and `pxe` tools, in network namespaces this suite creates
//! (addresses from 198.18.0.0/15), and the library's checks that need root.
//!
//! Every test here is `#[ignore]`d, with the reason, so a plain `cargo test` lists
//! them without running them. `.ci/interop` installs what they need (as root) and
//! runs them with `--ignored`; a test whose prerequisite is still missing fails,
//! naming it and the Debian package that has it. It never passes silently.

mod support;

mod dhclient;
mod dhcpcd;
mod ipxe;
mod migrate;
mod perfdhcp;
mod postgres;
mod postgres_contention;
mod postgres_integrity;
mod prometheus;
mod relay;
mod send_failure;
mod startup;
mod systemd;
mod tshark;
mod udhcpc;
