//! Errors of the server's operations, one type per operation.

use std::fmt;
use std::io;
use std::net::SocketAddrV4;

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
        }
    }
}

/// Why [`Server::call`](crate::Server::call) gave no result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallError {
    /// The server had stopped, or stopped before running the closure.
    Stopped,
    /// The closure panicked; the server stops.
    Panicked,
    /// No result within the time given to [`Server::call_timeout`](crate::Server::call_timeout).
    Timeout,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CallError::Stopped => "the server has stopped",
            CallError::Panicked => "the call panicked on the handler thread",
            CallError::Timeout => "the call timed out",
        })
    }
}

impl std::error::Error for CallError {}

/// The server has stopped: a cast or an injected packet could not be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server has stopped")
    }
}

impl std::error::Error for Stopped {}
