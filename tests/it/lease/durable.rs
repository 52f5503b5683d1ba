//! The lease service's ACKs wait for the disk, and nothing else does: the service
//! through the injection harness with a real lease file (its store worker running).

use ex_dhcp::server::Outgoing;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ex_dhcp::lease::{
    Change, ClientKey, LeaseEngine, LeaseFile, LeaseMessage, LeaseService, LeaseStore, Pool,
    Settings,
};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{Config, Harness, MessageType, Packet, StopReason};

use super::file::Dir as TempDir;
use ex_dhcp_testkit::stores::FullDisk;

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
/// A relay on the pool's subnet: replies go to it, port 67, so the destination
/// says the routing ran.
const RELAY: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
const WAIT: Duration = Duration::from_secs(10);

fn lease_server_state() -> LeaseEngine {
    let pool = Pool::new(
        SERVER,
        MASK,
        Ipv4Addr::new(198, 18, 0, 100),
        Ipv4Addr::new(198, 18, 0, 150),
        BTreeMap::new(),
    )
    .unwrap();
    let mut settings = Settings::new(SERVER, MASK);
    settings.allow_relays = true;
    LeaseEngine::new(settings, pool)
}

fn harness(store: impl LeaseStore) -> Harness<LeaseService> {
    Harness::with_config(
        Config::default().port(67),
        LeaseService::new(lease_server_state())
            .with_store(Box::new(store))
            .unwrap(),
    )
}

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0xd0, 0, n]
}

fn relayed(mut packet: Packet, n: u8) -> Packet {
    packet.set_mac(mac(n));
    packet.xid = 0xd0_0000 + u32::from(n);
    packet.giaddr = RELAY;
    packet
}

fn discover(n: u8) -> Packet {
    relayed(Packet::new(MessageType::Discover), n)
}

