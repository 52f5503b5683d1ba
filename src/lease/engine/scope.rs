//! One served subnet's state: its configuration, its lease table and the walks of
//! its ranges; where an address is chosen.

use std::net::Ipv4Addr;

use log::{debug, info};

use crate::lease::pool::{Mac, Pool};
use crate::lease::settings::{Settings, Share};
use crate::lease::subnet::{SubnetConfig, SubnetId};
use crate::lease::table::{ClientKey, LeaseTable, Secs, State};

use super::limit::RateLimited;
use super::walk::Walk;
use super::{Change, LOG_INTERVAL_SECS};

/// A subnet as the engine serves it.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub(super) id: SubnetId,
    pub(super) config: SubnetConfig,
    pub(super) table: LeaseTable,
    /// One walk per range, in the ranges' order.
    walks: Vec<Walk>,
    pub(super) full_pool_log: RateLimited,
}

impl Scope {
    pub(super) fn new(id: SubnetId, config: SubnetConfig, settings: &Settings) -> Self {
        let walks = config
            .pool()
            .ranges()
            .map(|(first, last)| Walk::new(first, last, settings.share))
            .collect();
        Scope {
            id,
            config,
            table: LeaseTable::new(),
            walks,
            full_pool_log: RateLimited::new(LOG_INTERVAL_SECS),
        }
    }

    /// Takes over the lease table of `previous`, the same subnet before a reload;
    /// the walks start again from their ranges' starts, stepping over what the table
    /// knows once.
    pub(super) fn take_table(&mut self, previous: Scope) {
        self.table = previous.table;
        self.full_pool_log = previous.full_pool_log;
    }

    pub(super) fn pool(&self) -> &Pool {
        self.config.pool()
    }

    /// The most offers held at once: the setting, else half the pool.
    pub(super) fn max_offers(&self, settings: &Settings) -> usize {
        settings
            .max_offers
            .unwrap_or(self.pool().capacity() / 2)
            .max(1)
    }

    /// Applies a change to the table (the address is on this subnet).
    pub(super) fn record(&mut self, change: &Change, now: Secs) {
        match change {
            Change::Bound { key, addr, until } => {
                self.table
                    .set(key.clone(), *addr, State::Bound(*until), now);
            }
            Change::Released { key, addr } => {
                if self.table.get(key).is_some_and(|e| e.addr == *addr) {
                    self.table.free(key, now);
                }
            }
            Change::Declined { addr, until } => self.table.quarantine(*addr, *until),
        }
    }

    /// A free address for a new client, in this order: this server's part of each
    /// range never given out, the address free the longest, then the other parts
    /// (those `claimed` by other servers left alone). With `own_only`, only this
    /// server's parts. O(log n): no scan of the range or the table.
    pub(super) fn free_address(
        &mut self,
        key: &ClientKey,
        mac: Option<Mac>,
        now: Secs,
        claimed: &[u32],
        own_only: bool,
        share: Share,
    ) -> Option<Ipv4Addr> {
        for walk in &mut self.walks {
            if let Some(addr) = walk.next_untouched(&self.table, self.config.pool()) {
                return Some(addr);
            }
        }
        // Reserved addresses (and any left from a wider range) are skipped: few.
        let allowed = |scope: &Self, addr: Ipv4Addr| {
            if own_only {
                scope.owns(addr)
            } else {
                !scope.claimed_by_other(addr, claimed, share)
            }
        };
        if let Some(addr) = self.table.reusable(now).find(|a| {
            self.config.pool().assignable(*a, mac)
                && self.table.available(*a, key, now)
                && allowed(self, *a)
        }) {
            return Some(addr);
        }
        if own_only {
            return None;
        }
        for walk in &mut self.walks {
            if let Some(addr) =
                walk.next_untouched_elsewhere(&self.table, self.config.pool(), claimed)
            {
                return Some(addr);
            }
        }
        None
    }

