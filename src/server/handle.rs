//! The handle: what a test, a signal handler or another thread holds to talk to a
//! running server, cloned as often as needed.

use std::fmt;
use std::mem;
use std::net::SocketAddrV4;
use std::panic;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossbeam_channel::bounded;

use super::alive::Watch;
use super::context::{Context, Mailbox};
use super::dispatch::{Incoming, Job};
use super::error::{CallError, NotRunning};
use super::handler::{Handler, Listener, Source};
use super::outcome::Reply;
use super::stats::{Counters, ServerStats};
use crate::wake;
use crate::Packet;

/// A cloneable handle on a running [`Server`](crate::Server) or
/// [`Supervisor`](crate::server::Supervisor): every clone talks to the same handler
/// thread, from any thread, and any clone can stop it.
///
/// Get one from [`Server::handle`](crate::Server::handle) (or
/// [`Supervisor::handle`](crate::server::Supervisor::handle), whose handle follows
/// each restart); the server's owner keeps [`Server::join`](crate::Server::join).
///
/// ```no_run
/// use std::thread;
/// use ex_dhcp::{Config, Packet, Reply, Server, Source};
///
/// let server = Server::start(Config::default(), |_: &Packet, _: &Source| Reply::None)?;
/// let handle = server.handle().clone();
/// thread::spawn(move || {
///     // ... later, from another thread:
///     println!("{}", handle.stats());
///     handle.stop();
/// });
/// let exit = server.join(); // returns once the other thread has stopped it
/// println!("stopped: {}", exit.reason);
/// # Ok::<(), ex_dhcp::StartError>(())
/// ```
pub struct Handle<H: Handler> {
    shared: Arc<Shared<H>>,
}

/// What every clone of a handle shares.
struct Shared<H: Handler> {
    listeners: Vec<Listener>,
    /// Where [`Handle::inject`] says a packet came from.
    injected_from: Source,
    counters: Arc<Counters>,
    current: Mutex<Current<H>>,
    /// Ends when the server's handler thread (or the supervisor's thread) does.
    ended: Watch,
}

/// What a handle talks to now.
pub(crate) enum Current<H: Handler> {
    /// A running server.
    Running(Link<H>),
    /// No server, for now: a supervisor's first handler failed to start, or it is
    /// starting the next one.
    Between,
    /// Stopped through a handle: no server, and none to come.
    Stopped,
}

/// The channels into one server's handler thread.
///
/// The handle's own: there is no other sender of calls and casts, so dropping the link
/// disconnects `control`, and that is how the handler thread is told to stop.
pub(crate) struct Link<H: Handler> {
    pub(crate) control: wake::Sender<Job<H>>,
    pub(crate) incoming: wake::Sender<Incoming>,
    pub(crate) mailbox: Mailbox<H::Message>,
}

