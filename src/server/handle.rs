//! The server handle: start, talk to the handler thread, stop and join.

use std::net::SocketAddrV4;
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{bounded, unbounded, Sender};

use super::config::Config;
use super::dispatch::{self, panic_message, Control, Dispatcher, Exit, Incoming, Wiring};
use super::error::{CallError, StartError, Stopped};
use super::handler::{Handler, Listener, Source};
use super::socket::{bind_all, Bound};
use super::stats::{Counters, Stats};
use super::{receive, send};
use crate::Packet;

/// The cloneable part of a handle: the channels into the handler thread.
pub(crate) struct Link<H> {
    control: Sender<Control<H>>,
    incoming: Sender<Incoming>,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    injected_from: Source,
}

impl<H> Clone for Link<H> {
    fn clone(&self) -> Self {
        Link {
            control: self.control.clone(),
            incoming: self.incoming.clone(),
            stop: Arc::clone(&self.stop),
            counters: Arc::clone(&self.counters),
            injected_from: self.injected_from.clone(),
        }
    }
}

impl<H: Handler> Link<H> {
    pub(crate) fn call<R, F>(&self, timeout: Option<Duration>, f: F) -> Result<R, CallError>
    where
        F: FnOnce(&mut H) -> R + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = bounded(1);
        let job = move |state: &mut H| {
            match panic::catch_unwind(panic::AssertUnwindSafe(|| f(state))) {
                Ok(value) => {
                    let _ = reply.send(Ok(value));
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
            .map_err(|_| CallError::Stopped)?;
        let received = match timeout {
            None => result.recv().map_err(|_| CallError::Stopped),
            Some(timeout) => result.recv_timeout(timeout).map_err(|error| {
                if error.is_timeout() {
                    CallError::Timeout
                } else {
                    CallError::Stopped
                }
            }),
        };
        received?
    }

    pub(crate) fn cast<F>(&self, f: F) -> Result<(), Stopped>
    where
        F: FnOnce(&mut H) + Send + 'static,
    {
        self.control
            .send(Control::Run(Box::new(f)))
            .map_err(|_| Stopped)
    }

    pub(crate) fn inject_from(&self, packet: Packet, source: Source) -> Result<(), Stopped> {
        self.incoming
            .send(Incoming {
                packet: Box::new(packet),
                source,
            })
            .map_err(|_| Stopped)
    }

    pub(crate) fn injected_from(&self) -> &Source {
        &self.injected_from
    }

    pub(crate) fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.control.send(Control::Stop);
    }
}

struct Threads<H> {
    handler: JoinHandle<Exit<H>>,
    receivers: Vec<JoinHandle<()>>,
    sender: JoinHandle<()>,
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
    threads: Option<Threads<H>>,
}

impl<H: Handler> std::fmt::Debug for Server<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("listeners", &self.listeners)
            .field("running", &self.threads.is_some())
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Server<H> {
    /// Binds the configured sockets and starts the threads; [`Handler::init`] runs
    /// on the handler thread before the first packet.
    pub fn start(config: Config, handler: H) -> Result<Server<H>, StartError> {
        let sockets = bind_all(&config)?;
        Server::start_on(sockets, &config, handler, Arc::default())
    }

    /// Starts the threads on bound sockets, counting into `counters` (a supervisor
    /// hands every generation the same ones, so its statistics add up across restarts).
    pub(crate) fn start_on(
        sockets: Vec<Bound>,
        config: &Config,
        handler: H,
        counters: Arc<Counters>,
    ) -> Result<Server<H>, StartError> {
        let stop = Arc::new(AtomicBool::new(false));
        let listeners: Vec<Listener> = sockets.iter().map(|b| b.listener.clone()).collect();
        let (incoming_tx, incoming_rx) = bounded(config.queue_capacity.max(1));
        let (control_tx, control_rx) = unbounded();
        let (outgoing_tx, outgoing_rx) = bounded(config.queue_capacity.max(1));
        let (failures_tx, failures_rx) = unbounded();
        let (recycle_tx, recycle_rx) = bounded(dispatch::POOL_CAPACITY);
        let spawn_error = |source| StartError::Spawn { source };

        let mut send_sockets = Vec::with_capacity(sockets.len());
        for bound in &sockets {
            send_sockets.push(bound.try_clone()?.socket);
        }
        let link = Link {
            control: control_tx,
            incoming: incoming_tx,
            stop: Arc::clone(&stop),
            counters: Arc::clone(&counters),
            injected_from: Source::new(
                SocketAddrV4::new([0, 0, 0, 0].into(), config.routing.client_port),
                &listeners[0],
            ),
        };

        let sender = {
            let counters = Arc::clone(&counters);
            thread::Builder::new()
                .name("dhcp-send".into())
                .spawn(move || send::run(send_sockets, outgoing_rx, failures_tx, counters))
                .map_err(spawn_error)?
        };
        let handler = {
            let dispatcher = Dispatcher::new(handler, config.routing, Arc::clone(&counters));
            let wiring = Wiring {
                incoming: incoming_rx,
                control: control_rx,
                failures: failures_rx,
                outgoing: outgoing_tx,
                recycle: recycle_tx,
                tick: config.tick,
                spin: config.spin,
            };
            let listeners = listeners.clone();
            thread::Builder::new()
                .name("dhcp-handler".into())
                .spawn(move || dispatch::run(dispatcher, &listeners, wiring))
                .map_err(spawn_error)
        };
        let handler = match handler {
            Ok(handler) => handler,
            Err(error) => {
                // The sender thread ends by itself: its queue's sender is gone.
                let _ = sender.join();
                return Err(error);
            }
        };
        let mut server = Server {
            link,
            listeners,
            threads: Some(Threads {
                handler,
                receivers: Vec::new(),
                sender,
            }),
        };
        for bound in sockets {
            let queue = server.link.incoming.clone();
            let stop = Arc::clone(&stop);
            let counters = Arc::clone(&counters);
            let pool = recycle_rx.clone();
            let spawned = thread::Builder::new()
                .name(format!("dhcp-recv-{}", bound.listener.index))
                .spawn(move || {
                    let queues = receive::Queues { queue, pool };
                    receive::run(bound.socket, bound.listener, queues, stop, counters)
                })
                .map_err(spawn_error)?;
            if let Some(threads) = &mut server.threads {
                threads.receivers.push(spawned);
            }
        }
        Ok(server)
    }

    /// The main socket's bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddrV4 {
        self.listeners[0].local
    }

