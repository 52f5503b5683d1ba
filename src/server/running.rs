//! A running server: start it, talk to its handler thread, stop and join it.

use std::net::SocketAddrV4;
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver};

use super::config::Config;
use super::context::{Context, Mailbox};
use super::dispatch::{Dispatcher, Exit, Incoming};
use super::error::{CallError, NotRunning, StartError};
use super::handler::{Handler, Listener, Source};
use super::handler_thread::{self, Control, Wiring, POOL_CAPACITY};
use super::outcome::Reply;
use super::socket::{bind_all, Bound};
use super::stats::{Counters, ServerStats};
use super::{receive, send};
use crate::wake::{self, Waker};
use crate::Packet;

/// The cloneable part of a handle: the channels into the handler thread.
pub(crate) struct Link<H: Handler> {
    control: wake::Sender<Control<H>>,
    incoming: wake::Sender<Incoming>,
    mailbox: Mailbox<H::Message>,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    injected_from: Source,
}

impl<H: Handler> Clone for Link<H> {
    fn clone(&self) -> Self {
        Link {
            control: self.control.clone(),
            incoming: self.incoming.clone(),
            mailbox: self.mailbox.clone(),
            stop: Arc::clone(&self.stop),
            counters: Arc::clone(&self.counters),
            injected_from: self.injected_from.clone(),
        }
    }
}

impl<H: Handler> Link<H> {
    /// A link to no server: every channel closed, so everything sent fails with
    /// [`NotRunning`] (a supervisor's handle before its first server runs).
    pub(crate) fn closed(
        listeners: &[Listener],
        counters: &Arc<Counters>,
        client_port: u16,
    ) -> Self {
        let nobody = Waker::new();
        let (control, _) = wake::unbounded(&nobody);
        let (incoming, _) = wake::bounded(1, &nobody);
        let (messages, _) = wake::unbounded(&nobody);
        Link {
            control,
            incoming,
            mailbox: Mailbox::new(messages),
            stop: Arc::new(AtomicBool::new(true)),
            counters: Arc::clone(counters),
            injected_from: injected_from(listeners, client_port),
        }
    }

    pub(crate) fn call<R, F>(&self, timeout: Option<Duration>, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = bounded(1);
        let job = move |state: &mut H, _: &mut Context<'_, H::Message>| {
            match panic::catch_unwind(panic::AssertUnwindSafe(|| f(state))) {
                Ok(value) => {
                    let _ = reply.send(Ok(value));
                    Reply::None
                }
                Err(payload) => {
                    let _ = reply.send(Err(CallError::Panicked));
                    // Let the dispatcher log it and stop the server.
                    panic::resume_unwind(payload);
                }
            }
        };
        self.control
            .send(Control::Run(Box::new(job)))
            .map_err(|_| CallError::NotRunning)?;
        let received = match timeout {
            None => result.recv().map_err(|_| CallError::NotRunning),
            Some(timeout) => result.recv_timeout(timeout).map_err(|error| {
                if error.is_timeout() {
                    CallError::Timeout
                } else {
                    CallError::NotRunning
                }
            }),
        };
        received?
    }

    pub(crate) fn cast<R, F>(&self, f: F) -> Result<(), NotRunning>
    where
        F: FnOnce(&mut H, &mut Context<'_, H::Message>) -> R + Send + 'static,
        R: Into<Reply>,
    {
        let job = move |state: &mut H, ctx: &mut Context<'_, H::Message>| f(state, ctx).into();
        self.control
            .send(Control::Run(Box::new(job)))
            .map_err(|_| NotRunning)
    }

    pub(crate) fn inject_from(&self, packet: Packet, source: Source) -> Result<(), NotRunning> {
        self.incoming
            .send(Incoming::Packet {
                packet: Box::new(packet),
                source,
            })
            .map_err(|_| NotRunning)
    }

    pub(crate) fn injected_from(&self) -> &Source {
        &self.injected_from
    }

    pub(crate) fn mailbox(&self) -> &Mailbox<H::Message> {
        &self.mailbox
    }

    pub(crate) fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.control.send(Control::Stop);
    }
}

/// Where [`Server::inject`] says a packet came from: a client with no address yet,
/// on the main socket.
pub(crate) fn injected_from(listeners: &[Listener], client_port: u16) -> Source {
    let peer = SocketAddrV4::new([0, 0, 0, 0].into(), client_port);
    match listeners.first() {
        Some(main) => Source::new(peer, main),
        // A configuration always has its main socket; this keeps the types honest.
        None => Source {
            peer,
            listener: 0,
            local: SocketAddrV4::new([0, 0, 0, 0].into(), 0),
            device: None,
        },
    }
}

