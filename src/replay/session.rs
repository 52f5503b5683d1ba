//! One run of a replay: each client packet fed to the harness in recording order,
//! the replies the handler answers later waited for, and every reply matched to the
//! request it answers.
//!
//! A handler answers later by deferring the request ([`Context::defer`](crate::Context::defer))
//! and replying from [`Handler::message`] once a worker posts to its mailbox. The
//! replay follows the recording's timeline: before the next client packet it waits
//! for the replies the recording shows before that packet, delivering every message
//! workers post meanwhile (whether it answers a request or not) and the follow-up
//! work those queue. It waits only while the handler holds a deferred request, so a
//! reply an immediate handler did not give is missing at once, and each wait at
//! most the reply timeout. After the last packet it waits until no deferred request
//! is left. A recording without server replies has no timeline: each packet's
//! deferred requests are waited for before the next packet.
//!
//! A reply that comes later is matched to a request as the recording pairs them:
//! the same xid and `chaddr`, a message type that answers the request's; among
//! those, the earliest deferred request still without a later reply, then the
//! earliest with fewer replies than recorded, then the latest.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use super::recording::{answers, Exchange};
use super::report::Sent;
use crate::server::Outgoing;
use crate::{Handler, Harness, Packet, StopReason};

/// The harness's main socket, where replayed packets arrive.
const MAIN_LISTENER: usize = 0;

/// What a replay waits for.
enum Goal {
    /// The recorded replies due by now.
    Recorded,
    /// No deferred request left; a timeout names the earliest one still
    /// unanswered, else `fallback`.
    Deferred { fallback: usize },
}

/// A wait that ended without the reply.
#[derive(Debug)]
pub(super) struct Unanswered {
    /// The exchange, by index.
    pub(super) exchange: usize,
    /// Deferred requests not answered when the wait ended.
    pub(super) outstanding: u64,
}

/// What the handler sent for each exchange, and why it stopped, if it did.
#[derive(Debug)]
pub(super) struct Replayed {
    pub(super) got: Vec<Vec<Sent>>,
    pub(super) stopped: Option<StopReason>,
}

pub(super) struct Session<'a, H: Handler> {
    harness: Harness<H>,
    exchanges: &'a [Exchange],
    timeout: Duration,
    /// Per exchange replayed so far: the replies, in the order they came.
    got: Vec<Vec<Sent>>,
    /// Per exchange replayed so far: whether its packet was deferred.
    deferred: Vec<bool>,
    /// Per exchange replayed so far: whether a reply came for it later.
    answered_later: Vec<bool>,
    /// The exchanges replayed so far, by xid and `chaddr`.
    transactions: HashMap<(u32, [u8; 16]), Vec<usize>>,
    /// Per exchange: how many of its recorded replies came before the next client
    /// packet replayed.
    due: Vec<usize>,
    /// Per exchange, the exchanges with a recorded reply that comes before the next
    /// client packet and after this one, once per reply.
    due_after: Vec<Vec<usize>>,
    /// Exchanges that may still be short of their due replies.
    short: BTreeSet<usize>,
}

impl<'a, H: Handler> Session<'a, H> {
    pub(super) fn new(harness: Harness<H>, exchanges: &'a [Exchange], timeout: Duration) -> Self {
        let mut due_after = vec![Vec::new(); exchanges.len()];
        for (index, exchange) in exchanges.iter().enumerate() {
            for reply in &exchange.replies {
                // The last client packet before the reply, never one before its own.
                let before = exchanges.partition_point(|e| e.request.seq() < reply.seq());
                due_after[before.saturating_sub(1).max(index)].push(index);
            }
        }
        Session {
            harness,
            exchanges,
            timeout,
            got: Vec::with_capacity(exchanges.len()),
            deferred: Vec::with_capacity(exchanges.len()),
            answered_later: Vec::with_capacity(exchanges.len()),
            transactions: HashMap::new(),
            due: vec![0; exchanges.len()],
            due_after,
            short: BTreeSet::new(),
        }
    }

    /// Replays every exchange; `compared` is false for a recording without server
    /// replies.
    pub(super) fn run(mut self, compared: bool) -> Result<Replayed, Unanswered> {
        for index in 0..self.exchanges.len() {
            self.inject(index);
            if compared {
                for exchange in std::mem::take(&mut self.due_after[index]) {
                    self.due[exchange] += 1;
                    self.short.insert(exchange);
                }
                self.wait(&Goal::Recorded)?;
            } else {
                self.wait(&Goal::Deferred { fallback: index })?;
            }
        }
        let last = self.exchanges.len().saturating_sub(1);
        self.wait(&Goal::Deferred { fallback: last })?;
        Ok(Replayed {
            got: self.got,
            stopped: self.harness.stopped().cloned(),
        })
    }

