//! What the `ex_dhcp-tools` programs share, as a library their binaries (and their
//! tests) import: the command-line conventions and the non-blocking logger (`cli`),
//! sockets opened the way a DHCP tool needs them, the load generator, the handlers
//! behind `lease_server` and `pxe`, what makes those two daemons (`daemon`:
//! signals and statistics; `privileges`: `--user`), `lease_server`'s control socket
//! and `lease_ctl`'s side of it (`control`), `lease_migrate`'s store handling and
//! report (`migrate`), and the test files `record_test` writes (`record_test`).
//!
//! The programs themselves are thin `main`s in `src/bin/`: `snoop`, `send`,
//! `record_test`, `lease_server`, `lease_ctl`, `pxe`, `loadgen`, `dump_captures`,
//! `lease_migrate`. Install them with `cargo install --path tools`.

pub mod cli;
#[cfg(unix)]
pub mod control;
pub mod daemon;
pub mod lease_server;
pub mod load;
pub mod migrate;
pub mod privileges;
pub mod pxe_server;
pub mod record_test;
pub mod socket;
