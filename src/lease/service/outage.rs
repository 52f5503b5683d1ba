//! The store as the lease service sees it (up, journaling, down, not loaded yet),
//! and what follows: where the engine may bind, which journaled changes a reply may
//! leave on, the claim on this server's share, probes while the store is down, and
//! the leases taken back after an outage.
//!
//! # Why serving through an outage gives no address to two clients
//!
//! Servers that share a store each take new addresses from their own share of the
//! ranges first ([`Share`](crate::lease::Share)), and each keeps a claim on its share
//! in the store ([`Claim`]), renewed every third of its time to live. While a claim is
//! live, and for a quiet period after it lapses (the longest lease its server grants),
//! no other server gives a new client an address in that share's part, fresh or
//! reused ([`LeaseEngine::set_claimed`]); the clients that already hold addresses
//! there keep them, wherever they renew.
//!
//! When a server cannot reach the store, its [`Journaled`](crate::lease::Journaled)
//! store makes changes durable in a local journal instead, and the service lets a
//! reply leave on a journaled change only when no other server can contradict it:
//!
//! - a new binding or an extension in its own share's part, while its claim is known
//!   to be live: the claim was last renewed at least its time to live before the
//!   deadline the service counts from the moment it *asked* (before the store wrote
//!   it), so by the store's clock it expires no earlier; until it has expired and its
//!   quiet period passed (no lease granted before the deadline outlives that), no
//!   other server binds a new client there;
//! - a release or a decline: they only take addresses out of use;
//! - nothing else: a lease elsewhere is kept for what is left of it (an ACK that
//!   extends nothing, [`Allocation`]), since the store, which other servers read,
//!   knows it that long; a new client gets an address of the own share or none.
//!
//! The batch that first finds the store down was decided as if it were up: each of
//! its changes that the rules above do not allow is taken back in the engine
//! ([`LeaseEngine::undo`]) and its request refused (a NAK for a new binding, silence
//! for a renewal: the client keeps its lease and retries). Without a journal, every
//! change of a failed batch is taken back that way, and until the store answers the
//! engine binds nowhere: leases are kept for what is left of them, new clients wait.
//!
//! When the store answers again, the journal is written to it in order before
//! anything else. A binding it refuses (another server's lease of the address: only
//! possible when the rules were broken from outside, a clock jumped or two servers
//! were given one share) is logged, its client is refused (NAK) at its next request
//! for the address, and the engine learns the holder: it is never silently
//! overwritten.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use log::{error, info, warn};

use crate::lease::engine::{Allocation, Change};
use crate::lease::reach::{Claim, Reach, Revoked};
use crate::lease::settings::Share;
use crate::lease::table::ClientKey;
use crate::lease::worker::{Claimed, Probed};
use crate::{MessageType, Packet, Reply};

use super::hooks::Hooks;
use super::message::{Inner, LeaseMessage};
use super::LeaseService;

/// How long after a renewal the others' view of the claims may lag: the time for a
/// renewal's answer to reach a handler thread.
const SETTLING: Duration = Duration::from_secs(1);

/// How often a claim is renewed (and the others' claims read): a third of its time
/// to live, so two renewals may fail before it lapses.
fn renewal_interval(ttl: Duration) -> Duration {
    ttl / 3
}

/// How a lease service sees its store ([`ServiceStats::store`](super::ServiceStats::store)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreState {
    /// It answers.
    #[default]
    Up,
    /// It cannot be reached, and keeps changes in its journal.
    Journaling,
    /// It cannot be reached, and keeps nothing: no change can be made durable.
    Down,
    /// It could not be read at start-up: the engine knows no lease yet.
    Unloaded,
}

impl std::fmt::Display for StoreState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreState::Up => "up",
            StoreState::Journaling => "journaling",
            StoreState::Down => "down",
            StoreState::Unloaded => "not loaded",
        })
    }
}

/// The outage bookkeeping of a service.
#[derive(Debug)]
pub(super) struct Outage {
    pub(super) state: StoreState,
    /// The claim kept on this server's share, when it shares a store by shares.
    claim: Option<Claim>,
    /// Until when the claim is known to be live.
    claim_until: Option<Instant>,
    /// Since when it has been held without a break (from the first renewal's start).
    claim_since: Option<Instant>,
    next_claim: Option<Instant>,
    claiming: bool,
    probing: bool,
    loading: bool,
    /// Clients whose lease the store took back: refused at their next request for it.
    revoked: HashMap<ClientKey, Ipv4Addr>,
}

impl Outage {
    pub(super) fn new(unloaded: bool) -> Self {
        Outage {
            state: if unloaded {
                StoreState::Unloaded
            } else {
                StoreState::Up
            },
            claim: None,
            claim_until: None,
            claim_since: None,
            next_claim: None,
            claiming: false,
            probing: false,
            loading: false,
            revoked: HashMap::new(),
        }
    }
}

