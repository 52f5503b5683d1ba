//! The lease engine: a pool of addresses, the lease table, the RFC 2131 rules that
//! decide what to answer, and the lease file that makes the table durable.
//!
//! Pure logic with time as an input: [`LeaseServer::handle`] takes a request and the
//! current time (seconds since the Unix epoch, [`Secs`]) and returns the reply and the
//! lease changes to persist ([`Outcome`]); nothing here reads a clock or a socket.
//! The `lease_server` tool (`ex_dhcp-tools`) is a thin user of it: it wires the engine
//! into a [`Handler`](crate::Handler), keeps the [`LeaseFile`] and reads the clock.
//!
//! - [`Pool`]: which addresses, on which subnet, and which are reserved for whom;
//! - [`LeaseTable`]: who has which address, in which [`State`], until when;
//! - [`LeaseServer`]: RFC 2131 section 4.3 for DISCOVER, REQUEST (SELECTING,
//!   INIT-REBOOT, RENEWING, REBINDING), DECLINE, RELEASE and INFORM, relays by giaddr,
//!   rapid commit (RFC 4039), clients keyed by option 61 else `chaddr` (section 4.2);
//! - [`Settings`]: what clients are told (mask, router, DNS, lease times);
//! - [`LeaseFile`]: every [`Change`] appended, flushed and synced before the reply
//!   that announces it.

mod engine;
mod file;
mod pool;
mod settings;
mod table;

pub use engine::{client_key, Change, LeaseServer, Outcome, Stats, LOG_INTERVAL_SECS};
pub use file::{format_record, parse, LeaseFile, LeaseFileError};
pub use pool::{Mac, Pool, PoolError, Subnet};
pub use settings::{
    Settings, DEFAULT_DECLINE_SECS, DEFAULT_LEASE_SECS, DEFAULT_OFFER_SECS, RAPID_COMMIT,
};
pub use table::{ClientKey, Counts, Entry, LeaseTable, Secs, State};