    /// Hands an exchange's client packet to the handler, from its recorded sender.
    fn inject(&mut self, index: usize) {
        let exchanges = self.exchanges;
        let request = &exchanges[index].request;
        let deferred_before = self.harness.stats().deferred;
        let reply = self
            .harness
            .source(request.replay_source(), MAIN_LISTENER)
            .and_then(|source| self.harness.inject_from(request.packet.clone(), source));
        self.got.push(reply.into_iter().map(sent).collect());
        self.deferred
            .push(self.harness.stats().deferred > deferred_before);
        self.answered_later.push(false);
        let packet = &request.packet;
        self.transactions
            .entry((packet.xid, packet.chaddr))
            .or_default()
            .push(index);
        self.take_followups();
    }

    /// Waits, delivering what is posted, until the goal is met, nothing deferred is
    /// left to answer, or the timeout.
    fn wait(&mut self, goal: &Goal) -> Result<(), Unanswered> {
        let start = Instant::now();
        loop {
            if !self.missing(goal) || self.harness.stopped().is_some() {
                return Ok(());
            }
            let outstanding = self.harness.stats().deferred_outstanding();
            let left = self.timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                return match outstanding {
                    0 => Ok(()),
                    _ => Err(Unanswered {
                        exchange: self.waiting_for(goal),
                        outstanding,
                    }),
                };
            }
            // With no deferred request, only what is posted already can still answer.
            let wait = if outstanding == 0 {
                Duration::ZERO
            } else {
                left
            };
            match self.harness.posted(wait) {
                Some(message) => self.deliver(message),
                None if outstanding == 0 => return Ok(()),
                None => {}
            }
        }
    }

    fn missing(&mut self, goal: &Goal) -> bool {
        match goal {
            Goal::Recorded => {
                let (got, due) = (&self.got, &self.due);
                self.short.retain(|&index| got[index].len() < due[index]);
                !self.short.is_empty()
            }
            Goal::Deferred { .. } => self.harness.stats().deferred_outstanding() > 0,
        }
    }

    /// The exchange a wait that timed out was waiting for.
    fn waiting_for(&self, goal: &Goal) -> usize {
        match goal {
            Goal::Recorded => self.short.first().copied().unwrap_or(0),
            Goal::Deferred { fallback } => (0..self.got.len())
                .find(|&index| self.deferred[index] && !self.answered_later[index])
                .unwrap_or(*fallback),
        }
    }

    fn deliver(&mut self, message: H::Message) {
        if let Some(outgoing) = self.harness.deliver(message) {
            self.later(outgoing);
        }
        self.take_followups();
    }

    /// The replies of follow-up work ([`Context::continue_with`](crate::Context::continue_with)).
    fn take_followups(&mut self) {
        for outgoing in self.harness.sent() {
            self.later(outgoing);
        }
    }

    /// A reply that did not come straight back from its packet's callback.
    fn later(&mut self, outgoing: Outgoing) {
        let index = self.owner(&outgoing.packet);
        self.got[index].push(sent(outgoing));
        self.answered_later[index] = true;
    }

    /// The exchange a later reply answers (see the module docs); the one replayed
    /// last when it answers none.
    fn owner(&self, reply: &Packet) -> usize {
        let current = self.got.len().saturating_sub(1);
        let Some(candidates) = self.transactions.get(&(reply.xid, reply.chaddr)) else {
            return current;
        };
        let answering = |index: usize| {
            answers(
                self.exchanges[index].request.packet.message_type(),
                reply.message_type(),
            )
        };
        let waiting = |index: usize| self.deferred[index] && !self.answered_later[index];
        let short = |index: usize| self.got[index].len() < self.exchanges[index].replies.len();
        let fitting = candidates.iter().copied().filter(|&index| answering(index));
        fitting
            .clone()
            .find(|&index| waiting(index))
            .or_else(|| fitting.clone().find(|&index| short(index)))
            .or_else(|| fitting.clone().next_back())
            .or_else(|| candidates.last().copied())
            .unwrap_or(current)
    }
}

fn sent(outgoing: Outgoing) -> Sent {
    Sent::new(outgoing.packet, Some(outgoing.to))
}