impl<H: Hooks> LeaseService<H> {
    /// Starts keeping a claim on this server's share, when it shares a store by
    /// shares: called once the worker runs.
    pub(super) fn start_claims(&mut self) {
        let share = self.engine.settings().share;
        if !self.shared || share == Share::WHOLE {
            return;
        }
        let quiet = self
            .engine
            .subnets()
            .map(|(_, subnet)| subnet.lease_secs(self.engine.settings()))
            .max()
            .unwrap_or(0);
        self.outage.claim = Some(Claim::new(
            self.engine.settings().server_id,
            share,
            self.config.claim_ttl,
            Duration::from_secs(u64::from(quiet)),
        ));
    }

    /// True when this server's claim on its share is known to be live at `now`, and
    /// known to the other servers: held without a break for one renewal interval
    /// (every server reads the others' claims at each renewal, so all of them have
    /// read it by then; servers sharing a store are given the same time to live).
    pub(super) fn claim_live(&self, now: Instant) -> bool {
        let Some(claim) = &self.outage.claim else {
            return false;
        };
        let known = self
            .outage
            .claim_since
            .is_some_and(|since| since + renewal_interval(claim.ttl) + SETTLING <= now);
        known && self.outage.claim_until.is_some_and(|until| until > now)
    }

    /// Whether the claim is held now (known to the others or not yet).
    pub(super) fn claim_held(&self) -> bool {
        self.outage.claim.is_some() && self.outage.claim_since.is_some()
    }

    /// Where the engine may bind, from the store's state and the claim.
    pub(super) fn update_allocation(&mut self, now: Instant) {
        let allocation = match self.outage.state {
            StoreState::Up => Allocation::Everywhere,
            StoreState::Journaling if !self.shared => Allocation::Everywhere,
            StoreState::Journaling if self.claim_live(now) => Allocation::OwnShare,
            StoreState::Journaling | StoreState::Down | StoreState::Unloaded => Allocation::Nowhere,
        };
        self.engine.set_allocation(allocation);
    }

    /// The store's state after a batch: `failed` when the batch could not be made
    /// durable at all (a store without a journal that is down).
    pub(super) fn note_reach(&mut self, reach: Reach, failed: bool, now: Instant) {
        let state = match (reach, failed) {
            (_, true) => StoreState::Down,
            (Reach::Up, false) => StoreState::Up,
            (_, false) => StoreState::Journaling,
        };
        self.set_state(state, now);
    }

    fn set_state(&mut self, state: StoreState, now: Instant) {
        if self.outage.state == StoreState::Unloaded {
            // Nothing is served until the store is read; loading ends this state.
            return;
        }
        if state != self.outage.state {
            match state {
                StoreState::Up => info!("the lease store answers again"),
                StoreState::Journaling => warn!(
                    "the lease store cannot be reached: changes go to its journal; new \
                     clients get addresses of this server's own share while its claim lasts"
                ),
                StoreState::Down => warn!(
                    "the lease store cannot be reached: leases are kept for what is left of \
                     them, and new clients wait until it answers"
                ),
                StoreState::Unloaded => {}
            }
        }
        self.outage.state = state;
        self.update_allocation(now);
    }

    /// Leases the store took back after an outage: the engine learns the holder, and
    /// the client is refused at its next request for the address.
    pub(super) fn note_revoked(&mut self, revoked: Vec<Revoked>) {
        for lease in revoked {
            self.stats.revoked += 1;
            let learnt = match (lease.holder, lease.until) {
                (Some(key), Some(until)) => Change::Bound {
                    key,
                    addr: lease.addr,
                    until,
                },
                (None, Some(until)) => Change::Declined {
                    addr: lease.addr,
                    until,
                },
                _ => Change::Released {
                    key: lease.client.clone(),
                    addr: lease.addr,
                },
            };
            self.engine.apply(&learnt);
            self.outage.revoked.insert(lease.client, lease.addr);
        }
    }

    /// A NAK for a client whose lease was taken back, when it asks for that address.
    pub(super) fn refuse_revoked(&mut self, packet: &Packet, client: &ClientKey) -> Option<Reply> {
        let addr = *self.outage.revoked.get(client)?;
        if packet.message_type() != Some(MessageType::Request) {
            return None;
        }
        let asked = super::asked_for(packet);
        if asked != Some(addr) {
            return None;
        }
        self.outage.revoked.remove(client);
        info!("NAK to {client}: its lease of {addr} was taken back after the outage");
        Some(Reply::Send(self.engine_nak(packet)))
    }

