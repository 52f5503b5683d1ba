//! The command-line conventions every tool follows: flags parsed by hand, usage
//! errors that carry the usage text, logging set up from `--log` or `RUST_LOG`.

pub mod args;
pub mod logging;
