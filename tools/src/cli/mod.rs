//! The command-line conventions every tool follows: flags parsed by hand the same
//! way, `--help` and `--version` everywhere, usage errors on stderr with exit 2
//! (`args`); logging from `--log` or `RUST_LOG` that never blocks the caller
//! (`logging`); MAC addresses read the same way in every tool (`mac`).

pub mod args;
pub mod hex;
pub mod logging;
pub mod mac;
