//! The lease engine: a pool of addresses, the lease table, the RFC 2131 rules that
//! decide what to answer, and the lease file that makes the table durable.
//!
//! Pure logic with time as an input: [`LeaseEngine::handle`] takes a request and the
//! current time (seconds since the Unix epoch, [`Secs`]) and returns the reply and the
//! lease changes to persist ([`Outcome`]); nothing here reads a clock or a socket.
//! `LeaseService` (with the `server` feature) wires the engine into a server's
//! handler, keeps its leases durable and reads the clock; the `lease_server` tool
//! (`ex_dhcp-tools`) runs it.
//!
//! - [`Pool`]: which addresses, on which subnet, and which are reserved for whom;
//! - [`LeaseTable`]: who has which address, in which [`State`], until when; read it
//!   while serving ([`LeaseEngine::table`]: list, find by address or client, counts);
//! - [`LeaseEngine`]: RFC 2131 section 4.3 for DISCOVER, REQUEST (SELECTING,
//!   INIT-REBOOT, RENEWING, REBINDING), DECLINE, RELEASE and INFORM, relays by giaddr,
//!   rapid commit (RFC 4039), clients keyed by option 61 else `chaddr` (section 4.2);
//!   the operator's changes ([`LeaseEngine::release`], [`LeaseEngine::reserve`]);
//! - [`Settings`]: what clients are told (mask, router, DNS, lease times), and how
//!   many offers may be held at once;
//! - [`LeaseFile`]: every [`Change`] appended, flushed and synced before the reply
//!   that announces it, in batches; one server per file; compaction while serving.
//! - [`LeaseStore`]: where changes are made durable ([`LeaseFile`], [`MemoryStore`],
//!   PostgreSQL), and [`StoreWorker`], the thread that commits them in batches (group
//!   commit) off the handler thread and reports each batch ([`Done`]), so the
//!   handler releases the ACKs it held back only once their leases are durable.
//!   `PgStore` (feature `postgres`) keeps them in a PostgreSQL database several
//!   servers share.
//!
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
    Admission, Decide, Histogram, Hooks, LeaseMessage, LeaseService, NoHooks, ServiceConfig,
    ServiceError, ServiceStats, StoreState, BATCH_BUCKETS, COMMIT_BUCKETS, DEFAULT_COMMIT_DELAY,
};
pub use settings::{Settings, Share, DEFAULT_DECLINE_SECS, DEFAULT_LEASE_SECS, DEFAULT_OFFER_SECS};
pub use store::{Committed, LeaseStore, MemoryStore, StoreError};
pub use subnet::{SubnetConfig, SubnetId};
pub use table::{secs, ClientKey, Counts, Entry, LeaseTable, Secs, State};
pub use worker::{Claimed, Done, LookupResult, Probed, StoreWorker, WorkerConfig};
