//! Server statistics: atomic counters shared by the threads, read as a snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use std::fmt;

use crate::MessageType;

/// Message types counted one by one: 1 to 18; slot 0 counts packets without a
/// known message type (BOOTP, unknown values).
const TYPE_SLOTS: usize = 19;

/// The live counters. Relaxed ordering: each counter is independent.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: AtomicU64,
    malformed: AtomicU64,
    dropped_full: AtomicU64,
    dropped_stopped: AtomicU64,
    receive_errors: AtomicU64,
    handled: [AtomicU64; TYPE_SLOTS],
    sent: [AtomicU64; TYPE_SLOTS],
    trimmed: AtomicU64,
    send_failures: AtomicU64,
    deferred: AtomicU64,
    deferred_answered: AtomicU64,
    deferred_abandoned: AtomicU64,
    tap_dropped: AtomicU64,
}

fn slot(kind: Option<MessageType>) -> usize {
    match kind.map(u8::from) {
        Some(value) if usize::from(value) < TYPE_SLOTS => usize::from(value),
        _ => 0,
    }
}

impl Counters {
    pub(crate) fn received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn malformed(&self) {
        self.malformed.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn dropped_full(&self) {
        self.dropped_full.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn dropped_stopped(&self) {
        self.dropped_stopped.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn receive_error(&self) {
        self.receive_errors.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn trimmed(&self) {
        self.trimmed.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn handled(&self, kind: Option<MessageType>) {
        self.handled[slot(kind)].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn sent(&self, kind: Option<MessageType>) {
        self.sent[slot(kind)].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn send_failure(&self) {
        self.send_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn deferred(&self) {
        self.deferred.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn deferred_answered(&self) {
        self.deferred_answered.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn deferred_abandoned(&self) {
        self.deferred_abandoned.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn tap_dropped(&self) {
        self.tap_dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ServerStats {
        let load = |counters: &[AtomicU64; TYPE_SLOTS]| {
            let mut values = [0; TYPE_SLOTS];
            for (out, counter) in values.iter_mut().zip(counters) {
                *out = counter.load(Ordering::Relaxed);
            }
            values
        };
        let (handled, sent_types) = (load(&self.handled), load(&self.sent));
        ServerStats {
            received: self.received.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            dropped_full: self.dropped_full.load(Ordering::Relaxed),
            dropped_stopped: self.dropped_stopped.load(Ordering::Relaxed),
            receive_errors: self.receive_errors.load(Ordering::Relaxed),
            handled,
            sent: sent_types.iter().sum(),
            sent_types,
            trimmed: self.trimmed.load(Ordering::Relaxed),
            send_failures: self.send_failures.load(Ordering::Relaxed),
            deferred: self.deferred.load(Ordering::Relaxed),
            deferred_answered: self.deferred_answered.load(Ordering::Relaxed),
            deferred_abandoned: self.deferred_abandoned.load(Ordering::Relaxed),
            tap_dropped: self.tap_dropped.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of a server's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerStats {
    /// Datagrams received on the sockets (injected packets are not counted).
    pub received: u64,
    /// Datagrams that did not decode as DHCP (also counted in `received`).
    pub malformed: u64,
    /// Datagrams dropped because the handler's queue was full (packets, and with
    /// [`Config::deliver_undecodable`](crate::Config::deliver_undecodable) the
    /// undecodable ones too).
    pub dropped_full: u64,
    /// Datagrams received but never handled because the handler stopped first (still
    /// queued, or read before the receive thread stopped); under supervision the
    /// next server never sees them.
    pub dropped_stopped: u64,
    /// Reads from a socket that failed with an error other than a timeout (each logged).
    pub receive_errors: u64,
    handled: [u64; TYPE_SLOTS],
    sent_types: [u64; TYPE_SLOTS],
    /// Replies sent. A reply is counted once `send_to` has returned, so a client can
    /// hold a reply a moment before this counter moves.
    pub sent: u64,
    /// Replies that lost options to fit the client's maximum message size (each logged
    /// with the codes dropped).
    pub trimmed: u64,
    /// Replies that could not be sent.
    pub send_failures: u64,
    /// Requests a handler set aside to answer later ([`Context::defer`](crate::Context::defer)).
    pub deferred: u64,
    /// Deferred requests answered ([`Pending::reply`](crate::Pending::reply)).
    pub deferred_answered: u64,
    /// Deferred requests whose [`Pending`](crate::Pending) was dropped without an
    /// answer (each logged at debug level).
    pub deferred_abandoned: u64,
    /// Datagrams the tap (`Config::tap`, feature `capture`) did not write: its
    /// queue was full (the disk was behind) or the write failed (logged).
    pub tap_dropped: u64,
}

impl ServerStats {
    /// Packets of this message type given to the handler; `None` counts those
    /// without a known type (BOOTP, unknown option 53 values).
    pub fn handled(&self, kind: Option<MessageType>) -> u64 {
        self.handled[slot(kind)]
    }

    /// Replies of this message type sent (counted as [`sent`](Self::sent) is);
    /// `None` counts those without a known type (BOOTP replies).
    pub fn sent_of_type(&self, kind: Option<MessageType>) -> u64 {
        self.sent_types[slot(kind)]
    }

    /// Deferred requests neither answered nor abandoned yet: tokens the handler (or
    /// its workers) still holds.
    pub fn deferred_outstanding(&self) -> u64 {
        self.deferred
            .saturating_sub(self.deferred_answered)
            .saturating_sub(self.deferred_abandoned)
    }

    /// Packets given to the handler, all types.
    pub fn handled_total(&self) -> u64 {
        self.handled.iter().sum()
    }
}

/// One line, for a log or a status display: what came in, what was handled (by
/// type), what went out, and every loss; counters that only a feature in use moves
/// (deferred replies, the tap) appear once they are not zero.
///
/// ```
/// let line = ex_dhcp::ServerStats::default().to_string();
/// assert_eq!(
///     line,
///     "received 0 (malformed 0), handled 0, sent 0, send failures 0, trimmed 0, \
///      dropped: queue full 0, at stop 0; receive errors 0"
/// );
/// ```
impl fmt::Display for ServerStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "received {} (malformed {}), handled {}",
            self.received,
            self.malformed,
            self.handled_total()
        )?;
        let mut first = true;
        for (value, &count) in self.handled.iter().enumerate() {
            if count == 0 {
                continue;
            }
            f.write_str(if first { " (" } else { ", " })?;
            first = false;
            match u8::try_from(value).ok().filter(|&v| v > 0) {
                Some(value) => write!(f, "{} {count}", MessageType::from(value))?,
                None => write!(f, "other {count}")?,
            }
        }
        if !first {
            f.write_str(")")?;
        }
        write!(
            f,
            ", sent {}, send failures {}, trimmed {}, dropped: queue full {}, at stop {}; \
             receive errors {}",
            self.sent,
            self.send_failures,
            self.trimmed,
            self.dropped_full,
            self.dropped_stopped,
            self.receive_errors
        )?;
        if self.deferred > 0 {
            write!(
                f,
                "; deferred {} (answered {}, abandoned {}, outstanding {})",
                self.deferred,
                self.deferred_answered,
                self.deferred_abandoned,
                self.deferred_outstanding()
            )?;
        }
        if self.tap_dropped > 0 {
            write!(f, "; tap dropped {}", self.tap_dropped)?;
        }
        Ok(())
    }
}
