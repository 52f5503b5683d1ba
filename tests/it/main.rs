//! The library's hermetic integration tests, one crate with a module per area: they
//! need nothing but Rust, run as any user, and bind only 127.0.0.1 on free ports.
//! Fixtures are the repository's (`tests/data`); shared helpers are `ex_dhcp_testkit`.
//!
//! Tests that measure the whole process (threads, descriptors, memory, CPU) are in
//! `tests/process`, where nothing else runs beside them.

mod capture;
mod codec;
#[cfg(feature = "config")]
mod config;
mod demo;
mod handler;
mod lab;
mod lease;
mod pxe;
mod readme;
mod replay;
mod server;