    /// Whether a reply may leave on a change the store only journaled, made when the
    /// engine bound with `made_under`: see the module's rules.
    pub(super) fn journal_safe(
        &self,
        change: &Change,
        made_under: Allocation,
        now: Instant,
    ) -> bool {
        let Change::Bound { addr, .. } = change else {
            return true;
        };
        !self.shared
            || made_under == Allocation::OwnShare
            || (self.engine.owns(*addr) && self.claim_live(now))
    }

    /// Claims and probes due at `now`: the claim renewed every third of its time to
    /// live; a store that is down (or not loaded) tried at every tick.
    pub(super) fn outage_tick(&mut self, now: Instant) {
        self.update_allocation(now);
        let Some(post) = self.post.clone() else {
            return;
        };
        let Some(worker) = &mut self.worker else {
            return;
        };
        match self.outage.state {
            StoreState::Unloaded if !self.outage.loading => {
                self.outage.loading = true;
                let subnets = self
                    .engine
                    .subnets()
                    .map(|(_, s)| s.pool().subnet())
                    .collect();
                let post = post.clone();
                worker.load(subnets, move |result| {
                    post(LeaseMessage(Inner::Loaded(result)));
                });
            }
            StoreState::Down | StoreState::Journaling if !self.outage.probing => {
                self.outage.probing = true;
                let post = post.clone();
                worker.probe(move |probed| {
                    post(LeaseMessage(Inner::Probed(probed)));
                });
            }
            _ => {}
        }
        let Some(claim) = &self.outage.claim else {
            return;
        };
        let due = self.outage.next_claim.is_none_or(|at| at <= now);
        if due && !self.outage.claiming && self.outage.state != StoreState::Unloaded {
            self.outage.claiming = true;
            worker.claim(claim.clone(), move |claimed| {
                post(LeaseMessage(Inner::Claimed(claimed)));
            });
        }
    }

    /// A probe's answer.
    pub(super) fn probed(&mut self, probed: Probed, now: Instant) {
        self.outage.probing = false;
        self.note_revoked(probed.revoked);
        let failed = probed.result.is_err() && probed.reach == Reach::Down;
        let state = match (&probed.result, self.outage.state) {
            (Ok(()), _) => StoreState::Up,
            (Err(_), StoreState::Journaling) => StoreState::Journaling,
            (Err(_), _) if failed => StoreState::Down,
            (Err(_), state) => state,
        };
        if let Err(error) = &probed.result {
            log::debug!("the lease store still does not answer: {error}");
        }
        self.set_state(state, now);
    }

    /// A claim's answer: the claim's deadline and the others' claimed parts; `Some`
    /// to stop when another server holds this server's share (a configuration error
    /// that would give addresses twice).
    pub(super) fn claimed(&mut self, claimed: Claimed, now: Instant) -> Option<Reply> {
        self.outage.claiming = false;
        let Some(claim) = &self.outage.claim else {
            return None;
        };
        let ttl = claim.ttl;
        match claimed.result {
            Ok(Some(claims)) if claims.held => {
                // Counted from before the store wrote it: the store's own deadline is
                // no earlier.
                self.outage.claim_until = Some(claimed.started + ttl);
                self.outage.claim_since.get_or_insert(claimed.started);
                self.outage.next_claim = Some(now + renewal_interval(ttl));
                self.engine.set_claimed(claims.others);
            }
            Ok(Some(claims)) => {
                let holder = claims
                    .holder
                    .map_or_else(|| "another server".to_owned(), |h| h.to_string());
                let message = format!(
                    "share {} is claimed by {holder}: give each server sharing the store a \
                     share of its own (--share K/N)",
                    claim.share
                );
                error!("{message}");
                return Some(Reply::stop_with_error(message));
            }
            Ok(None) => {
                // The store keeps no claims: nothing to renew.
                self.outage.claim = None;
            }
            Err(error) => {
                // Retried at the next tick; the deadline stands.
                log::debug!("renewing the claim: {error}");
                self.outage.next_claim = Some(now + Duration::from_secs(1));
            }
        }
        let _ = claimed.reach;
        self.update_allocation(now);
        None
    }

    /// The store's records, read late (it could not be at start-up).
    pub(super) fn loaded(
        &mut self,
        result: Result<Vec<Change>, crate::lease::StoreError>,
        now: Instant,
        now_secs: crate::lease::Secs,
    ) {
        self.outage.loading = false;
        match result {
            Ok(records) => {
                let mut strays = 0;
                for change in &records {
                    if !self.engine.apply(change) {
                        strays += 1;
                    }
                }
                self.stats.stray_records += strays;
                self.engine.tick(now_secs);
                info!(
                    "the lease store answers: {} records loaded ({strays} of addresses on no \
                     subnet left out)",
                    records.len()
                );
                self.outage.state = StoreState::Up;
                self.update_allocation(now);
            }
            Err(error) => log::debug!("the lease store still cannot be read: {error}"),
        }
    }
}
