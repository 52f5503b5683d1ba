//! Supervision: restart a server from a factory when its handler fails, the way an
//! OTP supervisor restarts a child, and give up after too many restarts.

use std::collections::VecDeque;
use std::panic;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Sender};

use super::alive::alive;
use super::config::Config;
use super::dispatch::Exit;
use super::error::StartError;
use super::handle::{Current, Handle};
use super::handler::{Handler, Listener};
use super::socket::{bind_all, Bound};
use super::stats::Counters;
use super::wiring::{self, Failed, Threads};

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

/// A server run under a [`RestartPolicy`]; see [`supervise`]. Its [`Handle`] follows
/// each restart; dropping the supervisor stops it and joins its thread.
pub struct Supervisor<H: Handler> {
    handle: Handle<H>,
    restarts: Arc<AtomicU32>,
    /// The supervisor thread (its result is `None` only when the first start failed,
    /// and then there is no supervisor); `None` once joined.
    thread: Option<JoinHandle<Option<SupervisorExit<H>>>>,
}

impl<H: Handler> std::fmt::Debug for Supervisor<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("handle", &self.handle)
            .field("restarts", &self.restarts())
            .finish_non_exhaustive()
    }
}

/// Runs a server with a handler from `factory`, and when the handler panics or stops
/// with an error ([`StopReason::is_abnormal`](crate::StopReason::is_abnormal)), starts
/// a fresh one from `factory` on the same sockets. More than `policy.max_restarts`
/// restarts within `policy.period` and it gives up. A handler whose
/// [`init`](Handler::init) fails counts as a failure too, the first one included.
/// The factory runs on the supervisor's thread.
///
/// ```no_run
/// use ex_dhcp::server::{supervise, RestartPolicy};
/// use ex_dhcp::{Config, Packet, Reply, Source};
///
/// let factory = || |_packet: &Packet, _from: &Source| -> Reply { Reply::None };
/// let supervisor = supervise(Config::default(), RestartPolicy::default(), factory)?;
/// println!("serving on {}", supervisor.handle().local_addr());
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
    let (ended_alive, ended) = alive();
    let client_port = config.routing().client_port;
    let counters = Arc::new(Counters::default());
    let handle = Handle::new(listeners, client_port, counters, Current::Between, ended);
    let restarts = Arc::new(AtomicU32::new(0));
    let watch = Watch {
        handle: handle.clone(),
        config,
        policy,
        sockets,
        restarts: Arc::clone(&restarts),
    };
    let (report, first_start) = bounded(1);
    let thread = thread::Builder::new()
        .name("dhcp-supervisor".into())
        .spawn(move || {
            let _ended = ended_alive;
            watch.run(&mut factory, report)
        })
        .map_err(|source| StartError::Spawn { source })?;
    // The thread reports how the first start went before anything else.
    if let Ok(Err(error)) = first_start.recv() {
        let _ = thread.join();
        return Err(error);
    }
    Ok(Supervisor {
        handle,
        restarts,
        thread: Some(thread),
    })
}

fn clone_all(sockets: &[Bound]) -> Result<Vec<Bound>, StartError> {
    sockets.iter().map(Bound::try_clone).collect()
}

/// The supervisor thread's state.
struct Watch<H: Handler> {
    handle: Handle<H>,
    config: Config,
    policy: RestartPolicy,
    sockets: Vec<Bound>,
    restarts: Arc<AtomicU32>,
}

/// One server the supervisor started: running, or already failed in its init.
enum Generation<H> {
    Running(Threads<H>),
    FailedInit(Box<Exit<H>>),
}

impl<H: Handler> Watch<H> {
    /// Starts the first server (its start's outcome goes to `report`), then waits for
    /// each to end and restarts it while the policy allows.
    fn run(
        self,
        factory: &mut impl FnMut() -> H,
        report: Sender<Result<(), StartError>>,
    ) -> Option<SupervisorExit<H>> {
        let mut next = match self.start(factory) {
            Ok(first) => first,
            Err(error) => {
                let _ = report.send(Err(error));
                return None;
            }
        };
        let _ = report.send(Ok(()));
        let mut recent = VecDeque::new();
        loop {
            let exit = match next {
                Generation::Running(mut threads) => threads.join(),
                Generation::FailedInit(exit) => *exit,
            };
            let restarts = self.restarts.load(Ordering::Relaxed);
            if !exit.reason.is_abnormal() || self.handle.stop_asked() {
                return Some(SupervisorExit {
                    last: exit,
                    restarts,
                    gave_up: false,
                });
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
                return Some(SupervisorExit {
                    last: exit,
                    restarts,
                    gave_up: true,
                });
            }
            log::warn!("restarting the dhcp server: {}", exit.reason);
            next = match self.start(factory) {
                Ok(generation) => generation,
                Err(error) => {
                    log::error!("could not restart the dhcp server: {error}");
                    return Some(SupervisorExit {
                        last: exit,
                        restarts,
                        gave_up: true,
                    });
                }
            };
            // Counted once the handle points at the new server, so that a caller who
            // sees the count also reaches it; a failed init counts against the limit.
            self.restarts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Starts a server from the factory and points the handle at it.
    fn start(&self, factory: &mut impl FnMut() -> H) -> Result<Generation<H>, StartError> {
        let sockets = clone_all(&self.sockets)?;
        let counters = Arc::clone(self.handle.counters());
        match wiring::start(sockets, &self.config, factory(), counters) {
            Ok(started) => {
                // When the handle was stopped meanwhile, the link comes back, and
                // dropping it stops the new server: the next turn then returns.
                let _stopped = self.handle.install(started.link);
                Ok(Generation::Running(started.threads))
            }
            Err(Failed::Init(exit)) => Ok(Generation::FailedInit(exit)),
            Err(Failed::Start(error)) => Err(error),
        }
    }
}

impl<H: Handler> Supervisor<H> {
    /// The supervisor's handle: the same operations as a server's, on whichever server
    /// runs now. Between a failure and the restart, they fail with
    /// [`NotRunning`](crate::NotRunning); [`Handle::stop`] stops the supervisor too.
    pub fn handle(&self) -> &Handle<H> {
        &self.handle
    }

    /// How many times the server has been restarted so far.
    pub fn restarts(&self) -> u32 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Waits until the supervisor ends: the server stopped normally, was stopped, or
    /// failed too often.
    pub fn join(mut self) -> SupervisorExit<H> {
        let thread = self
            .thread
            .take()
            .expect("joined once: join takes the supervisor");
        match thread.join() {
            Ok(Some(exit)) => exit,
            Ok(None) => unreachable!("a supervisor exists only once its first start worked"),
            // The supervisor thread joins servers, which catch the handler's panics: one
            // that escaped is a bug of this crate, passed on as it is.
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// [`Handle::stop`] then [`Supervisor::join`].
    pub fn shutdown(self) -> SupervisorExit<H> {
        self.handle.stop();
        self.join()
    }
}

impl<H: Handler> Drop for Supervisor<H> {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.handle.stop();
            let _ = thread.join();
        }
    }
}
