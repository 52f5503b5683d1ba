//! The packet codec: every real fixture byte for byte, every typed option, properties and malformed input.

mod api;
mod bootp;
mod encoding;
mod exact;
mod fixtures;
mod fuzz_regressions;
mod lenient;
mod malformed_input;
mod options;
mod pxe_fixture;
mod replies;
