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

use std::collections::HashMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::time::SystemTime;

use super::engine::Change;
use super::file::{LeaseFile, LeaseFileError};
use super::pool::Subnet;
use super::reach::{Claim, Claims, Reach, Revoked};
use super::table::{secs, ClientKey, Secs};

/// What became of one change of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Committed {
    /// Durable: the reply that announces it may leave.
    Durable,
    /// Another client holds the address (in a shared store: through another
    /// server): the change was not made, and what the store knows of the winner is
    /// given so the caller can update its table and leave the address alone until
    /// the winner's hold ends.
    ///
    /// A store that keeps one lease per client in a subnet (`PgStore`) also refuses
    /// a `Bound` whose client holds a live lease of *another* address of that
    /// subnet: then `addr` is the address the client holds, `holder` the client
    /// itself and `until` the end of that lease, so the caller records that lease
    /// and the client is answered with it next time.
    Conflict {
        /// The address asked for, or the one the client already holds.
        addr: Ipv4Addr,
        /// Who holds it, if the store can tell (`None` for a quarantined address).
        holder: Option<ClientKey>,
        /// When the winner's lease (or the quarantine) ends, if the store can tell.
        until: Option<Secs>,
    },
    /// The store could not settle this change now (other servers' transactions in
    /// the way, still after retries): it was not made, and nothing about the
    /// address or the client was learnt. The request gets a NAK or silence, and the
    /// client retries.
    Contended,
    /// The shared store could not be reached, and the change is durable in the
    /// store's local journal instead ([`Journaled`](super::Journaled)): it is written
    /// to the shared store when it is back. Whether a reply may leave on it is the
    /// lease service's call (its outage rules).
    Journaled,
}

