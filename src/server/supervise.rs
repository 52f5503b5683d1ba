//! Supervision: restart a server from a factory when its handler fails, the way an
//! OTP supervisor restarts a child, and give up after too many restarts.

use std::collections::VecDeque;
use std::net::SocketAddrV4;
use std::panic;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver};

use super::config::Config;
use super::context::{Context, Mailbox};
use super::dispatch::Exit;
use super::error::{CallError, NotRunning, StartError};
use super::handler::{Handler, Listener};
use super::outcome::Reply;
use super::running::{Failed, Link, Server};
use super::socket::{bind_all, Bound};
use super::stats::{Counters, ServerStats};
use crate::Packet;

/// How many restarts are allowed in how long (OTP's intensity and period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RestartPolicy {
    /// More restarts than this within `period` and the supervisor gives up.
    pub max_restarts: u32,
    /// The sliding window restarts are counted in.
    pub period: Duration,
}

impl Default for RestartPolicy {
    /// Three restarts in five seconds, as OTP's default.
    fn default() -> Self {
        RestartPolicy {
            max_restarts: 3,
            period: Duration::from_secs(5),
        }
    }
}

impl RestartPolicy {
    /// At most `max_restarts` restarts within `period`.
    pub fn new(max_restarts: u32, period: Duration) -> Self {
        RestartPolicy {
            max_restarts,
            period,
        }
    }
}

/// How a supervised server ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct SupervisorExit<H> {
    /// How the last server ended.
    pub last: Exit<H>,
    /// How many times the server was restarted.
    pub restarts: u32,
    /// True when the supervisor stopped because the restart limit was reached.
    pub gave_up: bool,
}

/// A server run under a [`RestartPolicy`]; see [`supervise`].
pub struct Supervisor<H: Handler> {
    counters: Arc<Counters>,
    current: Arc<Mutex<Link<H>>>,
    stopping: Arc<AtomicBool>,
    restarts: Arc<AtomicU32>,
    listeners: Vec<Listener>,
    /// The supervisor thread's result, sent as its last act.
    exit: Receiver<SupervisorExit<H>>,
    /// Disconnected when the supervisor thread ends (it holds the only sender).
    ended: Receiver<()>,
    /// The supervisor thread; `None` once joined.
    thread: Option<JoinHandle<()>>,
}

impl<H: Handler> std::fmt::Debug for Supervisor<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("listeners", &self.listeners)
            .field("restarts", &self.restarts())
            .finish_non_exhaustive()
    }
}

/// Runs a server with a handler from `factory`, and when the handler panics or stops
/// with an error ([`StopReason::is_abnormal`](crate::StopReason::is_abnormal)), starts
/// a fresh one from `factory` on the same sockets. More than `policy.max_restarts`
/// restarts within `policy.period` and it gives up. A handler whose
/// [`init`](Handler::init) fails counts as a failure too, the first one included.
///
/// ```no_run
/// use ex_dhcp::{supervise, Config, Packet, Reply, RestartPolicy, Source};
///
/// let factory = || |_packet: &Packet, _from: &Source| -> Reply { Reply::None };
/// let supervisor = supervise(Config::default(), RestartPolicy::default(), factory)?;
/// let exit = supervisor.join();
/// println!("restarted {} times, gave up: {}", exit.restarts, exit.gave_up);
/// # Ok::<(), ex_dhcp::StartError>(())
/// ```
pub fn supervise<H, F>(
    config: Config,
    policy: RestartPolicy,
    mut factory: F,
) -> Result<Supervisor<H>, StartError>
where
    H: Handler,
    F: FnMut() -> H + Send + 'static,
{
    let sockets = bind_all(&config)?;
    let listeners: Vec<Listener> = sockets.iter().map(|b| b.listener.clone()).collect();
    let counters = Arc::new(Counters::default());
    let first = match Server::start_on(
        clone_all(&sockets)?,
        &config,
        factory(),
        Arc::clone(&counters),
    ) {
        Ok(server) => Ok(server),
        Err(Failed::Start(error)) => return Err(error),
        Err(Failed::Init(exit)) => Err(*exit),
    };
    // Before any server runs, the handle talks to nothing: its channels are closed.
    let link = match &first {
        Ok(server) => server.link().clone(),
        Err(_) => Link::closed(&listeners, &counters, config.routing().client_port),
    };
    let current = Arc::new(Mutex::new(link));
    let (exit_tx, exit_rx) = bounded(1);
    let (ended_tx, ended_rx) = bounded::<()>(0);
    let stopping = Arc::new(AtomicBool::new(false));
    let restarts = Arc::new(AtomicU32::new(0));
    let thread = {
        let current = Arc::clone(&current);
        let stopping = Arc::clone(&stopping);
        let restarts = Arc::clone(&restarts);
        let counters = Arc::clone(&counters);
        thread::Builder::new()
            .name("dhcp-supervisor".into())
            .spawn(move || {
                let watch = Watch {
                    counters,
                    config,
                    policy,
                    sockets,
                    current,
                    stopping,
                    restarts,
                };
                let exit = watch.run(first, &mut factory);
                let _ = exit_tx.send(exit);
                drop(ended_tx);
            })
            .map_err(|source| StartError::Spawn { source })?
    };
    Ok(Supervisor {
        counters,
        current,
        stopping,
        restarts,
        listeners,
        exit: exit_rx,
        ended: ended_rx,
        thread: Some(thread),
    })
}

