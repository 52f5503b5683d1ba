//! A batch reported by the store: the replies it makes durable leave, those it
//! refuses become NAKs or silence, and the engine takes back what the store did not
//! take.

use std::net::Ipv4Addr;
use std::time::Instant;

use log::{error, warn};

use crate::options::ServerIdentifier;
use crate::{Context, MessageType, Packet, Pending, Reply};

use crate::lease::engine::{client_key, Change};
use crate::lease::event::{LeaseEvent, LeaseEventKind};
use crate::lease::reach::Reach;
use crate::lease::store::{Committed, StoreError};
use crate::lease::table::{secs, Secs};
use crate::lease::worker::Done;

use super::held::Submission;
use super::hooks::Hooks;
use super::LeaseService;

/// Why a change of a submission did not become durable.
#[derive(Debug, Clone)]
enum Refusal {
    /// The store says another client holds the address, or this client holds
    /// another one.
    Conflict(Committed),
    /// The store could not settle it (contention), or could not be reached.
    Unsettled(&'static str),
}

impl<H: Hooks> LeaseService<H> {
    /// A batch is reported: its replies go to `ready` and its events to the hook, a
    /// refused one's request gets a NAK or silence; a store that failed for another
    /// reason than being unreachable stops the server, since a lease that cannot be
    /// written down is a lease that could be handed out twice.
    pub(super) fn durable<M>(&mut self, done: Done, ctx: &mut Context<'_, M>) -> Option<Reply> {
        let now = ctx.now();
        let now_secs = secs(ctx.system_time());
        self.note_revoked(done.revoked);
        let (results, failed) = match done.result {
            Ok(results) => (results, false),
            Err(StoreError::Unavailable(text)) => {
                warn!("lease store unreachable: {text}: the batch's replies are refused");
                (Vec::new(), true)
            }
            Err(e) => {
                let unsent = self.held.abandon();
                error!(
                    "{e}; stopping rather than acknowledge leases that are not durable \
                     ({unsent} replies not sent)"
                );
                return Some(Reply::stop_with_error(e.to_string()));
            }
        };
        self.note_reach(if failed { Reach::Down } else { done.reach }, failed, now);
        self.stats.batches += 1;
        let micros = u64::try_from(done.took.as_micros()).unwrap_or(u64::MAX);
        self.stats.commit_micros.observe(micros);
        self.stats.batch_changes.observe(done.changes as u64);
        let mut results = results.into_iter();
        while let Some(submission) = self.held.pop_below(done.seqs.end) {
            // Every one of its results is taken, so that the next submission's start
            // where they should, even when an early one was refused.
            let mine: Vec<Committed> = results.by_ref().take(submission.changes.len()).collect();
            self.settle(submission, mine, failed, now, now_secs);
        }
        None
    }

    /// One submission's results: its reply released, or refused with the engine
    /// corrected.
    fn settle(
        &mut self,
        submission: Submission,
        results: Vec<Committed>,
        failed: bool,
        now: Instant,
        now_secs: Secs,
    ) {
        let mut refusal = None;
        for (index, change) in submission.changes.iter().enumerate() {
            let refused = match results.get(index) {
                _ if failed => Some(Refusal::Unsettled("the store cannot be reached")),
                Some(Committed::Durable) => None,
                Some(Committed::Journaled)
                    if self.journal_safe(change, submission.made_under, now) =>
                {
                    self.stats.journaled += 1;
                    None
                }
                Some(Committed::Journaled) => Some(Refusal::Unsettled(
                    "journaled, but not the server's to grant while the store is down",
                )),
                Some(conflict @ Committed::Conflict { .. }) => {
                    Some(Refusal::Conflict(conflict.clone()))
                }
                Some(_) | None => Some(Refusal::Unsettled("the store could not settle it")),
            };
            match refused {
                None => {
                    if matches!(results.get(index), Some(Committed::Durable)) {
                        self.stats.changes += 1;
                    }
                }
                Some(reason) => {
                    self.count_refusal(&reason);
                    refusal.get_or_insert(reason);
                }
            }
        }
        if refusal.is_none() {
            for event in &submission.events {
                self.hooks.event(event);
            }
        } else {
            // Taken back latest first, so each change finds the state it made.
            for (change, before) in submission.changes.iter().zip(&submission.before).rev() {
                if !matches!(refusal, Some(Refusal::Conflict(_))) {
                    self.engine.undo(change, before.as_ref());
                }
            }
        }
        let Some((pending, reply)) = submission.answer else {
            if let Some(refusal) = refusal {
                warn!("the store refused a lease change: {refusal:?}");
            }
            return;
        };
        if now.saturating_duration_since(submission.since) >= self.config.max_reply_age {
            self.stats.stale_replies += 1;
            drop(pending);
            return;
        }
        match refusal {
            None => self.ready.push_back(pending.reply(reply)),
            Some(refusal) => {
                let renewal = submission.renewal;
                let answer = self.refused_answer(&pending, &reply, refusal, renewal, now_secs);
                self.ready.push_back(pending.reply(answer));
            }
        }
    }

