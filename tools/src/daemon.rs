//! What makes `lease_server` and `pxe` behave as daemons: SIGTERM and SIGINT stop
//! the server cleanly, SIGUSR1 and `--stats-every` log its statistics, and the
//! final statistics are logged once it has stopped.

use std::time::Duration;

use ex_dhcp::server::Exit;
use ex_dhcp::{Handler, Server, ServerStats};

use crate::cli::logging;
use crate::privileges::{self, PrivilegeError};

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
    let handle = server.handle();
    let signals = signals::listen(handle.clone());
    match stats_every {
        Some(every) => {
            while !handle.wait_timeout(every) {
                log::info!("{}", stats_line(&handle.stats()));
            }
        }
        None => handle.wait(),
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

/// One line of statistics: the server's own ([`ServerStats`]'s `Display`: what came
/// in, what was handled, what went out, what was lost on the way), and the log lines
/// this tool's logger dropped.
pub fn stats_line(stats: &ServerStats) -> String {
    format!("stats: {stats}; log lines dropped {}", logging::dropped())
}

#[cfg(unix)]
mod signals {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::thread::{self, JoinHandle};

    use ex_dhcp::{Handle, Handler};
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
    use signal_hook::flag;
    use signal_hook::iterator::{self, Signals};

    use super::stats_line;

    /// Signals acted on by a thread of their own, which holds a handle on the server.
    pub(super) struct Listening {
        signals: iterator::Handle,
        thread: JoinHandle<()>,
    }

    pub(super) fn listen<H: Handler>(server: Handle<H>) -> Option<Listening> {
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
        let thread = thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    match signal {
                        SIGUSR1 => log::info!("{}", stats_line(&server.stats())),
                        SIGTERM => stop(&server, "SIGTERM"),
                        _ => stop(&server, "SIGINT"),
                    }
                }
            })
            .ok()?;
        Some(Listening {
            signals: handle,
            thread,
        })
    }

    fn stop<H: Handler>(server: &Handle<H>, signal: &str) {
        log::info!("{signal}: stopping");
        server.stop();
    }

    impl Listening {
        /// Stops listening and joins the thread.
        pub(super) fn close(self) {
            self.signals.close();
            let _ = self.thread.join();
        }
    }
}

#[cfg(not(unix))]
mod signals {
    use ex_dhcp::{Handle, Handler};

    /// No signals to listen to: the server runs until it stops by itself.
    pub(super) struct Listening;

    pub(super) fn listen<H: Handler>(_: Handle<H>) -> Option<Listening> {
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
