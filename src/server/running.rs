//! A running server: start it, hand out its handle, join it.

use std::fmt;
use std::sync::Arc;

use super::config::Config;
use super::dispatch::Exit;
use super::error::StartError;
use super::handle::{Current, Handle};
use super::handler::Handler;
use super::socket::bind_all;
use super::wiring::{self, Failed, Started, Threads};

/// A running server: one receive thread per socket, one handler thread, one sender
/// thread. Its [`Handle`] talks to the handler; the `Server` itself owns the threads,
/// the way a [`JoinHandle`](std::thread::JoinHandle) owns a thread and hands out its
/// [`Thread`](std::thread::Thread). Dropping it stops the server and joins every thread.
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
/// println!("listening on {}", server.handle().local_addr());
/// let exit = server.join();
/// println!("stopped: {}", exit.reason);
/// # Ok::<(), ex_dhcp::StartError>(())
/// ```
pub struct Server<H: Handler> {
    handle: Handle<H>,
    threads: Threads<H>,
}

impl<H: Handler> fmt::Debug for Server<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Server<H> {
    /// Binds the configured sockets, starts the threads and runs [`Handler::init`] on
    /// the handler thread; returns once `init` has returned, with
    /// [`StartError::Init`] if it refused or panicked.
    pub fn start(config: Config, handler: H) -> Result<Server<H>, StartError> {
        let sockets = bind_all(&config)?;
        let counters = Arc::default();
        let started = wiring::start(sockets, &config, handler, Arc::clone(&counters));
        let Started {
            link,
            listeners,
            threads,
            ended,
        } = started.map_err(|failed| match failed {
            Failed::Start(error) => error,
            Failed::Init(exit) => StartError::Init(exit.reason),
        })?;
        let client_port = config.routing().client_port;
        let current = Current::Running(link);
        let handle = Handle::new(listeners, client_port, counters, current, ended);
        Ok(Server { handle, threads })
    }

    /// The server's handle: clone it for other threads (a signal handler, a control
    /// interface, a test).
    pub fn handle(&self) -> &Handle<H> {
        &self.handle
    }

    /// Waits for the server to stop (by [`Handle::stop`], or by the handler) and
    /// joins every thread; returns why it stopped, the handler's final state and the
    /// counters once the last reply is counted.
    pub fn join(mut self) -> Exit<H> {
        self.threads.join()
    }

    /// [`Handle::stop`] then [`Server::join`].
    pub fn shutdown(self) -> Exit<H> {
        self.handle.stop();
        self.join()
    }
}

impl<H: Handler> Drop for Server<H> {
    fn drop(&mut self) {
        // The threads, joined as they drop next, end once the handler stops.
        self.handle.stop();
    }
}
