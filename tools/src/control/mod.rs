//! Live control of a running `lease_server`: its control socket (`--control PATH`,
//! `[daemon] control`), the JSON-lines protocol spoken on it ([`protocol`]), what
//! each command does to the lease service ([`commands`], through `Handle::call`), and
//! the client `lease_ctl` uses ([`client`]).

pub mod client;
pub mod commands;
pub mod protocol;
pub mod show;
pub mod socket;
