//! The handler thread: a thin loop around [`Dispatcher`], between the receive
//! threads' queue, the handle's control channel, the handler's mailbox, the sender
//! thread's failure reports and the tick.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver, Sender, TryRecvError};

use super::dispatch::{Dispatcher, Exit, Incoming, Job, Routed, Step};
use super::handler::{Handler, SendFailure};
use super::outcome::StopReason;
use super::wait;
use crate::wake::{self, Waker};
use crate::Packet;

/// How many packets the handler thread has finished with wait for reuse by the
/// receive threads at most ([`Packet::decode_from`] reuses their storage), and how
/// many boxes of sent replies wait for the next replies; beyond that they are
/// freed. Enough for the packets in flight at any realistic load, and it bounds
/// what a burst of large packets can keep allocated.
pub(crate) const POOL_CAPACITY: usize = 64;

/// Events handled one after another from the packet and message queues before the
/// handler thread looks at its other inputs (calls, stops, the tick, send failures):
/// this bound keeps those from waiting behind a flood.
const BURST: usize = 64;

/// Messages from the handle to the handler thread.
pub(crate) enum Control<H: Handler> {
    Run(Job<H>),
    Stop,
}

/// The channels the handler thread works between. Every sender into it wakes
/// `waker` (see [`crate::wake`]): the thread parks without spinning when all are empty.
pub(crate) struct Wiring<H: Handler> {
    pub(crate) waker: Waker,
    pub(crate) incoming: Receiver<Incoming>,
    pub(crate) control: Receiver<Control<H>>,
    pub(crate) messages: Receiver<H::Message>,
    pub(crate) failures: Receiver<SendFailure>,
    pub(crate) outgoing: wake::Sender<Routed>,
    /// Where handled packets go back to the receive threads.
    pub(crate) recycle: Sender<Box<Packet>>,
    /// Where the outcome of [`Handler::init`] goes, for `Server::start` to return.
    pub(crate) started: Sender<Result<(), StopReason>>,
    pub(crate) tick: Option<Duration>,
    /// How long to poll an empty queue before parking ([`Config::spin`](crate::Config::spin)).
    pub(crate) spin: Duration,
    /// The receive threads' stop flag: set when the loop ends, so they stop receiving.
    pub(crate) stop: Arc<AtomicBool>,
    /// Disconnected once every receive thread has ended (each holds a sender), so
    /// that the last drain of `incoming` comes after their last datagram.
    pub(crate) receivers: Receiver<()>,
}