/// How starting the threads failed: before anything ran, or in [`Handler::init`]
/// (with the handler back, terminated, for a supervisor to count as a failure).
pub(crate) enum Failed<H> {
    Start(StartError),
    Init(Box<Exit<H>>),
}

impl<H> From<StartError> for Failed<H> {
    fn from(error: StartError) -> Self {
        Failed::Start(error)
    }
}

/// A running server: one receive thread per socket, one handler thread, one sender
/// thread. Dropping the handle stops the server and joins every thread.
///
/// ```no_run
/// use std::net::Ipv4Addr;
/// use ex_dhcp::{respond, Config, MessageType, Packet, Reply, Server, Source};
///
/// let handler = |packet: &Packet, _from: &Source| match packet.message_type() {
///     Some(MessageType::Discover) => respond(packet, MessageType::Offer)
///         .with_yiaddr(Ipv4Addr::new(198, 18, 0, 10))
///         .into(),
///     _ => Reply::None,
/// };
/// let server = Server::start(Config::default().port(67), handler)?;
/// println!("listening on {}", server.local_addr());
/// let exit = server.join();
/// println!("stopped: {}", exit.reason);
/// # Ok::<(), ex_dhcp::StartError>(())
/// ```
pub struct Server<H: Handler> {
    link: Link<H>,
    listeners: Vec<Listener>,
    /// The handler thread's result, sent as its last act.
    exit: Receiver<Exit<H>>,
    /// Disconnected when the handler thread ends (it holds the only sender).
    stopped: Receiver<()>,
    /// Every thread; empty once joined.
    threads: Vec<JoinHandle<()>>,
}