    /// True when `addr` is in this server's own part of one of the ranges.
    pub(super) fn owns(&self, addr: Ipv4Addr) -> bool {
        self.walks.iter().any(|walk| walk.owns(addr))
    }

    /// True when `addr` is in the part of a range another server holds a claim on.
    pub(super) fn claimed_by_other(&self, addr: Ipv4Addr, claimed: &[u32], share: Share) -> bool {
        !claimed.is_empty()
            && self
                .walks
                .iter()
                .filter_map(|walk| walk.part_of(addr, share))
                .any(|part| claimed.contains(&part))
    }

    /// The walk of the range `addr` is in, if any.
    fn walk_of(&mut self, addr: Ipv4Addr) -> Option<&mut Walk> {
        let index = self
            .config
            .pool()
            .ranges()
            .position(|(first, last)| (first..=last).contains(&addr))?;
        self.walks.get_mut(index)
    }

    /// An address a walk may have skipped while reserved becomes reusable.
    pub(super) fn give_back(&mut self, addr: Ipv4Addr) {
        let passed = self
            .walk_of(addr)
            .is_some_and(|walk| walk.passed(u32::from(addr)));
        if passed {
            self.table.remember_free(addr, 0);
        }
    }

    /// A shared store gave `addr` to another client: without shares, a race lost in
    /// a walk's current run moves that walk elsewhere in its range.
    pub(super) fn lost_race(&mut self, addr: Ipv4Addr, settings: &Settings) {
        if settings.share != crate::lease::Share::WHOLE {
            return;
        }
        let seed = settings.server_id;
        if let Some(walk) = self.walk_of(addr) {
            if walk.in_current_run(addr) {
                walk.jump(seed);
            }
        }
    }

    /// Withdraws the oldest offer still held, of all or through `relay` (its client
    /// keeps the address if it asks for it before anyone else gets it). False when
    /// there is none.
    pub(super) fn withdraw_oldest_offer(
        &mut self,
        now: Secs,
        relay: Option<Ipv4Addr>,
        why: &str,
    ) -> bool {
        let oldest = match relay {
            Some(relay) => self.table.relay_offers(relay, now).next(),
            None => self.table.offers(now).next(),
        };
        let Some(addr) = oldest else {
            return false;
        };
        let key = self
            .table
            .holder(addr)
            .cloned()
            .expect("an offer has a client");
        debug!("offer of {addr} to {key} withdrawn: {why}");
        self.table.free(&key, now);
        true
    }

    /// True when this server may renew or rebind a lease of `addr` here for the
    /// client with `mac`: a range address or its reservation; with
    /// [`Settings::answer_subnet`], also any host address of the subnet that is not
    /// the server's own nor reserved for another client.
    pub(super) fn answers_for(
        &self,
        settings: &Settings,
        addr: Ipv4Addr,
        mac: Option<Mac>,
    ) -> bool {
        let pool = self.pool();
        if pool.assignable(addr, mac) {
            return true;
        }
        let subnet = pool.subnet();
        settings.answer_subnet
            && subnet.contains(addr)
            && !subnet.is_network_or_broadcast(addr)
            && addr != settings.server_id
            && !pool.is_reserved(addr)
    }

    /// Takes `addr` back at `now`, whoever holds it (the operator's release).
    pub(super) fn release(&mut self, addr: Ipv4Addr, now: Secs) -> Option<Change> {
        if self.table.quarantined_until(addr).is_some_and(|u| u > now) {
            let change = Change::Declined { addr, until: now };
            self.record(&change, now);
            info!("quarantine of {addr} lifted by the operator");
            return Some(change);
        }
        let (key, entry) = self.table.get_addr(addr)?;
        if !entry.held(now) {
            return None;
        }
        let change = Change::Released {
            key: key.clone(),
            addr,
        };
        info!("{key} loses {addr}: released by the operator");
        self.record(&change, now);
        Some(change)
    }
}
