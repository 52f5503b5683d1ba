//! One server's wiring: the channels between its threads, made in one place, and the
//! threads, owned by [`Threads`] from the moment each is spawned.
//!
//! ```text
//!                   handles --(control, incoming, mailbox: the Link)--+
//!                                                                     v
//!  receive threads --incoming--> handler thread --replies--> sender thread
//!        ^  (one per socket)       |   ^   ^                    |    |
//!        +-------recycle-----------+   |   +---spare replies----+    |
//!                                      +-------failures--------------+
//!  tap thread <--records-- receive threads, sender thread (with `Config::tap`)
//! ```
//!
//! Shutdown is disconnection, stage by stage: the handles' [`Link`] is dropped (a
//! stop) and the handler thread's control channel disconnects, or the handler stops by
//! itself; the handler loop ends and drops its [`Alive`], so the receive threads stop
//! at their next datagram or read timeout; once the last of them has ended, the
//! handler thread has counted what they queued and drops the reply queue; the sender
//! thread drains it and ends; the tap thread ends after the last thread that records.
//! Every thread then ends by itself, which is why a failed start needs no unwinding:
//! [`Threads`] joins whatever was spawned once the channel ends held here are gone.

use std::mem;
use std::panic;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_channel::bounded;

use super::alive::{alive, Watch};
use super::config::Config;
use super::context::Mailbox;
use super::dispatch::{Dispatcher, Exit};
use super::error::StartError;
use super::handle::Link;
use super::handler::{Handler, Listener};
use super::handler_thread::{self, Wiring, POOL_CAPACITY};
use super::receive::{self, Queues};
use super::send;
use super::socket::Bound;
use super::stats::Counters;
use super::tap::Tap;
use crate::wake::{self, Waker};

/// A server whose threads run.
pub(crate) struct Started<H: Handler> {
    /// The handles' channels into the handler thread.
    pub(crate) link: Link<H>,
    pub(crate) listeners: Vec<Listener>,
    pub(crate) threads: Threads<H>,
    /// Ends when the handler thread does.
    pub(crate) ended: Watch,
}

/// How starting failed: before anything ran, or in [`Handler::init`] (with the
/// handler back, terminated, for a supervisor to count as a failure).
pub(crate) enum Failed<H> {
    Start(StartError),
    Init(Box<Exit<H>>),
}

impl<H> From<StartError> for Failed<H> {
    fn from(error: StartError) -> Self {
        Failed::Start(error)
    }
}

