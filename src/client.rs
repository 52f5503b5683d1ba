//! A small blocking client: send a packet, wait for the reply with the same `xid`.
//!
//! For tests, demos and tools. It is not a DHCP client state machine: it sends what
//! it is given and returns what comes back.

use std::fmt;
use std::io;
use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use crate::server::is_timeout;
use crate::{Encoding, Op, Packet};

/// The largest UDP payload over IPv4.
const MAX_DATAGRAM: usize = 65_507;

/// Why no reply was received.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The socket failed.
    Io(io::Error),
    /// No reply with this `xid` arrived in time.
    Timeout {
        /// The transaction ID waited for.
        xid: u32,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(error) => write!(f, "socket error: {error}"),
            ClientError::Timeout { xid } => write!(f, "no reply to xid {xid:#010x} in time"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Io(error) => Some(error),
            ClientError::Timeout { .. } => None,
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(error: io::Error) -> Self {
        ClientError::Io(error)
    }
}

/// A UDP socket that sends DHCP packets and waits for replies.
///
/// ```no_run
/// use std::net::{Ipv4Addr, SocketAddrV4};
/// use std::time::Duration;
/// use ex_dhcp::{Client, MessageType, Packet};
///
/// let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
/// let mut discover = Packet::new(MessageType::Discover);
/// discover.xid = 0x1234_5678;
/// let server = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6767);
/// let (offer, from) = client.exchange(&discover, server, Duration::from_secs(1))?;
/// println!("{:?} from {from}", offer.message_type());
/// # Ok::<(), ex_dhcp::ClientError>(())
/// ```
#[derive(Debug)]
pub struct Client {
    socket: UdpSocket,
    buf: Vec<u8>,
}

impl Client {
    /// Binds a socket (port 0 picks a free one) with broadcast allowed.
    pub fn bind(addr: SocketAddrV4) -> io::Result<Client> {
        Client::from_socket(UdpSocket::bind(addr)?)
    }

    /// Wraps a socket the caller set up, for what [`Client::bind`] does not offer:
    /// a device binding (`SO_BINDTODEVICE`), `SO_REUSEADDR`, a socket inherited from
    /// a privileged parent. Broadcast is allowed on it, as `bind` does.
    ///
    /// ```no_run
    /// use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
    /// use ex_dhcp::Client;
    ///
    /// let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68))?;
    /// let client = Client::from_socket(socket)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_socket(socket: UdpSocket) -> io::Result<Client> {
        socket.set_broadcast(true)?;
        Ok(Client {
            socket,
            buf: vec![0; MAX_DATAGRAM],
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddrV4> {
        match self.socket.local_addr()? {
            SocketAddr::V4(addr) => Ok(addr),
            SocketAddr::V6(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the client socket is not ipv4",
            )),
        }
    }

    /// Sends a packet, encoded and padded to 300 bytes.
    pub fn send(&self, packet: &Packet, to: SocketAddrV4) -> io::Result<()> {
        self.socket
            .send_to(&packet.encode(Encoding::Padded), to)
            .map(drop)
    }

    /// Sends raw bytes, for malformed-traffic tests.
    pub fn send_raw(&self, bytes: &[u8], to: SocketAddrV4) -> io::Result<()> {
        self.socket.send_to(bytes, to).map(drop)
    }

    /// Waits up to `timeout` for a reply (op 2) with this `xid`; returns it with the
    /// address it came from. Other datagrams are skipped.
    pub fn receive(
        &mut self,
        xid: u32,
        timeout: Duration,
    ) -> Result<(Packet, SocketAddrV4), ClientError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout { xid });
            }
            self.socket.set_read_timeout(Some(left))?;
            let (len, from) = match self.socket.recv_from(&mut self.buf) {
                Ok(received) => received,
                Err(error) if is_timeout(&error) => continue,
                Err(error) => return Err(error.into()),
            };
            let SocketAddr::V4(from) = from else { continue };
            match Packet::decode(&self.buf[..len]) {
                Ok(packet) if packet.xid == xid && packet.op == Op::Reply => {
                    return Ok((packet, from))
                }
                _ => continue,
            }
        }
    }

    /// [`Client::send`] then [`Client::receive`] with the packet's `xid`.
    pub fn exchange(
        &mut self,
        packet: &Packet,
        to: SocketAddrV4,
        timeout: Duration,
    ) -> Result<(Packet, SocketAddrV4), ClientError> {
        self.send(packet, to)?;
        self.receive(packet.xid, timeout)
    }
}