fn request(n: u8, addr: Ipv4Addr) -> Packet {
    relayed(Packet::new(MessageType::Request), n)
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

fn offer(harness: &mut Harness<LeaseService>, n: u8) -> Ipv4Addr {
    let offer = harness.inject(discover(n)).expect("an OFFER at once");
    assert_eq!(offer.packet.message_type(), Some(MessageType::Offer));
    offer.packet.yiaddr
}

/// Delivers what the worker posts until `count` replies came out, with the ones the
/// handler's follow-up work (`continue_with`) sent.
fn released(harness: &mut Harness<LeaseService>, count: usize) -> Vec<Outgoing> {
    let mut sent = Vec::new();
    while sent.len() < count {
        let message = harness.posted(WAIT).expect("the store reports the batch");
        sent.extend(harness.deliver(message));
        // The ACKs after the first leave from the handler's follow-up work.
        sent.extend(harness.sent());
    }
    sent
}

fn bound_in(path: &std::path::Path, n: u8) -> Option<Ipv4Addr> {
    let key = ClientKey::Hw(1, mac(n).to_vec());
    LeaseFile::load(path)
        .unwrap()
        .into_iter()
        .rev()
        .find_map(|change| match change {
            Change::Bound { key: k, addr, .. } if k == key => Some(addr),
            _ => None,
        })
}

#[test]
fn an_ack_leaves_only_once_its_lease_is_in_the_file() {
    let dir = TempDir::new("durable-ack");
    let path = dir.path("leases");
    let mut harness = harness(LeaseFile::open(&path, |_| {}).unwrap());
    let addr = offer(&mut harness, 1);

    assert!(harness.inject(request(1, addr)).is_none(), "no ACK yet");
    assert_eq!(
        harness.stats().deferred_outstanding(),
        1,
        "visible while held"
    );
    // The worker posts only after the fsync: the lease is on disk before any ACK.
    let message = harness.posted(WAIT).expect("the batch is reported");
    assert!(format!("{message:?}").starts_with("Durable"), "{message:?}");
    let _: &LeaseMessage = &message;
    assert_eq!(bound_in(&path, 1), Some(addr));

    let ack = harness.deliver(message).expect("the ACK, now");
    assert_eq!(ack.packet.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.packet.yiaddr, addr);
    assert_eq!(ack.packet.xid, 0xd0_0001);
    assert_eq!(
        ack.to,
        SocketAddrV4::new(RELAY, 67),
        "routed as an immediate reply"
    );
    assert_eq!(harness.stats().deferred_outstanding(), 0);
}

#[test]
fn a_discover_is_answered_at_once_while_a_commit_is_outstanding() {
    let dir = TempDir::new("durable-discover");
    let path = dir.path("leases");
    let mut harness = harness(LeaseFile::open(&path, |_| {}).unwrap());
    let addr = offer(&mut harness, 1);
    assert!(harness.inject(request(1, addr)).is_none());

    // The commit is not delivered: the handler still holds the ACK.
    let other = offer(&mut harness, 2);
    assert_ne!(other, addr);
    assert_eq!(harness.stats().deferred_outstanding(), 1);

    let sent = released(&mut harness, 1);
    assert_eq!(sent[0].packet.message_type(), Some(MessageType::Ack));
}

#[test]
fn one_batch_releases_every_ack_it_made_durable() {
    let dir = TempDir::new("durable-batch");
    let path = dir.path("leases");
    let mut harness = harness(LeaseFile::open(&path, |_| {}).unwrap());
    let offers: Vec<(u8, Ipv4Addr)> = (1..=5).map(|n| (n, offer(&mut harness, n))).collect();
    for &(n, addr) in &offers {
        assert!(harness.inject(request(n, addr)).is_none());
    }
    let sent = released(&mut harness, 5);
    let mut acked: Vec<(u32, Ipv4Addr)> = sent
        .iter()
        .map(|out| (out.packet.xid, out.packet.yiaddr))
        .collect();
    acked.sort();
    let expected: Vec<(u32, Ipv4Addr)> = offers
        .iter()
        .map(|&(n, addr)| (0xd0_0000 + u32::from(n), addr))
        .collect();
    assert_eq!(acked, expected);
    for &(n, addr) in &offers {
        assert_eq!(bound_in(&path, n), Some(addr));
    }
    assert_eq!(harness.stats().deferred_outstanding(), 0);
}

#[test]
fn a_second_ack_for_a_lease_does_not_overtake_the_first_write() {
    // Two REQUESTs for the same lease before the first batch is reported: however
    // the engine answers the second, its ACK may not overtake the first's write.
    let dir = TempDir::new("durable-order");
    let path = dir.path("leases");
    let mut harness = harness(LeaseFile::open(&path, |_| {}).unwrap());
    let addr = offer(&mut harness, 1);
    assert!(harness.inject(request(1, addr)).is_none());
    assert!(harness.inject(request(1, addr)).is_none(), "held too");
    let sent = released(&mut harness, 2);
    assert!(sent
        .iter()
        .all(|out| out.packet.message_type() == Some(MessageType::Ack)));
}

#[test]
fn a_store_error_stops_the_server_and_no_ack_leaves() {
    let mut harness = harness(FullDisk);
    let addr = offer(&mut harness, 1);
    assert!(harness.inject(request(1, addr)).is_none());
    let message = harness.posted(WAIT).expect("the failure is reported");
    assert!(harness.deliver(message).is_none(), "no ACK");
    match harness.stopped() {
        Some(StopReason::Error(error)) => {
            assert!(
                error.to_string().contains("no space left on device"),
                "{error}"
            );
        }
        other => panic!("stopped with {other:?}"),
    }
    // The ACK that was never sent is not a silent leak: it is counted.
    let stats = harness.stats();
    assert_eq!(stats.deferred_outstanding() + stats.deferred_abandoned, 1);
    assert!(harness.inject(discover(2)).is_none(), "stopped");
}
