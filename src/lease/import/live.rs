//! A store's records replayed into who holds what: the same rules as the lease
//! engine's replay (`LeaseEngine::apply`), without a pool.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use crate::lease::engine::Change;
use crate::lease::table::{ClientKey, Secs};

/// Each address's holder after a replay: a client, or `None` for a quarantine,
/// until then.
#[derive(Debug, Default)]
pub(super) struct Live {
    holds: BTreeMap<Ipv4Addr, (Option<ClientKey>, Secs)>,
    addrs: HashMap<ClientKey, Ipv4Addr>,
}

impl Live {
    /// Applies one record, as a server replaying its store does.
    pub(super) fn apply(&mut self, change: Change) {
        match change {
            Change::Bound { key, addr, until } => {
                if let Some(old) = self.addrs.insert(key.clone(), addr) {
                    if old != addr {
                        self.holds.remove(&old);
                    }
                }
                if let Some((Some(previous), _)) =
                    self.holds.insert(addr, (Some(key.clone()), until))
                {
                    if previous != key {
                        self.addrs.remove(&previous);
                    }
                }
            }
            Change::Released { key, addr } => {
                if self.addrs.get(&key) == Some(&addr) {
                    self.addrs.remove(&key);
                    self.holds.remove(&addr);
                }
            }
            Change::Declined { addr, until } => {
                if let Some((Some(previous), _)) = self.holds.insert(addr, (None, until)) {
                    self.addrs.remove(&previous);
                }
            }
        }
    }

    /// Who holds `addr` at `now`: a client (`Some`) or a quarantine (`None`).
    pub(super) fn holder(&self, addr: Ipv4Addr, now: Secs) -> Option<Option<&ClientKey>> {
        self.holds
            .get(&addr)
            .filter(|(_, until)| *until > now)
            .map(|(key, _)| key.as_ref())
    }

    /// The address `key` holds at `now`, if any.
    pub(super) fn addr_of(&self, key: &ClientKey, now: Secs) -> Option<Ipv4Addr> {
        let addr = *self.addrs.get(key)?;
        self.holder(addr, now).is_some().then_some(addr)
    }

    /// Every hold that has not ended at `now`, by address.
    pub(super) fn held(
        &self,
        now: Secs,
    ) -> impl Iterator<Item = (Ipv4Addr, Option<&ClientKey>, Secs)> {
        self.holds
            .iter()
            .filter(move |(_, (_, until))| *until > now)
            .map(|(addr, (key, until))| (*addr, key.as_ref(), *until))
    }
}
