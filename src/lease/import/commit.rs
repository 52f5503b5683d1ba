//! From records to a store: what still holds at `now` ([`plan`]), then written in
//! batches without taking an address or a client from what the store holds
//! ([`import`]).

use std::collections::HashMap;

use super::live::Live;
use super::{Record, Status};
use crate::lease::engine::Change;
use crate::lease::store::{Committed, LeaseStore, StoreError};
use crate::lease::table::{ClientKey, Secs};

/// How many changes [`import`] commits at once: one write and `fsync` of a lease
/// file, one transaction of a database.
pub const BATCH: usize = 512;

/// What the records hold at a given time, and why the rest is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// The changes to write, each with the line of its record, in the records'
    /// order.
    pub changes: Vec<(usize, Change)>,
    /// Lines of leases and quarantines that ended before then.
    pub expired: Vec<usize>,
    /// Lines of free addresses (released, expired and reclaimed, a pool's free ones).
    pub free: Vec<usize>,
    /// Lines of live leases of a client that has another one ending later.
    pub superseded: Vec<usize>,
}

/// Sorts `records` at `now` into what holds an address then and what does not (see
/// the [module docs](super)): a client keeps the lease that ends last.
pub fn plan(records: &[Record], now: Secs) -> Plan {
    let mut plan = Plan::default();
    // The changes so far, `None` where a later lease of the same client won.
    let mut changes: Vec<Option<(usize, Change)>> = Vec::new();
    // Each client's lease in `changes`: (index, until).
    let mut leases: HashMap<&ClientKey, (usize, Secs)> = HashMap::new();
    for record in records {
        let Some(change) = record.change(now) else {
            match record.status {
                Status::Free => plan.free.push(record.line),
                _ => plan.expired.push(record.line),
            }
            continue;
        };
        if let Status::Leased { key, until } = &record.status {
            match leases.get(key) {
                Some((_, earlier_until)) if *earlier_until > *until => {
                    plan.superseded.push(record.line);
                    continue;
                }
                Some((earlier, _)) => {
                    let (line, _) = changes[*earlier].take().expect("a client's live lease");
                    plan.superseded.push(line);
                }
                None => {}
            }
            leases.insert(key, (changes.len(), *until));
        }
        changes.push(Some((record.line, change)));
    }
    plan.changes = changes.into_iter().flatten().collect();
    plan.superseded.sort_unstable();
    plan
}

/// What [`import`] did with each record, by line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Leases written.
    pub leases: usize,
    /// Quarantines written (declined or abandoned addresses).
    pub quarantines: usize,
    /// Lines of leases and quarantines that had ended.
    pub expired: Vec<usize>,
    /// Lines of free addresses.
    pub free: Vec<usize>,
    /// Lines of a client's leases that another of its leases outlasts.
    pub superseded: Vec<usize>,
    /// Lines of leases not written because the store gives their address or their
    /// client to another lease (read from the store first, or refused by a shared
    /// store's commit).
    pub conflicts: Vec<usize>,
    /// How many commits it took.
    pub batches: usize,
}

/// Writes what `records` hold at `now` into `store`, in batches of [`BATCH`], and
/// says what became of each record.
///
/// The store is read first ([`LeaseStore::load`]); a lease whose address another
/// client holds there (or a quarantine), or whose client holds another address
/// there, is a conflict and is not written, and so is a quarantine of an address a
/// client holds: an import never takes a lease away. A store error stops the
/// import; the batches before it are durable, and running the same import again
/// writes the rest (what is already there, the same client on the same address, is
/// not a conflict).
pub fn import(
    store: &mut dyn LeaseStore,
    records: &[Record],
    now: Secs,
) -> Result<Summary, StoreError> {
    let plan = plan(records, now);
    let mut live = Live::default();
    store.load(&mut |change| live.apply(change))?;
    let mut summary = Summary {
        expired: plan.expired,
        free: plan.free,
        superseded: plan.superseded,
        ..Summary::default()
    };
    let (accepted, refused): (Vec<_>, Vec<_>) = plan
        .changes
        .into_iter()
        .partition(|(_, change)| !taken(&live, change, now));
    summary.conflicts = refused.into_iter().map(|(line, _)| line).collect();
    for chunk in accepted.chunks(BATCH) {
        let batch: Vec<Change> = chunk.iter().map(|(_, change)| change.clone()).collect();
        let results = store.commit(&batch)?;
        summary.batches += 1;
        for ((line, change), result) in chunk.iter().zip(results) {
            match (result, change) {
                (Committed::Durable, Change::Bound { .. }) => summary.leases += 1,
                (Committed::Durable, Change::Declined { .. }) => summary.quarantines += 1,
                (Committed::Durable, Change::Released { .. }) => {}
                _ => summary.conflicts.push(*line),
            }
        }
    }
    summary.conflicts.sort_unstable();
    Ok(summary)
}

/// True when `change` would take an address or a client from what `live` holds.
fn taken(live: &Live, change: &Change, now: Secs) -> bool {
    match change {
        Change::Bound { key, addr, .. } => {
            let addr_taken = match live.holder(*addr, now) {
                Some(holder) => holder != Some(key),
                None => false,
            };
            let client_elsewhere = live.addr_of(key, now).is_some_and(|held| held != *addr);
            addr_taken || client_elsewhere
        }
        Change::Declined { addr, .. } => matches!(live.holder(*addr, now), Some(Some(_))),
        Change::Released { .. } => false,
    }
}