/// Runs the handler until it is asked to stop, it stops, or every packet source is
/// gone; dropping `outgoing` on the way out lets the sender thread drain and end.
pub(crate) fn run<H: Handler>(mut dispatcher: Dispatcher<H>, wiring: Wiring<H>) -> Exit<H> {
    let Wiring {
        waker,
        incoming,
        control,
        messages,
        failures,
        outgoing,
        recycle,
        started,
        tick: interval,
        spin,
        stop,
        receivers,
    } = wiring;
    waker.register();
    if let Err(reason) = dispatcher.init(Instant::now()) {
        let _ = started.send(Err(reason.clone()));
        return dispatcher.terminate(reason);
    }
    let _ = started.send(Ok(()));
    drop(started);
    // When the tick is next due, as crossbeam's `tick` would deliver it: an interval
    // after the last one was taken (a late tick is not made up for).
    // An interval too long to add to the clock is no tick at all, as with `tick`.
    let mut next_tick = interval.and_then(|interval| Instant::now().checked_add(interval));
    let mut burst = 0;
    let mut messages_first = false;
    // The last idle pass spun already. A wake-up that then finds nothing (std's parker
    // keeps a token from a send whose value was taken meanwhile) parks straight away
    // instead of spinning a second time.
    let mut spun = false;
    let reason = loop {
        // Follow-up work the handler gave itself comes before anything else; a handler
        // that keeps continuing still sees a stop or a call once per burst.
        if let Some(message) = dispatcher.next_continue() {
            if burst >= BURST {
                burst = 0;
                let step = control_step(&mut dispatcher, &control, Instant::now())
                    .unwrap_or(Step::Nothing);
                if let Some(reason) = forward(step, &outgoing) {
                    break reason;
                }
            }
            burst += 1;
            match forward(dispatcher.message(message, Instant::now()), &outgoing) {
                Some(reason) => break reason,
                None => continue,
            }
        }
        // The fast path: packets and messages already queued, taken in turn so that
        // neither a flood of packets nor one of messages holds up the other.
        if burst < BURST {
            messages_first = !messages_first;
            let packet = |dispatcher: &mut Dispatcher<H>| {
                let event = incoming.try_recv().ok()?;
                Some(handle(dispatcher, event, &recycle))
            };
            let message = |dispatcher: &mut Dispatcher<H>| {
                let message = messages.try_recv().ok()?;
                Some(dispatcher.message(message, Instant::now()))
            };
            let step = if messages_first {
                message(&mut dispatcher).or_else(|| packet(&mut dispatcher))
            } else {
                packet(&mut dispatcher).or_else(|| message(&mut dispatcher))
            };
            if let Some(step) = step {
                burst += 1;
                spun = false;
                match forward(step, &outgoing) {
                    Some(reason) => break reason,
                    None => continue,
                }
            }
        }
        burst = 0;
        // The other inputs, one at most per pass: the tick first (it is due at most once
        // an interval), so that no flood of calls or packets can starve it.
        let now = Instant::now();
        let step = match (next_tick, interval) {
            (Some(due), Some(interval)) if due <= now => {
                next_tick = now.checked_add(interval);
                Some(dispatcher.tick(now))
            }
            _ => None,
        };
        let step = step.or_else(|| control_step(&mut dispatcher, &control, now));
        // A closed failure channel (the sender thread is gone) is not a reason to stop:
        // the closed outgoing queue is.
        let step = step.or_else(|| {
            let failure = failures.try_recv().ok()?;
            Some(dispatcher.send_failed(failure, now))
        });
        let step = step.or_else(|| {
            let message = messages.try_recv().ok()?;
            Some(dispatcher.message(message, now))
        });
        let step = step.or_else(|| match incoming.try_recv() {
            Ok(event) => Some(handle(&mut dispatcher, event, &recycle)),
            // Every receive thread and every handle is gone.
            Err(TryRecvError::Disconnected) => Some(Step::Stop(StopReason::Shutdown)),
            Err(TryRecvError::Empty) => None,
        });
        match step {
            Some(step) => {
                spun = false;
                if let Some(reason) = forward(step, &outgoing) {
                    break reason;
                }
            }
            None => {
                // Nothing queued: poll briefly if configured (see `wait`), once per idle
                // period, then park until a sender wakes this thread or the tick is due.
                let ready = !spun
                    && wait::spin_until(spin, || {
                        !incoming.is_empty() || !control.is_empty() || !messages.is_empty()
                    });
                spun = true;
                if !ready {
                    waker.wait(next_tick);
                }
            }
        }
    };
    drop(outgoing);
    // Datagrams queued now, or by a receive thread before it sees the stop, will never
    // be handled: count each once. The receive threads stop at their next read
    // timeout; until the last has ended, what they queue is drained here.
    stop.store(true, Ordering::Relaxed);
    let mut unhandled = 0usize;
    loop {
        select! {
            recv(incoming) -> event => if event.is_ok() { unhandled += 1 },
            recv(receivers) -> _ => break,
        }
    }
    unhandled += incoming.try_iter().count();
    drop(incoming);
    if unhandled > 0 {
        log::warn!(
            target: super::traffic::DROP,
            "dropped {unhandled} queued datagrams: the handler has stopped"
        );
    }
    for _ in 0..unhandled {
        dispatcher.counters().dropped_stopped();
    }
    // Messages posted but never delivered are dropped with the channel (with any
    // deferred-reply tokens in them, which count themselves as abandoned).
    drop(messages);
    dispatcher.terminate(reason)
}

/// The handle's next request, if one is queued: a call or cast to run, or a stop
/// (asked for, or every handle gone).
fn control_step<H: Handler>(
    dispatcher: &mut Dispatcher<H>,
    control: &Receiver<Control<H>>,
    now: Instant,
) -> Option<Step> {
    match control.try_recv() {
        Ok(Control::Run(job)) => Some(dispatcher.run(job, now)),
        Ok(Control::Stop) | Err(TryRecvError::Disconnected) => {
            Some(Step::Stop(StopReason::Shutdown))
        }
        Err(TryRecvError::Empty) => None,
    }
}

/// Dispatches a queued event, then offers a packet back to the receive threads (when
/// their pool is full or gone, it is simply freed).
fn handle<H: Handler>(
    dispatcher: &mut Dispatcher<H>,
    event: Incoming,
    recycle: &Sender<Box<Packet>>,
) -> Step {
    match event {
        Incoming::Packet { packet, source } => {
            let step = dispatcher.packet(&packet, &source, Instant::now());
            let _ = recycle.try_send(packet);
            step
        }
        Incoming::Undecodable { datagram, source } => {
            dispatcher.undecodable(*datagram, &source, Instant::now())
        }
    }
}

/// Queues a reply for the sender thread; `Some` when the loop must end.
fn forward(step: Step, outgoing: &wake::Sender<Routed>) -> Option<StopReason> {
    match step {
        Step::Nothing => None,
        Step::Send(reply) => outgoing.send(reply).err().map(|_| StopReason::Shutdown),
        Step::Stop(reason) => Some(reason),
    }
}
