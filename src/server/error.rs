//! Errors of the server's operations, one type per operation.

use std::fmt;
use std::io;
use std::net::SocketAddrV4;

use super::outcome::StopReason;
use crate::EncodeError;

/// Why a server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The UDP socket could not be created or configured.
    Socket {
        /// The address it was for.
        addr: SocketAddrV4,
        /// The system's error.
        source: io::Error,
    },
    /// The socket could not be bound (for instance, the address is in use).
    Bind {
        /// The address.
        addr: SocketAddrV4,
        /// The system's error.
        source: io::Error,
    },
    /// `SO_BINDTODEVICE` failed: no such interface, or no `cap_net_raw` capability
    /// (needed before Linux 5.7, and since then only to change a socket's device).
    BindToDevice {
        /// The interface name.
        device: String,
        /// The system's error.
        source: io::Error,
    },
    /// A server thread could not be spawned.
    Spawn {
        /// The system's error.
        source: io::Error,
    },
    /// The tap file ([`Config::tap`](crate::Config::tap)) could not be opened, or
    /// is not a pcap file this crate can append to.
    #[cfg(feature = "capture")]
    Tap {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: crate::capture::CaptureError,
    },
    /// [`Handler::init`](crate::Handler::init) refused to start (an
    /// [`Error`](StopReason::Error) with the handler's own value) or panicked.
    Init(StopReason),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Socket { addr, source } => {
                write!(f, "could not set up a udp socket for {addr}: {source}")
            }
            StartError::Bind { addr, source } if source.kind() == io::ErrorKind::AddrInUse => {
                write!(f, "address {addr} is already in use: {source}")
            }
            StartError::Bind { addr, source }
                if source.kind() == io::ErrorKind::PermissionDenied =>
            {
                write!(
                    f,
                    "binding to {addr} needs root or the cap_net_bind_service capability \
                     (ports below net.ipv4.ip_unprivileged_port_start are privileged): {source}"
                )
            }
            StartError::Bind { addr, source } => write!(f, "could not bind to {addr}: {source}"),
            StartError::BindToDevice { device, source }
                if source.kind() == io::ErrorKind::PermissionDenied =>
            {
                write!(
                    f,
                    "binding to device {device} needs the cap_net_raw capability: {source}"
                )
            }
            StartError::BindToDevice { device, source } => {
                write!(f, "could not bind to device {device}: {source}")
            }
            StartError::Spawn { source } => write!(f, "could not spawn a server thread: {source}"),
            #[cfg(feature = "capture")]
            StartError::Tap { path, source } => {
                write!(
                    f,
                    "could not open the tap file {}: {source}",
                    path.display()
                )
            }
            StartError::Init(reason) => write!(f, "the handler did not start: {reason}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Socket { source, .. }
            | StartError::Bind { source, .. }
            | StartError::BindToDevice { source, .. }
            | StartError::Spawn { source } => Some(source),
            #[cfg(feature = "capture")]
            StartError::Tap { source, .. } => Some(source),
            StartError::Init(_) => None,
        }
    }
}

/// Why [`Handle::call`](crate::Handle::call) gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallError {
    /// The server was not running, or stopped before running the closure.
    NotRunning,
    /// The closure panicked; the server stops.
    Panicked,
    /// No result within the time given to [`Handle::call_timeout`](crate::Handle::call_timeout).
    Timeout,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CallError::NotRunning => "the server is not running",
            CallError::Panicked => "the call panicked on the handler thread",
            CallError::Timeout => "the call timed out",
        })
    }
}

impl std::error::Error for CallError {}

/// The server is not running (any more): a cast, an injected packet or a posted
/// message could not be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotRunning;

impl fmt::Display for NotRunning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server is not running")
    }
}

impl std::error::Error for NotRunning {}

/// Why the sender thread could not send a reply ([`SendFailure::error`](crate::server::SendFailure::error)).
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The reply did not encode.
    Encode(EncodeError),
    /// The reply named a socket the server does not have.
    NoSuchSocket {
        /// The socket index asked for.
        listener: usize,
    },
    /// `send_to` failed; `PermissionDenied` usually means conntrack or the firewall.
    Io(io::Error),
}

impl SendError {
    /// The system's error, when `send_to` failed.
    pub fn io(&self) -> Option<&io::Error> {
        match self {
            SendError::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Encode(error) => write!(f, "the reply did not encode: {error}"),
            SendError::NoSuchSocket { listener } => write!(f, "no socket number {listener}"),
            SendError::Io(error) if error.kind() == io::ErrorKind::PermissionDenied => write!(
                f,
                "the send was refused ({error}): check conntrack (a stale \
                 connection-tracking or iptables NAT entry for this flow can block it; \
                 try `conntrack -D -p udp`) and the firewall"
            ),
            SendError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Encode(error) => Some(error),
            SendError::NoSuchSocket { .. } => None,
            SendError::Io(error) => Some(error),
        }
    }
}
