//! A shared store with a local journal: while the shared store cannot be reached,
//! changes are made durable in a lease file on this server's disk, and written to
//! the shared store once it is back.

use std::time::{Duration, Instant};

use log::{info, warn};

use super::engine::Change;
use super::file::LeaseFile;
use super::pool::Subnet;
use super::reach::{Claim, Claims, Reach, Revoked};
use super::store::{Committed, LeaseStore, StoreError};
use super::table::ClientKey;

/// How often at most a store that is down is tried again from [`LeaseStore::commit`]
/// (a [`LeaseStore::probe`] always tries): a store that takes a connection timeout to
/// fail must not make every batch wait for one.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// The most journaled changes written to the shared store in one commit.
const RECONCILE_BATCH: usize = 1_000;

/// A shared store (PostgreSQL, say) with a lease file as its journal.
///
/// While the shared store answers, it is the store and the journal stays empty. When
/// a batch finds it unreachable ([`StoreError::Unavailable`]), the batch is appended
/// to the journal (one write and one `fsync`: group commit, as the lease file does)
/// and each change is reported [`Committed::Journaled`]; so are the batches after it,
/// until the shared store answers again, tried at most every half second. Then the
/// journal is written to it, in order, before anything else ("reconciled"): a change
/// it refuses because another server gave the address to another client meanwhile is
/// reported as [`Revoked`], the journal is emptied, and the store is up again.
///
/// Which journaled changes a reply may leave on is not the journal's call: the lease
/// service allows only those its outage rules make safe (bindings in the server's
/// own share, while its claim on it is live), and refuses the others.
///
/// At start-up, [`LeaseStore::load`] gives the shared store's records, then those of
/// the journal (an outage the last run did not see the end of); they are written to
/// the shared store at the first chance.
#[derive(Debug)]
pub struct Journaled<S> {
    store: S,
    journal: LeaseFile,
    /// The journal's records not yet in the shared store, in order.
    pending: Vec<Change>,
    /// When the shared store was last found unreachable, while it is.
    down_since: Option<Instant>,
    last_try: Option<Instant>,
    revoked: Vec<Revoked>,
}

impl<S: LeaseStore> Journaled<S> {
    /// `store` with `journal` (a lease file of this server's own, locked; whatever
    /// it holds is taken as not yet written to the store).
    pub fn new(store: S, journal: LeaseFile) -> Result<Self, StoreError> {
        let pending = LeaseFile::load(journal.path())
            .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
        if !pending.is_empty() {
            warn!(
                "{} changes in the journal {} from an earlier outage: written to the shared \
                 store as soon as it answers",
                pending.len(),
                journal.path().display()
            );
        }
        Ok(Journaled {
            store,
            journal,
            pending,
            down_since: None,
            last_try: None,
            revoked: Vec::new(),
        })
    }

