//! Opening a UDP socket on a DHCP port the way the tools need it, with errors that
//! name their fix.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

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
                        "\n  this kernel wants CAP_NET_RAW to bind to a device: run as root or \
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
                         `sudo setcap cap_net_bind_service=+ep <binary>`, or use a port above 1023"
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

/// A socket on `port` of `ip` (every address when it is 0.0.0.0), that shares the
/// port with other programs that allow it and receives broadcasts.
pub fn open(ip: Ipv4Addr, port: u16, device: Option<&str>) -> Result<UdpSocket, ListenError> {
    let socket =
        Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(ListenError::Socket)?;
    socket
        .set_reuse_address(true)
        .and_then(|()| socket.set_broadcast(true))
        .map_err(ListenError::Socket)?;
    if let Some(device) = device {
        bind_device(&socket, device).map_err(|source| ListenError::Device {
            device: device.to_owned(),
            source,
        })?;
    }
    let address = SocketAddrV4::new(ip, port);
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
