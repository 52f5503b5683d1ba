//! What makes `lease_server` and `pxe` behave as daemons: SIGTERM and SIGINT stop
//! the server cleanly, SIGUSR1 and `--stats-every` log its statistics, and the
//! final statistics are logged once it has stopped.

use std::time::Duration;

use crossbeam_channel::{never, select, tick};
use ex_dhcp::{Exit, Handler, Server, ServerStats};

use crate::cli::logging;
use crate::privileges::{self, PrivilegeError};

/// A signal the daemon acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: stop.
    Terminate,
    /// SIGINT (Ctrl-C): stop.
    Interrupt,
    /// SIGUSR1: log the statistics.
    Statistics,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Terminate => "SIGTERM",
            Signal::Interrupt => "SIGINT",
            Signal::Statistics => "SIGUSR1",
        }
    }
}

/// Becomes `user`, when one is given, now that the server's sockets are bound;
/// if that fails, stops the server rather than serve as root.
pub fn become_user<H: Handler>(
    server: Server<H>,
    user: Option<&str>,
) -> Result<Server<H>, PrivilegeError> {
    let Some(user) = user else {
        return Ok(server);
    };
    match privileges::drop_to(user) {
        Ok(()) => Ok(server),
        Err(error) => {
            server.shutdown();
            Err(error)
        }
    }
}

/// Runs `server` until a signal stops it or it stops by itself; logs the
/// statistics on SIGUSR1 and every `stats_every`, and the final ones at the end.
/// Returns the server's exit after joining every thread.
pub fn serve<H: Handler>(server: Server<H>, stats_every: Option<Duration>) -> Exit<H> {
    let signals = signals::listen();
    let stats_tick = stats_every.map_or_else(never, tick);
    let signal_channel = signals.as_ref().map_or_else(never, |s| s.receiver.clone());
    // Disconnected once the handler thread has ended: the server may stop by itself.
    let stopped = server.stopped();
    loop {
        select! {
            recv(signal_channel) -> signal => match signal {
                Ok(Signal::Statistics) => log::info!("{}", stats_line(&server.stats())),
                Ok(signal) => {
                    log::info!("{}: stopping", signal.name());
                    server.stop();
                    break;
                }
                Err(_) => {}
            },
            recv(stats_tick) -> _ => log::info!("{}", stats_line(&server.stats())),
            recv(stopped) -> _ => break,
        }
    }
    if let Some(signals) = signals {
        signals.close();
    }
    // The exit's counters are read once every thread is joined: the sender thread's
    // last reply is in.
    let exit = server.join();
    log::info!("final {}", stats_line(&exit.stats));
    exit
}

/// One line of statistics: the server's own ([`ServerStats`]'s `Display`: what came in,
/// what was handled, what went out, what was lost on the way), and the log lines
/// this tool's logger dropped.
pub fn stats_line(stats: &ServerStats) -> String {
    format!("stats: {stats}; log lines dropped {}", logging::dropped())
}

#[cfg(unix)]
mod signals {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::thread::{self, JoinHandle};

    use crossbeam_channel::{bounded, Receiver};
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
    use signal_hook::flag;
    use signal_hook::iterator::{Handle, Signals};

    use super::Signal;

    /// Signals delivered on a channel by a thread of their own.
    pub(super) struct Listening {
        pub(super) receiver: Receiver<Signal>,
        handle: Handle,
        thread: JoinHandle<()>,
    }

    pub(super) fn listen() -> Option<Listening> {
        // A second SIGTERM or SIGINT kills at once, as users expect when a clean
        // stop hangs: the first sets the flag, the next takes the default action.
        let stopping = Arc::new(AtomicBool::new(false));
        for signal in [SIGTERM, SIGINT] {
            let registered = flag::register_conditional_default(signal, Arc::clone(&stopping))
                .and_then(|_| flag::register(signal, Arc::clone(&stopping)));
            if let Err(error) = registered {
                log::warn!("a second signal {signal} will not kill at once: {error}");
            }
        }
        let mut signals = match Signals::new([SIGTERM, SIGINT, SIGUSR1]) {
            Ok(signals) => signals,
            Err(error) => {
                log::warn!("signals not handled, SIGTERM kills without statistics: {error}");
                return None;
            }
        };
        let handle = signals.handle();
        let (sender, receiver) = bounded(16);
        let thread = thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let signal = match signal {
                        SIGTERM => Signal::Terminate,
                        SIGINT => Signal::Interrupt,
                        _ => Signal::Statistics,
                    };
                    if sender.send(signal).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Listening {
            receiver,
            handle,
            thread,
        })
    }

    impl Listening {
        /// Restores the default handlers' role to signal-hook's and joins the thread.
        pub(super) fn close(self) {
            self.handle.close();
            drop(self.receiver);
            let _ = self.thread.join();
        }
    }
}

#[cfg(not(unix))]
mod signals {
    use crossbeam_channel::Receiver;

    use super::Signal;

    /// No signals to listen to: the server runs until it stops by itself.
    pub(super) struct Listening {
        pub(super) receiver: Receiver<Signal>,
    }

    pub(super) fn listen() -> Option<Listening> {
        None
    }

    impl Listening {
        pub(super) fn close(self) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stats_line_names_every_loss() {
        let line = stats_line(&ServerStats::default());
        for part in [
            "received 0",
            "handled 0",
            "sent 0",
            "queue full 0",
            "log lines dropped",
        ] {
            assert!(line.contains(part), "{line}");
        }
    }
}
