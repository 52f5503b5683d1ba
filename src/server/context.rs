//! What a callback may use besides the state: the time, its own mailbox, the sockets,
//! and tokens for answering a request later.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::error::NotRunning;
use super::handler::{Listener, Source};
use super::outcome::{Deferred, Reply};
use super::stats::Counters;
use crate::wake;
use crate::Packet;

/// A cloneable, `Send` address of a handler: worker threads post messages to it, and
/// [`Handler::message`](crate::Handler::message) takes them one by one on the handler
/// thread (ExDhcp's `handle_info`).
///
/// Get one from [`Context::mailbox`] (in [`Handler::init`](crate::Handler::init), say),
/// [`Handle::mailbox`](crate::Handle::mailbox) or [`Harness::mailbox`](crate::Harness::mailbox).
/// The queue is unbounded, like a cast's: bound the work you hand out instead.
///
/// ```
/// use std::thread;
/// use ex_dhcp::{Context, Handler, Harness, Packet, Reply, Source};
///
/// struct Counter { seen: Vec<u32> }
///
/// impl Handler for Counter {
///     type Message = u32;
///     fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply { Reply::None }
///     fn request(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply { Reply::None }
///     fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply { Reply::None }
///     fn message(&mut self, n: u32, _: &mut Context<'_, u32>) -> Reply {
///         self.seen.push(n);
///         Reply::None
///     }
/// }
///
/// let mut harness = Harness::new(Counter { seen: Vec::new() });
/// let mailbox = harness.mailbox();
/// thread::spawn(move || mailbox.post(7)).join().unwrap()?;
/// let message = harness.posted(std::time::Duration::from_secs(5)).expect("posted");
/// harness.deliver(message);
/// assert_eq!(harness.call(|state| state.seen.clone()), Some(vec![7]));
/// # Ok::<(), ex_dhcp::NotRunning>(())
/// ```
pub struct Mailbox<M> {
    sender: wake::Sender<M>,
}

impl<M> Clone for Mailbox<M> {
    fn clone(&self) -> Self {
        Mailbox {
            sender: self.sender.clone(),
        }
    }
}

impl<M> fmt::Debug for Mailbox<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailbox")
            .field("queued", &self.sender.len())
            .finish()
    }
}

impl<M> Mailbox<M> {
    pub(crate) fn new(sender: wake::Sender<M>) -> Self {
        Mailbox { sender }
    }

    /// The mailbox of no handler: every post fails with [`NotRunning`].
    pub(crate) fn closed() -> Self {
        let (sender, _) = wake::unbounded(&wake::Waker::new());
        Mailbox { sender }
    }

    /// Queues `message` for [`Handler::message`](crate::Handler::message) on the
    /// handler thread, without waiting. Fails once the server has stopped.
    pub fn post(&self, message: M) -> Result<(), NotRunning> {
        self.sender.send(message).map_err(|_| NotRunning)
    }
}

/// A request the handler will answer later: the token a callback keeps (or hands to a
/// worker) when it returns [`Reply::None`] now and answers when slow work completes.
///
/// It holds what routing needs from the request (RFC 2131 4.1: `giaddr`, `ciaddr`,
/// flags; option 57 for fitting; the socket it came in on), so that
/// [`Pending::reply`] leaves from the same socket, to the same destination and fitted
/// the same way as an immediate reply would. [`ServerStats`](crate::ServerStats) counts every
/// token: made ([`deferred`](crate::ServerStats::deferred)), answered, and dropped without
/// an answer ([`deferred_abandoned`](crate::ServerStats::deferred_abandoned), logged), so
/// none leaks silently; [`Pending::age`] lets a handler expire old ones on its own
/// terms (from [`Handler::tick`](crate::Handler::tick), for instance).
pub struct Pending {
    request: Arc<Packet>,
    listener: usize,
    received: Instant,
    counters: Arc<Counters>,
    answered: bool,
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("xid", &format_args!("{:#010x}", self.request.xid))
            .field("listener", &self.listener)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// The request to answer.
    pub fn request(&self) -> &Packet {
        &self.request
    }

    /// When the request was taken (the [`Context::now`] of its callback).
    pub fn received(&self) -> Instant {
        self.received
    }

