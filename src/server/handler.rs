//! The handler trait: what a server does with each packet.

use std::net::SocketAddrV4;
use std::sync::Arc;

use super::context::Context;
use super::error::SendError;
use super::outcome::{HandlerError, Reply, StopReason};
use crate::{DecodeError, Packet};

/// One socket a server listens on, known from the moment it is bound.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Listener {
    /// Its position in the configuration: 0 for the main socket, then
    /// [`Config::also_listen`](crate::Config::also_listen) in order.
    pub index: usize,
    /// The bound address (the real port when 0 was asked for).
    pub local: SocketAddrV4,
    /// The interface it is bound to, if any.
    pub device: Option<Arc<str>>,
}

/// Where a packet came from: the sender's address and the socket that received it.
///
/// A reply leaves from the same socket, so its source port is the one the client
/// sent to (iPXE drops replies from any other port).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Source {
    /// The sender's address and port.
    pub peer: SocketAddrV4,
    /// The index of the receiving socket (see [`Listener::index`]).
    pub listener: usize,
    /// The receiving socket's local address.
    pub local: SocketAddrV4,
    /// The receiving socket's interface, if it is bound to one.
    pub device: Option<Arc<str>>,
}

impl Source {
    /// A packet from `peer` received on `listener`.
    pub fn new(peer: SocketAddrV4, listener: &Listener) -> Self {
        Source {
            peer,
            listener: listener.index,
            local: listener.local,
            device: listener.device.clone(),
        }
    }
}

/// A reply the sender could not send.
#[derive(Debug)]
#[non_exhaustive]
pub struct SendFailure {
    /// The reply.
    pub packet: Packet,
    /// Where it was going.
    pub to: SocketAddrV4,
    /// The socket it was to leave from.
    pub listener: usize,
    /// What went wrong.
    pub error: SendError,
}

impl SendFailure {
    /// A failure to send `packet` to `to` from socket `listener`, for
    /// [`Harness::send_failed`](crate::Harness::send_failed).
    pub fn new(packet: Packet, to: SocketAddrV4, listener: usize, error: SendError) -> Self {
        SendFailure {
            packet,
            to,
            listener,
            error,
        }
    }
}

/// A datagram that did not decode as DHCP, for [`Handler::undecodable`] (given only
/// when [`Config::deliver_undecodable`](crate::Config::deliver_undecodable) asks for it).
#[derive(Debug)]
#[non_exhaustive]
pub struct Undecodable {
    /// The bytes as received.
    pub bytes: Vec<u8>,
    /// Why they did not decode.
    pub error: DecodeError,
}

