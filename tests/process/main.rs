//! Tests that read the whole process (its `dhcp-*` threads, descriptors, memory and
//! CPU time from /proc): a crate of their own so that no other test's server runs
//! beside them, and each holds [`ex_dhcp_testkit::serial`] so they run one at a time.
//! The signal tests run a process of their own instead.

mod flood;
mod idle_cpu;
mod lifecycle;
mod panic;
mod robust_lifecycle;
#[cfg(all(feature = "signal", unix))]
mod signal;
