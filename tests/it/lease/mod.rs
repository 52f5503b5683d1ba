//! The lease engine as a user drives it: a pool, a server stepped through time, the
//! table read and changed while serving, and the lease file on a real disk.

mod durable;
pub mod file;
mod import;
mod outage;
mod service;
mod shared;
mod shared_store;
mod starvation;
mod table;
mod worker;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ex_dhcp::lease::{LeaseEngine, Pool, Secs, Settings};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{MessageType, Packet};

pub const SERVER: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 1);
pub const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
pub const NOW: Secs = 1_700_000_000;

/// A server leasing `10.99.0.100` to `10.99.0.(100 + size - 1)`.
pub fn server(size: u8, settings: Settings) -> LeaseEngine {
    let last = Ipv4Addr::new(10, 99, 0, 100 + size - 1);
    let pool = Pool::new(
        SERVER,
        MASK,
        Ipv4Addr::new(10, 99, 0, 100),
        last,
        BTreeMap::new(),
    )
    .unwrap();
    LeaseEngine::new(settings, pool)
}

pub fn settings() -> Settings {
    Settings::new(SERVER, MASK)
}

pub fn discover(mac: [u8; 6]) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac(mac);
    packet
}

pub fn select(mac: [u8; 6], addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac(mac);
    packet
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

/// DISCOVER, then REQUEST what was offered: the address if ACKed.
pub fn dora(server: &mut LeaseEngine, mac: [u8; 6], now: Secs) -> Option<Ipv4Addr> {
    let offer = server.handle(&discover(mac), now).reply?;
    let ack = server.handle(&select(mac, offer.yiaddr), now).reply?;
    (ack.message_type() == Some(MessageType::Ack)).then_some(ack.yiaddr)
}
