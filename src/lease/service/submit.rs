//! Replies that wait for the store: the changes handed to the worker, the replies
//! held until their batch is durable and released one per callback, and the
//! compaction of a log-shaped store.

use std::time::Instant;

use crate::{Context, MessageType, Packet, Pending, Reply, Source};

use crate::lease::engine::{Change, Outcome};
use crate::lease::table::{secs, Secs};

use super::held::Submission;
use super::hooks::Hooks;
use super::message::{Inner, LeaseMessage};
use super::{durable, LeaseService};

impl<H: Hooks> LeaseService<H> {
    /// The reply now if it promises nothing durable, else the changes to the worker
    /// and the reply held until they are committed.
    pub(super) fn hold<M>(
        &mut self,
        outcome: Outcome,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, M>,
    ) -> Reply {
        let times = (ctx.now(), secs(ctx.system_time()));
        if self.worker.is_none() || !self.must_wait(&outcome.changes, outcome.reply.as_ref()) {
            return self.at_once(outcome).into();
        }
        let mut outcome = outcome;
        let answer = outcome
            .reply
            .take()
            .map(|reply| (ctx.defer(packet, from), reply));
        self.submit(outcome, answer, times);
        Reply::None
    }

    /// [`hold`](Self::hold) for a request already deferred.
    pub(super) fn hold_pending(
        &mut self,
        mut outcome: Outcome,
        pending: Pending,
        times: (Instant, Secs),
    ) {
        let Some(reply) = outcome.reply.take() else {
            self.ready.push_back(pending.reply(Reply::None));
            if !outcome.changes.is_empty() {
                self.submit(outcome, None, times);
            }
            return;
        };
        if self.worker.is_none() || !self.must_wait(&outcome.changes, Some(&reply)) {
            self.at_once(outcome);
            self.ready.push_back(pending.reply(reply));
            return;
        }
        self.submit(outcome, Some((pending, reply)), times);
    }

    /// An outcome that needs no store: its events now, its reply to send.
    pub(super) fn at_once(&mut self, outcome: Outcome) -> Option<Packet> {
        if self.worker.is_none() {
            for event in &outcome.events {
                self.hooks.event(event);
            }
        }
        outcome.reply
    }

    /// Whether a reply must wait for the store: it follows changes of its own, or it
    /// is an ACK that may confirm a lease whose write is still queued.
    pub(super) fn must_wait(&self, changes: &[Change], reply: Option<&Packet>) -> bool {
        let is_ack = reply.is_some_and(|r| r.message_type() == Some(MessageType::Ack));
        !changes.is_empty() || (is_ack && !self.held.is_empty())
    }

    /// Hands the outcome's changes to the worker (or, with none, waits for the last
    /// submission: an ACK that changes nothing may confirm a lease whose write is
    /// still queued), with the answer that waits for them.
    pub(super) fn submit(
        &mut self,
        outcome: Outcome,
        answer: Option<(Pending, Packet)>,
        (now, now_secs): (Instant, Secs),
    ) {
        let Outcome {
            changes,
            events,
            before,
            ..
        } = outcome;
        let Some(worker) = &mut self.worker else {
            for event in &events {
                self.hooks.event(event);
            }
            if let Some((pending, reply)) = answer {
                self.ready.push_back(pending.reply(reply));
            }
            return;
        };
        let seq = if changes.is_empty() {
            worker.next_seq().saturating_sub(1)
        } else {
            self.since_compact += changes.len() as u64;
            worker.submit(changes.clone())
        };
        let renewal = durable::is_renewal(&changes, &before, now_secs);
        self.held.push(Submission {
            seq,
            changes,
            before,
            made_under: self.engine.allocation(),
            renewal,
            answer,
            events,
            since: now,
        });
    }

    /// The next released reply; more to come are continued with.
    pub(super) fn next_ready<M>(&mut self, ctx: &mut Context<'_, M>) -> Reply
    where
        M: From<LeaseMessage>,
    {
        let reply = self.ready.pop_front().unwrap_or(Reply::None);
        if !self.ready.is_empty() {
            ctx.continue_with(M::from(LeaseMessage(Inner::Release)));
        }
        reply
    }

    /// Hands the worker a compaction when the log has grown well past the live
    /// leases; the snapshot is taken here, the store rewritten on the worker.
    pub(super) fn compact_if_due(&mut self, now: Secs) {
        let Some(worker) = &mut self.worker else {
            return;
        };
        if self.since_compact < self.config.compact_after.max(2 * self.kept) {
            return;
        }
        let live = self.engine.snapshot(now);
        self.kept = live.len() as u64;
        self.since_compact = 0;
        worker.compact(live);
    }
}