/// A store's failure: the batch was not made durable, and no reply that depends on
/// it may leave.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing the store failed.
    Io(std::io::Error),
    /// The store refused the batch (a database's error text).
    Backend(String),
    /// The store cannot be reached (a database that is down, restarting or cut off):
    /// none of the batch was made durable, and the store will be tried again.
    Unavailable(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(error) => write!(f, "lease store i/o error: {error}"),
            StoreError::Backend(text) => write!(f, "lease store error: {text}"),
            StoreError::Unavailable(text) => write!(f, "lease store unreachable: {text}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io(error) => Some(error),
            StoreError::Backend(_) | StoreError::Unavailable(_) => None,
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
    /// The subnets the server serves, before [`load`](Self::load): a store shared by
    /// several servers (which configure the same subnets) keeps at most one bound
    /// lease per client in each. A store of one server needs nothing, the default.
    fn subnets(&mut self, subnets: &[Subnet]) -> Result<(), StoreError> {
        let _ = subnets;
        Ok(())
    }

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
    /// [`LeaseEngine::snapshot`](super::LeaseEngine::snapshot) returns): a log-shaped
    /// store rewrites itself so it does not grow forever. Called between two batches;
    /// a store that never grows (a database) keeps the default, which does nothing.
    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        let _ = live;
        Ok(())
    }

    /// Renews this server's claim on its share (a store several servers share) and
    /// says which shares the others claim; `Ok(None)`, the default, for a store with
    /// nothing to claim (one server's).
    fn claim(&mut self, claim: &Claim) -> Result<Option<Claims>, StoreError> {
        let _ = claim;
        Ok(None)
    }

    /// Tries the store while it is down: `Ok` once it answers (a journaled store
    /// writes its journal to it first). The default: always up.
    fn probe(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether the store could be reached at its last call. The default: always.
    fn reach(&self) -> Reach {
        Reach::Up
    }

    /// The leases taken back since the last call, when a journal was written to the
    /// shared store after an outage ([`Revoked`]). The default: none.
    fn revoked(&mut self) -> Vec<Revoked> {
        Vec::new()
    }
}

/// A store chosen at run time: a file, memory or a database behind one type, so a
/// handler or a [`StoreWorker`](super::StoreWorker) need not be generic over it.
///
/// ```
/// use ex_dhcp::lease::{LeaseStore, MemoryStore, StoreWorker};
///
/// let store: Box<dyn LeaseStore> = Box::new(MemoryStore::new());
/// let worker = StoreWorker::spawn(store, |_done| {})?;
/// drop(worker);
/// # Ok::<(), std::io::Error>(())
/// ```
impl LeaseStore for Box<dyn LeaseStore> {
    fn subnets(&mut self, subnets: &[Subnet]) -> Result<(), StoreError> {
        (**self).subnets(subnets)
    }

    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        (**self).load(apply)
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        (**self).commit(batch)
    }

    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        (**self).lookup(client)
    }

    fn shared(&self) -> bool {
        (**self).shared()
    }

    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        (**self).compact(live)
    }

    fn claim(&mut self, claim: &Claim) -> Result<Option<Claims>, StoreError> {
        (**self).claim(claim)
    }

    fn probe(&mut self) -> Result<(), StoreError> {
        (**self).probe()
    }

    fn reach(&self) -> Reach {
        (**self).reach()
    }

    fn revoked(&mut self) -> Vec<Revoked> {
        (**self).revoked()
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
/// [`StoreWorker`](super::StoreWorker) made of its submissions. Like a database
/// shared by several servers it is the truth about who holds an address: a
/// [`Change::Bound`] of an address another client holds (or that is quarantined)
/// until after the store's time is refused with [`Committed::Conflict`], naming
/// the holder and the end of its hold, and is not recorded. Its time is the system
/// clock unless set ([`MemoryStore::set_now`]), so two engines in one test can
/// share one `MemoryStore` as two servers share a database.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Change, ClientKey, Committed, LeaseStore, MemoryStore};
///
/// let mut store = MemoryStore::new();
/// let addr = Ipv4Addr::new(10, 99, 0, 100);
/// let declined = Change::Declined { addr, until: 60 };
/// assert_eq!(store.commit(&[declined.clone()])?, vec![Committed::Durable]);
/// assert_eq!((store.records(), store.commits()), (&[declined][..], 1));
///
/// store.set_now(Some(1_000));
/// let (a, b) = (ClientKey::Id(vec![1]), ClientKey::Id(vec![2]));
/// store.commit(&[Change::Bound { key: a.clone(), addr, until: 2_000 }])?;
/// let refused = store.commit(&[Change::Bound { key: b, addr, until: 3_000 }])?;
/// assert_eq!(refused, vec![Committed::Conflict { addr, holder: Some(a), until: Some(2_000) }]);
/// # Ok::<(), ex_dhcp::lease::StoreError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    records: Vec<Change>,
    commits: u64,
    /// Who holds each address (`None`: quarantined), until when; expired holds
    /// stay until the address is taken again.
    holds: HashMap<Ipv4Addr, (Option<ClientKey>, Secs)>,
    /// Each client's address in `holds`.
    addrs: HashMap<ClientKey, Ipv4Addr>,
    /// The time expiry is judged by; `None`: the system clock.
    now: Option<Secs>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// A store holding `records`, as [`LeaseStore::load`] will give them back.
    pub fn with_records(records: Vec<Change>) -> Self {
        let mut store = MemoryStore::default();
        records.iter().for_each(|change| store.hold(change));
        store.records = records;
        store
    }

    /// Every record, in the order committed (after the last compaction).
    pub fn records(&self) -> &[Change] {
        &self.records
    }

    /// How many times [`LeaseStore::commit`] was called.
    pub fn commits(&self) -> u64 {
        self.commits
    }

    /// Judges expiry at `now` (seconds since the Unix epoch) from now on; `None`,
    /// the default, reads the system clock at each commit.
    pub fn set_now(&mut self, now: Option<Secs>) {
        self.now = now;
    }

    /// Who holds `addr` at the store's time and until when: the client (`None` for a
    /// quarantine) and the end of its hold.
    pub fn holder(&self, addr: Ipv4Addr) -> Option<(Option<&ClientKey>, Secs)> {
        let now = self.time();
        self.holds
            .get(&addr)
            .filter(|(_, until)| *until > now)
            .map(|(key, until)| (key.as_ref(), *until))
    }

    fn time(&self) -> Secs {
        self.now.unwrap_or_else(|| secs(SystemTime::now()))
    }

    /// The conflict `change` would meet, if any.
    fn refusal(&self, change: &Change) -> Option<Committed> {
        let Change::Bound { key, addr, .. } = change else {
            return None;
        };
        match self.holder(*addr) {
            Some((holder, until)) if holder != Some(key) => Some(Committed::Conflict {
                addr: *addr,
                holder: holder.cloned(),
                until: Some(until),
            }),
            _ => None,
        }
    }

    /// Records what `change` says about who holds what.
    fn hold(&mut self, change: &Change) {
        match change {
            Change::Bound { key, addr, until } => {
                if let Some(old) = self.addrs.insert(key.clone(), *addr) {
                    if old != *addr {
                        self.holds.remove(&old);
                    }
                }
                if let Some((Some(previous), _)) =
                    self.holds.insert(*addr, (Some(key.clone()), *until))
                {
                    if previous != *key {
                        self.addrs.remove(&previous);
                    }
                }
            }
            Change::Released { key, addr } => {
                if self.addrs.get(key) == Some(addr) {
                    self.addrs.remove(key);
                    self.holds.remove(addr);
                }
            }
            Change::Declined { addr, until } => {
                if let Some((Some(previous), _)) = self.holds.insert(*addr, (None, *until)) {
                    self.addrs.remove(&previous);
                }
            }
        }
    }
}

impl LeaseStore for MemoryStore {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.records.iter().cloned().for_each(apply);
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.commits += 1;
        let mut results = Vec::with_capacity(batch.len());
        for change in batch {
            match self.refusal(change) {
                Some(conflict) => results.push(conflict),
                None => {
                    self.hold(change);
                    self.records.push(change.clone());
                    results.push(Committed::Durable);
                }
            }
        }
        Ok(results)
    }

    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        let (now, commits) = (self.now, self.commits);
        *self = MemoryStore::with_records(live.to_vec());
        (self.now, self.commits) = (now, commits);
        Ok(())
    }
}
