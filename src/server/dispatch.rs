//! The handler thread's work as plain functions: an event and its time in, at most
//! one reply out.
//!
//! No I/O and no clock here. The handler thread's loop
//! ([`handler_thread`](super::handler_thread)) feeds events from channels with the
//! time it reads, and hands replies to the sender thread; the
//! [`Harness`](crate::Harness) feeds the same [`Dispatcher`] directly, with its own
//! clock, and hands replies to the test.

use std::any::Any;
use std::collections::VecDeque;
use std::net::SocketAddrV4;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Receiver;

use super::config::Routing;
use super::context::{Clock, Context, Mailbox};
use super::destination::destination;
use super::fit::fit;
use super::handler::{Handler, Listener, SendFailure, Source, Undecodable};
use super::outcome::{Reply, StopReason};
use super::stats::{Counters, ServerStats};
use crate::{MessageType, Op, Packet};

/// A datagram on its way to the handler.
///
/// The packet is boxed so that the trip through the queue and back to the receive
/// thread's pool moves a pointer, not the 300-odd bytes of a `Packet`.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A DHCP packet.
    Packet { packet: Box<Packet>, source: Source },
    /// Bytes that did not decode, for a handler that asked for them.
    Undecodable {
        datagram: Box<Undecodable>,
        source: Source,
    },
}

/// A reply on its way out, with where it goes and which socket it leaves from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outgoing {
    /// The reply, fitted to the client's maximum message size.
    pub packet: Packet,
    /// Its destination.
    pub to: SocketAddrV4,
    /// The index of the socket it leaves from (the one the request came in on).
    pub listener: usize,
}

/// A closure run on the handler's state ([`Handle::cast`](crate::Handle::cast) and
/// [`Handle::call`](crate::Handle::call)).
pub(crate) type Job<H> =
    Box<dyn FnOnce(&mut H, &mut Context<'_, <H as Handler>::Message>) -> Reply + Send>;

/// How a server ended, and the handler with its final state.
#[derive(Debug)]
#[non_exhaustive]
pub struct Exit<H> {
    /// Why it stopped.
    pub reason: StopReason,
    /// The handler, after [`Handler::terminate`].
    pub state: H,
    /// The counters once every thread has stopped, so that what happened last is in
    /// (the sender thread's last reply; deferred-reply tokens in messages that were
    /// never delivered); under supervision, those of every generation so far.
    pub stats: ServerStats,
}

/// A reply on its way to the sender thread: an [`Outgoing`] with the packet boxed.
///
/// The packet is boxed once, as the callback's reply is routed, so that the step,
/// the reply queue and the sender thread move a pointer instead of the 448 bytes of
/// a `Packet` at every hop. The sender thread hands the box back for the next reply
/// ([`Dispatcher::recycle_replies`]): no allocation per reply once that pool is warm.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Routed {
    pub(crate) packet: Box<Packet>,
    pub(crate) to: SocketAddrV4,
    pub(crate) listener: usize,
}

impl From<Routed> for Outgoing {
    fn from(routed: Routed) -> Self {
        Outgoing {
            packet: *routed.packet,
            to: routed.to,
            listener: routed.listener,
        }
    }
}

/// What one event led to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Nothing,
    Send(Routed),
    Stop(StopReason),
}

/// The handler, the routing rules, the counters and the handler's own mailbox:
/// everything the thread needs.
pub(crate) struct Dispatcher<H: Handler> {
    handler: H,
    routing: Routing,
    counters: Arc<Counters>,
    listeners: Vec<Listener>,
    mailbox: Mailbox<H::Message>,
    clock: Clock,
    /// Messages from [`Context::continue_with`], handled before anything else.
    continues: VecDeque<H::Message>,
    /// Where replies are boxed (see [`Routed`]).
    boxes: Boxes,
}

/// Boxes replies, in the boxes of replies already sent when the sender thread has
/// handed some back, else in new ones.
#[derive(Default)]
struct Boxes {
    spares: Option<Receiver<Box<Packet>>>,
}

impl Boxes {
    /// The packet in a box: a spare one when there is one, overwritten whole (the
    /// reply it held is dropped here, on the thread that built it).
    fn boxed(&self, packet: Packet) -> Box<Packet> {
        match self.spares.as_ref().and_then(|s| s.try_recv().ok()) {
            Some(mut spare) => {
                *spare = packet;
                spare
            }
            None => Box::new(packet),
        }
    }

