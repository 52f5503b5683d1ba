//! Supervision: restart a server from a factory when its handler fails, the way an
//! OTP supervisor restarts a child, and give up after too many restarts.

use std::collections::VecDeque;
use std::net::SocketAddrV4;
use std::panic;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::config::Config;
use super::dispatch::Exit;
use super::error::{CallError, StartError, Stopped};
use super::handle::{Link, Server};
use super::handler::{Handler, Listener};
use super::socket::{bind_all, Bound};
use super::stats::{Counters, Stats};
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
    thread: Option<JoinHandle<SupervisorExit<H>>>,
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
/// restarts within `policy.period` and it gives up.
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
    let first = Server::start_on(
        clone_all(&sockets)?,
        &config,
        factory(),
        Arc::clone(&counters),
    )?;
    let current = Arc::new(Mutex::new(first.link().clone()));
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
                watch.run(first, &mut factory)
            })
            .map_err(|source| StartError::Spawn { source })?
    };
    Ok(Supervisor {
        counters,
        current,
        stopping,
        restarts,
        listeners,
        thread: Some(thread),
    })
}

fn clone_all(sockets: &[Bound]) -> Result<Vec<Bound>, StartError> {
    sockets.iter().map(Bound::try_clone).collect()
}

/// The supervisor thread's state.
struct Watch<H> {
    counters: Arc<Counters>,
    config: Config,
    policy: RestartPolicy,
    sockets: Vec<Bound>,
    current: Arc<Mutex<Link<H>>>,
    stopping: Arc<AtomicBool>,
    restarts: Arc<AtomicU32>,
}

impl<H: Handler> Watch<H> {
    fn run(self, mut server: Server<H>, factory: &mut impl FnMut() -> H) -> SupervisorExit<H> {
        let mut recent = VecDeque::new();
        loop {
            let exit = server.join();
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
            let started = clone_all(&self.sockets).and_then(|s| {
                Server::start_on(s, &self.config, factory(), Arc::clone(&self.counters))
            });
            server = match started {
                Ok(server) => server,
                Err(error) => {
                    log::error!("could not restart the dhcp server: {error}");
                    return SupervisorExit {
                        last: exit,
                        restarts,
                        gave_up: true,
                    };
                }
            };
            self.restarts.fetch_add(1, Ordering::Relaxed);
            *self.current.lock().unwrap_or_else(PoisonError::into_inner) = server.link().clone();
            if self.stopping.load(Ordering::Relaxed) {
                server.stop();
            }
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
        self.listeners[0].local
    }

    /// The counters of every generation so far, added up: what one restarted server
    /// received, dropped and sent is not forgotten by the next.
    pub fn stats(&self) -> Stats {
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
    pub fn cast<F>(&self, f: F) -> Result<(), Stopped>
    where
        F: FnOnce(&mut H) + Send + 'static,
    {
        self.link().cast(f)
    }

    /// [`Server::inject`] on the current server.
    pub fn inject(&self, packet: Packet) -> Result<(), Stopped> {
        let link = self.link();
        let source = link.injected_from().clone();
        link.inject_from(packet, source)
    }

    /// Stops the current server and the supervisor, without waiting.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.link().stop();
    }

    /// Waits until the supervisor ends: the server stopped normally, was stopped, or
    /// failed too often.
    pub fn join(mut self) -> SupervisorExit<H> {
        let thread = self.thread.take().expect("joined once");
        match thread.join() {
            Ok(exit) => exit,
            Err(payload) => panic::resume_unwind(payload),
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
