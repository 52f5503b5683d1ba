//! Where lease changes are made durable: one interface, several stores.
//!
//! A store is driven from a worker thread of its own, never from the handler
//! thread: the handler hands it the [`Change`]s of a request and answers the
//! request (a deferred reply) once the store says they are durable. A store sees
//! batches: every change that arrived while the previous batch was being written
//! (group commit), so one fsync or one `COMMIT` covers many requests.
//!
//! A store shared by several servers (a database) is the truth about who holds an
//! address: [`LeaseStore::commit`] reports, per change, whether the store took it
//! or another server got there first ([`Committed::Conflict`]), and
//! [`LeaseStore::lookup`] finds a lease this server never made (a client rebinding
//! after its own server died, RFC 2131 section 4.4.5).

use std::fmt;
use std::net::Ipv4Addr;

use super::engine::Change;
use super::file::{LeaseFile, LeaseFileError};
use super::table::ClientKey;

/// What became of one change of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Committed {
    /// Durable: the reply that announces it may leave.
    Durable,
    /// Another server holds the address (a shared store only): the change was not
    /// made, and the holder is given so the caller can update its table.
    Conflict {
        /// The address asked for.
        addr: Ipv4Addr,
        /// Who holds it, if the store can tell.
        holder: Option<ClientKey>,
    },
}

/// A store's failure: the batch was not made durable, and no reply that depends on
/// it may leave.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing the store failed.
    Io(std::io::Error),
    /// The store is unreachable or refused the batch (a database's error text).
    Backend(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(error) => write!(f, "lease store i/o error: {error}"),
            StoreError::Backend(text) => write!(f, "lease store error: {text}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io(error) => Some(error),
            StoreError::Backend(_) => None,
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        StoreError::Io(error)
    }
}

/// Durable lease storage, driven by one worker thread.
pub trait LeaseStore: Send + 'static {
    /// Every lease record the store holds, in the order to apply them, to rebuild the
    /// table at start-up.
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError>;

    /// Makes `batch` durable: one result per change, in order. An `Err` means none of
    /// the batch is durable.
    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError>;

    /// The lease of `client` if the store knows one this server may not (a store
    /// shared by several servers); a store of this server alone returns `Ok(None)`.
    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        let _ = client;
        Ok(None)
    }

    /// Whether other servers commit to this store too (a database), so that
    /// [`LeaseStore::lookup`] may find leases this server never made: a server asks
    /// only such a store. `false` unless a store says otherwise.
    fn shared(&self) -> bool {
        false
    }

    /// Replaces what the store holds with `live` (what
    /// [`LeaseServer::snapshot`](super::LeaseServer::snapshot) returns): a log-shaped
    /// store rewrites itself so it does not grow forever. Called between two batches;
    /// a store that never grows (a database) keeps the default, which does nothing.
    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        let _ = live;
        Ok(())
    }
}

/// The lease file as a store: [`LeaseStore::commit`] is [`LeaseFile::append`] (one
/// write and one `fsync` per batch), [`LeaseStore::compact`] is
/// [`LeaseFile::compact`]. Errors keep the file's name in their text.
impl LeaseStore for LeaseFile {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        for change in LeaseFile::load(self.path()).map_err(file_error)? {
            apply(change);
        }
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.append(batch).map_err(file_error)?;
        Ok(vec![Committed::Durable; batch.len()])
    }

    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        LeaseFile::compact(self, live).map_err(file_error)
    }
}

fn file_error(error: LeaseFileError) -> StoreError {
    let kind = match &error {
        LeaseFileError::Io { source, .. } => source.kind(),
        _ => std::io::ErrorKind::InvalidData,
    };
    StoreError::Io(std::io::Error::new(kind, error.to_string()))
}

/// A store that keeps every committed change in memory and nothing on disk: for tests,
/// and for a server that wants no durability (its leases end with the process).
///
/// It counts its commits, so a test can see how many batches a
/// [`StoreWorker`](super::StoreWorker) made of its submissions.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Change, Committed, LeaseStore, MemoryStore};
///
/// let mut store = MemoryStore::new();
/// let declined = Change::Declined { addr: Ipv4Addr::new(10, 99, 0, 100), until: 60 };
/// assert_eq!(store.commit(&[declined.clone()])?, vec![Committed::Durable]);
/// assert_eq!((store.records(), store.commits()), (&[declined][..], 1));
/// # Ok::<(), ex_dhcp::lease::StoreError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    records: Vec<Change>,
    commits: u64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// A store holding `records`, as [`LeaseStore::load`] will give them back.
    pub fn with_records(records: Vec<Change>) -> Self {
        MemoryStore {
            records,
            commits: 0,
        }
    }

    /// Every record, in the order committed (after the last compaction).
    pub fn records(&self) -> &[Change] {
        &self.records
    }

    /// How many times [`LeaseStore::commit`] was called.
    pub fn commits(&self) -> u64 {
        self.commits
    }
}

impl LeaseStore for MemoryStore {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.records.iter().cloned().for_each(apply);
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.commits += 1;
        self.records.extend_from_slice(batch);
        Ok(vec![Committed::Durable; batch.len()])
    }

    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        self.records = live.to_vec();
        Ok(())
    }
}
