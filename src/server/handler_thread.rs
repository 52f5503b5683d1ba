//! The handler thread: a thin loop around [`Dispatcher`], taking events in the order
//! [`Schedule`] gives, from the receive threads' queue, the handles' control channel,
//! the handler's mailbox, the sender thread's failure reports and the tick.

use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver, Sender, TryRecvError};

use super::alive::{Alive, Watch};
use super::dispatch::{Dispatcher, Exit, Incoming, Job, Routed, Step};
use super::handler::{Handler, SendFailure};
use super::outcome::StopReason;
use super::schedule::{Idle, Input, Schedule};
use super::wait;
use crate::wake::{self, Waker};
use crate::Packet;

/// How many packets the handler thread has finished with wait for reuse by the
/// receive threads at most ([`Packet::decode_from`] reuses their storage), and how
/// many boxes of sent replies wait for the next replies; beyond that they are
/// freed. Enough for the packets in flight at any realistic load, and it bounds
/// what a burst of large packets can keep allocated.
pub(crate) const POOL_CAPACITY: usize = 64;

/// The channels the handler thread works between. Every sender into it wakes
/// `waker` (see [`crate::wake`]): the thread parks without spinning when all are empty.
pub(crate) struct Wiring<H: Handler> {
    pub(crate) waker: Waker,
    pub(crate) incoming: Receiver<Incoming>,
    /// Calls and casts; disconnected when the handles' link is dropped: the stop.
    pub(crate) control: Receiver<Job<H>>,
    pub(crate) messages: Receiver<H::Message>,
    pub(crate) failures: Receiver<SendFailure>,
    pub(crate) outgoing: wake::Sender<Routed>,
    /// Where handled packets go back to the receive threads.
    pub(crate) recycle: Sender<Box<Packet>>,
    /// Where the outcome of [`Handler::init`] goes, for the start to return.
    pub(crate) started: Sender<Result<(), StopReason>>,
    pub(crate) tick: Option<Duration>,
    /// How long to poll an empty queue before parking ([`Config::spin`](crate::Config::spin)).
    pub(crate) spin: Duration,
    /// Held while the loop runs: the receive threads stop once it is dropped.
    pub(crate) handling: Alive,
    /// Ends once every receive thread has, so that the last count of `incoming`
    /// comes after their last datagram.
    pub(crate) receivers: Watch,
}

/// Where the loop takes its events from.
struct Inputs<'a, H: Handler> {
    incoming: &'a Receiver<Incoming>,
    control: &'a Receiver<Job<H>>,
    messages: &'a Receiver<H::Message>,
    failures: &'a Receiver<SendFailure>,
    recycle: &'a Sender<Box<Packet>>,
}

/// Runs [`Handler::init`], then the handler until it is stopped, it stops, or every
/// packet source is gone; then shuts down its part, stage by stage, and returns the
/// exit after [`Handler::terminate`].
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
        tick,
        spin,
        handling,
        receivers,
    } = wiring;
    waker.register();
    if let Err(reason) = dispatcher.init(Instant::now()) {
        let _ = started.send(Err(reason.clone()));
        return dispatcher.terminate(reason);
    }
    let _ = started.send(Ok(()));
    drop(started);
    let inputs = Inputs {
        incoming: &incoming,
        control: &control,
        messages: &messages,
        failures: &failures,
        recycle: &recycle,
    };
    let schedule = Schedule::new(tick, Instant::now());
    let reason = serve(&mut dispatcher, &inputs, &outgoing, &waker, schedule, spin);
    // The sender thread drains the replies queued so far and ends.
    drop(outgoing);
    // The receive threads stop at their next datagram or read timeout.
    drop(handling);
    let unhandled = count_unhandled(&incoming, &receivers);
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

/// The loop: one event per pass, from the first input of the schedule's pass that
/// has one, until a step stops it.
fn serve<H: Handler>(
    dispatcher: &mut Dispatcher<H>,
    inputs: &Inputs<'_, H>,
    outgoing: &wake::Sender<Routed>,
    waker: &Waker,
    mut schedule: Schedule,
    spin: Duration,
) -> StopReason {
    loop {
        let taken = schedule.pass().iter().find_map(|&input| {
            let step = take(input, dispatcher, inputs, &mut schedule)?;
            Some((input, step))
        });
        match taken {
            Some((input, step)) => {
                schedule.took(input);
                if let Some(reason) = forward(step, outgoing) {
                    return reason;
                }
            }
            None => match schedule.idle() {
                Idle::LookEverywhere => {}
                Idle::Wait { spin: poll, until } => {
                    let ready = poll
                        && wait::spin_until(spin, || {
                            !inputs.incoming.is_empty()
                                || !inputs.control.is_empty()
                                || !inputs.messages.is_empty()
                        });
                    if !ready {
                        waker.wait(until);
                    }
                }
            },
        }
    }
}

/// Takes and handles one event from `input`, if it has one. Inlined: it runs several
/// times per request, and a call each time shows in the instructions per request.
#[inline(always)]
fn take<H: Handler>(
    input: Input,
    dispatcher: &mut Dispatcher<H>,
    inputs: &Inputs<'_, H>,
    schedule: &mut Schedule,
) -> Option<Step> {
    match input {
        Input::FollowUp => {
            let message = dispatcher.next_continue()?;
            Some(dispatcher.message(message, Instant::now()))
        }
        Input::Packet => match inputs.incoming.try_recv() {
            Ok(event) => Some(handle(dispatcher, event, inputs.recycle)),
            // Every receive thread and every handle is gone.
            Err(TryRecvError::Disconnected) => Some(Step::Stop(StopReason::Shutdown)),
            Err(TryRecvError::Empty) => None,
        },
        Input::Message => {
            let message = inputs.messages.try_recv().ok()?;
            Some(dispatcher.message(message, Instant::now()))
        }
        Input::Tick => {
            let now = Instant::now();
            schedule.tick_due(now).then(|| dispatcher.tick(now))
        }
        Input::Control => match inputs.control.try_recv() {
            Ok(job) => Some(dispatcher.run(job, Instant::now())),
            // The handles' link is gone: stopped.
            Err(TryRecvError::Disconnected) => Some(Step::Stop(StopReason::Shutdown)),
            Err(TryRecvError::Empty) => None,
        },
        // A closed failure channel (the sender thread is gone) is not a reason to
        // stop: the closed outgoing queue is.
        Input::Failure => {
            let failure = inputs.failures.try_recv().ok()?;
            Some(dispatcher.send_failed(failure, Instant::now()))
        }
    }
}

/// Counts the datagrams that will never be handled: those queued now, and those the
/// receive threads queue before they see that the loop has ended.
fn count_unhandled(incoming: &Receiver<Incoming>, receivers: &Watch) -> usize {
    let mut unhandled = 0;
    loop {
        select! {
            recv(incoming) -> event => if event.is_ok() { unhandled += 1 },
            recv(receivers.channel()) -> _ => break,
        }
    }
    unhandled + incoming.try_iter().count()
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
