//! Requests held for the admission hook's verdict, and the verdicts remembered.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::lease::table::ClientKey;
use crate::Pending;

/// The most verdicts remembered: past it, the oldest are forgotten (their clients are
/// asked about again), so a flood of MAC addresses cannot grow the memory.
const MAX_VERDICTS: usize = 65_536;

/// What became of a request given to [`Admissions::hold`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hold {
    /// Held: the first of its client, or a new request replacing an older one.
    Kept {
        /// An older request of the client was dropped for it.
        replaced: bool,
    },
    /// A retransmission of the request already held: dropped.
    Duplicate,
    /// Too many requests are held: dropped.
    Full,
}

struct Waiting {
    pending: Pending,
    since: Instant,
}

/// Verdicts by client, and the requests waiting for one.
#[derive(Default)]
pub(super) struct Admissions {
    verdicts: HashMap<ClientKey, (bool, Instant)>,
    /// The verdicts in the order given, with their expiry: forgotten from the front.
    order: VecDeque<(Instant, ClientKey)>,
    waiting: HashMap<ClientKey, Waiting>,
}

impl std::fmt::Debug for Admissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admissions")
            .field("verdicts", &self.verdicts.len())
            .field("waiting", &self.waiting.len())
            .finish()
    }
}

impl Admissions {
    /// The client's remembered verdict at `now`, if any.
    pub(super) fn verdict(&mut self, client: &ClientKey, now: Instant) -> Option<bool> {
        match self.verdicts.get(client) {
            Some((allowed, until)) if *until > now => Some(*allowed),
            Some(_) => {
                self.verdicts.remove(client);
                None
            }
            None => None,
        }
    }

    /// True when a request of the client is waiting for its verdict.
    pub(super) fn is_waiting(&self, client: &ClientKey) -> bool {
        self.waiting.contains_key(client)
    }

    /// The number of requests waiting.
    pub(super) fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Holds `pending` for its client's verdict, at most `max` clients at once. A
    /// retransmission (same `xid` and message type) of a held request is dropped; a
    /// new request of the client replaces the held one.
    pub(super) fn hold(
        &mut self,
        client: ClientKey,
        pending: Pending,
        now: Instant,
        max: usize,
    ) -> Hold {
        if let Some(held) = self.waiting.get_mut(&client) {
            let (old, new) = (held.pending.request(), pending.request());
            if old.xid == new.xid && old.message_type() == new.message_type() {
                return Hold::Duplicate;
            }
            held.pending = pending;
            held.since = now;
            return Hold::Kept { replaced: true };
        }
        if self.waiting.len() >= max {
            return Hold::Full;
        }
        self.waiting.insert(
            client,
            Waiting {
                pending,
                since: now,
            },
        );
        Hold::Kept { replaced: false }
    }

    /// Remembers the verdict for `ttl` from `now`; returns the client's held request,
    /// if any, to answer or drop.
    pub(super) fn decide(
        &mut self,
        client: ClientKey,
        allowed: bool,
        now: Instant,
        ttl: Duration,
    ) -> Option<Pending> {
        let until = now + ttl;
        self.verdicts.insert(client.clone(), (allowed, until));
        self.order.push_back((until, client.clone()));
        while self.verdicts.len() > MAX_VERDICTS {
            let Some((until, oldest)) = self.order.pop_front() else {
                break;
            };
            if self.verdicts.get(&oldest).is_some_and(|(_, u)| *u == until) {
                self.verdicts.remove(&oldest);
            }
        }
        self.waiting.remove(&client).map(|waiting| waiting.pending)
    }

    /// Forgets the client's verdict: it is asked about again.
    pub(super) fn forget(&mut self, client: &ClientKey) -> bool {
        self.verdicts.remove(client).is_some()
    }

    /// Drops the requests that waited `timeout` or more by `now`, and the verdicts
    /// expired by then; returns how many requests were dropped.
    pub(super) fn expire(&mut self, now: Instant, timeout: Duration) -> usize {
        let before = self.waiting.len();
        self.waiting
            .retain(|_, waiting| now.saturating_duration_since(waiting.since) < timeout);
        while let Some((until, _)) = self.order.front() {
            if *until > now {
                break;
            }
            let (until, client) = self.order.pop_front().expect("looked at");
            if self.verdicts.get(&client).is_some_and(|(_, u)| *u == until) {
                self.verdicts.remove(&client);
            }
        }
        before - self.waiting.len()
    }
}