impl<H: Handler> Clone for Handle<H> {
    fn clone(&self) -> Self {
        Handle {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<H: Handler> fmt::Debug for Handle<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("listeners", &self.shared.listeners)
            .field("stopped", &self.is_stopped())
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Handle<H> {
    pub(crate) fn new(
        listeners: Vec<Listener>,
        client_port: u16,
        counters: Arc<Counters>,
        current: Current<H>,
        ended: Watch,
    ) -> Self {
        let injected_from = injected_from(&listeners, client_port);
        Handle {
            shared: Arc::new(Shared {
                listeners,
                injected_from,
                counters,
                current: Mutex::new(current),
                ended,
            }),
        }
    }

    /// The main socket's bound address (with the real port when 0 was asked for); a
    /// supervisor's stays the same across restarts.
    pub fn local_addr(&self) -> SocketAddrV4 {
        self.shared.injected_from.local
    }

    /// Every socket, main first.
    pub fn listeners(&self) -> &[Listener] {
        &self.shared.listeners
    }

    /// Runs `f` on the handler's state on the handler thread and returns its result,
    /// like a GenServer call. Waits as long as it takes; see [`Handle::call_timeout`].
    ///
    /// Not from inside a handler callback of this same server: the handler thread
    /// would wait for itself. A callback has the state as `&mut self` already. To send
    /// or stop, [`Handle::cast`].
    pub fn call<R, F>(&self, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        self.call_within(None, f)
    }

    /// [`Handle::call`], giving up after `timeout` (the closure may still run later).
    pub fn call_timeout<R, F>(&self, timeout: Duration, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        self.call_within(Some(timeout), f)
    }

    fn call_within<R, F>(&self, timeout: Option<Duration>, f: F) -> Result<R, CallError>
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
        self.run(Box::new(job))
            .map_err(|NotRunning| CallError::NotRunning)?;
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
    /// server.handle().cast(|_state, _ctx| Reply::stop())?; // stops from the handler thread
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cast<R, F>(&self, f: F) -> Result<(), NotRunning>
    where
        F: FnOnce(&mut H, &mut Context<'_, H::Message>) -> R + Send + 'static,
        R: Into<Reply>,
    {
        self.run(Box::new(move |state, ctx| f(state, ctx).into()))
    }

    fn run(&self, job: Job<H>) -> Result<(), NotRunning> {
        match &*self.current() {
            // Unbounded: never waits, so the lock is not held for long.
            Current::Running(link) => link.control.send(job).map_err(|_| NotRunning),
            Current::Between | Current::Stopped => Err(NotRunning),
        }
    }

    /// Queues a packet for the handler as if it had come from a client at
    /// 0.0.0.0:client-port on the main socket. Waits while the queue is full.
    pub fn inject(&self, packet: Packet) -> Result<(), NotRunning> {
        self.inject_from(packet, self.shared.injected_from.clone())
    }

    /// Queues a packet for the handler as if it had come from `source`. Waits while
    /// the queue is full.
    pub fn inject_from(&self, packet: Packet, source: Source) -> Result<(), NotRunning> {
        // The queue is bounded: wait for room without holding the lock.
        let queue = match &*self.current() {
            Current::Running(link) => link.incoming.clone(),
            Current::Between | Current::Stopped => return Err(NotRunning),
        };
        queue
            .send(Incoming::Packet {
                packet: Box::new(packet),
                source,
            })
            .map_err(|_| NotRunning)
    }

    /// The handler's mailbox: clone it for threads that post to
    /// [`Handler::message`]. Under a supervisor, each restart starts a new handler
    /// with a new mailbox, and posting to an old one fails with [`NotRunning`]: a
    /// handler hands its workers the mailbox from its own [`Context`] in
    /// [`Handler::init`].
    pub fn mailbox(&self) -> Mailbox<H::Message> {
        match &*self.current() {
            Current::Running(link) => link.mailbox.clone(),
            Current::Between | Current::Stopped => Mailbox::closed(),
        }
    }

    /// The counters so far; under a supervisor, those of every server it ran, added up.
    pub fn stats(&self) -> ServerStats {
        self.shared.counters.snapshot()
    }

    /// Stops the server, without waiting: calls and casts already queued run first.
    /// The threads are gone within about one poll interval (50 ms) plus the callback
    /// running now; [`Handle::wait`] waits for the handler thread, and the owner's
    /// [`Server::join`](crate::Server::join) for every thread. A supervisor stops too,
    /// and restarts nothing.
    pub fn stop(&self) {
        let link = mem::replace(&mut *self.current(), Current::Stopped);
        // Dropping the link (out of the lock) disconnects the handler's control
        // channel: the handler thread ends its loop once it has run what was queued.
        drop(link);
    }

    /// True once the server has stopped (by [`Handle::stop`], or by the handler): its
    /// handler thread has ended, and [`Server::join`](crate::Server::join) no longer
    /// waits for it. Under a supervisor, once the supervisor has ended.
    pub fn is_stopped(&self) -> bool {
        self.shared.ended.ended()
    }

    /// Waits until the server has stopped (see [`Handle::is_stopped`]).
    pub fn wait(&self) {
        self.shared.ended.wait();
    }

    /// Waits up to `timeout` for the server to stop (see [`Handle::is_stopped`]); true
    /// once it has. Without polling.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.shared.ended.wait_timeout(timeout)
    }

    fn current(&self) -> MutexGuard<'_, Current<H>> {
        // Nothing panics while holding the lock; and a `Current` is whole either way.
        self.shared
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Points the handle at a supervisor's next server; gives the link back when the
    /// handle was stopped meanwhile (dropping it stops that server).
    pub(crate) fn install(&self, link: Link<H>) -> Result<(), Link<H>> {
        let mut current = self.current();
        match *current {
            Current::Stopped => Err(link),
            Current::Running(_) | Current::Between => {
                *current = Current::Running(link);
                Ok(())
            }
        }
    }

    /// Whether [`Handle::stop`] has been called.
    pub(crate) fn stop_asked(&self) -> bool {
        matches!(*self.current(), Current::Stopped)
    }

    pub(crate) fn counters(&self) -> &Arc<Counters> {
        &self.shared.counters
    }
}

/// Where [`Handle::inject`] says a packet came from: a client with no address yet,
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