/// A DHCP server's behaviour, with the state in `self`: the counterpart of ExDhcp's
/// `handle_discover`, `handle_request`, ..., `handle_info` callbacks.
///
/// Requests (op 1) are dispatched on their message type (option 53). Anything else,
/// replies from other servers (op 2), BOOTP without option 53 and other message types,
/// goes to [`other`](Handler::other). Every callback runs on the server's one handler
/// thread, so `&mut self` needs no lock, and gets a [`Context`]: the time
/// ([`Context::now`]), the handler's own [`Mailbox`](crate::Mailbox) for worker
/// threads, and [`Context::defer`] to answer a request later.
///
/// [`Message`](Handler::Message) is what worker threads (and the handler itself, through
/// [`Context::continue_with`]) send to [`message`](Handler::message); `()` when there is none.
///
/// A closure `FnMut(&Packet, &Source) -> Reply` is a handler too: it gets every packet.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::{options::ServerIdentifier, respond, Context, Handler, MessageType, Packet, Reply, Source};
///
/// struct OneAddress { next: Ipv4Addr }
///
/// impl Handler for OneAddress {
///     type Message = ();
///     fn discover(&mut self, packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
///         respond(packet, MessageType::Offer)
///             .with_yiaddr(self.next)
///             .with_option(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 1))
///             .into()
///     }
///     fn request(&mut self, packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
///         respond(packet, MessageType::Ack).with_yiaddr(self.next).into()
///     }
///     fn decline(&mut self, _packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
///         Reply::None
///     }
/// }
/// ```
///
/// Answering later, when a worker thread has done the slow part: see
/// [the crate docs](crate#answering-later).
pub trait Handler: Send + 'static {
    /// What [`message`](Handler::message) receives: completions from worker threads,
    /// timers, commands. `()` for a handler that takes none.
    type Message: Send + 'static;

    /// Called once on the handler thread before the first packet; the sockets are
    /// [`Context::listeners`]. An `Err` (or a panic) fails
    /// [`Server::start`](crate::Server::start) with
    /// [`StartError::Init`](crate::StartError::Init); [`terminate`](Handler::terminate)
    /// is still called.
    fn init(&mut self, ctx: &mut Context<'_, Self::Message>) -> Result<(), HandlerError> {
        let _ = ctx;
        Ok(())
    }

    /// A DHCPDISCOVER: usually answered with an OFFER.
    fn discover(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply;

    /// A DHCPREQUEST: usually answered with an ACK or a NAK.
    fn request(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply;

    /// A DHCPDECLINE: the client found the address in use.
    fn decline(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply;

    /// A DHCPINFORM: configuration only. No reply by default.
    fn inform(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply {
        let _ = (packet, from, ctx);
        Reply::None
    }

    /// A DHCPRELEASE: the client gives its address back. No reply by default.
    fn release(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply {
        let _ = (packet, from, ctx);
        Reply::None
    }

    /// Any other packet: other message types, BOOTP without option 53, and replies
    /// (op 2) from other servers. No reply by default.
    fn other(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply {
        let _ = (packet, from, ctx);
        Reply::None
    }

    /// A datagram that is not DHCP, only with
    /// [`Config::deliver_undecodable`](crate::Config::deliver_undecodable) (it is
    /// counted as [`malformed`](crate::ServerStats::malformed) either way). A
    /// [`Reply::Send`] is routed on the reply's own fields and leaves from the
    /// receiving socket. No reply by default.
    fn undecodable(
        &mut self,
        datagram: Undecodable,
        from: &Source,
        ctx: &mut Context<'_, Self::Message>,
    ) -> Reply {
        let _ = (datagram, from, ctx);
        Reply::None
    }

    /// A message from the [`Mailbox`](crate::Mailbox) or [`Context::continue_with`]
    /// (ExDhcp's `handle_info` and `handle_continue`). No reply by default; a
    /// [`Pending::reply`](crate::Pending::reply) answers a deferred request as the
    /// callback that took it would have, and a plain [`Reply::Send`] is routed on the
    /// reply's own fields and leaves from the main socket.
    fn message(&mut self, message: Self::Message, ctx: &mut Context<'_, Self::Message>) -> Reply {
        let _ = (message, ctx);
        Reply::None
    }

    /// Called every [`Config::tick`](crate::Config::tick) (on a harness, at each
    /// [`Harness::advance`](crate::Harness::advance) past a tick). A [`Reply::Send`]
    /// from here is routed on the reply's own fields and leaves from the main socket.
    fn tick(&mut self, ctx: &mut Context<'_, Self::Message>) -> Reply {
        let _ = ctx;
        Reply::None
    }

    /// A reply could not be sent (it was logged and counted already).
    fn send_failed(&mut self, failure: SendFailure, ctx: &mut Context<'_, Self::Message>) -> Reply {
        let _ = (failure, ctx);
        Reply::None
    }

    /// Called exactly once, last, whatever the reason, panics and failed starts included.
    fn terminate(&mut self, reason: &StopReason) {
        let _ = reason;
    }
}

impl<F> Handler for F
where
    F: FnMut(&Packet, &Source) -> Reply + Send + 'static,
{
    type Message = ();

    fn discover(&mut self, packet: &Packet, from: &Source, _: &mut Context) -> Reply {
        self(packet, from)
    }

    fn request(&mut self, packet: &Packet, from: &Source, _: &mut Context) -> Reply {
        self(packet, from)
    }

    fn decline(&mut self, packet: &Packet, from: &Source, _: &mut Context) -> Reply {
        self(packet, from)
    }

    fn inform(&mut self, packet: &Packet, from: &Source, _: &mut Context) -> Reply {
        self(packet, from)
    }

    fn release(&mut self, packet: &Packet, from: &Source, _: &mut Context) -> Reply {
        self(packet, from)
    }

    fn other(&mut self, packet: &Packet, from: &Source, _: &mut Context) -> Reply {
        self(packet, from)
    }
}
