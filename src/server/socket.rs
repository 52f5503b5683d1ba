//! Socket setup with socket2: broadcast, optional device binding, a read timeout.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};

use super::config::{Config, SocketConfig};
use super::error::StartError;
use super::handler::Listener;

/// A bound socket and what is known about it.
#[derive(Debug)]
pub(crate) struct Bound {
    pub(crate) socket: UdpSocket,
    pub(crate) listener: Listener,
}

impl Bound {
    /// Another handle on the same socket, for the next server of a supervisor.
    pub(crate) fn try_clone(&self) -> Result<Bound, StartError> {
        let socket = self
            .socket
            .try_clone()
            .map_err(|source| StartError::Socket {
                addr: self.listener.local,
                source,
            })?;
        Ok(Bound {
            socket,
            listener: self.listener.clone(),
        })
    }
}

/// Binds every socket the configuration names, main socket first.
pub(crate) fn bind_all(config: &Config) -> Result<Vec<Bound>, StartError> {
    config
        .sockets()
        .into_iter()
        .enumerate()
        .map(|(index, socket)| bind(index, &socket, config))
        .collect()
}

fn bind(index: usize, listen: &SocketConfig, config: &Config) -> Result<Bound, StartError> {
    let addr = listen.addr;
    let setup = |source| StartError::Socket { addr, source };
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(setup)?;
    socket.set_broadcast(true).map_err(setup)?;
    if config.get_reuse_address() {
        socket.set_reuse_address(true).map_err(setup)?;
    }
    if let Some(device) = &listen.device {
        socket
            .bind_device(Some(device.as_bytes()))
            .map_err(|source| StartError::BindToDevice {
                device: device.clone(),
                source,
            })?;
    }
    socket
        .bind(&SocketAddr::V4(addr).into())
        .map_err(|source| StartError::Bind { addr, source })?;
    // Receive threads wake this often to see whether they should stop.
    socket
        .set_read_timeout(Some(config.get_poll_interval()))
        .map_err(setup)?;
    let socket = UdpSocket::from(socket);
    let local = match socket.local_addr().map_err(setup)? {
        SocketAddr::V4(local) => local,
        SocketAddr::V6(_) => addr,
    };
    Ok(Bound {
        socket,
        listener: Listener {
            index,
            local,
            device: listen.device.as_deref().map(Arc::from),
        },
    })
}

/// The bound address, for log messages.
pub(crate) fn describe(listener: &Listener) -> String {
    match &listener.device {
        Some(device) => format!("{} on {device}", listener.local),
        None => listener.local.to_string(),
    }
}

/// True for the errors a socket with a read timeout gives when nothing came in time
/// (or a signal interrupted the wait): not failures, only a reason to look again.
pub(crate) fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