    fn count_refusal(&mut self, refusal: &Refusal) {
        match refusal {
            Refusal::Conflict(_) => self.stats.conflicts += 1,
            Refusal::Unsettled(_) => self.stats.contended += 1,
        }
    }

    /// The answer to a request whose lease the store refused: a REQUEST's ACK becomes
    /// a NAK (the client starts over at once), or silence for a renewal the store
    /// could not settle (the client keeps its lease and retries); a rapid-commit
    /// DISCOVER or a BOOTP request gets silence, and the client tries again.
    fn refused_answer(
        &mut self,
        pending: &Pending,
        reply: &Packet,
        refusal: Refusal,
        renewal: bool,
        now: Secs,
    ) -> Reply {
        let request = pending.request();
        let client = client_key(request);
        let is_ack_to_request = request.message_type() == Some(MessageType::Request)
            && reply.message_type() == Some(MessageType::Ack);
        let nak = match refusal {
            Refusal::Conflict(Committed::Conflict {
                addr,
                holder,
                until,
                ..
            }) => {
                let held_by = holder
                    .as_ref()
                    .map_or_else(|| "taken".to_owned(), |h| format!("held by {h}"));
                warn!("{addr} is {held_by} in the shared store: refusing {client}");
                let nak = self.engine.conflict(request, addr, holder, until, now);
                if let Some(subnet) = self.engine.subnet_of(reply.yiaddr) {
                    let event = LeaseEvent::new(
                        LeaseEventKind::LostRace,
                        subnet,
                        reply.yiaddr,
                        Some(client.clone()),
                        None,
                    );
                    self.hooks.event(&event);
                }
                nak
            }
            Refusal::Conflict(_) => self.engine_nak(request),
            Refusal::Unsettled(why) => {
                warn!("{client}'s lease of {}: {why}: refused", reply.yiaddr);
                if renewal {
                    return Reply::None;
                }
                self.engine_nak(request)
            }
        };
        if is_ack_to_request {
            let mut nak = nak;
            let mac = request.mac();
            let info = super::RequestInfo {
                request,
                client: &client,
                mac,
                host: mac.and_then(|mac| self.engine.host(mac)),
                subnet: self.engine.subnet_of(reply.yiaddr),
                from: None,
            };
            self.hooks.reply(&info, &mut nak);
            Reply::Send(nak)
        } else {
            Reply::None
        }
    }

    /// A NAK for `request`, as the engine words one.
    pub(super) fn engine_nak(&self, request: &Packet) -> Packet {
        let relayed = request.giaddr != Ipv4Addr::UNSPECIFIED;
        crate::respond(request, MessageType::Nak)
            .with_option(ServerIdentifier, self.engine.settings().server_id)
            .with_broadcast(relayed || request.broadcast())
    }
}

/// True when `change` extends a lease the client held live (per `before`): a renewal.
pub(super) fn is_renewal(
    changes: &[Change],
    before: &[Option<crate::lease::Entry>],
    now: Secs,
) -> bool {
    changes.iter().zip(before).any(|(change, before)| {
        matches!((change, before), (Change::Bound { addr, .. }, Some(entry)) if entry.addr == *addr && entry.bound(now))
    })
}
