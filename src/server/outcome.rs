//! What a handler callback returns, and why a server stops.
//!
//! (The packet builder is [`respond`](crate::respond); this is the server's verdict
//! on an event: answer, stay silent, or stop.)

use std::any::Any;
use std::fmt;
use std::net::SocketAddrV4;
use std::sync::Arc;

use super::stats::Counters;
use crate::Packet;

/// The result of a handler callback: answer, answer somewhere explicit, stay silent, or stop.
///
/// A [`Packet`], an `Option<Packet>` or `()` converts into a `Reply`, so a callback can
/// end with `reply.into()`. An answer to an earlier request, held back while slow work
/// ran elsewhere, comes from [`Pending::reply`](crate::Pending::reply).
///
/// Not `Clone`: a [`Reply::Deferred`] is the one answer to its request, sent once.
///
/// ```compile_fail
/// fn clone_me<T: Clone>() {}
/// clone_me::<ex_dhcp::Reply>();
/// ```
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Send nothing.
    None,
    /// Send this packet, to the destination the configured policy picks
    /// (RFC 2131, section 4.1; see [`destination`](crate::server::destination)).
    Send(Packet),
    /// Send this packet to this address, whatever the policy says.
    SendTo(Packet, SocketAddrV4),
    /// Send this answer to an earlier request, routed and fitted as if it had been
    /// returned by the callback that took the request (made by
    /// [`Pending::reply`](crate::Pending::reply)).
    Deferred(Deferred),
    /// Send nothing and stop the server; [`Handler::terminate`](crate::Handler::terminate)
    /// is called with the reason.
    Stop(StopReason),
}

impl Reply {
    /// Stops the server normally: a supervisor does not restart it.
    pub fn stop() -> Reply {
        Reply::Stop(StopReason::Normal)
    }

    /// Stops the server with an error, the handler's own value: a supervisor restarts it.
    ///
    /// ```
    /// use ex_dhcp::{Reply, StopReason};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct PoolExhausted { size: usize }
    /// impl std::fmt::Display for PoolExhausted {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         write!(f, "all {} addresses are taken", self.size)
    ///     }
    /// }
    ///
    /// let Reply::Stop(StopReason::Error(error)) = Reply::stop_with_error(PoolExhausted { size: 8 })
    /// else { unreachable!() };
    /// assert_eq!(error.downcast_ref(), Some(&PoolExhausted { size: 8 }));
    /// assert_eq!(error.to_string(), "all 8 addresses are taken");
    /// ```
    pub fn stop_with_error<E>(error: E) -> Reply
    where
        E: fmt::Display + fmt::Debug + Send + Sync + 'static,
    {
        Reply::Stop(StopReason::Error(HandlerError::new(error)))
    }
}

impl From<Packet> for Reply {
    fn from(packet: Packet) -> Self {
        Reply::Send(packet)
    }
}

impl From<Option<Packet>> for Reply {
    fn from(packet: Option<Packet>) -> Self {
        packet.map_or(Reply::None, Reply::Send)
    }
}

impl From<()> for Reply {
    /// Nothing to send: lets a [`Handle::cast`](crate::Handle::cast) closure end
    /// without naming a reply.
    fn from((): ()) -> Self {
        Reply::None
    }
}

/// An answer to an earlier request, with what routing it needs from that request:
/// see [`Pending::reply`](crate::Pending::reply).
///
/// Not `Clone`: it is the request's one answer. It counts as answered
/// ([`ServerStats::deferred_answered`](crate::ServerStats::deferred_answered)) when the server
/// routes it, and as abandoned if it is dropped without being routed (a callback that
/// made it and returned something else).
pub struct Deferred {
    pub(crate) request: Arc<Packet>,
    pub(crate) listener: usize,
    pub(crate) packet: Packet,
    /// An explicit destination ([`Reply::SendTo`] given to `Pending::reply`).
    pub(crate) to: Option<SocketAddrV4>,
    pub(crate) counters: Arc<Counters>,
    /// Set once the dispatcher has taken the packet to route it.
    pub(crate) routed: bool,
}

impl Deferred {
    /// The answer.
    pub fn packet(&self) -> &Packet {
        &self.packet
    }

    /// The request it answers.
    pub fn request(&self) -> &Packet {
        &self.request
    }

    /// Where it goes when it was given one explicitly ([`Reply::SendTo`]); `None`
    /// when the routing policy picks, as for the request's immediate reply.
    pub fn to(&self) -> Option<SocketAddrV4> {
        self.to
    }

