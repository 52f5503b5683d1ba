//! The PXE example's modules, compiled into the PXE tests so they drive the real
//! handler through the library's injection harness.
#![allow(dead_code, unreachable_pub)]

#[path = "../../examples/lease_server/args.rs"]
pub mod args;
#[path = "../../examples/pxe/boot.rs"]
pub mod boot;
#[path = "../../examples/lease_server/config.rs"]
pub mod config;
#[path = "../../examples/lease_server/dhcp.rs"]
pub mod dhcp;
#[path = "../../examples/lease_server/handler.rs"]
pub mod handler;
#[path = "../../examples/lease_server/lease_file.rs"]
pub mod lease_file;
#[path = "../../examples/lease_server/leases.rs"]
pub mod leases;
#[path = "../../examples/lease_server/pool.rs"]
pub mod pool;
#[path = "../../examples/pxe/pxe_handler.rs"]
pub mod pxe_handler;
