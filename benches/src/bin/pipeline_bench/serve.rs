//! The server side, run in a child process (`pipeline_bench serve pipeline|echo`) so
//! that its memory and allocations are its own.
//!
//! It prints `port <n>`, then answers each `stats` line on stdin with one line of
//! `name value` pairs, and exits when stdin closes.

use std::io::{self, BufRead, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ex_dhcp::options::{LeaseTime, ServerIdentifier};
use ex_dhcp::{respond, Config, MessageType, Packet, Reply, Server, Source};
use socket2::{Domain, Protocol, Socket, Type};

use super::alloc;

/// The address every OFFER and ACK gives out.
const YIADDR: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);
/// The server identifier (54) in every reply.
const SERVER_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The lease time (51) in every reply, in seconds.
const LEASE_SECS: u32 = 3600;
/// The same receive timeout as the server's default poll interval.
const POLL: Duration = Duration::from_millis(50);
/// Room for any datagram.
const MAX_DATAGRAM: usize = 65_507;

/// Allocations counted by the handler thread (updated at every callback).
static HANDLER_THREAD: AtomicU64 = AtomicU64::new(0);
/// Allocations made inside the callback itself (the reply it builds).
static CALLBACK: AtomicU64 = AtomicU64::new(0);

/// The trivial handler: OFFER for DISCOVER, ACK for REQUEST, with `yiaddr`, 54 and 51,
/// sent back to the source so that any number of client sockets works.
fn handle(packet: &Packet, from: &Source) -> Reply {
    let before = alloc::this_thread();
    let kind = match packet.message_type() {
        Some(MessageType::Discover) => MessageType::Offer,
        Some(MessageType::Request) => MessageType::Ack,
        _ => return Reply::None,
    };
    let reply = respond(packet, kind)
        .with_yiaddr(YIADDR)
        .with_option(ServerIdentifier, SERVER_ID)
        .with_option(LeaseTime, LEASE_SECS);
    let after = alloc::this_thread();
    CALLBACK.fetch_add(after - before, Ordering::Relaxed);
    HANDLER_THREAD.store(after, Ordering::Relaxed);
    Reply::SendTo(reply, from.peer)
}

/// Runs the named server until stdin closes.
pub fn main(kind: &str) -> io::Result<()> {
    let loopback = Ipv4Addr::LOCALHOST;
    match kind {
        "pipeline" => {
            let config = Config::default()
                .port(0)
                .bind_ip(loopback)
                .broadcast_addr(loopback);
            let server = Server::start(config, handle).map_err(io::Error::other)?;
            let port = server.handle().local_addr().port();
            let stats = move || {
                let s = server.handle().stats();
                format!(
                    "allocs {} handler_thread {} callback {} received {} sent {} dropped_full {}",
                    alloc::total(),
                    HANDLER_THREAD.load(Ordering::Relaxed),
                    CALLBACK.load(Ordering::Relaxed),
                    s.received,
                    s.sent,
                    s.dropped_full
                )
            };
            command_loop(port, stats)
        }
        "echo" => {
            let socket = echo_socket(SocketAddrV4::new(loopback, 0))?;
            let port = socket.local_addr()?.port();
            let echoed = Arc::new(AtomicU64::new(0));
            let counter = Arc::clone(&echoed);
            thread::Builder::new()
                .name("echo".into())
                .spawn(move || echo(&socket, &counter))?;
            let stats = move || {
                let n = echoed.load(Ordering::Relaxed);
                format!("allocs {} received {n} sent {n}", alloc::total())
            };
            command_loop(port, stats)
        }
        other => Err(io::Error::other(format!("unknown server kind {other:?}"))),
    }
}

/// A UDP socket set up like the server's (socket2: broadcast, read timeout).
fn echo_socket(addr: SocketAddrV4) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_broadcast(true)?;
    socket.bind(&SocketAddr::V4(addr).into())?;
    socket.set_read_timeout(Some(POLL))?;
    Ok(socket.into())
}

/// The kernel's ceiling: one thread, recv_from then send_to of the same bytes.
fn echo(socket: &UdpSocket, echoed: &AtomicU64) {
    let mut buf = vec![0; MAX_DATAGRAM];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((len, peer)) => {
                if socket.send_to(&buf[..len], peer).is_ok() {
                    echoed.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(_) => continue,
        }
    }
}

fn command_loop(port: u16, stats: impl Fn() -> String) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "port {port}")?;
    out.flush()?;
    for line in io::stdin().lock().lines() {
        if line?.trim() == "stats" {
            let text = stats();
            writeln!(out, "{text}")?;
            out.flush()?;
        }
    }
    Ok(())
}
