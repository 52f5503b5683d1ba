//! The command-line conventions every tool follows: flags parsed by hand the same
//! way, `--help` and `--version` everywhere, usage errors on stderr with exit 2
//! (`args`); logging from `--log` or `RUST_LOG` that never blocks the caller
//! (`logging`); hex bytes read the same way in every tool (`hex`). MAC addresses are
//! `ex_dhcp::Mac`'s own `FromStr`.

pub mod args;
pub mod hex;
pub mod logging;