    /// A callback's reply with its packet boxed. Called inside [`guard`], on the
    /// reply as the callback returns it: the packet moves once, straight into its
    /// box, and what crosses the unwind boundary is a pointer, not 448 bytes.
    fn unpack(&self, reply: Reply) -> Answer {
        match reply {
            Reply::None => Answer::Nothing,
            Reply::Send(packet) => Answer::Send {
                packet: self.boxed(packet),
                to: None,
            },
            Reply::SendTo(packet, to) => Answer::Send {
                packet: self.boxed(packet),
                to: Some(to),
            },
            Reply::Deferred(deferred) => {
                let (packet, to, request, listener) = deferred.take();
                Answer::Deferred {
                    packet: self.boxed(packet),
                    to,
                    request,
                    listener,
                }
            }
            Reply::Stop(reason) => Answer::Stop(reason),
        }
    }
}

/// A [`Reply`] with its packet boxed, for [`Dispatcher::route`].
enum Answer {
    Nothing,
    Send {
        packet: Box<Packet>,
        /// An explicit destination ([`Reply::SendTo`]).
        to: Option<SocketAddrV4>,
    },
    /// A [`Reply::Deferred`], taken: its request and socket decide the route.
    Deferred {
        packet: Box<Packet>,
        to: Option<SocketAddrV4>,
        request: Arc<Packet>,
        listener: usize,
    },
    Stop(StopReason),
}

impl<H: Handler> Dispatcher<H> {
    pub(crate) fn new(
        handler: H,
        routing: Routing,
        counters: Arc<Counters>,
        listeners: Vec<Listener>,
        mailbox: Mailbox<H::Message>,
    ) -> Self {
        Dispatcher {
            handler,
            routing,
            counters,
            listeners,
            mailbox,
            clock: Clock::System,
            continues: VecDeque::new(),
            boxes: Boxes::default(),
        }
    }

    /// Boxes replies in the boxes that come back on `spares` when there are some
    /// (the sender thread's replies already sent), else in new ones.
    pub(crate) fn recycle_replies(&mut self, spares: Receiver<Box<Packet>>) {
        self.boxes.spares = Some(spares);
    }

    pub(crate) fn clock(&self) -> Clock {
        self.clock
    }

    /// Where [`Context::system_time`] comes from (the system's clock unless set).
    pub(crate) fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The handler, a context for one callback at `now`, and where replies are boxed.
    fn parts(&mut self, now: Instant) -> (&mut H, Context<'_, H::Message>, &Boxes) {
        let context = Context {
            now,
            clock: self.clock,
            mailbox: &self.mailbox,
            listeners: &self.listeners,
            counters: &self.counters,
            continues: &mut self.continues,
        };
        (&mut self.handler, context, &self.boxes)
    }

