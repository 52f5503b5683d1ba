//! Leases for every handler: the lease engine (the RFC 2131 rules and the address
//! allocator, many subnets, no I/O), the stores that make leases durable, and the
//! lease service that puts both on a server, customised by hooks.
//!
//! ```text
//!  LeaseService (service/) ---- a Handler, or a component of the user's own
//!    | hooks: admit, subnet, host, reply, event     held replies, lookups, claims
//!    v
//!  LeaseEngine (engine/) ------ pure logic, time as an input
//!    select.rs  which subnet (relay, option 118, 82.5, ciaddr, interface)
//!    rules.rs   what each message gets (RFC 2131 4.3)
//!    scope.rs   one subnet's table and its free-address choice
//!    walk.rs    the allocator's walk over a range, shares kept apart
//!    |
//!  StoreWorker (worker.rs) ---- a thread: group commit, lookups, claims, probes
//!    |
//!  LeaseStore (store.rs) ------ LeaseFile, MemoryStore, PgStore, Journaled<S>
//! ```
//!
//! Start with [`LeaseService`]: it is what a durable DHCP server needs, and a user
//! customises it with [`Hooks`] or embeds it in a handler of their own. Below it:
//!
//! - [`LeaseEngine`]: RFC 2131 section 4.3 for DISCOVER, REQUEST (SELECTING,
//!   INIT-REBOOT, RENEWING, REBINDING), DECLINE, RELEASE, INFORM and BOOTP, for any
//!   number of subnets ([`SubnetConfig`]: a [`Pool`] of ranges and reservations, the
//!   options its clients are told, relays, interfaces, shared networks), with
//!   per-client data ([`Host`]), rapid commit (RFC 4039), clients keyed by option 61
//!   else `chaddr` (section 4.2). Pure logic: [`LeaseEngine::handle`] takes a request
//!   and the time (seconds since the Unix epoch, [`Secs`]) and returns the reply, the
//!   lease changes to make durable and what they mean ([`Outcome`], [`LeaseEvent`]);
//!   nothing there reads a clock or a socket. Operator's changes
//!   ([`LeaseEngine::release`], [`LeaseEngine::add_host`]) and a reload
//!   ([`LeaseEngine::reconfigure`]) while serving.
//! - [`LeaseTable`]: who has which address of a subnet, in which [`State`], until
//!   when ([`LeaseEngine::table_of`], [`LeaseEngine::find`]).
//! - [`Settings`]: the server's identity, the defaults of what clients are told, and
//!   how many offers may be held at once; [`Share`]: a server's part of a range that
//!   several servers allocate from.
//! - [`LeaseStore`]: where changes are made durable: [`LeaseFile`] (appended and
//!   synced before the reply that announces it, in batches; one server per file;
//!   compaction while serving), [`MemoryStore`], `PgStore` (feature `postgres`: a
//!   PostgreSQL database several servers share), [`Journaled`] (a shared store with
//!   a local journal for its outages); [`StoreWorker`], the thread that commits them
//!   in batches (group commit) off the handler thread; [`import`], leases brought from
//!   ISC dhcpd, Kea and dnsmasq.

//! # Cost and hostile clients
//!
//! Choosing an address is O(log n) in the table's size (about 1.5 µs at 1M leases,
//! BENCHMARKS.md "Lease allocation"): a cursor over addresses no client has had,
//! then the address free the longest. A flood of DISCOVERs from random MAC
//! addresses holds at most [`Settings::max_offers`] addresses (half the pool by
//! default): at the limit, or when the pool is full, the oldest offer is withdrawn,
//! so a real client still gets one. A DECLINE only counts for the sender's own bound
//! lease. A full pool is logged at most once per [`LOG_INTERVAL_SECS`], with the
//! number of DISCOVERs left unanswered; [`LeaseEngine::stats`] counts them all.
//!
// Without `server` there is no lease service: the links to it lead to the features.
#![cfg_attr(
    not(feature = "server"),
    doc = "[`LeaseService`]: crate#features\n[`Hooks`]: crate#features"
)]

mod engine;
mod event;
mod file;
mod host;
pub mod import;
mod journal;
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
mod reach;
#[cfg(feature = "server")]
mod service;
mod settings;
mod store;
mod subnet;
mod table;
mod worker;

pub use engine::{
    client_key, Allocation, Change, EngineStats, Hints, LeaseEngine, Outcome, RateLimited,
    Reconfigured, SubnetError, BOOTP_FOREVER, LOG_INTERVAL_SECS,
};
pub use event::{LeaseEvent, LeaseEventKind};
pub use file::{LeaseFile, LeaseFileError};
pub use host::Host;
pub use journal::Journaled;
pub use pool::{Mac, Pool, PoolError, Subnet, SubnetParseError};
#[cfg(feature = "postgres")]
pub use postgres::{PgStore, RETRIES, SCHEMA, SCHEMA_VERSION};
pub use reach::{Claim, Claims, Reach, Revoked};
#[cfg(feature = "server")]
pub use service::{
    Admission, Decide, Histogram, Hooks, LeaseMessage, LeaseService, NoHooks, RequestInfo,
    ServiceConfig, ServiceError, ServiceStats, StoreState, BATCH_BUCKETS, COMMIT_BUCKETS,
    DEFAULT_COMMIT_DELAY,
};
pub use settings::{Settings, Share, DEFAULT_DECLINE_SECS, DEFAULT_LEASE_SECS, DEFAULT_OFFER_SECS};
pub use store::{Committed, LeaseStore, MemoryStore, StoreError};
pub use subnet::{SubnetConfig, SubnetId};
pub use table::{secs, ClientKey, Counts, Entry, LeaseTable, Secs, State};
pub use worker::{Claimed, Done, LookupResult, Probed, StoreWorker, WorkerConfig};