    /// The shared store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The changes in the journal not yet in the shared store.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn journal(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.journal
            .append(batch)
            .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
        self.pending.extend_from_slice(batch);
        Ok(vec![Committed::Journaled; batch.len()])
    }

    fn went_down(&mut self, error: &StoreError) {
        if self.down_since.is_none() {
            warn!(
                "{error}: changes go to the journal {} until it is back",
                self.journal.path().display()
            );
            self.down_since = Some(Instant::now());
        }
        self.last_try = Some(Instant::now());
    }

    /// Whether to try the shared store now, from a commit.
    fn worth_trying(&self) -> bool {
        self.down_since.is_none() || self.last_try.is_none_or(|at| at.elapsed() >= RETRY_AFTER)
    }

    /// Writes the journal to the shared store, in order; `Err(Unavailable)` when it
    /// is still down (what was written stays written: a `Bound` or `Released`
    /// written twice is the same lease).
    fn reconcile(&mut self) -> Result<(), StoreError> {
        self.last_try = Some(Instant::now());
        let mut written = 0;
        while written < self.pending.len() {
            let end = (written + RECONCILE_BATCH).min(self.pending.len());
            let chunk = &self.pending[written..end];
            let results = match self.store.commit(chunk) {
                Ok(results) => results,
                Err(error) => {
                    self.pending.drain(..written);
                    return Err(error);
                }
            };
            let conflicts: Vec<Revoked> = chunk
                .iter()
                .zip(results)
                .filter_map(|(change, result)| match (change, result) {
                    (
                        Change::Bound { key, addr, .. },
                        Committed::Conflict { holder, until, .. },
                    ) => Some(Revoked::new(key.clone(), *addr, holder, until)),
                    _ => None,
                })
                .collect();
            conflicts.into_iter().for_each(|lease| self.revoke(lease));
            written = end;
        }
        let count = self.pending.len();
        self.pending.clear();
        self.journal
            .compact(&[])
            .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
        if let Some(since) = self.down_since.take() {
            info!(
                "the shared store is back after {:.1} s: {count} journaled changes written to \
                 it, {} leases taken back",
                since.elapsed().as_secs_f64(),
                self.revoked.len()
            );
        }
        Ok(())
    }

    fn revoke(&mut self, lease: Revoked) {
        warn!(
            "{}'s lease of {}, granted while the shared store was down, is {}'s there: the \
             client is refused at its next request",
            lease.client,
            lease.addr,
            lease
                .holder
                .as_ref()
                .map_or_else(|| "another client".to_owned(), ToString::to_string)
        );
        self.revoked.push(lease);
    }
}

impl<S: LeaseStore> LeaseStore for Journaled<S> {
    fn subnets(&mut self, subnets: &[Subnet]) -> Result<(), StoreError> {
        self.store.subnets(subnets)
    }

    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.store.load(apply)?;
        self.pending.iter().cloned().for_each(apply);
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        if !self.worth_trying() {
            return self.journal(batch);
        }
        if !self.pending.is_empty() {
            match self.reconcile() {
                Ok(()) => {}
                Err(StoreError::Unavailable(text)) => {
                    self.went_down(&StoreError::Unavailable(text));
                    return self.journal(batch);
                }
                Err(error) => return Err(error),
            }
        }
        match self.store.commit(batch) {
            Ok(results) => {
                self.down_since = None;
                Ok(results)
            }
            Err(error @ StoreError::Unavailable(_)) => {
                self.went_down(&error);
                self.journal(batch)
            }
            Err(error) => Err(error),
        }
    }

    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        if self.down_since.is_some() {
            return Err(StoreError::Unavailable("the shared store is down".into()));
        }
        self.store.lookup(client)
    }

    fn shared(&self) -> bool {
        self.store.shared()
    }

    fn compact(&mut self, live: &[Change]) -> Result<(), StoreError> {
        if self.down_since.is_some() {
            return Ok(());
        }
        self.store.compact(live)
    }

    fn claim(&mut self, claim: &Claim) -> Result<Option<Claims>, StoreError> {
        if !self.pending.is_empty() {
            self.probe()?;
        }
        match self.store.claim(claim) {
            Err(error @ StoreError::Unavailable(_)) => {
                self.went_down(&error);
                Err(error)
            }
            other => other,
        }
    }

    fn probe(&mut self) -> Result<(), StoreError> {
        let result = if self.pending.is_empty() {
            self.last_try = Some(Instant::now());
            self.store.probe()
        } else {
            self.reconcile()
        };
        match result {
            Ok(()) => {
                if let Some(since) = self.down_since.take() {
                    info!(
                        "the shared store is back after {:.1} s",
                        since.elapsed().as_secs_f64()
                    );
                }
                Ok(())
            }
            Err(error @ StoreError::Unavailable(_)) => {
                self.went_down(&error);
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    fn reach(&self) -> Reach {
        if self.down_since.is_some() || !self.pending.is_empty() {
            Reach::Down
        } else {
            self.store.reach()
        }
    }

    fn revoked(&mut self) -> Vec<Revoked> {
        let mut revoked = std::mem::take(&mut self.revoked);
        revoked.extend(self.store.revoked());
        revoked
    }
}
