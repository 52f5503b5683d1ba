//! The lease server's ACKs wait for the disk, and nothing else does: the handler
//! through the injection harness with a real lease file (its store worker running),
//! and the real process killed with SIGKILL right after an ACK.

use std::collections::BTreeMap;
use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ex_dhcp::lease::{Change, ClientKey, LeaseEngine, LeaseFile, LeaseStore, Pool, Settings};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::server::Outgoing;
use ex_dhcp::{Config, Harness, MessageType, Packet, StopReason};
use ex_dhcp_tools::lease_server::handler::{LeaseHandler, Message};

use crate::{free_udp_port, lease_server, run, TempDir};
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

fn harness<S: LeaseStore>(store: S) -> Harness<LeaseHandler<S>> {
    Harness::with_config(
        Config::default().port(67),
        LeaseHandler::with_store(lease_server_state(), Some(store)),
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

fn offer<S: LeaseStore>(harness: &mut Harness<LeaseHandler<S>>, n: u8) -> Ipv4Addr {
    let offer = harness.inject(discover(n)).expect("an OFFER at once");
    assert_eq!(offer.packet.message_type(), Some(MessageType::Offer));
    offer.packet.yiaddr
}

/// Delivers what the worker posts until `count` replies came out, with the ones the
/// handler's follow-up work (`continue_with`) sent.
fn released<S: LeaseStore>(harness: &mut Harness<LeaseHandler<S>>, count: usize) -> Vec<Outgoing> {
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
    let path = dir.join("leases");
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
    assert!(matches!(message, Message::Durable(_)));
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
    let path = dir.join("leases");
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
    let path = dir.join("leases");
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
    let path = dir.join("leases");
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

/// `send --dora` for `mac` against the server on `server_port`: the address ACKed.
fn dora(server_port: u16, client_port: u16, n: u8) -> Ipv4Addr {
    try_dora(server_port, client_port, n, "10").unwrap_or_else(|output| panic!("{output}"))
}

/// `send --dora` waiting `timeout` seconds a reply: the address ACKed, or the output.
fn try_dora(server_port: u16, client_port: u16, n: u8, timeout: &str) -> Result<Ipv4Addr, String> {
    let mac = mac(n)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    let (status, output) = run(
        "send",
        &[
            "--dora",
            "--mac",
            &mac,
            "--server-port",
            &server_port.to_string(),
            "--client-port",
            &client_port.to_string(),
            "--timeout",
            timeout,
        ],
    );
    if !status.success() {
        return Err(output);
    }
    let done = output
        .lines()
        .find_map(|line| line.split("DORA done: ").nth(1))
        .unwrap_or_else(|| panic!("no DORA in {output}"));
    Ok(done
        .split_whitespace()
        .next()
        .and_then(|addr| addr.trim_end_matches(',').parse().ok())
        .unwrap_or_else(|| panic!("no address in {done:?}")))
}

#[test]
fn every_acked_lease_survives_kill_9() {
    let dir = TempDir::new("kill-9");
    let path = dir.join("leases");
    let file = path.to_str().unwrap();
    let client_port = free_udp_port();
    let mut acked = Vec::new();
    for round in 0..3u8 {
        let (mut server, port) = lease_server(client_port, &["--lease-file", file]);
        // A client from an earlier life keeps its address after the restart.
        if let Some(&(n, addr)) = acked.last() {
            assert_eq!(dora(port, client_port, n), addr, "replayed");
        }
        for n in 1..=3 {
            let n = round * 3 + n;
            acked.push((n, dora(port, client_port, n)));
        }
        // SIGKILL the moment the last ACK is in: no shutdown, no flush.
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for &(n, addr) in &acked {
            assert_eq!(bound_in(&path, n), Some(addr), "client {n} after kill -9");
        }
    }
    assert!(fs::metadata(&path).unwrap().len() > 0);
}

#[test]
fn a_kill_9_in_the_middle_of_exchanges_loses_no_acked_lease() {
    let dir = TempDir::new("kill-9-anytime");
    let path = dir.join("leases");
    let file = path.to_str().unwrap();
    let client_port = free_udp_port();
    let mut acked = Vec::new();
    let mut n = 0u8;
    for round in 0..3u64 {
        let (server, port) = lease_server(client_port, &["--lease-file", file]);
        // A SIGKILL at a moment the exchanges do not choose: 30 to 100 ms in,
        // whatever is being received, decided, written or sent.
        let pid = server.pid().to_string();
        let delay =
            Duration::from_millis(30 + (u64::from(std::process::id()) * 7 + round * 23) % 70);
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let status = std::process::Command::new("kill")
                .args(["-9", &pid])
                .status()
                .unwrap();
            assert!(status.success());
        });
        // DORAs one after another until the server is gone; the one cut short was
        // never ACKed, so nothing is owed to it.
        while let Ok(addr) = try_dora(port, client_port, n + 1, "1") {
            n += 1;
            acked.push((n, addr));
            assert!(n < 200, "the server was never killed");
        }
        killer.join().unwrap();
        drop(server);
        for &(client, addr) in &acked {
            assert_eq!(
                bound_in(&path, client),
                Some(addr),
                "client {client} after kill -9"
            );
        }
        // The DORA cut short used client n + 1; the next round starts after it.
        n += 1;
    }
    assert!(!acked.is_empty(), "some DORAs completed before the kills");
}