    /// Every socket, main first.
    pub fn listeners(&self) -> &[Listener] {
        &self.listeners
    }

    /// Runs `f` on the handler's state on the handler thread and returns its result,
    /// like a GenServer call. Waits as long as it takes; see [`Server::call_timeout`].
    ///
    /// Not from inside a handler callback of this same server: the handler thread
    /// would wait for itself. A callback has the state as `&mut self` already.
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
    /// GenServer cast.
    pub fn cast<F>(&self, f: F) -> Result<(), Stopped>
    where
        F: FnOnce(&mut H) + Send + 'static,
    {
        self.link.cast(f)
    }

    /// Queues a packet for the handler as if it had come from a client at
    /// 0.0.0.0:client-port on the main socket. Blocks while the queue is full.
    pub fn inject(&self, packet: Packet) -> Result<(), Stopped> {
        self.link
            .inject_from(packet, self.link.injected_from().clone())
    }

    /// Queues a packet for the handler as if it had come from `source`.
    pub fn inject_from(&self, packet: Packet, source: Source) -> Result<(), Stopped> {
        self.link.inject_from(packet, source)
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
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
        match self.join_threads() {
            Ok(exit) => exit,
            Err(message) => panic!("{message}"),
        }
    }

    /// [`Server::stop`] then [`Server::join`].
    pub fn shutdown(self) -> Exit<H> {
        self.stop();
        self.join()
    }

    pub(crate) fn link(&self) -> &Link<H> {
        &self.link
    }

    /// Joins every thread; an error only if the handler thread itself panicked,
    /// which would be a bug of this crate (handler panics are caught on the thread).
    fn join_threads(&mut self) -> Result<Exit<H>, String> {
        let Some(threads) = self.threads.take() else {
            return Err("the server's threads were already joined".to_owned());
        };
        let exit = threads.handler.join();
        // The handler may have stopped by itself: the receive threads still need telling.
        self.link.stop.store(true, Ordering::Relaxed);
        for receiver in threads.receivers {
            let _ = receiver.join();
        }
        let _ = threads.sender.join();
        exit.map_err(|payload| {
            format!(
                "the dhcp handler thread panicked outside the handler: {}",
                panic_message(payload.as_ref())
            )
        })
    }
}

impl<H: Handler> Drop for Server<H> {
    fn drop(&mut self) {
        if self.threads.is_some() {
            self.stop();
            if let Err(message) = self.join_threads() {
                log::error!("{message}");
            }
        }
    }
}
