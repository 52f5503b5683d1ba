//! Submissions to the store not yet reported durable, with the replies and events
//! that wait for them: the heart of "no ACK before its lease is durable".

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::lease::engine::{Allocation, Change};
use crate::lease::event::LeaseEvent;
use crate::lease::table::Entry;
use crate::{Packet, Pending};

/// One submission to the store and what waits for it.
#[derive(Debug)]
pub(super) struct Submission {
    /// The store worker's sequence number: a reply with no changes of its own waits
    /// for the last submission before it.
    pub(super) seq: u64,
    /// The changes it submitted: its share of the batch's results.
    pub(super) changes: Vec<Change>,
    /// Per change, the client's entry before it, to take a refused change back.
    pub(super) before: Vec<Option<Entry>>,
    /// Where the engine could bind when it made the changes.
    pub(super) made_under: Allocation,
    /// Whether it extends a lease the client held (refused: silence, not a NAK).
    pub(super) renewal: bool,
    /// The request to answer and the answer, once the changes are durable.
    pub(super) answer: Option<(Pending, Packet)>,
    /// What the changes mean, reported once they are durable.
    pub(super) events: Vec<LeaseEvent>,
    /// When it was submitted.
    pub(super) since: Instant,
}

/// The submissions not yet reported durable, oldest first.
#[derive(Debug, Default)]
pub(super) struct HeldReplies {
    queue: VecDeque<Submission>,
    /// How many of them hold an answer.
    answers: usize,
}

impl HeldReplies {
    pub(super) fn push(&mut self, submission: Submission) {
        self.answers += usize::from(submission.answer.is_some());
        self.queue.push_back(submission);
    }

    /// The replies held.
    pub(super) fn answers(&self) -> usize {
        self.answers
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// When the oldest submission not yet durable was made.
    pub(super) fn oldest(&self) -> Option<Instant> {
        self.queue.front().map(|submission| submission.since)
    }

    /// Takes the next submission below `end` (a batch's sequence numbers end there).
    pub(super) fn pop_below(&mut self, end: u64) -> Option<Submission> {
        if self.queue.front().is_some_and(|s| s.seq < end) {
            let submission = self.queue.pop_front()?;
            self.answers -= usize::from(submission.answer.is_some());
            return Some(submission);
        }
        None
    }

    /// Drops the answers that waited `max_age` or more by `now` (their clients have
    /// stopped waiting); the submissions stay, for their changes' results. Returns how
    /// many were dropped.
    pub(super) fn drop_stale(&mut self, now: Instant, max_age: Duration) -> usize {
        let mut dropped = 0;
        for submission in &mut self.queue {
            if now.saturating_duration_since(submission.since) < max_age {
                break;
            }
            if submission.answer.take().is_some() {
                dropped += 1;
            }
        }
        self.answers -= dropped;
        dropped
    }

    /// Every submission, dropped: the store stopped, and none of them is durable.
    pub(super) fn abandon(&mut self) -> usize {
        let answers = self.answers;
        self.queue.clear();
        self.answers = 0;
        answers
    }
}