    /// How long it has waited by `now`.
    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.received)
    }

    /// The answer, as a [`Reply`] to return from a callback: `Send` and `SendTo`
    /// become a [`Reply::Deferred`], which leaves from the socket the request came in
    /// on and is fitted to the request (option 57); `Send` is routed as an answer to
    /// the request, `SendTo` goes where it says. The request counts as answered when
    /// the server routes that reply, and as abandoned if the reply is dropped instead;
    /// `None` and `Stop` send nothing, so they count it as abandoned at once.
    #[must_use = "the reply is sent only when a callback returns it"]
    pub fn reply(mut self, reply: impl Into<Reply>) -> Reply {
        let (packet, to) = match reply.into() {
            Reply::Send(packet) => (packet, None),
            Reply::SendTo(packet, to) => (packet, Some(to)),
            // `None`, `Stop`, or another request's answer (which carries its own token).
            other => return other,
        };
        // The token moves into the reply, which counts it from now on.
        self.answered = true;
        Reply::Deferred(Deferred {
            request: Arc::clone(&self.request),
            listener: self.listener,
            packet,
            to,
            counters: Arc::clone(&self.counters),
            routed: false,
        })
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.answered {
            self.counters.deferred_abandoned();
            log::debug!(
                "a deferred reply to xid {:#010x} was dropped without an answer",
                self.request.xid
            );
        }
    }
}

/// Where [`Context::system_time`] comes from: the system's clock on a server, the
/// harness's stepped one in tests.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// `SystemTime::now()`.
    System,
    /// `wall` at `start`, moving with the harness's `now` and nothing else.
    Stepped { start: Instant, wall: SystemTime },
}

impl Clock {
    pub(crate) fn system_time(self, now: Instant) -> SystemTime {
        match self {
            Clock::System => SystemTime::now(),
            Clock::Stepped { start, wall } => wall + now.saturating_duration_since(start),
        }
    }
}

/// What a callback gets besides the packet: the time, the handler's own mailbox, the
/// sockets, and [`Context::defer`] for answering later.
///
/// `M` is the handler's [`Handler::Message`](crate::Handler::Message).
pub struct Context<'a, M = ()> {
    pub(crate) now: Instant,
    pub(crate) clock: Clock,
    pub(crate) mailbox: &'a Mailbox<M>,
    pub(crate) listeners: &'a [Listener],
    pub(crate) counters: &'a Arc<Counters>,
    pub(crate) continues: &'a mut VecDeque<M>,
}

impl<M> fmt::Debug for Context<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("now", &self.now)
            .field("listeners", &self.listeners)
            .field("continues", &self.continues.len())
            .finish_non_exhaustive()
    }
}

impl<M> Context<'_, M> {
    /// The time of this event: when the packet was taken, the tick fired, the message
    /// was delivered. On a [`Harness`](crate::Harness), its own clock, which tests step
    /// with [`Harness::advance`](crate::Harness::advance).
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The calendar time of this event, for what must outlive the process (lease
    /// expiry in a lease file). On a server, the system's clock; on a
    /// [`Harness`](crate::Harness), one that moves only with
    /// [`Harness::advance`](crate::Harness::advance) (see
    /// [`Harness::set_system_time`](crate::Harness::set_system_time)). For intervals,
    /// [`Context::now`].
    pub fn system_time(&self) -> SystemTime {
        self.clock.system_time(self.now)
    }

    /// The handler's own mailbox: clone it for worker threads.
    pub fn mailbox(&self) -> &Mailbox<M> {
        self.mailbox
    }

    /// The server's sockets, main first.
    pub fn listeners(&self) -> &[Listener] {
        self.listeners
    }

    /// A token to answer `packet` later: return [`Reply::None`] now, and
    /// [`Pending::reply`] from a later callback.
    pub fn defer(&self, packet: &Packet, from: &Source) -> Pending {
        self.counters.deferred();
        Pending {
            request: Arc::new(packet.clone()),
            listener: from.listener,
            received: self.now,
            counters: Arc::clone(self.counters),
            answered: false,
        }
    }

    /// Follow-up work on the handler itself (ExDhcp's `handle_continue`): `message`
    /// goes to [`Handler::message`](crate::Handler::message) right after this
    /// callback, before any other packet or message. Several run in order. (A
    /// handler that keeps continuing lets a stop or a call in every 64 messages, so it
    /// can still be stopped.)
    pub fn continue_with(&mut self, message: M) {
        self.continues.push_back(message);
    }
}
