//! The handler thread's work as plain functions: an event in, at most one reply out.
//!
//! No I/O here. The production loop ([`run`]) feeds events from channels and hands
//! replies to the sender thread; the [`Harness`](crate::Harness) feeds the same
//! [`Dispatcher`] directly and hands replies to the test.

use std::any::Any;
use std::net::SocketAddrV4;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{never, select, tick, Receiver, Sender};

use super::config::Routing;
use super::destination::destination;
use super::fit::fit;
use super::handler::{Handler, Listener, SendFailure, Source};
use super::reply::{Reply, StopReason};
use super::stats::Counters;
use super::wait;
use crate::{MessageType, Op, Packet};

/// A packet on its way to the handler.
///
/// Boxed so that the trip through the queue and back to the receive thread's pool
/// moves a pointer, not the 300-odd bytes of a `Packet`.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) packet: Box<Packet>,
    pub(crate) source: Source,
}

/// How many packets the handler thread has finished with wait for reuse by the
/// receive threads at most ([`Packet::decode_from`] reuses their storage); beyond
/// that they are freed. Enough for the packets in flight at any realistic load, and
/// it bounds what a burst of large packets can keep allocated.
pub(crate) const POOL_CAPACITY: usize = 64;

/// Packets handled one after another with `try_recv` before the handler thread goes
/// back to `select!` over every channel: the select costs far more than a packet's
/// dispatch, and this bound keeps calls, stops and ticks from waiting behind a flood.
const BURST: usize = 64;

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

/// A closure run on the handler's state ([`Server::call`](crate::Server::call)).
pub(crate) type Job<H> = Box<dyn FnOnce(&mut H) + Send>;

/// Messages from the handle to the handler thread.
pub(crate) enum Control<H> {
    Run(Job<H>),
    Stop,
}

/// How a server ended, and the handler with its final state.
#[derive(Debug)]
#[non_exhaustive]
pub struct Exit<H> {
    /// Why it stopped.
    pub reason: StopReason,
    /// The handler, after [`Handler::terminate`].
    pub state: H,
}

/// What one event led to.
// One per event, moved straight into the reply queue: boxing the packet would cost an
// allocation per reply to save stack space nobody is short of.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Nothing,
    Send(Outgoing),
    Stop(StopReason),
}

/// The handler, the routing rules and the counters: everything the thread needs.
pub(crate) struct Dispatcher<H> {
    handler: H,
    routing: Routing,
    counters: Arc<Counters>,
}

impl<H: Handler> Dispatcher<H> {
    pub(crate) fn new(handler: H, routing: Routing, counters: Arc<Counters>) -> Self {
        Dispatcher {
            handler,
            routing,
            counters,
        }
    }

    /// Calls [`Handler::init`]; a panic there stops the server before it starts.
    pub(crate) fn init(&mut self, listeners: &[Listener]) -> Option<StopReason> {
        let handler = &mut self.handler;
        guard("init", || handler.init(listeners)).err()
    }

    /// Dispatches a packet on its op and message type (option 53).
    pub(crate) fn packet(&mut self, packet: &Packet, source: &Source) -> Outcome {
        let kind = packet.message_type();
        self.counters.handled(kind);
        let handler = &mut self.handler;
        let reply = guard("a packet callback", || match (packet.op, kind) {
            (Op::Request, Some(MessageType::Discover)) => handler.discover(packet, source),
            (Op::Request, Some(MessageType::Request)) => handler.request(packet, source),
            (Op::Request, Some(MessageType::Decline)) => handler.decline(packet, source),
            (Op::Request, Some(MessageType::Inform)) => handler.inform(packet, source),
            (Op::Request, Some(MessageType::Release)) => handler.release(packet, source),
            _ => handler.other(packet, source),
        });
        self.route(reply, Some(packet), source.listener)
    }

    /// Dispatches a queued packet, then offers it back to the receive threads (when
    /// their pool is full or gone, it is simply freed).
    fn handle(&mut self, incoming: Incoming, recycle: &Sender<Box<Packet>>) -> Outcome {
        let outcome = self.packet(&incoming.packet, &incoming.source);
        let _ = recycle.try_send(incoming.packet);
        outcome
    }

    /// Calls [`Handler::tick`].
    pub(crate) fn tick(&mut self) -> Outcome {
        let handler = &mut self.handler;
        let reply = guard("tick", || handler.tick());
        self.route(reply, None, 0)
    }

    /// Calls [`Handler::send_failed`].
    pub(crate) fn send_failed(&mut self, failure: SendFailure) -> Outcome {
        let listener = failure.listener;
        let handler = &mut self.handler;
        let reply = guard("send_failed", || handler.send_failed(failure));
        self.route(reply, None, listener)
    }

    /// Runs a closure from [`Server::call`](crate::Server::call) on the state.
    pub(crate) fn run(&mut self, job: Job<H>) -> Outcome {
        let handler = &mut self.handler;
        match guard("a call", || job(handler)) {
            Ok(()) => Outcome::Nothing,
            Err(reason) => Outcome::Stop(reason),
        }
    }