    /// Runs a callback that replies at `now`, under [`guard`], its packet boxed.
    fn answer(
        &mut self,
        what: &str,
        now: Instant,
        callback: impl FnOnce(&mut H, &mut Context<'_, H::Message>) -> Reply,
    ) -> Result<Answer, StopReason> {
        let (handler, mut ctx, boxes) = self.parts(now);
        guard(what, || boxes.unpack(callback(handler, &mut ctx)))
    }

    /// Calls [`Handler::init`]; an error or a panic there stops the server before it starts.
    pub(crate) fn init(&mut self, now: Instant) -> Result<(), StopReason> {
        let (handler, mut ctx, _) = self.parts(now);
        match guard("init", || handler.init(&mut ctx)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(StopReason::Error(error)),
            Err(reason) => Err(reason),
        }
    }

    /// Dispatches a packet on its op and message type (option 53).
    pub(crate) fn packet(&mut self, packet: &Packet, source: &Source, now: Instant) -> Step {
        let kind = packet.message_type();
        self.counters.handled(kind);
        let reply = self.answer("a packet callback", now, |handler, ctx| {
            match (packet.op, kind) {
                (Op::Request, Some(MessageType::Discover)) => handler.discover(packet, source, ctx),
                (Op::Request, Some(MessageType::Request)) => handler.request(packet, source, ctx),
                (Op::Request, Some(MessageType::Decline)) => handler.decline(packet, source, ctx),
                (Op::Request, Some(MessageType::Inform)) => handler.inform(packet, source, ctx),
                (Op::Request, Some(MessageType::Release)) => handler.release(packet, source, ctx),
                _ => handler.other(packet, source, ctx),
            }
        });
        self.route(reply, Some(packet), source.listener)
    }

    /// Calls [`Handler::undecodable`].
    pub(crate) fn undecodable(
        &mut self,
        datagram: Undecodable,
        source: &Source,
        now: Instant,
    ) -> Step {
        let reply = self.answer("undecodable", now, |handler, ctx| {
            handler.undecodable(datagram, source, ctx)
        });
        self.route(reply, None, source.listener)
    }

    /// Calls [`Handler::message`].
    pub(crate) fn message(&mut self, message: H::Message, now: Instant) -> Step {
        let reply = self.answer("message", now, |handler, ctx| handler.message(message, ctx));
        self.route(reply, None, 0)
    }

    /// The next message from [`Context::continue_with`], if any.
    pub(crate) fn next_continue(&mut self) -> Option<H::Message> {
        self.continues.pop_front()
    }

    /// Calls [`Handler::tick`].
    pub(crate) fn tick(&mut self, now: Instant) -> Step {
        let reply = self.answer("tick", now, |handler, ctx| handler.tick(ctx));
        self.route(reply, None, 0)
    }

    /// Calls [`Handler::send_failed`].
    pub(crate) fn send_failed(&mut self, failure: SendFailure, now: Instant) -> Step {
        let listener = failure.listener;
        let reply = self.answer("send_failed", now, |handler, ctx| {
            handler.send_failed(failure, ctx)
        });
        self.route(reply, None, listener)
    }

    /// Runs a closure from [`Handle::cast`](crate::Handle::cast) or
    /// [`Handle::call`](crate::Handle::call) on the state.
    pub(crate) fn run(&mut self, job: Job<H>, now: Instant) -> Step {
        let reply = self.answer("a call", now, |handler, ctx| job(handler, ctx));
        self.route(reply, None, 0)
    }

    /// Calls [`Handler::terminate`] and gives the state back.
    pub(crate) fn terminate(mut self, reason: StopReason) -> Exit<H> {
        let handler = &mut self.handler;
        // A panic in terminate is logged by `guard`; the first reason is the one kept.
        let _ = guard("terminate", || handler.terminate(&reason));
        Exit {
            reason,
            state: self.handler,
            stats: self.counters.snapshot(),
        }
    }

    /// The state, for the harness.
    pub(crate) fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    fn route(
        &self,
        reply: Result<Answer, StopReason>,
        request: Option<&Packet>,
        listener: usize,
    ) -> Step {
        match reply {
            Err(reason) | Ok(Answer::Stop(reason)) => Step::Stop(reason),
            Ok(Answer::Nothing) => Step::Nothing,
            Ok(Answer::Send { packet, to }) => self.route_to(packet, to, request, listener),
            // Routed and fitted as the callback that took the request would have done.
            // Whatever callback returns it: the request's socket and option 57 count,
            // not the callback's.
            Ok(Answer::Deferred {
                packet,
                to,
                request,
                listener,
            }) => self.route_to(packet, to, Some(&request), listener),
        }
    }

    fn route_to(
        &self,
        mut packet: Box<Packet>,
        explicit: Option<SocketAddrV4>,
        request: Option<&Packet>,
        listener: usize,
    ) -> Step {
        let kind = packet.message_type();
        // What the route is decided on: the request answered, else the reply itself.
        let basis = request.unwrap_or(&packet);
        let relayed = !basis.giaddr.is_unspecified();
        let to = explicit.unwrap_or_else(|| destination(basis, kind, &self.routing));
        if kind == Some(MessageType::Nak) && relayed && explicit.is_none() {
            // RFC 2131, 4.1: a NAK through a relay asks the relay to broadcast it; the
            // bit follows the same giaddr as the route.
            packet.flags = packet.flags.with_broadcast(true);
        }
        let dropped = match request {
            Some(request) => fit(&mut packet, request),
            None => fit(&mut packet, &Packet::default()),
        };
        if !dropped.is_empty() {
            self.counters.trimmed();
            log::warn!(
                "reply xid {:#010x} to {to} was too long for the client: dropped options {dropped:?}",
                packet.xid
            );
        }
        Step::Send(Routed {
            packet,
            to,
            listener,
        })
    }
}

/// Runs a handler callback, turning a panic into a logged [`StopReason::Panic`].
fn guard<T>(what: &str, callback: impl FnOnce() -> T) -> Result<T, StopReason> {
    panic::catch_unwind(AssertUnwindSafe(callback)).map_err(|payload| {
        let message = panic_message(payload.as_ref());
        log::error!("the handler panicked in {what}: {message}");
        StopReason::Panic(message)
    })
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}