fn clone_all(sockets: &[Bound]) -> Result<Vec<Bound>, StartError> {
    sockets.iter().map(Bound::try_clone).collect()
}

/// The supervisor thread's state.
struct Watch<H: Handler> {
    counters: Arc<Counters>,
    config: Config,
    policy: RestartPolicy,
    sockets: Vec<Bound>,
    current: Arc<Mutex<Link<H>>>,
    stopping: Arc<AtomicBool>,
    restarts: Arc<AtomicU32>,
}

impl<H: Handler> Watch<H> {
    fn run(
        self,
        first: Result<Server<H>, Exit<H>>,
        factory: &mut impl FnMut() -> H,
    ) -> SupervisorExit<H> {
        let mut recent = VecDeque::new();
        let mut next = first;
        loop {
            let exit = match next {
                Ok(server) => server.join(),
                Err(exit) => exit,
            };
            let restarts = self.restarts.load(Ordering::Relaxed);
            if !exit.reason.is_abnormal() || self.stopping.load(Ordering::Relaxed) {
                return SupervisorExit {
                    last: exit,
                    restarts,
                    gave_up: false,
                };
            }
            let now = Instant::now();
            recent.push_back(now);
            while recent
                .front()
                .is_some_and(|at| now.duration_since(*at) > self.policy.period)
            {
                recent.pop_front();
            }
            if recent.len() > self.policy.max_restarts as usize {
                log::error!(
                    "giving up after {} restarts in {:?}: {}",
                    recent.len() - 1,
                    self.policy.period,
                    exit.reason
                );
                return SupervisorExit {
                    last: exit,
                    restarts,
                    gave_up: true,
                };
            }
            log::warn!("restarting the dhcp server: {}", exit.reason);
            let started = clone_all(&self.sockets)
                .map_err(Failed::Start)
                .and_then(|s| {
                    Server::start_on(s, &self.config, factory(), Arc::clone(&self.counters))
                });
            next = match started {
                Ok(server) => {
                    *self.current.lock().unwrap_or_else(PoisonError::into_inner) =
                        server.link().clone();
                    // Counted once the handle points at the new server, so that a
                    // caller who sees the count also reaches the new generation.
                    self.restarts.fetch_add(1, Ordering::Relaxed);
                    if self.stopping.load(Ordering::Relaxed) {
                        server.stop();
                    }
                    Ok(server)
                }
                // A failed init is one more failure, counted against the limit.
                Err(Failed::Init(exit)) => {
                    self.restarts.fetch_add(1, Ordering::Relaxed);
                    Err(*exit)
                }
                Err(Failed::Start(error)) => {
                    log::error!("could not restart the dhcp server: {error}");
                    return SupervisorExit {
                        last: exit,
                        restarts,
                        gave_up: true,
                    };
                }
            };
        }
    }
}

impl<H: Handler> Supervisor<H> {
    fn link(&self) -> Link<H> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The main socket's bound address; it stays the same across restarts.
    pub fn local_addr(&self) -> SocketAddrV4 {
        // Bound once, before the first generation: no need to ask the current one.
        self.listeners[0].local
    }

    /// The counters of every generation so far, added up: what one restarted server
    /// received, dropped and sent is not forgotten by the next.
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    /// How many times the server has been restarted so far.
    pub fn restarts(&self) -> u32 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// [`Server::call`] on the current server.
    pub fn call<R, F>(&self, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        self.link().call(None, f)
    }

    /// [`Server::cast`] on the current server.
    pub fn cast<R, F>(&self, f: F) -> Result<(), NotRunning>
    where
        F: FnOnce(&mut H, &mut Context<'_, H::Message>) -> R + Send + 'static,
        R: Into<Reply>,
    {
        self.link().cast(f)
    }

    /// [`Server::mailbox`] of the current server. Each restart starts a new handler
    /// with a new mailbox: posting to an old one fails with [`NotRunning`]; a handler
    /// hands its workers the mailbox from its own [`Context`] in [`Handler::init`].
    pub fn mailbox(&self) -> Mailbox<H::Message> {
        self.link().mailbox().clone()
    }

    /// [`Server::inject`] on the current server.
    pub fn inject(&self, packet: Packet) -> Result<(), NotRunning> {
        let link = self.link();
        let source = link.injected_from().clone();
        link.inject_from(packet, source)
    }

    /// Stops the current server and the supervisor, without waiting.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.link().stop();
    }

    /// Waits up to `timeout` for the supervisor to end (its server stopped normally,
    /// was stopped, or failed too often); true once it has, and
    /// [`Supervisor::join`] will then not wait. Without polling.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // Nothing is ever sent on `ended`: it only disconnects.
        self.ended
            .recv_timeout(timeout)
            .is_err_and(|error| error.is_disconnected())
    }

    /// Waits until the supervisor ends: the server stopped normally, was stopped, or
    /// failed too often.
    pub fn join(mut self) -> SupervisorExit<H> {
        let exit = self.exit.recv();
        let joined = self.thread.take().map(JoinHandle::join);
        match (exit, joined) {
            (Ok(exit), _) => exit,
            // The supervisor thread joins servers, which catch the handler's panics: one
            // that escaped is a bug of this crate, passed on as it is.
            (Err(_), Some(Err(payload))) => panic::resume_unwind(payload),
            (Err(_), _) => panic::resume_unwind(Box::new(
                "the dhcp supervisor thread ended without a result",
            )),
        }
    }
}

impl<H: Handler> Drop for Supervisor<H> {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop();
            let _ = thread.join();
        }
    }
}