/// The threads of one server, joined when dropped (each ends once the channel ends
/// it waits on are gone: see the module's docs).
pub(crate) struct Threads<H> {
    handler: Option<JoinHandle<Exit<H>>>,
    /// The sender, receive and tap threads.
    others: Vec<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl<H: Handler> Threads<H> {
    fn new(counters: &Arc<Counters>) -> Self {
        Threads {
            handler: None,
            others: Vec::new(),
            counters: Arc::clone(counters),
        }
    }

    fn spawn(
        &mut self,
        name: String,
        run: impl FnOnce() + Send + 'static,
    ) -> Result<(), StartError> {
        let thread = thread::Builder::new()
            .name(name)
            .spawn(run)
            .map_err(|source| StartError::Spawn { source })?;
        self.others.push(thread);
        Ok(())
    }

    fn spawn_handler(
        &mut self,
        run: impl FnOnce() -> Exit<H> + Send + 'static,
    ) -> Result<(), StartError> {
        let thread = thread::Builder::new()
            .name("dhcp-handler".into())
            .spawn(run)
            .map_err(|source| StartError::Spawn { source })?;
        self.handler = Some(thread);
        Ok(())
    }

    /// Waits for the handler thread and returns its exit; the other threads are
    /// joined later (or by [`Threads::join`]).
    fn handler_exit(&mut self) -> Exit<H> {
        let thread = self
            .handler
            .take()
            .expect("the handler thread, joined once");
        match thread.join() {
            Ok(exit) => exit,
            // The handler thread catches the handler's panics; one that escaped is a
            // bug of this crate, passed on as it is, as a scoped thread's would be.
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// Waits for the server to stop and joins every thread; returns why it stopped,
    /// the handler's final state, and the counters once the last reply is counted.
    pub(crate) fn join(&mut self) -> Exit<H> {
        let mut exit = self.handler_exit();
        for thread in mem::take(&mut self.others) {
            if thread.join().is_err() {
                log::error!("a dhcp server thread panicked outside the handler");
            }
        }
        exit.stats = self.counters.snapshot();
        exit
    }
}

impl<H> Drop for Threads<H> {
    fn drop(&mut self) {
        let handler = self.handler.take().map(|thread| thread.join().map(drop));
        let others = mem::take(&mut self.others)
            .into_iter()
            .map(JoinHandle::join);
        if handler
            .into_iter()
            .chain(others)
            .any(|joined| joined.is_err())
        {
            log::error!("a dhcp server thread panicked outside the handler");
        }
    }
}

/// Starts the threads of one server on bound sockets, counting into `counters` (a
/// supervisor hands each server it starts the same ones, so that its statistics add
/// up across restarts). Returns once [`Handler::init`] has returned.
pub(crate) fn start<H: Handler>(
    sockets: Vec<Bound>,
    config: &Config,
    handler: H,
    counters: Arc<Counters>,
) -> Result<Started<H>, Failed<H>> {
    // Declared first, so dropped last: when a step below fails, every channel end
    // made here is dropped before the threads spawned so far are joined.
    let mut threads = Threads::new(&counters);
    let listeners: Vec<Listener> = sockets.iter().map(|b| b.listener.clone()).collect();
    let capacity = config.get_queue_capacity();
    let tap = start_tap(config, &counters, &mut threads)?;
    // Every channel into the handler thread wakes it, the reply queue wakes the
    // sender thread: neither spins before it parks (see `crate::wake`).
    let handler_waker = Waker::new();
    let sender_waker = Waker::new();

    // The sender thread: replies in; their boxes and the failures back.
    let (replies, to_send) = wake::bounded(capacity, &sender_waker);
    let (spare_boxes, spare_replies) = bounded(POOL_CAPACITY);
    let (failed, failures) = wake::unbounded(&handler_waker);
    let send_sockets = sockets
        .iter()
        .map(Bound::try_clone)
        .collect::<Result<_, _>>()?;
    {
        let (counters, tap) = (Arc::clone(&counters), tap.clone());
        threads.spawn("dhcp-send".into(), move || {
            send::run(send_sockets, to_send, spare_boxes, failed, counters, tap)
        })?;
    }

    // The handler thread: packets, calls and messages in; replies out, the packets'
    // boxes back to the receive threads.
    let (incoming, packets) = wake::bounded(capacity, &handler_waker);
    let (control, calls) = wake::unbounded(&handler_waker);
    let (messages, posted) = wake::unbounded(&handler_waker);
    let (recycle, pool) = bounded(POOL_CAPACITY);
    let (init_done, init) = bounded(1);
    let (handling, handler_running) = alive();
    let (receiving, receivers) = alive();
    let (ended_alive, ended) = alive();
    let mailbox = Mailbox::new(messages);
    let mut dispatcher = Dispatcher::new(
        handler,
        config.routing(),
        Arc::clone(&counters),
        listeners.clone(),
        mailbox.clone(),
    );
    dispatcher.recycle_replies(spare_replies);
    let wiring = Wiring {
        waker: handler_waker,
        incoming: packets.into_inner(),
        control: calls.into_inner(),
        messages: posted.into_inner(),
        failures: failures.into_inner(),
        outgoing: replies,
        recycle,
        started: init_done,
        tick: config.get_tick(),
        spin: config.get_spin(),
        handling,
        receivers,
    };
    threads.spawn_handler(move || {
        let _ended = ended_alive;
        handler_thread::run(dispatcher, wiring)
    })?;
    let link = Link {
        control,
        incoming,
        mailbox,
    };
    // A disconnection means the handler thread died, which joining it reports.
    if let Ok(Err(_)) = init.recv() {
        return Err(Failed::Init(Box::new(threads.handler_exit())));
    }

    // The receive threads: one per socket, datagrams in, packets to the handler.
    for bound in sockets {
        let queues = Queues {
            queue: link.incoming.clone(),
            pool: pool.clone(),
            handler_running: handler_running.clone(),
            receiving: receiving.clone(),
        };
        let options = receive::Options {
            deliver_undecodable: config.get_deliver_undecodable(),
            tap: tap.clone(),
        };
        let counters = Arc::clone(&counters);
        let name = format!("dhcp-recv-{}", bound.listener.index);
        threads.spawn(name, move || {
            receive::run(bound.socket, bound.listener, queues, options, counters)
        })?;
    }
    Ok(Started {
        link,
        listeners,
        threads,
        ended,
    })
}

/// Starts the tap thread when the configuration asks for one ([`Config::tap`]); it
/// ends once the threads that record into it have.
#[cfg(feature = "capture")]
fn start_tap<H: Handler>(
    config: &Config,
    counters: &Arc<Counters>,
    threads: &mut Threads<H>,
) -> Result<Option<Tap>, StartError> {
    let Some(path) = config.get_tap() else {
        return Ok(None);
    };
    let (tap, thread) = super::tap::start(path, counters)?;
    threads.others.push(thread);
    Ok(Some(tap))
}

#[cfg(not(feature = "capture"))]
fn start_tap<H: Handler>(
    _: &Config,
    _: &Arc<Counters>,
    _: &mut Threads<H>,
) -> Result<Option<Tap>, StartError> {
    Ok(None)
}
