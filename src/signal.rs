//! A clean stop on SIGTERM and SIGINT, in one line (feature `signal`, Unix).
//!
//! ```no_run
//! use ex_dhcp::{Config, Packet, Reply, Server, Source};
//!
//! let server = Server::start(Config::default(), |_: &Packet, _: &Source| Reply::None)?;
//! ex_dhcp::signal::stop_on_termination(server.handle())?;
//! // Returns once SIGTERM (a service manager's stop) or Ctrl-C has stopped the server
//! // and every thread is joined.
//! let exit = server.join();
//! println!("stopped: {}; final stats: {}", exit.reason, exit.stats);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - **The first** SIGTERM or SIGINT stops every server given to
//!   [`stop_on_termination`] that still runs, as [`Handle::stop`] does: calls already
//!   queued run, [`Handler::terminate`] runs, and the owner's
//!   [`Server::join`](crate::Server::join) returns the final state and statistics. It
//!   is logged at info level (`SIGTERM: stopping`).
//! - **A second one** ends the process at once, as the signal does by default: what
//!   an operator expects when a clean stop hangs.
//! - **Once no server given here runs**, these signals end the process at once too, as
//!   if they had never been caught.
//!
//! [signal-hook](https://docs.rs/signal-hook) installs the signal handlers and hands
//! the signals to a thread of their own (`ex_dhcp-signals`, one per process, started
//! by the first call), which stops the servers: a signal handler itself may do almost
//! nothing, and this crate has no unsafe code.

use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;
use signal_hook::iterator::Signals;
use signal_hook::low_level;

use crate::server::{Handle, Handler};

/// The signals that stop servers.
const TERMINATION: [i32; 2] = [SIGTERM, SIGINT];

/// Stops the server behind `handle` cleanly when the process gets SIGTERM or SIGINT;
/// a second such signal ends the process at once (see the [module](self) docs).
///
/// Works for a [`Supervisor`](crate::server::Supervisor)'s handle too. Fails only
/// when the signal handlers or their thread cannot be set up (the first call does).
pub fn stop_on_termination<H: Handler>(handle: &Handle<H>) -> io::Result<()> {
    let mut servers = servers();
    let running = match &mut *servers {
        Some(running) => running,
        None => {
            watch()?;
            servers.insert(Vec::new())
        }
    };
    running.retain(|server| !server.is_stopped());
    running.push(Box::new(handle.clone()));
    Ok(())
}

/// A server to stop, whatever its handler.
trait Stop: Send {
    fn stop(&self);
    fn is_stopped(&self) -> bool;
}

impl<H: Handler> Stop for Handle<H> {
    fn stop(&self) {
        Handle::stop(self);
    }

    fn is_stopped(&self) -> bool {
        Handle::is_stopped(self)
    }
}

/// The servers to stop; `None` until the signals are watched.
static SERVERS: Mutex<Option<Vec<Box<dyn Stop>>>> = Mutex::new(None);

fn servers() -> MutexGuard<'static, Option<Vec<Box<dyn Stop>>>> {
    // Nothing panics while holding it; the list is whole either way.
    SERVERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Installs the handlers and starts the thread that stops the servers.
fn watch() -> io::Result<()> {
    let mut signals = Signals::new(TERMINATION)?;
    // Set by every termination signal; while it is set, the next one takes the
    // default action at once. Registered in this order, the first signal finds it
    // unset, then sets it.
    let terminating = Arc::new(AtomicBool::new(false));
    let mut registered = Vec::new();
    for signal in TERMINATION {
        let registering = flag::register_conditional_default(signal, Arc::clone(&terminating))
            .map(|id| registered.push(id))
            .and_then(|()| flag::register(signal, Arc::clone(&terminating)))
            .map(|id| registered.push(id));
        if let Err(error) = registering {
            registered.into_iter().for_each(|id| {
                low_level::unregister(id);
            });
            return Err(error);
        }
    }
    let thread = thread::Builder::new()
        .name("ex_dhcp-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                stop_all(signal);
            }
        });
    if let Err(error) = thread {
        registered.into_iter().for_each(|id| {
            low_level::unregister(id);
        });
        return Err(error);
    }
    Ok(())
}

/// What a termination signal does: stop every server still running, or, with none,
/// what the signal does by default (end the process).
fn stop_all(signal: i32) {
    let name = low_level::signal_name(signal).unwrap_or("a termination signal");
    let mut servers = servers();
    let running = servers.get_or_insert_with(Vec::new);
    running.retain(|server| !server.is_stopped());
    if running.is_empty() {
        drop(servers);
        if let Err(error) = low_level::emulate_default_handler(signal) {
            log::error!("{name}: nothing to stop, and its default action failed: {error}");
        }
        return;
    }
    log::info!("{name}: stopping");
    for server in running.drain(..) {
        server.stop();
    }
}
