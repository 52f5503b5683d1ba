//! Opening a lease service's store: what it holds into the engine, what expired
//! freed, and a log-shaped store compacted to the live leases.

use std::fmt;
use std::path::Path;
use std::time::SystemTime;

use log::{info, warn};

use crate::lease::engine::{Change, LeaseEngine};
use crate::lease::file::{LeaseFile, LeaseFileError};
use crate::lease::store::{LeaseStore, StoreError};
use crate::lease::table::{secs, Secs};

/// Why a lease service could not open its store.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServiceError {
    /// The lease file could not be opened, locked, read or compacted.
    LeaseFile(LeaseFileError),
    /// The store could not be read or compacted.
    Store(StoreError),
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::LeaseFile(error) => error.fmt(f),
            ServiceError::Store(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ServiceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServiceError::LeaseFile(error) => Some(error),
            ServiceError::Store(error) => Some(error),
        }
    }
}

impl From<LeaseFileError> for ServiceError {
    fn from(error: LeaseFileError) -> Self {
        ServiceError::LeaseFile(error)
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        ServiceError::Store(error)
    }
}

/// Applies replayed records to the engine, counting those of addresses it does not
/// serve, and warns about them once: a record of another configuration (a subnet
/// since removed, a range since narrowed, a file of another server) is left out,
/// never taken silently. A store shared with other servers keeps their leases of
/// their own ranges: only the records of no subnet are left out of it.
pub(super) struct Replay<'a> {
    engine: &'a mut LeaseEngine,
    /// Whether records of addresses outside this server's ranges are kept.
    shared: bool,
    pub(super) records: u64,
    pub(super) strays: u64,
    first_stray: Option<Change>,
}

impl<'a> Replay<'a> {
    pub(super) fn new(engine: &'a mut LeaseEngine, shared: bool) -> Self {
        Replay {
            engine,
            shared,
            records: 0,
            strays: 0,
            first_stray: None,
        }
    }

    pub(super) fn apply(&mut self, change: Change) {
        self.records += 1;
        let served = self.shared || self.engine.serves_addr(change.addr());
        if !served || !self.engine.apply(&change) {
            self.strays += 1;
            self.first_stray.get_or_insert(change);
        }
    }

    pub(super) fn report(&self, source: &dyn fmt::Display) {
        if let Some(stray) = &self.first_stray {
            warn!(
                "{source}: {} records of addresses this server does not give out were left \
                 out (the first: {stray:?}); they come from another configuration",
                self.strays
            );
        }
    }
}

/// The time at start-up, to free what expired while the server was down.
fn now() -> Secs {
    secs(SystemTime::now())
}

/// Locks and replays the lease file at `path` into `engine`, frees what expired and
/// compacts the file to the live leases.
pub(super) fn lease_file(
    engine: &mut LeaseEngine,
    path: &Path,
) -> Result<(LeaseFile, u64), ServiceError> {
    let mut replay = Replay::new(engine, false);
    let mut file = LeaseFile::open(path, |change| replay.apply(change))?;
    replay.report(&path.display());
    let strays = replay.strays;
    let now = now();
    engine.tick(now);
    let live = engine.snapshot(now);
    file.compact(&live)?;
    info!("{} live records in {}", live.len(), path.display());
    Ok((file, strays))
}

/// Loads what `store` holds into `engine`, frees what expired and compacts the store
/// to the live leases.
pub(super) fn store(
    engine: &mut LeaseEngine,
    store: &mut dyn LeaseStore,
) -> Result<u64, ServiceError> {
    let subnets: Vec<_> = engine
        .subnets()
        .map(|(_, config)| config.pool().subnet())
        .collect();
    store.subnets(&subnets)?;
    let mut replay = Replay::new(engine, store.shared());
    store.load(&mut |change| replay.apply(change))?;
    replay.report(&"the lease store");
    let (records, strays) = (replay.records, replay.strays);
    let now = now();
    engine.tick(now);
    let live = engine.snapshot(now);
    store.compact(&live)?;
    info!(
        "{records} records loaded from the lease store, {} live",
        live.len()
    );
    Ok(strays)
}
