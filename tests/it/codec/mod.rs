//! The packet codec: every real fixture byte for byte, every typed option, properties and malformed input.

mod fixtures;
mod fuzz_regressions;
mod malformed_input;
mod options;
mod pxe_fixture;
mod replies;
