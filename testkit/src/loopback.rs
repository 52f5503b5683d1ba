//! A server and a client on loopback, the way the tests talk to a real server.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use ex_dhcp::{Client, Config, Handler, MessageType, Packet, Server, ServerStats};

/// How long any test waits for a reply before failing.
pub const WAIT: Duration = Duration::from_secs(2);
pub const MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
pub const SERVER_ID: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
pub const OFFERED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);

/// A client on 127.0.0.1 and a server whose broadcasts go to 127.0.0.1 at the
/// client's port, as ExDhcp's own tests do.
pub fn loopback<H: Handler>(handler: H) -> (Server<H>, Client) {
    loopback_with(Config::default(), handler)
}

pub fn loopback_with<H: Handler>(config: Config, handler: H) -> (Server<H>, Client) {
    let client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("client socket");
    let port = client.local_addr().expect("client address").port();
    let config = config
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .client_port(port);
    let server = Server::start(config, handler).expect("server starts");
    (server, client)
}

/// A client packet of the given type from MAC, with this xid.
pub fn packet(kind: MessageType, xid: u32) -> Packet {
    let mut packet = Packet::new(kind);
    packet.xid = xid;
    packet.set_mac(MAC);
    packet
}

/// Waits, at most [`WAIT`], until the server's counters satisfy `ready`; returns them.
///
/// The sender thread counts a reply after `send_to` returns, so a client can hold
/// the reply before it is counted: read `sent` through this, never right after an
/// exchange.
pub fn stats_when<H: Handler>(
    server: &Server<H>,
    ready: impl Fn(&ServerStats) -> bool,
) -> ServerStats {
    let deadline = Instant::now() + WAIT;
    loop {
        let stats = server.handle().stats();
        if ready(&stats) {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "counters never got there: {stats:?}"
        );
        std::thread::yield_now();
    }
}
