//! Opening the listening sockets, with errors that name their fix, and the
//! receive loop run on one thread per port.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossbeam_channel::Sender;
use socket2::{Domain, Protocol, Socket, Type};

/// Large enough for any UDP payload over IPv4.
const RECEIVE_BUFFER_LEN: usize = 65_536;
/// How often a receive loop looks at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// One datagram as received.
#[derive(Debug)]
pub struct Received {
    pub at: SystemTime,
    pub from: SocketAddrV4,
    /// The local address the socket is bound to; the wildcard address when it is not
    /// bound to one, since a plain UDP socket does not learn a datagram's destination.
    pub to: SocketAddrV4,
    pub bytes: Vec<u8>,
}

/// Why a port could not be listened on.
#[derive(Debug)]
pub enum ListenError {
    /// Binding to the network interface failed.
    Device { device: String, source: io::Error },
    /// Binding to the port failed.
    Port { port: u16, source: io::Error },
    /// Creating or configuring the socket failed.
    Socket(io::Error),
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::Device { device, source } => {
                write!(f, "cannot bind to device {device:?}: {source}")?;
                if source.kind() == io::ErrorKind::PermissionDenied {
                    write!(
                        f,
                        "\n  binding to a device needs CAP_NET_RAW: run as root or \
                         `sudo setcap cap_net_raw,cap_net_bind_service=+ep <binary>`"
                    )?;
                }
                Ok(())
            }
            ListenError::Port { port, source } => {
                write!(f, "cannot listen on UDP port {port}: {source}")?;
                match source.kind() {
                    io::ErrorKind::PermissionDenied => write!(
                        f,
                        "\n  ports below 1024 are privileged: run as root, or \
                         `sudo setcap cap_net_bind_service=+ep <binary>`, or pick a port with --port"
                    ),
                    io::ErrorKind::AddrInUse => write!(
                        f,
                        "\n  another program holds the port without SO_REUSEADDR, most likely a \
                         DHCP server or client (dnsmasq, dhcpd, dhclient, systemd-networkd): \
                         find it with `sudo ss -ulpn 'sport = :{port}'` and stop it"
                    ),
                    _ => Ok(()),
                }
            }
            ListenError::Socket(source) => write!(f, "cannot create a UDP socket: {source}"),
        }
    }
}

impl std::error::Error for ListenError {}

/// A socket on `port` of every address, that shares the port with other programs
/// that allow it and receives broadcasts.
pub fn open(port: u16, device: Option<&str>) -> Result<UdpSocket, ListenError> {
    let socket =
        Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(ListenError::Socket)?;
    socket
        .set_reuse_address(true)
        .and_then(|()| socket.set_broadcast(true))
        .and_then(|()| socket.set_read_timeout(Some(POLL_INTERVAL)))
        .map_err(ListenError::Socket)?;
    if let Some(device) = device {
        bind_device(&socket, device).map_err(|source| ListenError::Device {
            device: device.to_owned(),
            source,
        })?;
    }
    let address = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port);
    socket
        .bind(&address.into())
        .map_err(|source| ListenError::Port { port, source })?;
    Ok(socket.into())
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
fn bind_device(socket: &Socket, device: &str) -> io::Result<()> {
    socket.bind_device(Some(device.as_bytes()))
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "fuchsia")))]
fn bind_device(_socket: &Socket, _device: &str) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "binding to a device is only supported on Linux",
    ))
}

/// Receives until `stop` is set or the main loop hangs up.
pub fn receive_loop(socket: UdpSocket, stop: Arc<AtomicBool>, out: Sender<Received>) {
    let to = match socket.local_addr() {
        Ok(SocketAddr::V4(address)) => address,
        other => {
            log::error!("socket has no IPv4 local address: {other:?}");
            return;
        }
    };
    let mut buffer = vec![0; RECEIVE_BUFFER_LEN];
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buffer) {
            Ok((len, SocketAddr::V4(from))) => {
                let received = Received {
                    at: SystemTime::now(),
                    from,
                    to,
                    bytes: buffer[..len].to_vec(),
                };
                if out.send(received).is_err() {
                    return;
                }
            }
            Ok((_, from)) => log::warn!("ignoring a datagram from non-IPv4 {from}"),
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(error) => {
                log::error!("receiving on port {}: {error}", to.port());
                return;
            }
        }
    }
}
