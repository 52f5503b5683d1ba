//! What a handler callback returns.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddrV4;

use crate::Packet;

/// The result of a handler callback: answer, answer somewhere explicit, stay silent, or stop.
///
/// A [`Packet`] or an `Option<Packet>` converts into a `Reply`, so a callback can end
/// with `reply.into()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Send nothing.
    None,
    /// Send this packet, to the destination the configured policy picks
    /// (RFC 2131, section 4.1; see [`destination`](crate::destination)).
    Send(Packet),
    /// Send this packet to this address, whatever the policy says.
    SendTo(Packet, SocketAddrV4),
    /// Send nothing and stop the server; [`Handler::terminate`](crate::Handler::terminate)
    /// is called with the reason.
    Stop(StopReason),
}

impl Reply {
    /// Stops the server normally: a supervisor does not restart it.
    pub fn stop() -> Reply {
        Reply::Stop(StopReason::Normal)
    }

    /// Stops the server with an error: a supervisor restarts it.
    pub fn stop_with_error(reason: impl Into<Cow<'static, str>>) -> Reply {
        Reply::Stop(StopReason::Error(reason.into()))
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

/// Why a server stopped.
///
/// Like an OTP exit reason: [`Normal`](StopReason::Normal) and
/// [`Shutdown`](StopReason::Shutdown) are expected, the others are abnormal and make a
/// [supervisor](crate::supervise) restart the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The handler asked to stop ([`Reply::stop`]).
    Normal,
    /// The server was shut down from outside the handler: [`Server::stop`](crate::Server::stop),
    /// a dropped handle, or (never in normal operation) the sender thread gone first.
    Shutdown,
    /// The handler asked to stop because something went wrong; the text is its own.
    Error(Cow<'static, str>),
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
