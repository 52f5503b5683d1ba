//! The socket-less mode: drive a handler from a test, read back each reply and where
//! it would go, through the same dispatch code the handler thread runs.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;

use super::config::Config;
use super::dispatch::{Dispatcher, Exit, Outcome, Outgoing};
use super::handler::{Handler, Listener, SendFailure, Source};
use super::reply::StopReason;
use super::stats::{Counters, Stats};
use crate::Packet;

/// A handler without sockets or threads, for tests.
///
/// Each packet goes through the same dispatch, routing (RFC 2131 section 4.1) and
/// fitting as on a running server; the reply comes back with its destination.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::{respond, Harness, MessageType, Packet, Reply, Source};
///
/// let mut harness = Harness::new(|packet: &Packet, _from: &Source| -> Reply {
///     respond(packet, MessageType::Offer).with_yiaddr(Ipv4Addr::new(198, 18, 0, 10)).into()
/// });
/// let sent = harness.inject(Packet::new(MessageType::Discover)).expect("an offer");
/// assert_eq!(sent.packet.message_type(), Some(MessageType::Offer));
/// assert_eq!(sent.to.ip(), &Ipv4Addr::BROADCAST);
/// ```
pub struct Harness<H: Handler> {
    dispatcher: Option<Dispatcher<H>>,
    listeners: Vec<Listener>,
    client_port: u16,
    counters: Arc<Counters>,
    stopped: Option<StopReason>,
}

impl<H: Handler> std::fmt::Debug for Harness<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("listeners", &self.listeners)
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Harness<H> {
    /// A harness with the default configuration; [`Handler::init`] is called with one
    /// pretend socket at 0.0.0.0:6767.
    pub fn new(handler: H) -> Self {
        Harness::with_config(&Config::default(), handler)
    }

    /// A harness with the routing of `config`, and one pretend socket per configured
    /// socket, at its configured address (port 0 stays 0).
    pub fn with_config(config: &Config, handler: H) -> Self {
        let counters = Arc::new(Counters::default());
        let listeners: Vec<Listener> = config
            .listens()
            .into_iter()
            .enumerate()
            .map(|(index, listen)| Listener {
                index,
                local: listen.addr,
                device: listen.device.as_deref().map(Arc::from),
            })
            .collect();
        let mut dispatcher = Dispatcher::new(handler, config.routing, Arc::clone(&counters));
        let stopped = dispatcher.init(&listeners);
        Harness {
            dispatcher: Some(dispatcher),
            listeners,
            client_port: config.routing.client_port,
            counters,
            stopped,
        }
    }

    /// Hands a packet to the handler as if it came from 0.0.0.0:68 on the main socket;
    /// returns the reply and its destination, if any.
    pub fn inject(&mut self, packet: Packet) -> Option<Outgoing> {
        let peer = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, self.client_port);
        let source = Source::new(peer, &self.listeners[0]);
        self.inject_from(packet, source)
    }

    /// Hands a packet to the handler as if it came from `source`.
    pub fn inject_from(&mut self, packet: Packet, source: Source) -> Option<Outgoing> {
        self.step(|d| d.packet(&packet, &source))
    }

    /// A packet from `peer` on socket number `listener`, for [`Harness::inject_from`].
    ///
    /// Panics when there is no such socket in the configuration.
    pub fn source(&self, peer: SocketAddrV4, listener: usize) -> Source {
        Source::new(peer, &self.listeners[listener])
    }

    /// Calls [`Handler::tick`].
    pub fn tick(&mut self) -> Option<Outgoing> {
        self.step(Dispatcher::tick)
    }

    /// Reports a send failure to the handler, as the sender thread would.
    pub fn send_failed(
        &mut self,
        packet: Packet,
        to: SocketAddrV4,
        error: std::io::Error,
    ) -> Option<Outgoing> {
        let failure = SendFailure {
            packet,
            to,
            listener: 0,
            error,
        };
        self.step(|d| d.send_failed(failure))
    }

    /// Runs `f` on the state (a [`Server::call`](crate::Server::call) without threads);
    /// `None` once the handler has stopped.
    pub fn call<R>(&mut self, f: impl FnOnce(&mut H) -> R) -> Option<R> {
        if self.stopped.is_some() {
            return None;
        }
        self.dispatcher.as_mut().map(|d| f(d.handler_mut()))
    }

    /// Why the handler stopped, once it has (a [`Reply::Stop`](crate::Reply::Stop) or a panic).
    pub fn stopped(&self) -> Option<&StopReason> {
        self.stopped.as_ref()
    }

    /// The counters (only `handled` moves without sockets).
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Ends the run: calls [`Handler::terminate`] with the reason the handler stopped
    /// for, or [`StopReason::Shutdown`], and gives the state back.
    pub fn finish(mut self) -> Exit<H> {
        let reason = self.stopped.take().unwrap_or(StopReason::Shutdown);
        let dispatcher = self.dispatcher.take().expect("finished once");
        dispatcher.terminate(reason)
    }

    fn step(&mut self, event: impl FnOnce(&mut Dispatcher<H>) -> Outcome) -> Option<Outgoing> {
        if self.stopped.is_some() {
            return None;
        }
        match event(self.dispatcher.as_mut()?) {
            Outcome::Nothing => None,
            Outcome::Send(outgoing) => Some(outgoing),
            Outcome::Stop(reason) => {
                self.stopped = Some(reason);
                None
            }
        }
    }
}

impl<H: Handler> Drop for Harness<H> {
    /// Terminates the handler if [`Harness::finish`] was not called.
    fn drop(&mut self) {
        if let Some(dispatcher) = self.dispatcher.take() {
            let reason = self.stopped.take().unwrap_or(StopReason::Shutdown);
            drop(dispatcher.terminate(reason));
        }
    }
}