    /// For the dispatcher: the packet, with the token marked routed and counted answered.
    pub(crate) fn take(mut self) -> (Packet, Option<SocketAddrV4>, Arc<Packet>, usize) {
        self.routed = true;
        self.counters.deferred_answered();
        (
            std::mem::take(&mut self.packet),
            self.to,
            Arc::clone(&self.request),
            self.listener,
        )
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        if !self.routed {
            self.counters.deferred_abandoned();
            log::debug!(
                "a deferred reply to xid {:#010x} was dropped without being sent",
                self.request.xid
            );
        }
    }
}

impl fmt::Debug for Deferred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred")
            .field("request", &self.request)
            .field("listener", &self.listener)
            .field("packet", &self.packet)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Deferred {
    fn eq(&self, other: &Self) -> bool {
        self.request == other.request
            && self.listener == other.listener
            && self.packet == other.packet
            && self.to == other.to
    }
}

impl Eq for Deferred {}

/// The error a handler stopped with, or refused to start with: the handler's own
/// value, kept whole, with its text.
///
/// Made by [`HandlerError::new`] from any `Display + Debug` value (a `&str`, a
/// `String`, your own error enum) and read back by type with
/// [`downcast_ref`](HandlerError::downcast_ref). Two errors are equal when their texts are.
///
/// ```
/// use ex_dhcp::server::HandlerError;
///
/// let error = HandlerError::new(std::io::Error::other("lease file is read-only"));
/// assert_eq!(error.to_string(), "lease file is read-only");
/// assert!(error.downcast_ref::<std::io::Error>().is_some());
/// assert_eq!(HandlerError::from("full"), HandlerError::new("full"));
/// ```
#[derive(Clone)]
pub struct HandlerError {
    value: Arc<dyn Any + Send + Sync>,
    text: Arc<str>,
    debug: Arc<str>,
}

impl HandlerError {
    /// Wraps the handler's own error value.
    pub fn new<E>(error: E) -> Self
    where
        E: fmt::Display + fmt::Debug + Send + Sync + 'static,
    {
        HandlerError {
            text: error.to_string().into(),
            debug: format!("{error:?}").into(),
            value: Arc::new(error),
        }
    }

    /// The value, if it is an `E`.
    pub fn downcast_ref<E: 'static>(&self) -> Option<&E> {
        self.value.downcast_ref()
    }

    /// Its text (the value's `Display`).
    pub fn message(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for HandlerError {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for HandlerError {}

impl From<&'static str> for HandlerError {
    fn from(text: &'static str) -> Self {
        HandlerError::new(text)
    }
}

impl From<String> for HandlerError {
    fn from(text: String) -> Self {
        HandlerError::new(text)
    }
}

/// Why a server stopped.
///
/// Like an OTP exit reason: [`Normal`](StopReason::Normal) and
/// [`Shutdown`](StopReason::Shutdown) are expected, the others are abnormal and make a
/// [supervisor](crate::server::supervise) restart the server.
///
/// The stop vocabulary, in one place: the handler stops its server by returning
/// [`Reply::Stop`] (reason `Normal`, or `Error` with its own value); the owner stops
/// it with [`Handle::stop`](crate::Handle::stop) (ask), [`Server::join`](crate::Server::join)
/// (wait) or [`Server::shutdown`](crate::Server::shutdown) (both), reason `Shutdown`;
/// a stopped server gives back an [`Exit`](crate::server::Exit) (the reason and the state),
/// a supervisor a [`SupervisorExit`](crate::server::SupervisorExit); talking to a server
/// that is no longer running fails with [`NotRunning`](crate::NotRunning).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The handler asked to stop ([`Reply::stop`]).
    Normal,
    /// The server was shut down from outside the handler: [`Handle::stop`](crate::Handle::stop),
    /// a dropped handle, or (never in normal operation) the sender thread gone first.
    Shutdown,
    /// The handler asked to stop because something went wrong
    /// ([`Reply::stop_with_error`]), or refused to start; the value is its own.
    Error(HandlerError),
    /// The handler panicked; the text is the panic message.
    Panic(String),
}

impl StopReason {
    /// True for the reasons a supervisor restarts after: an error or a panic.
    pub fn is_abnormal(&self) -> bool {
        matches!(self, StopReason::Error(_) | StopReason::Panic(_))
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Normal => f.write_str("the handler stopped"),
            StopReason::Shutdown => f.write_str("shut down"),
            StopReason::Error(reason) => write!(f, "the handler stopped with an error: {reason}"),
            StopReason::Panic(message) => write!(f, "the handler panicked: {message}"),
        }
    }
}