    /// Calls [`Handler::terminate`] and gives the state back.
    pub(crate) fn terminate(mut self, reason: StopReason) -> Exit<H> {
        let handler = &mut self.handler;
        // A panic in terminate is logged by `guard`; the first reason is the one kept.
        let _ = guard("terminate", || handler.terminate(&reason));
        Exit {
            reason,
            state: self.handler,
        }
    }

    /// The state, for the harness.
    pub(crate) fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    fn route(
        &self,
        reply: Result<Reply, StopReason>,
        request: Option<&Packet>,
        listener: usize,
    ) -> Outcome {
        let (mut packet, explicit) = match reply {
            Err(reason) | Ok(Reply::Stop(reason)) => return Outcome::Stop(reason),
            Ok(Reply::None) => return Outcome::Nothing,
            Ok(Reply::Send(packet)) => (packet, None),
            Ok(Reply::SendTo(packet, to)) => (packet, Some(to)),
        };
        let kind = packet.message_type();
        let to = explicit
            .unwrap_or_else(|| destination(request.unwrap_or(&packet), kind, &self.routing));
        let relayed = !packet.giaddr.is_unspecified()
            || request.is_some_and(|request| !request.giaddr.is_unspecified());
        if kind == Some(MessageType::Nak) && relayed && explicit.is_none() {
            // RFC 2131, 4.1: a NAK through a relay asks the relay to broadcast it; the
            // route follows the request's giaddr, so the bit does too.
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
        Outcome::Send(Outgoing {
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

/// The channels the handler thread works between.
pub(crate) struct Wiring<H> {
    pub(crate) incoming: Receiver<Incoming>,
    pub(crate) control: Receiver<Control<H>>,
    pub(crate) failures: Receiver<SendFailure>,
    pub(crate) outgoing: Sender<Outgoing>,
    /// Where handled packets go back to the receive threads.
    pub(crate) recycle: Sender<Box<Packet>>,
    pub(crate) tick: Option<Duration>,
    /// How long to poll an empty queue before parking ([`Config::spin`](crate::Config::spin)).
    pub(crate) spin: Duration,
}

/// The handler thread: a thin loop around [`Dispatcher`].
///
/// It ends when asked to stop, when the handler stops, or when every packet source
/// is gone; dropping `outgoing` on the way out lets the sender thread drain and end.
pub(crate) fn run<H: Handler>(
    mut dispatcher: Dispatcher<H>,
    listeners: &[Listener],
    wiring: Wiring<H>,
) -> Exit<H> {
    if let Some(reason) = dispatcher.init(listeners) {
        return dispatcher.terminate(reason);
    }
    let ticker = wiring.tick.map_or_else(never, tick);
    let mut failures = wiring.failures;
    let mut burst = 0;
    let reason = loop {
        // The fast path: packets already queued, without a select over every channel.
        if burst < BURST {
            if let Ok(incoming) = wiring.incoming.try_recv() {
                burst += 1;
                let outcome = dispatcher.handle(incoming, &wiring.recycle);
                match forward(outcome, &wiring.outgoing) {
                    Some(reason) => break reason,
                    None => continue,
                }
            }
        }
        burst = 0;
        // Nothing queued: poll briefly before `select!` parks the thread (see `wait`).
        wait::spin_until(wiring.spin, || {
            !wiring.incoming.is_empty() || !wiring.control.is_empty()
        });
        let outcome = select! {
            recv(wiring.control) -> message => match message {
                Ok(Control::Run(job)) => dispatcher.run(job),
                Ok(Control::Stop) | Err(_) => Outcome::Stop(StopReason::Shutdown),
            },
            recv(wiring.incoming) -> message => match message {
                Ok(incoming) => dispatcher.handle(incoming, &wiring.recycle),
                Err(_) => Outcome::Stop(StopReason::Shutdown),
            },
            recv(failures) -> message => match message {
                Ok(failure) => dispatcher.send_failed(failure),
                Err(_) => {
                    failures = never();
                    Outcome::Nothing
                }
            },
            recv(ticker) -> _ => dispatcher.tick(),
        };
        if let Some(reason) = forward(outcome, &wiring.outgoing) {
            break reason;
        }
    };
    drop(wiring.outgoing);
    // Packets still queued will never be handled: count them, and close the queue
    // before `terminate`, so the receive threads count any later ones themselves.
    let unhandled = wiring.incoming.try_iter().count();
    drop(wiring.incoming);
    if unhandled > 0 {
        log::warn!("dropped {unhandled} queued packets: the handler has stopped");
    }
    for _ in 0..unhandled {
        dispatcher.counters.dropped_stopped();
    }
    dispatcher.terminate(reason)
}

/// Queues a reply for the sender thread; `Some` when the loop must end.
fn forward(outcome: Outcome, outgoing: &Sender<Outgoing>) -> Option<StopReason> {
    match outcome {
        Outcome::Nothing => None,
        Outcome::Send(reply) => outgoing.send(reply).err().map(|_| StopReason::Shutdown),
        Outcome::Stop(reason) => Some(reason),
    }
}
