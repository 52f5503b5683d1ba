//! The socket-less mode: drive a handler from a test, read back each reply and where
//! it would go, through the same dispatch code the handler thread runs, on a clock
//! the test steps.

use std::net::SocketAddrV4;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Receiver;

use super::config::Config;
use super::context::{Clock, Mailbox};
use super::dispatch::{Dispatcher, Exit, Outgoing, Step};
use super::handle::injected_from;
use super::handler::{Handler, Listener, SendFailure, Source, Undecodable};
use super::outcome::StopReason;
use super::stats::{Counters, ServerStats};
use crate::Encoding;
use crate::Packet;

/// A handler without sockets or threads, for tests.
///
/// Each packet goes through the same dispatch, routing (RFC 2131 section 4.1) and
/// fitting as on a running server; the reply comes back with its destination. Nothing
/// runs by itself: the test injects packets, delivers messages and steps the clock.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::{respond, Harness, MessageType, Packet, Reply, Source};
///
/// let mut harness = Harness::new(|packet: &Packet, _from: &Source| -> Reply {
///     respond(packet, MessageType::Offer).with_yiaddr(Ipv4Addr::new(198, 18, 0, 10)).into()
/// });
/// let sent = harness.inject(Packet::new(MessageType::Discover)).expect("an offer");
/// assert_eq!(sent.packet.message_type(), Some(MessageType::Offer));
/// assert_eq!(sent.to.ip(), &Ipv4Addr::BROADCAST);
/// ```
pub struct Harness<H: Handler> {
    /// `Some` until [`Harness::finish`] or drop, which both consume the harness.
    dispatcher: Option<Dispatcher<H>>,
    listeners: Vec<Listener>,
    /// Where [`Harness::inject`] says a packet came from.
    injected_from: Source,
    counters: Arc<Counters>,
    stopped: Option<StopReason>,
    messages: Receiver<H::Message>,
    mailbox: Mailbox<H::Message>,
    now: Instant,
    tick: Option<Duration>,
    next_tick: Option<Instant>,
    deliver_undecodable: bool,
    /// Replies from follow-up work ([`Context::continue_with`](crate::Context::continue_with)),
    /// for [`Harness::sent`].
    followups: Vec<Outgoing>,
    /// The tap ([`Config::tap`]), written on this thread: a harness has no other.
    #[cfg(feature = "capture")]
    tap: Option<crate::capture::PcapWriter<std::fs::File>>,
}

