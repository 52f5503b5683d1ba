//! What makes `lease_server` and `pxe` behave as daemons: SIGTERM and SIGINT stop
//! the server cleanly (`ex_dhcp::signal`), SIGUSR1 and `--stats-every` log its
//! statistics, SIGHUP reloads the configuration (when the program has one to
//! reload), and the final statistics are logged once it has stopped.

use std::time::Duration;

use ex_dhcp::server::Exit;
use ex_dhcp::{Handle, Handler, Server, ServerStats};

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
/// statistics on SIGUSR1 and every `stats_every`, and the final ones at the end;
/// SIGHUP is logged as having nothing to reload. Returns the server's exit after
/// joining every thread.
pub fn serve<H: Handler>(server: Server<H>, stats_every: Option<Duration>) -> Exit<H> {
    serve_with_reload(server, stats_every, |_| {
        log::info!("SIGHUP: nothing to reload: the server was started without --config");
    })
}

/// [`serve`], calling `reload` with the server's handle on each SIGHUP (on the
/// signals' thread: the server goes on answering meanwhile).
pub fn serve_with_reload<H: Handler>(
    server: Server<H>,
    stats_every: Option<Duration>,
    reload: impl FnMut(&Handle<H>) + Send + 'static,
) -> Exit<H> {
    let handle = server.handle();
    #[cfg(unix)]
    if let Err(error) = ex_dhcp::signal::stop_on_termination(handle) {
        log::warn!("signals not handled, SIGTERM kills without statistics: {error}");
    }
    let on_request = signals::on_request(handle.clone(), reload);
    match stats_every {
        Some(every) => {
            while !handle.wait_timeout(every) {
                log::info!("{}", stats_line(&handle.stats()));
            }
        }
        None => handle.wait(),
    }
    if let Some(on_request) = on_request {
        on_request.close();
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
    use std::thread::{self, JoinHandle};

    use ex_dhcp::{Handle, Handler};
    use signal_hook::consts::{SIGHUP, SIGUSR1};
    use signal_hook::iterator::{self, Signals};

    use super::stats_line;

    /// SIGUSR1 (statistics) and SIGHUP (reload), from a thread of their own.
    pub(super) struct OnRequest {
        signals: iterator::Handle,
        thread: JoinHandle<()>,
    }

    pub(super) fn on_request<H: Handler>(
        server: Handle<H>,
        mut reload: impl FnMut(&Handle<H>) + Send + 'static,
    ) -> Option<OnRequest> {
        let mut signals = match Signals::new([SIGUSR1, SIGHUP]) {
            Ok(signals) => signals,
            Err(error) => {
                log::warn!("SIGUSR1 and SIGHUP not handled: {error}");
                return None;
            }
        };
        let handle = signals.handle();
        let thread = thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    if signal == SIGHUP {
                        log::info!("SIGHUP: reloading");
                        reload(&server);
                    } else {
                        log::info!("{}", stats_line(&server.stats()));
                    }
                }
            })
            .ok()?;
        Some(OnRequest {
            signals: handle,
            thread,
        })
    }

    impl OnRequest {
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

    /// No signals: statistics only every `--stats-every`.
    pub(super) struct OnRequest;

    pub(super) fn on_request<H: Handler>(
        _: Handle<H>,
        _: impl FnMut(&Handle<H>) + Send + 'static,
    ) -> Option<OnRequest> {
        None
    }

    impl OnRequest {
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
