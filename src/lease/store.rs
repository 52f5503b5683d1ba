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
}