impl<H: Handler> std::fmt::Debug for Harness<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("listeners", &self.listeners)
            .field("stopped", &self.stopped)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Harness<H> {
    /// A harness with the default configuration; [`Handler::init`] is called with one
    /// pretend socket at 0.0.0.0:6767.
    pub fn new(handler: H) -> Self {
        Harness::with_config(Config::default(), handler)
    }

    /// A harness with the routing and tick of `config`, and one pretend socket per
    /// configured socket, at its configured address (port 0 stays 0).
    ///
    /// When [`Handler::init`] fails, the harness starts stopped: see [`Harness::stopped`].
    pub fn with_config(config: Config, handler: H) -> Self {
        let counters = Arc::new(Counters::default());
        let listeners: Vec<Listener> = config
            .sockets()
            .into_iter()
            .enumerate()
            .map(|(index, socket)| Listener {
                index,
                local: socket.addr,
                device: socket.device.as_deref().map(Arc::from),
            })
            .collect();
        // No thread parks on a harness's mailbox through `crate::wake`: `posted` waits
        // in crossbeam's `recv_timeout`, which crossbeam's own send notifies.
        let (sender, messages) = crate::wake::unbounded(&crate::wake::Waker::new());
        let messages = messages.into_inner();
        let mailbox = Mailbox::new(sender);
        let mut dispatcher = Dispatcher::new(
            handler,
            config.routing(),
            Arc::clone(&counters),
            listeners.clone(),
            mailbox.clone(),
        );
        // The harness's clocks start at the real time once, then move only when told.
        let now = Instant::now();
        dispatcher.set_clock(Clock::Stepped {
            start: now,
            wall: SystemTime::now(),
        });
        let stopped = dispatcher.init(now).err();
        let tick = config.get_tick();
        let injected_from = injected_from(&listeners, config.routing().client_port);
        #[cfg(feature = "capture")]
        let tap = config.get_tap().and_then(|path| {
            crate::capture::PcapWriter::append_to_file(path)
                .map_err(|error| {
                    log::error!(
                        target: super::traffic::DROP,
                        "the harness writes no tap: could not open {}: {error}",
                        path.display()
                    );
                })
                .ok()
        });
        Harness {
            dispatcher: Some(dispatcher),
            listeners,
            injected_from,
            counters,
            stopped,
            messages,
            mailbox,
            now,
            tick,
            next_tick: tick.map(|interval| now + interval),
            deliver_undecodable: config.get_deliver_undecodable(),
            followups: Vec::new(),
            #[cfg(feature = "capture")]
            tap,
        }
    }

    /// Hands a packet to the handler as if it came from 0.0.0.0:68 on the main socket;
    /// returns the reply and its destination, if any.
    pub fn inject(&mut self, packet: Packet) -> Option<Outgoing> {
        let source = self.injected_from.clone();
        self.inject_from(packet, source)
    }

    /// Hands a packet to the handler as if it came from `source`.
    pub fn inject_from(&mut self, packet: Packet, source: Source) -> Option<Outgoing> {
        #[cfg(feature = "capture")]
        if self.tap.is_some() {
            self.record(source.peer, source.local, packet.encode(Encoding::Padded));
        }
        self.dispatch(&packet, &source)
    }

    fn dispatch(&mut self, packet: &Packet, source: &Source) -> Option<Outgoing> {
        let now = self.now;
        self.step(|d| d.packet(packet, source, now))
    }

    /// Hands a datagram to the handler as a receive thread would: decoded, or, when it
    /// does not decode, counted as malformed and given to [`Handler::undecodable`] if
    /// the configuration asks for it
    /// ([`Config::deliver_undecodable`](crate::Config::deliver_undecodable)).
    pub fn inject_bytes(&mut self, bytes: &[u8], source: Source) -> Option<Outgoing> {
        #[cfg(feature = "capture")]
        if self.tap.is_some() {
            self.record(source.peer, source.local, bytes.to_vec());
        }
        match Packet::decode(bytes) {
            Ok(packet) => self.dispatch(&packet, &source),
            Err(error) => {
                self.counters.malformed();
                if !self.deliver_undecodable {
                    return None;
                }
                let datagram = Undecodable {
                    bytes: bytes.to_vec(),
                    error,
                };
                let now = self.now;
                self.step(|d| d.undecodable(datagram, &source, now))
            }
        }
    }

    /// A packet from `peer` on socket number `listener`, for [`Harness::inject_from`];
    /// `None` when there is no such socket in the configuration.
    pub fn source(&self, peer: SocketAddrV4, listener: usize) -> Option<Source> {
        self.listeners
            .get(listener)
            .map(|listener| Source::new(peer, listener))
    }

    /// The harness's clock: what [`Context::now`](crate::Context::now) says.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The calendar time callbacks see ([`Context::system_time`](crate::Context::system_time)):
    /// the real time when the harness was made, moved on only by [`Harness::advance`].
    pub fn system_time(&self) -> SystemTime {
        self.dispatcher
            .as_ref()
            .map_or_else(SystemTime::now, |d| d.clock().system_time(self.now))
    }

    /// Sets the calendar time callbacks see from now on, for tests that need a
    /// given date (a lease file written in 2024, say); [`Harness::advance`] moves it on.
    pub fn set_system_time(&mut self, at: SystemTime) {
        if let Some(dispatcher) = self.dispatcher.as_mut() {
            dispatcher.set_clock(Clock::Stepped {
                start: self.now,
                wall: at,
            });
        }
    }

    /// Moves the clock on by `by`, calling [`Handler::tick`] at every configured tick
    /// interval that falls due on the way (none without [`Config::tick`](crate::Config::tick)),
    /// each at its own time; returns their replies in order.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use ex_dhcp::{Config, Context, Handler, Harness, Packet, Reply, Source};
    ///
    /// #[derive(Default)]
    /// struct Ticks(Vec<Instant>);
    ///
    /// impl Handler for Ticks {
    ///     type Message = ();
    ///     fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply { Reply::None }
    ///     fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply { Reply::None }
    ///     fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply { Reply::None }
    ///     fn tick(&mut self, ctx: &mut Context) -> Reply {
    ///         self.0.push(ctx.now());
    ///         Reply::None
    ///     }
    /// }
    ///
    /// let config = Config::default().tick(Duration::from_secs(60));
    /// let mut harness = Harness::with_config(config, Ticks::default());
    /// let start = harness.now();
    /// harness.advance(Duration::from_secs(150)); // an instant, not two and a half minutes
    /// let ticks = harness.call(|ticks| ticks.0.clone()).unwrap();
    /// assert_eq!(ticks, [start + Duration::from_secs(60), start + Duration::from_secs(120)]);
    /// assert_eq!(harness.now(), start + Duration::from_secs(150));
    /// ```
    pub fn advance(&mut self, by: Duration) -> Vec<Outgoing> {
        let until = self.now + by;
        let mut sent = Vec::new();
        while let (Some(at), Some(interval)) = (self.next_tick, self.tick) {
            if at > until || self.stopped.is_some() {
                break;
            }
            self.now = at;
            self.next_tick = Some(at + interval);
            sent.extend(self.step(|d| d.tick(at)));
        }
        self.now = until;
        sent
    }

    /// Calls [`Handler::tick`] now, whatever the configured interval.
    pub fn tick(&mut self) -> Option<Outgoing> {
        let now = self.now;
        self.step(|d| d.tick(now))
    }

    /// Reports a send failure to the handler, as the sender thread would.
    pub fn send_failed(&mut self, failure: SendFailure) -> Option<Outgoing> {
        let now = self.now;
        self.step(|d| d.send_failed(failure, now))
    }

    /// The handler's mailbox, as worker threads get it: what they post waits for
    /// [`Harness::posted`].
    pub fn mailbox(&self) -> Mailbox<H::Message> {
        self.mailbox.clone()
    }

    /// The next message posted to the mailbox, without delivering it, waiting up to
    /// `timeout` for a worker thread to post it. Hand it to [`Harness::deliver`].
    /// (Messages from [`Context::continue_with`](crate::Context::continue_with) never
    /// wait here: they run at the end of the step that queued them, as on a server.)
    pub fn posted(&mut self, timeout: Duration) -> Option<H::Message> {
        self.messages.recv_timeout(timeout).ok()
    }

    /// The replies of follow-up work since the last call, oldest first, taking them.
    ///
    /// Every step ([`Harness::inject`], [`Harness::deliver`], [`Harness::advance`],
    /// [`Harness::tick`]...) runs the messages its callback queued with
    /// [`Context::continue_with`](crate::Context::continue_with) before it returns,
    /// as a server runs them before any other event; the step returns its own
    /// callback's reply, and the replies of those follow-up messages wait here.
    pub fn sent(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.followups)
    }

    /// Delivers what workers post, one message after another, until none comes for
    /// `quiet`; returns every reply on the way, follow-up work's included, in order:
    /// how a test lets a handler that answers later (a durable lease service, say)
    /// finish what it was given.
    ///
    /// ```
    /// use std::thread;
    /// use std::time::Duration;
    /// use ex_dhcp::{respond, Context, Handler, Harness, MessageType, Packet, Pending, Reply, Source};
    ///
    /// /// Answers every DISCOVER from a thread of its own.
    /// struct Later;
    ///
    /// impl Handler for Later {
    ///     type Message = Pending;
    ///     fn discover(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Pending>) -> Reply {
    ///         let (pending, mailbox) = (ctx.defer(packet, from), ctx.mailbox().clone());
    ///         thread::spawn(move || mailbox.post(pending));
    ///         Reply::None
    ///     }
    ///     fn request(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Pending>) -> Reply { Reply::None }
    ///     fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Pending>) -> Reply { Reply::None }
    ///     fn message(&mut self, pending: Pending, _: &mut Context<'_, Pending>) -> Reply {
    ///         let offer = respond(pending.request(), MessageType::Offer);
    ///         pending.reply(offer)
    ///     }
    /// }
    ///
    /// let mut harness = Harness::new(Later);
    /// assert!(harness.inject(Packet::new(MessageType::Discover)).is_none());
    /// let replies = harness.deliver_posted(Duration::from_millis(500));
    /// assert_eq!(replies.len(), 1);
    /// assert_eq!(replies[0].packet.message_type(), Some(MessageType::Offer));
    /// ```
    pub fn deliver_posted(&mut self, quiet: Duration) -> Vec<Outgoing> {
        let mut replies = Vec::new();
        while let Some(message) = self.posted(quiet) {
            replies.extend(self.deliver(message));
            replies.append(&mut self.followups);
        }
        replies
    }

    /// Calls [`Handler::message`] with `message`, as the mailbox would.
    pub fn deliver(&mut self, message: H::Message) -> Option<Outgoing> {
        let now = self.now;
        self.step(|d| d.message(message, now))
    }

    /// Runs `f` on the state (a [`Handle::call`](crate::Handle::call) without threads);
    /// `None` once the handler has stopped.
    pub fn call<R>(&mut self, f: impl FnOnce(&mut H) -> R) -> Option<R> {
        if self.stopped.is_some() {
            return None;
        }
        self.dispatcher.as_mut().map(|d| f(d.handler_mut()))
    }

    /// Why the handler stopped, once it has (a [`Reply::Stop`](crate::Reply::Stop), a
    /// panic, or a failed [`Handler::init`]).
    pub fn stopped(&self) -> Option<&StopReason> {
        self.stopped.as_ref()
    }

    /// The counters: what the handler was given, deferred replies, and datagrams
    /// that did not decode (nothing is sent, so `sent` stays 0).
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    /// Ends the run: calls [`Handler::terminate`] with the reason the handler stopped
    /// for, or [`StopReason::Shutdown`], and gives the state back.
    ///
    /// Messages posted but never delivered are dropped first, as a server drops them
    /// before `terminate`, so that deferred-reply tokens inside them count as
    /// abandoned in the exit's statistics.
    pub fn finish(mut self) -> Exit<H> {
        let reason = self.stopped.take().unwrap_or(StopReason::Shutdown);
        match self.dispatcher.take() {
            Some(mut dispatcher) => {
                while self.messages.try_recv().is_ok() {}
                while dispatcher.next_continue().is_some() {}
                dispatcher.terminate(reason)
            }
            // Only `finish` and `drop` take the dispatcher, and both consume the harness.
            None => unreachable!("a harness is finished once"),
        }
    }

    /// One event, then the follow-up work it queued, as the handler thread runs it.
    fn step(&mut self, event: impl FnOnce(&mut Dispatcher<H>) -> Step) -> Option<Outgoing> {
        let reply = self.step_once(event);
        let now = self.now;
        while self.stopped.is_none() {
            let Some(message) = self.dispatcher.as_mut().and_then(Dispatcher::next_continue) else {
                break;
            };
            if let Some(outgoing) = self.step_once(|d| d.message(message, now)) {
                self.followups.push(outgoing);
            }
        }
        reply
    }

    fn step_once(&mut self, event: impl FnOnce(&mut Dispatcher<H>) -> Step) -> Option<Outgoing> {
        if self.stopped.is_some() {
            return None;
        }
        match event(self.dispatcher.as_mut()?) {
            Step::Nothing => None,
            Step::Send(outgoing) => {
                #[cfg(feature = "capture")]
                if self.tap.is_some() {
                    let from = self.listeners.get(outgoing.listener).map_or(
                        SocketAddrV4::new(std::net::Ipv4Addr::UNSPECIFIED, 0),
                        |listener| listener.local,
                    );
                    self.record(from, outgoing.to, outgoing.packet.encode(Encoding::Padded));
                }
                Some(outgoing.into())
            }
            Step::Stop(reason) => {
                self.stopped = Some(reason);
                None
            }
        }
    }
}

#[cfg(feature = "capture")]
impl<H: Handler> Harness<H> {
    /// Writes one datagram to the tap, stamped with the harness's calendar time.
    fn record(&mut self, from: SocketAddrV4, to: SocketAddrV4, payload: Vec<u8>) {
        let at = self
            .system_time()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let Some(writer) = self.tap.as_mut() else {
            return;
        };
        let record = super::tap::Record::at(at, from, to, payload);
        if let Err(error) = super::tap::write(writer, record) {
            self.counters.tap_dropped();
            log::warn!(target: super::traffic::DROP, "writing the tap failed: {error}");
        }
    }
}

impl<H: Handler> Drop for Harness<H> {
    /// Terminates the handler if [`Harness::finish`] was not called.
    fn drop(&mut self) {
        if let Some(dispatcher) = self.dispatcher.take() {
            let reason = self.stopped.take().unwrap_or(StopReason::Shutdown);
            drop(dispatcher.terminate(reason));
        }
    }
}
