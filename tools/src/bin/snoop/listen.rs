//! The receive loop, run on one thread per port.

use std::io;
use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossbeam_channel::Sender;

/// Large enough for any UDP payload over IPv4.
const RECEIVE_BUFFER_LEN: usize = 65_536;
/// How often a receive loop looks at the stop flag.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// One datagram as received.
#[derive(Debug)]
pub struct Received {
    pub at: SystemTime,
    pub from: SocketAddrV4,
    /// The datagram's destination: its IP header's destination address (broadcast or
    /// unicast, from `IP_PKTINFO` on Linux) and the port. Where the platform does not
    /// say, the socket's local address (the wildcard when it is bound to none).
    pub to: SocketAddrV4,
    pub bytes: Vec<u8>,
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
    if let Err(error) = socket.set_read_timeout(Some(POLL_INTERVAL)) {
        log::error!("cannot set a read timeout on port {}: {error}", to.port());
        return;
    }
    destination::enable(&socket);
    let mut buffer = vec![0; RECEIVE_BUFFER_LEN];
    while !stop.load(Ordering::Relaxed) {
        match destination::recv(&socket, &mut buffer) {
            Ok((len, SocketAddr::V4(from), destination)) => {
                let received = Received {
                    at: SystemTime::now(),
                    from,
                    to: SocketAddrV4::new(destination.unwrap_or(*to.ip()), to.port()),
                    bytes: buffer[..len].to_vec(),
                };
                if out.send(received).is_err() {
                    return;
                }
            }
            Ok((_, from, _)) => log::warn!("ignoring a datagram from non-IPv4 {from}"),
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

/// A datagram's destination address, from the `IP_PKTINFO` control message where the
/// platform has it (Linux), through nix's safe `recvmsg`.
#[cfg(target_os = "linux")]
mod destination {
    use std::io::{self, IoSliceMut};
    use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
    use std::os::fd::AsRawFd;

    use nix::sys::socket::{
        recvmsg, setsockopt, sockopt, ControlMessageOwned, MsgFlags, SockaddrIn,
    };

    /// Asks the kernel for `IP_PKTINFO`; without it, destinations fall back to the
    /// socket's address (logged once).
    pub fn enable(socket: &UdpSocket) {
        if let Err(error) = setsockopt(socket, sockopt::Ipv4PacketInfo, &true) {
            log::warn!("no IP_PKTINFO ({error}): destinations will be the socket's address");
        }
    }

    /// Receives one datagram: its length, sender and destination address.
    pub fn recv(
        socket: &UdpSocket,
        buffer: &mut [u8],
    ) -> io::Result<(usize, SocketAddr, Option<Ipv4Addr>)> {
        let mut control = nix::cmsg_space!(nix::libc::in_pktinfo);
        let mut iov = [IoSliceMut::new(buffer)];
        let message = recvmsg::<SockaddrIn>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut control),
            MsgFlags::empty(),
        )
        .map_err(io::Error::from)?;
        let from = message
            .address
            .map(|address| SocketAddr::V4(address.into()))
            .ok_or_else(|| io::Error::other("a datagram without a sender address"))?;
        let destination = message.cmsgs().ok().and_then(|mut cmsgs| {
            cmsgs.find_map(|cmsg| match cmsg {
                ControlMessageOwned::Ipv4PacketInfo(info) => {
                    Some(Ipv4Addr::from(u32::from_be(info.ipi_addr.s_addr)))
                }
                _ => None,
            })
        });
        Ok((message.bytes, from, destination))
    }
}

/// Elsewhere: plain `recv_from`, and the socket's address stands for the destination.
#[cfg(not(target_os = "linux"))]
mod destination {
    use std::io;
    use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

    pub fn enable(_: &UdpSocket) {}

    pub fn recv(
        socket: &UdpSocket,
        buffer: &mut [u8],
    ) -> io::Result<(usize, SocketAddr, Option<Ipv4Addr>)> {
        let (len, from) = socket.recv_from(buffer)?;
        Ok((len, from, None))
    }
}