impl<H: Handler> std::fmt::Debug for Server<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listeners", &self.listeners)
            .field("threads", &self.threads.len())
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Server<H> {
    /// Binds the configured sockets, starts the threads and runs [`Handler::init`] on
    /// the handler thread; returns once `init` has returned, with
    /// [`StartError::Init`] if it refused or panicked.
    pub fn start(config: Config, handler: H) -> Result<Server<H>, StartError> {
        let sockets = bind_all(&config)?;
        Server::start_on(sockets, &config, handler, Arc::default()).map_err(|failed| match failed {
            Failed::Start(error) => error,
            Failed::Init(exit) => StartError::Init(exit.reason),
        })
    }

    /// Starts the threads on bound sockets, counting into `counters` (a supervisor
    /// hands every generation the same ones, so its statistics add up across restarts).
    pub(crate) fn start_on(
        sockets: Vec<Bound>,
        config: &Config,
        handler: H,
        counters: Arc<Counters>,
    ) -> Result<Server<H>, Failed<H>> {
        let stop = Arc::new(AtomicBool::new(false));
        let listeners: Vec<Listener> = sockets.iter().map(|b| b.listener.clone()).collect();
        let capacity = config.get_queue_capacity();
        // Every channel into the handler thread wakes it, the outgoing queue wakes
        // the sender thread; neither spins before it parks (see `crate::wake`).
        let handler_waker = Waker::new();
        let sender_waker = Waker::new();
        let (incoming_tx, incoming_rx) = wake::bounded(capacity, &handler_waker);
        let (control_tx, control_rx) = wake::unbounded(&handler_waker);
        let (messages_tx, messages_rx) = wake::unbounded(&handler_waker);
        let (outgoing_tx, outgoing_rx) = wake::bounded(capacity, &sender_waker);
        let (failures_tx, failures_rx) = wake::unbounded(&handler_waker);
        let (recycle_tx, recycle_rx) = bounded(POOL_CAPACITY);
        let (spare_replies_tx, spare_replies_rx) = bounded(POOL_CAPACITY);
        let (started_tx, started_rx) = bounded(1);
        let (exit_tx, exit_rx) = bounded(1);
        let (stopped_tx, stopped_rx) = bounded::<()>(0);
        // Each receive thread holds a sender: the handler thread's last drain waits
        // for all of them to end (see `handler_thread::run`).
        let (alive_tx, alive_rx) = bounded::<()>(0);
        let spawn_error = |source| StartError::Spawn { source };

        let mut send_sockets = Vec::with_capacity(sockets.len());
        for bound in &sockets {
            send_sockets.push(bound.try_clone()?);
        }
        // The tap thread first: it ends once the threads that record into it have.
        #[cfg(feature = "capture")]
        let (tap, tap_thread) = match config.get_tap() {
            Some(path) => {
                let (tap, thread) = super::tap::start(path, &counters)?;
                (Some(tap), Some(thread))
            }
            None => (None, None),
        };
        #[cfg(not(feature = "capture"))]
        let (tap, tap_thread): (Option<super::tap::Tap>, Option<JoinHandle<()>>) = (None, None);
        // Joins the tap thread after a failed start, once its last recorder is gone.
        let join_tap = |tap_thread: Option<JoinHandle<()>>| {
            if let Some(thread) = tap_thread {
                let _ = thread.join();
            }
        };
        let mailbox = Mailbox::new(messages_tx);
        let injected_from = injected_from(&listeners, config.routing().client_port);
        let link = Link {
            control: control_tx,
            incoming: incoming_tx,
            mailbox: mailbox.clone(),
            stop: Arc::clone(&stop),
            counters: Arc::clone(&counters),
            injected_from,
        };

        let sender = {
            let counters = Arc::clone(&counters);
            let tap = tap.clone();
            thread::Builder::new()
                .name("dhcp-send".into())
                .spawn(move || {
                    send::run(
                        send_sockets,
                        outgoing_rx,
                        spare_replies_tx,
                        failures_tx,
                        counters,
                        tap,
                    )
                })
        };
        let sender = match sender {
            Ok(sender) => sender,
            Err(error) => {
                drop(tap);
                join_tap(tap_thread);
                return Err(spawn_error(error).into());
            }
        };
        let handler = {
            let mut dispatcher = Dispatcher::new(
                handler,
                config.routing(),
                Arc::clone(&counters),
                listeners.clone(),
                mailbox,
            );
            dispatcher.recycle_replies(spare_replies_rx);
            let wiring = Wiring {
                waker: handler_waker,
                incoming: incoming_rx.into_inner(),
                control: control_rx.into_inner(),
                messages: messages_rx.into_inner(),
                failures: failures_rx.into_inner(),
                outgoing: outgoing_tx,
                recycle: recycle_tx,
                started: started_tx,
                tick: config.get_tick(),
                spin: config.get_spin(),
                stop: Arc::clone(&stop),
                receivers: alive_rx,
            };
            thread::Builder::new()
                .name("dhcp-handler".into())
                .spawn(move || {
                    let exit = handler_thread::run(dispatcher, wiring);
                    let _ = exit_tx.send(exit);
                    drop(stopped_tx);
                })
                .map_err(spawn_error)
        };
        let handler = match handler {
            Ok(handler) => handler,
            Err(error) => {
                // The sender thread ends by itself: its queue's sender is gone.
                let _ = sender.join();
                drop(tap);
                join_tap(tap_thread);
                return Err(error.into());
            }
        };
        let mut server = Server {
            link,
            listeners,
            exit: exit_rx,
            stopped: stopped_rx,
            threads: vec![handler, sender],
        };
        server.threads.extend(tap_thread);
        // Disconnected only if the handler thread died, which `join` reports.
        if let Ok(Err(_)) = started_rx.recv() {
            drop(tap);
            return Err(Failed::Init(Box::new(server.join())));
        }
        for bound in sockets {
            let queue = server.link.incoming.clone();
            let stop = Arc::clone(&stop);
            let counters = Arc::clone(&counters);
            let pool = recycle_rx.clone();
            let deliver_undecodable = config.get_deliver_undecodable();
            let recorder = tap.clone();
            let alive = alive_tx.clone();
            let spawned = thread::Builder::new()
                .name(format!("dhcp-recv-{}", bound.listener.index))
                .spawn(move || {
                    let _alive = alive;
                    let queues = receive::Queues { queue, pool };
                    let options = receive::Options {
                        deliver_undecodable,
                        tap: recorder,
                    };
                    receive::run(
                        bound.socket,
                        bound.listener,
                        queues,
                        options,
                        stop,
                        counters,
                    )
                })
                .map_err(spawn_error);
            match spawned {
                Ok(spawned) => server.threads.push(spawned),
                Err(error) => {
                    // Dropping the server joins the tap thread and the handler thread,
                    // which waits for the receive threads: let go of both first.
                    drop(tap);
                    drop(alive_tx);
                    return Err(error.into());
                }
            }
        }
        drop(alive_tx);
        Ok(server)
    }

    /// The main socket's bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddrV4 {
        self.link.injected_from().local
    }

    /// Every socket, main first.
    pub fn listeners(&self) -> &[Listener] {
        &self.listeners
    }

    /// The handler's mailbox: clone it for threads that post to
    /// [`Handler::message`].
    pub fn mailbox(&self) -> Mailbox<H::Message> {
        self.link.mailbox().clone()
    }

    /// Runs `f` on the handler's state on the handler thread and returns its result,
    /// like a GenServer call. Waits as long as it takes; see [`Server::call_timeout`].
    ///
    /// Not from inside a handler callback of this same server: the handler thread
    /// would wait for itself. A callback has the state as `&mut self` already. To send
    /// or stop, [`Server::cast`].
    pub fn call<R, F>(&self, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        self.link.call(None, f)
    }

    /// [`Server::call`], giving up after `timeout` (the closure may still run later).
    pub fn call_timeout<R, F>(&self, timeout: Duration, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        self.link.call(Some(timeout), f)
    }

    /// Runs `f` on the handler's state on the handler thread without waiting, like a
    /// GenServer cast. What it returns is a [`Reply`] like a callback's, or `()` for
    /// nothing: [`Reply::Stop`] stops the server, a [`Reply::Send`] is routed on the
    /// reply's own fields and leaves from the main socket, a
    /// [`Pending::reply`](crate::Pending::reply) answers its request.
    ///
    /// ```no_run
    /// use ex_dhcp::{Config, Packet, Reply, Server, Source};
    ///
    /// let server = Server::start(Config::default(), |_: &Packet, _: &Source| Reply::None)?;
    /// server.cast(|_state, _ctx| Reply::stop())?; // stops the server from its own thread
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cast<R, F>(&self, f: F) -> Result<(), NotRunning>
    where
        F: FnOnce(&mut H, &mut Context<'_, H::Message>) -> R + Send + 'static,
        R: Into<Reply>,
    {
        self.link.cast(f)
    }

    /// Queues a packet for the handler as if it had come from a client at
    /// 0.0.0.0:client-port on the main socket. Blocks while the queue is full.
    pub fn inject(&self, packet: Packet) -> Result<(), NotRunning> {
        self.link
            .inject_from(packet, self.link.injected_from().clone())
    }

    /// Queues a packet for the handler as if it had come from `source`.
    pub fn inject_from(&self, packet: Packet, source: Source) -> Result<(), NotRunning> {
        self.link.inject_from(packet, source)
    }

    /// The counters so far.
    pub fn stats(&self) -> ServerStats {
        self.link.stats()
    }

    /// Asks the server to stop, without waiting; [`Server::join`] waits. The threads
    /// are gone within about one poll interval (50 ms) plus the callback running now.
    pub fn stop(&self) {
        self.link.stop();
    }

    /// Waits for the server to stop (by [`Server::stop`], or by the handler) and
    /// joins every thread; returns why it stopped and the handler's final state.
    pub fn join(mut self) -> Exit<H> {
        let exit = self.exit.recv();
        // The handler may have stopped by itself: the receive threads still need telling.
        self.link.stop.store(true, Ordering::Relaxed);
        let mut panicked = None;
        for thread in std::mem::take(&mut self.threads) {
            if let Err(payload) = thread.join() {
                panicked.get_or_insert(payload);
            }
        }
        match (exit, panicked) {
            (Ok(mut exit), _) => {
                // Read again now that the sender thread has counted its last reply.
                exit.stats = self.link.stats();
                exit
            }
            // The handler thread catches the handler's panics; one that escaped is a
            // bug of this crate, passed on as it is, as a scoped thread's would be.
            (Err(_), Some(payload)) => panic::resume_unwind(payload),
            (Err(_), None) => {
                panic::resume_unwind(Box::new("the dhcp handler thread ended without a result"))
            }
        }
    }

    /// Waits up to `timeout` for the server to stop (by [`Server::stop`], or by the
    /// handler); true once it has, and [`Server::join`] will then not wait for the
    /// handler. Without polling: see [`Server::stopped`] to wait in a `select!`.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // Nothing is ever sent on `stopped`: it only disconnects.
        self.stopped
            .recv_timeout(timeout)
            .is_err_and(|error| error.is_disconnected())
    }

    /// A receiver that is disconnected once the server has stopped (its handler
    /// thread has ended, by [`Server::stop`] or by the handler): a `recv` on it
    /// returns `Err` from then on, so it can wait in a
    /// [`crossbeam_channel::select!`] beside other channels. Nothing is ever sent on it.
    /// Then [`Server::join`] for the final [`Exit`] and its exact statistics.
    pub fn stopped(&self) -> Receiver<()> {
        self.stopped.clone()
    }

    /// [`Server::stop`] then [`Server::join`].
    pub fn shutdown(self) -> Exit<H> {
        self.stop();
        self.join()
    }

    pub(crate) fn link(&self) -> &Link<H> {
        &self.link
    }
}

impl<H: Handler> Drop for Server<H> {
    fn drop(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.stop();
        for thread in std::mem::take(&mut self.threads) {
            if thread.join().is_err() {
                log::error!("a dhcp server thread panicked outside the handler");
            }
        }
    }
}
