//! The protocol rules, one test each, packets in and packets out.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::options::{
    ClientIdentifier, DhcpOption, DomainNameServer, LeaseTime, MaxMessageSize,
    ParameterRequestList, RebindingTime, RenewalTime, RequestedIpAddress, Router, ServerIdentifier,
    SubnetMask,
};
use crate::options::{RapidCommit, VendorArea};
use crate::{MessageType, Op, Packet};

use super::*;
use crate::lease::pool::Mac;
use crate::lease::settings::{Share, DEFAULT_OFFER_SECS};
use crate::lease::LeaseEventKind;

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const OTHER_SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const FIRST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
const LAST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 103);
const RESERVED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 50);
const RESERVED_MAC: Mac = Mac::new([2, 0, 0, 0, 0, 0x50]);
const RELAY: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 254);
const NOW: Secs = 1_700_000_000;
const LEASE: u32 = 600;

fn settings() -> Settings {
    Settings {
        routers: vec![SERVER],
        dns: vec![SERVER, OTHER_SERVER],
        lease_secs: LEASE,
        ..Settings::new(SERVER, MASK)
    }
}

fn server_with(settings: Settings) -> LeaseEngine {
    let reservations = BTreeMap::from([(RESERVED_MAC, RESERVED)]);
    let pool = Pool::new(SERVER, MASK, FIRST, LAST, reservations).unwrap();
    LeaseEngine::new(settings, pool)
}

fn server() -> LeaseEngine {
    server_with(settings())
}

fn mac(n: u8) -> Mac {
    Mac::new([2, 0, 0, 0, 1, n])
}

fn packet(message_type: MessageType, mac: impl Into<Mac>) -> Packet {
    let mut packet = Packet::new(message_type);
    packet.set_mac(mac);
    packet.xid = 0x1234_5678;
    packet
        .options
        .set(ParameterRequestList, [1, 3, 6, 15, 51, 54]);
    packet.options.set(MaxMessageSize, 1500);
    packet
}

fn discover(mac: impl Into<Mac>) -> Packet {
    packet(MessageType::Discover, mac)
}

fn select(mac: impl Into<Mac>, addr: Ipv4Addr, server_id: Ipv4Addr) -> Packet {
    packet(MessageType::Request, mac)
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, server_id)
}

fn init_reboot(mac: impl Into<Mac>, addr: Ipv4Addr) -> Packet {
    packet(MessageType::Request, mac).with_option(RequestedIpAddress, addr)
}

fn renew(mac: impl Into<Mac>, addr: Ipv4Addr) -> Packet {
    packet(MessageType::Request, mac).with_ciaddr(addr)
}

fn reply_to(server: &mut LeaseEngine, request: &Packet, now: Secs) -> Option<Packet> {
    server.handle(request, now).reply
}

fn held(server: &LeaseEngine, now: Secs) -> usize {
    let counts = server.table().counts(now);
    counts.offered + counts.bound
}

fn kind(reply: &Option<Packet>) -> Option<MessageType> {
    reply.as_ref().and_then(Packet::message_type)
}

/// DISCOVER then REQUEST: the address the client ends up with.
fn lease(server: &mut LeaseEngine, mac: impl Into<Mac>, now: Secs) -> Ipv4Addr {
    let mac = mac.into();
    let offer = reply_to(server, &discover(mac), now).expect("an offer");
    let ack = reply_to(server, &select(mac, offer.yiaddr, SERVER), now);
    assert_eq!(kind(&ack), Some(MessageType::Ack));
    offer.yiaddr
}

fn assert_never_echoes_request_options(reply: &Packet) {
    for code in [
        RequestedIpAddress::CODE,
        ParameterRequestList::CODE,
        MaxMessageSize::CODE,
    ] {
        assert!(!reply.options.contains(code), "option {code} in a reply");
    }
}

#[test]
fn discover_gets_an_offer_with_everything_a_client_checks() {
    let offer = reply_to(&mut server(), &discover(mac(1)), NOW).unwrap();
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.yiaddr, FIRST);
    assert_eq!(offer.options.get(ServerIdentifier), Some(SERVER));
    assert_eq!(offer.options.get(SubnetMask), Some(MASK));
    assert_eq!(offer.options.get(LeaseTime), Some(LEASE));
    assert_eq!(offer.options.get(RenewalTime), Some(LEASE / 2));
    assert_eq!(offer.options.get(RebindingTime), Some(LEASE * 7 / 8));
    assert_eq!(offer.options.get(Router), Some(vec![SERVER]));
    assert_eq!(
        offer.options.get(DomainNameServer),
        Some(vec![SERVER, OTHER_SERVER])
    );
    assert_never_echoes_request_options(&offer);
}

#[test]
fn options_not_in_the_parameter_request_list_are_left_out() {
    let request = discover(mac(1)).with_option(ParameterRequestList, [1]);
    let offer = reply_to(&mut server(), &request, NOW).unwrap();
    assert!(!offer.options.contains(Router::CODE));
    assert!(!offer.options.contains(DomainNameServer::CODE));
    assert_eq!(offer.options.get(SubnetMask), Some(MASK));
}

#[test]
fn the_requested_address_is_offered_when_free() {
    let wanted = Ipv4Addr::new(198, 18, 0, 102);
    let request = discover(mac(1)).with_option(RequestedIpAddress, wanted);
    assert_eq!(
        reply_to(&mut server(), &request, NOW).unwrap().yiaddr,
        wanted
    );
}

#[test]
fn a_returning_client_gets_its_previous_address() {
    let mut server = server();
    lease(&mut server, mac(1), NOW);
    let second = lease(&mut server, mac(2), NOW);
    server.handle(&renew(mac(2), second).into_release(), NOW);
    lease(&mut server, mac(3), NOW);
    let offer = reply_to(&mut server, &discover(mac(2)), NOW).unwrap();
    assert_eq!(offer.yiaddr, second);
}

#[test]
fn selecting_our_offer_is_acked_with_lease_and_mask() {
    let mut server = server();
    let offer = reply_to(&mut server, &discover(mac(1)), NOW).unwrap();
    let outcome = server.handle(&select(mac(1), offer.yiaddr, SERVER), NOW);
    let ack = outcome.reply.unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.yiaddr, offer.yiaddr);
    assert_eq!(ack.options.get(ServerIdentifier), Some(SERVER));
    assert_eq!(ack.options.get(SubnetMask), Some(MASK));
    assert_eq!(ack.options.get(LeaseTime), Some(LEASE));
    assert_never_echoes_request_options(&ack);
    let key = client_key(&discover(mac(1)));
    let until = NOW + u64::from(LEASE);
    assert_eq!(
        outcome.changes,
        vec![Change::Bound {
            key,
            addr: offer.yiaddr,
            until
        }]
    );
}

#[test]
fn choosing_another_server_silently_voids_our_offer() {
    let mut server = server();
    let offer = reply_to(&mut server, &discover(mac(1)), NOW).unwrap();
    let outcome = server.handle(&select(mac(1), offer.yiaddr, OTHER_SERVER), NOW);
    assert_eq!(outcome, Outcome::default());
    let other = client_key(&discover(mac(2)));
    assert!(
        server.table().available(offer.yiaddr, &other, NOW),
        "free again"
    );
}

#[test]
fn selecting_an_address_we_did_not_offer_is_naked() {
    let mut server = server();
    reply_to(&mut server, &discover(mac(1)), NOW).unwrap();
    let nak = reply_to(&mut server, &select(mac(1), LAST, SERVER), NOW).unwrap();
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert_eq!(nak.options.get(ServerIdentifier), Some(SERVER));
    assert_eq!(nak.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert!(!nak.options.contains(LeaseTime::CODE));
}

#[test]
fn init_reboot_with_the_right_address_is_acked() {
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let ack = reply_to(&mut server, &init_reboot(mac(1), addr), NOW + 10).unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.yiaddr, addr);
}

#[test]
fn init_reboot_with_a_wrong_address_is_naked() {
    let mut server = server();
    lease(&mut server, mac(1), NOW);
    let nak = reply_to(&mut server, &init_reboot(mac(1), LAST), NOW);
    assert_eq!(kind(&nak), Some(MessageType::Nak));
    let elsewhere = init_reboot(mac(9), Ipv4Addr::new(10, 0, 0, 5));
    let nak = reply_to(&mut server, &elsewhere, NOW);
    assert_eq!(kind(&nak), Some(MessageType::Nak), "wrong network");
}

#[test]
fn init_reboot_from_an_unknown_client_gets_silence() {
    let reply = reply_to(&mut server(), &init_reboot(mac(1), FIRST), NOW);
    assert_eq!(reply, None);
}

#[test]
fn renewing_extends_the_lease() {
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let later = NOW + u64::from(LEASE / 2);
    let outcome = server.handle(&renew(mac(1), addr), later);
    let ack = outcome.reply.unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!((ack.yiaddr, ack.ciaddr), (addr, addr));
    let until = later + u64::from(LEASE);
    assert!(matches!(outcome.changes[..], [Change::Bound { until: u, .. }] if u == until));
}

#[test]
fn renewing_with_our_server_identifier_is_still_renewing() {
    // RFC 2131 4.3.2 forbids option 54 in RENEWING, but a client that sends it names
    // this server: its lease is extended rather than left to expire into REBINDING.
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let later = NOW + u64::from(LEASE / 2);
    let request = renew(mac(1), addr).with_option(ServerIdentifier, SERVER);
    let ack = reply_to(&mut server, &request, later);
    assert_eq!(kind(&ack), Some(MessageType::Ack));
    assert_eq!(ack.unwrap().yiaddr, addr);
    let elsewhere = renew(mac(1), addr).with_option(ServerIdentifier, OTHER_SERVER);
    assert_eq!(reply_to(&mut server, &elsewhere, later), None);
}

#[test]
fn renewing_another_clients_lease_is_naked() {
    let mut server = server();
    let theirs = lease(&mut server, mac(1), NOW);
    lease(&mut server, mac(2), NOW);
    let nak = reply_to(&mut server, &renew(mac(2), theirs), NOW);
    assert_eq!(kind(&nak), Some(MessageType::Nak));
    assert_eq!(
        server.table().holder(theirs),
        Some(&client_key(&discover(mac(1))))
    );
}

#[test]
fn requests_outside_the_range_are_naked() {
    let mut server = server();
    lease(&mut server, mac(1), NOW);
    let outside = Ipv4Addr::new(198, 18, 0, 200);
    let nak = reply_to(&mut server, &renew(mac(1), outside), NOW);
    assert_eq!(kind(&nak), Some(MessageType::Nak));
    let nak = reply_to(&mut server, &select(mac(1), outside, SERVER), NOW);
    assert_eq!(kind(&nak), Some(MessageType::Nak));
}

#[test]
fn decline_quarantines_the_address() {
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let decline = packet(MessageType::Decline, mac(1))
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER);
    let outcome = server.handle(&decline, NOW);
    assert_eq!(outcome.reply, None);
    assert!(matches!(outcome.changes[..], [Change::Declined { addr: a, .. }] if a == addr));
    for n in 2..6 {
        let offer = reply_to(&mut server, &discover(mac(n)), NOW + 1);
        assert_ne!(offer.map(|o| o.yiaddr), Some(addr));
    }
}

#[test]
fn a_decline_counts_only_for_the_clients_own_bound_lease() {
    let mut server = server();
    let offer = reply_to(&mut server, &discover(mac(1)), NOW).unwrap();
    let decline = packet(MessageType::Decline, mac(1))
        .with_option(RequestedIpAddress, offer.yiaddr)
        .with_option(ServerIdentifier, SERVER);
    assert_eq!(
        server.handle(&decline, NOW),
        Outcome::default(),
        "only offered"
    );
    assert_eq!(server.stats().declines_ignored, 1);
    assert_eq!(server.table().quarantined().count(), 0);
    // 100 DISCOVER+DECLINE pairs set nothing aside.
    for n in 0..100u8 {
        let mac = [6, 6, 6, 6, 6, n];
        let offer = reply_to(&mut server, &discover(mac), NOW).unwrap();
        let decline =
            packet(MessageType::Decline, mac).with_option(RequestedIpAddress, offer.yiaddr);
        server.handle(&decline, NOW);
    }
    assert_eq!(server.table().quarantined().count(), 0);
}

#[test]
fn a_client_cannot_decline_someone_elses_address() {
    let mut server = server();
    let theirs = lease(&mut server, mac(1), NOW);
    let decline = packet(MessageType::Decline, mac(2)).with_option(RequestedIpAddress, theirs);
    assert_eq!(server.handle(&decline, NOW), Outcome::default());
    assert!(server
        .table()
        .get(&client_key(&discover(mac(1))))
        .unwrap()
        .bound(NOW));
}

#[test]
fn release_frees_the_address() {
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let outcome = server.handle(&renew(mac(1), addr).into_release(), NOW);
    assert_eq!(outcome.reply, None);
    assert_eq!(outcome.changes.len(), 1);
    assert!(server
        .table()
        .available(addr, &client_key(&discover(mac(2))), NOW));
}

#[test]
fn inform_gets_configuration_without_a_lease() {
    let inform = packet(MessageType::Inform, mac(1)).with_ciaddr(Ipv4Addr::new(198, 18, 0, 9));
    let outcome = server().handle(&inform, NOW);
    let ack = outcome.reply.unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(ack.ciaddr, inform.ciaddr);
    assert_eq!(ack.options.get(ServerIdentifier), Some(SERVER));
    assert_eq!(ack.options.get(SubnetMask), Some(MASK));
    for code in [LeaseTime::CODE, RenewalTime::CODE, RebindingTime::CODE] {
        assert!(!ack.options.contains(code));
    }
    assert!(outcome.changes.is_empty());
}

#[test]
fn discover_is_never_acked_without_rapid_commit_configured() {
    let request = discover(mac(1)).with_raw_option(RapidCommit::CODE, &[]);
    let reply = reply_to(&mut server(), &request, NOW);
    assert_eq!(kind(&reply), Some(MessageType::Offer));
    assert!(!reply.unwrap().options.contains(RapidCommit::CODE));
}

#[test]
fn rapid_commit_acks_a_discover_that_asks_for_it() {
    let mut server = server_with(Settings {
        rapid_commit: true,
        ..settings()
    });
    let plain = reply_to(&mut server, &discover(mac(2)), NOW);
    assert_eq!(
        kind(&plain),
        Some(MessageType::Offer),
        "the client did not ask"
    );
    let request = discover(mac(1)).with_raw_option(RapidCommit::CODE, &[]);
    let outcome = server.handle(&request, NOW);
    let ack = outcome.reply.unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(
        ack.options.get_raw(RapidCommit::CODE).as_deref(),
        Some(&[][..])
    );
    assert_eq!(ack.options.get(LeaseTime), Some(LEASE));
    assert_eq!(outcome.changes.len(), 1);
}

#[test]
fn leases_are_keyed_on_the_client_identifier_when_sent() {
    let mut server = server();
    let id = vec![0xff, 1, 2, 3, 4];
    let with_id = |p: Packet| p.with_raw_option(ClientIdentifier::CODE, &id);
    let offer = reply_to(&mut server, &with_id(discover(mac(1))), NOW).unwrap();
    // Same identifier, new network card: still the same client.
    let ack = reply_to(
        &mut server,
        &with_id(select(mac(7), offer.yiaddr, SERVER)),
        NOW,
    );
    assert_eq!(kind(&ack), Some(MessageType::Ack));
    let echoed = ack
        .unwrap()
        .options
        .get_raw(ClientIdentifier::CODE)
        .map(|i| i.to_vec());
    assert_eq!(echoed, Some(id.clone()));
    assert_eq!(
        server.table().holder(offer.yiaddr),
        Some(&ClientKey::Id(id))
    );
}

#[test]
fn a_client_that_starts_sending_an_identifier_keeps_its_address() {
    // Firmware without option 61, then an OS with one: same chaddr, same address.
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let id = [1, 2, 0, 0, 0, 1, 1];
    let reboot = init_reboot(mac(1), addr).with_raw_option(ClientIdentifier::CODE, &id);
    let ack = reply_to(&mut server, &reboot, NOW + 10);
    assert_eq!(
        kind(&ack),
        Some(MessageType::Ack),
        "not silence: it has a record"
    );
    assert_eq!(ack.unwrap().yiaddr, addr);
    assert_eq!(
        server.table().holder(addr),
        Some(&ClientKey::Id(id.to_vec()))
    );
    assert_eq!(held(&server, NOW + 10), 1);
}

#[test]
fn a_client_never_holds_two_leases() {
    let mut server = server();
    lease(&mut server, mac(1), NOW);
    let wanted = Ipv4Addr::new(198, 18, 0, 102);
    let request = discover(mac(1)).with_option(RequestedIpAddress, wanted);
    reply_to(&mut server, &request, NOW).unwrap();
    let id = discover(mac(1)).with_raw_option(ClientIdentifier::CODE, &[1, 2, 0, 0, 0, 1, 1]);
    reply_to(&mut server, &id, NOW).unwrap();
    assert_eq!(held(&server, NOW), 1);
}

#[test]
fn a_discover_flood_holds_at_most_max_offers_and_a_new_client_still_gets_one() {
    let mut server = server();
    let max_offers = 2; // half of the pool's 4 dynamic and 1 reserved addresses
    for n in 0..=255u8 {
        let offer = reply_to(&mut server, &discover([6, 6, 6, 6, n, n]), NOW);
        assert!(offer.is_some(), "the oldest offer makes room");
        assert!(server.table().counts(NOW).offered <= max_offers);
    }
    assert!(
        server.table().len() <= 4,
        "never more entries than addresses"
    );
    assert_eq!(server.stats().offers_withdrawn, 256 - max_offers as u64);
    lease(&mut server, mac(1), NOW + 1);
    let after = NOW + u64::from(DEFAULT_OFFER_SECS);
    server.tick(after);
    assert_eq!(server.table().counts(after).offered, 0);
    server.table().assert_consistent();
}

#[test]
fn when_the_pool_is_full_the_oldest_offer_is_withdrawn_for_a_new_client() {
    let mut server = server_with(Settings {
        max_offers: Some(100),
        ..settings()
    });
    for n in 1..=3 {
        lease(&mut server, mac(n), NOW);
    }
    let first = reply_to(&mut server, &discover(mac(10)), NOW).unwrap();
    let second = reply_to(&mut server, &discover(mac(11)), NOW + 1).unwrap();
    assert_eq!(
        first.yiaddr, second.yiaddr,
        "the last address, offered again"
    );
    assert_eq!(server.stats().offers_withdrawn, 1);
    let nak = reply_to(&mut server, &select(mac(10), first.yiaddr, SERVER), NOW + 2);
    assert_eq!(
        kind(&nak),
        Some(MessageType::Nak),
        "its offer went to another"
    );
    let ack = reply_to(
        &mut server,
        &select(mac(11), second.yiaddr, SERVER),
        NOW + 2,
    );
    assert_eq!(kind(&ack), Some(MessageType::Ack));
}

#[test]
fn a_pool_full_of_leases_is_warned_about_once_per_interval() {
    let mut server = server();
    for n in 1..=4 {
        lease(&mut server, mac(n), NOW);
    }
    for n in 0..10_000u32 {
        let flood = discover([6, 6, 6, 6, (n >> 8) as u8, n as u8]);
        assert_eq!(
            reply_to(&mut server, &flood, NOW + Secs::from(n / 100)),
            None
        );
    }
    let stats = server.stats();
    assert_eq!(stats.unanswered_discovers, 10_000);
    // 100 s of DISCOVERs: a warning at 0 s and one at 60 s.
    assert_eq!(stats.full_pool_warnings, 2);
}

#[test]
fn a_reserved_address_goes_to_its_mac_only() {
    let mut server = server();
    assert_eq!(lease(&mut server, RESERVED_MAC, NOW), RESERVED);
    let request = discover(mac(1)).with_option(RequestedIpAddress, RESERVED);
    assert_ne!(
        reply_to(&mut server, &request, NOW).unwrap().yiaddr,
        RESERVED
    );
}

#[test]
fn expired_leases_are_reclaimed_on_tick() {
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let expiry = NOW + u64::from(LEASE);
    assert!(server.tick(expiry - 1).is_empty());
    let expired = server.tick(expiry);
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].kind, LeaseEventKind::Expired);
    assert_eq!(expired[0].addr, addr);
    assert_eq!(expired[0].client, Some(client_key(&discover(mac(1)))));
    assert_eq!(held(&server, expiry), 0);
}

#[test]
fn relayed_packets_are_ignored_unless_relays_are_allowed() {
    let relayed = discover(mac(1)).with_giaddr(RELAY);
    assert_eq!(reply_to(&mut server(), &relayed, NOW), None);
    let mut server = server_with(Settings {
        allow_relays: true,
        ..settings()
    });
    let offer = reply_to(&mut server, &relayed, NOW).unwrap();
    assert_eq!(offer.giaddr, RELAY);
    let foreign = discover(mac(2)).with_giaddr(Ipv4Addr::new(10, 1, 1, 1));
    assert_eq!(reply_to(&mut server, &foreign, NOW), None, "not our subnet");
}

/// The usual relayed set-up: the server on its own subnet, the pool on the relay's.
#[test]
fn a_server_leases_on_a_relayed_subnet_it_is_not_on() {
    let relay = Ipv4Addr::new(198, 18, 1, 1);
    let (first, last) = (
        Ipv4Addr::new(198, 18, 1, 100),
        Ipv4Addr::new(198, 18, 1, 101),
    );
    let pool = Pool::new(SERVER, MASK, first, last, BTreeMap::new()).unwrap();
    let mut server = LeaseEngine::new(
        Settings {
            allow_relays: true,
            ..settings()
        },
        pool,
    );
    let offer = reply_to(&mut server, &discover(mac(1)).with_giaddr(relay), NOW).unwrap();
    assert_eq!(offer.yiaddr, first);
    let request = select(mac(1), first, SERVER).with_giaddr(relay);
    let ack = reply_to(&mut server, &request, NOW).unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    let ack = reply_to(&mut server, &renew(mac(1), first), NOW).unwrap();
    assert_eq!(
        ack.message_type(),
        Some(MessageType::Ack),
        "unicast renewal"
    );
    assert_eq!(
        reply_to(&mut server, &discover(mac(2)), NOW),
        None,
        "a client on the server's own link: no address for its subnet"
    );
}

#[test]
fn a_nak_through_a_relay_sets_the_broadcast_bit() {
    let mut server = server_with(Settings {
        allow_relays: true,
        ..settings()
    });
    reply_to(&mut server, &discover(mac(1)).with_giaddr(RELAY), NOW).unwrap();
    let request = select(mac(1), LAST, SERVER).with_giaddr(RELAY);
    let nak = reply_to(&mut server, &request, NOW).unwrap();
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert!(nak.broadcast());
}

#[test]
fn replies_are_ignored() {
    let mut offer = discover(mac(1));
    offer.op = crate::Op::Reply;
    assert_eq!(reply_to(&mut server(), &offer, NOW), None);
}

/// Turns a renewal-shaped packet into a RELEASE from the same client.
trait IntoRelease {
    fn into_release(self) -> Packet;
}

impl IntoRelease for Packet {
    fn into_release(self) -> Packet {
        self.with_option(crate::options::DhcpMessageType, MessageType::Release)
            .with_option(ServerIdentifier, SERVER)
    }
}

#[test]
fn a_snapshot_replayed_gives_back_the_live_leases() {
    let mut server = server();
    let kept = lease(&mut server, mac(1), NOW);
    let released = lease(&mut server, mac(2), NOW);
    server.handle(&renew(mac(2), released).into_release(), NOW);
    reply_to(&mut server, &discover(mac(3)), NOW).unwrap();
    let snapshot = server.snapshot(NOW);
    let mut restarted = self::server();
    for change in &snapshot {
        restarted.apply(change);
    }
    assert_eq!(held(&restarted, NOW), 1, "offers are not kept");
    let ack = reply_to(&mut restarted, &renew(mac(1), kept), NOW + 1);
    assert_eq!(kind(&ack), Some(MessageType::Ack));
}

/// xorshift64*: a deterministic generator for the randomized tests, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random sequences of everything clients and the operator can do: the indexes stay
/// consistent with the entries, and no address is ever offered or leased to a client
/// while another client's ACKed lease on it runs.
#[test]
fn no_address_goes_to_two_clients_under_random_sequences() {
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let first = Ipv4Addr::new(198, 18, 0, 100);
        let last = Ipv4Addr::new(198, 18, 0, 119);
        let pool = Pool::new(SERVER, MASK, first, last, BTreeMap::new()).unwrap();
        let mut server = LeaseEngine::new(
            Settings {
                lease_secs: 300,
                max_offers: Some(1 + rng.below(25) as usize),
                max_offers_per_relay: (seed % 2 == 0).then(|| 1 + rng.below(8) as usize),
                allow_relays: true,
                ..settings()
            },
            pool,
        );
        let mut now = NOW;
        // Who the server ACKed each address to, until when.
        let mut acked: BTreeMap<Ipv4Addr, (Mac, Secs)> = BTreeMap::new();
        let mut offered: BTreeMap<Mac, Ipv4Addr> = BTreeMap::new();
        let random_addr = |rng: &mut Rng| Ipv4Addr::from(u32::from(first) + rng.below(22) as u32);
        for _ in 0..3000 {
            let client = mac(rng.below(40) as u8);
            let request = match rng.below(10) {
                0 | 1 => {
                    let mut p = discover(client);
                    if rng.below(3) == 0 {
                        p = p.with_option(RequestedIpAddress, random_addr(&mut rng));
                    }
                    Some(p)
                }
                2 | 3 => {
                    let addr = match offered.get(&client) {
                        Some(a) if rng.below(4) != 0 => *a,
                        _ => random_addr(&mut rng),
                    };
                    Some(select(client, addr, SERVER))
                }
                4 => Some(renew(client, random_addr(&mut rng))),
                5 => Some(init_reboot(client, random_addr(&mut rng))),
                6 => Some(renew(client, random_addr(&mut rng)).into_release()),
                7 => Some(
                    packet(MessageType::Decline, client)
                        .with_option(RequestedIpAddress, random_addr(&mut rng)),
                ),
                8 => {
                    now += rng.below(200);
                    server.tick(now);
                    None
                }
                _ => {
                    let addr = random_addr(&mut rng);
                    match rng.below(3) {
                        0 => {
                            if server.release(addr, now).is_some() {
                                acked.remove(&addr);
                            }
                        }
                        1 => {
                            let _ = server.reserve(client, addr);
                        }
                        _ => {
                            server.unreserve(client);
                        }
                    }
                    None
                }
            };
            if let Some(mut request) = request {
                if rng.below(2) == 0 {
                    request.giaddr = RELAY;
                }
                let outcome = server.handle(&request, now);
                if let Some(reply) = outcome.reply {
                    let addr = reply.yiaddr;
                    let kind = reply.message_type();
                    if matches!(kind, Some(MessageType::Offer | MessageType::Ack)) {
                        if let Some((holder, until)) = acked.get(&addr) {
                            assert!(
                                *holder == client || *until <= now,
                                "seed {seed}: {addr} given to {client:?} while {holder:?} holds it until {until}, now {now}: {:?} {:?}",
                                request.message_type(), server.table().get_addr(addr)
                            );
                        }
                    }
                    match kind {
                        Some(MessageType::Offer) => {
                            // A client that DISCOVERs is in INIT: it gave its lease up.
                            acked.retain(|_, (holder, _)| *holder != client);
                            offered.insert(client, addr);
                        }
                        Some(MessageType::Ack) => {
                            acked.retain(|_, (holder, _)| *holder != client);
                            acked.insert(addr, (client, now + 300));
                        }
                        _ => {}
                    }
                }
                for change in &outcome.changes {
                    if let Change::Released { addr, .. } | Change::Declined { addr, .. } = change {
                        acked.remove(addr);
                    }
                }
            }
            server.table().assert_consistent();
            let counts = server.table().counts(now);
            assert!(counts.offered + counts.bound + counts.quarantined <= 22);
        }
    }
}

fn bootp_request(mac: impl Into<Mac>) -> Packet {
    let mut request = Packet::bootp(Op::Request);
    request.set_mac(mac);
    request.xid = 0x0b00_7001;
    request
}

#[test]
fn a_plain_bootp_client_gets_an_address_for_good_and_no_dhcp_options() {
    let mut server = server();
    let request = bootp_request(mac(1));
    let outcome = server.handle(&request, 1_000);
    let reply = outcome.reply.expect("a BOOTREPLY");
    assert_eq!(reply.op, Op::Reply);
    assert!(reply.is_bootp(), "no option 53 in a BOOTP reply");
    assert_eq!(
        reply.options.vendor_area(),
        VendorArea::Zeros,
        "no cookie, no options"
    );
    assert_ne!(reply.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(reply.xid, request.xid);
    assert_eq!(
        outcome.changes,
        vec![Change::Bound {
            key: client_key(&request),
            addr: reply.yiaddr,
            until: BOOTP_FOREVER,
        }]
    );
    // Asking again, years later, gives the same address: the binding never expires.
    let again = server.handle(&request, 1_000 + 10 * 365 * 86_400);
    assert_eq!(again.reply.map(|r| r.yiaddr), Some(reply.yiaddr));
    assert!(
        server.tick(u64::from(u32::MAX)).is_empty(),
        "nothing expires"
    );
}

#[test]
fn a_bootp_client_with_rfc_1048_extensions_gets_its_configuration_but_no_lease_time() {
    let mut server = server();
    let mut request = bootp_request(mac(2));
    request.options.set_vendor_area(VendorArea::Options);
    let reply = server.handle(&request, 1_000).reply.expect("a BOOTREPLY");
    assert!(reply.is_bootp());
    assert_eq!(reply.options.vendor_area(), VendorArea::Options);
    assert!(
        reply.options.get(SubnetMask).is_some(),
        "the mask, as a vendor extension"
    );
    for dhcp_only in [51, 54, 58, 59] {
        assert!(
            !reply.options.contains(dhcp_only),
            "option {dhcp_only} is DHCP's"
        );
    }
}

/// Another server's lease, outside this server's range (learnt from a shared
/// store): silence without `answer_subnet` (neither ours to extend nor to
/// refuse); with it, renewed while it is live, and never an address that is not
/// this server's to give (its own, a reservation).
#[test]
fn answer_subnet_renews_another_servers_lease_outside_the_range_only_while_it_lasts() {
    let outside = Ipv4Addr::new(198, 18, 0, 20);
    let learnt = |server: &mut LeaseEngine, mac: Mac, addr: Ipv4Addr| {
        server.apply(&Change::Bound {
            key: client_key(&discover(mac)),
            addr,
            until: NOW + 60,
        });
    };
    let mut strict = server();
    learnt(&mut strict, mac(1), outside);
    let silence = reply_to(&mut strict, &renew(mac(1), outside), NOW);
    assert_eq!(
        silence, None,
        "not in the range: another server's to answer"
    );
    let ended = reply_to(&mut strict, &renew(mac(1), outside), NOW + 60);
    assert_eq!(
        kind(&ended),
        Some(MessageType::Nak),
        "ended: refused as before"
    );

    let mut answering = server_with(Settings {
        answer_subnet: true,
        ..settings()
    });
    learnt(&mut answering, mac(1), outside);
    let ack = reply_to(&mut answering, &renew(mac(1), outside), NOW).unwrap();
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), outside)
    );
    // Expired: a lease outside the range is not given out again.
    learnt(&mut answering, mac(2), Ipv4Addr::new(198, 18, 0, 21));
    let late = reply_to(
        &mut answering,
        &renew(mac(2), Ipv4Addr::new(198, 18, 0, 21)),
        NOW + 60,
    );
    assert_eq!(kind(&late), Some(MessageType::Nak));
    // Another client's reservation and the server's own address are never renewed.
    for addr in [RESERVED, SERVER] {
        learnt(&mut answering, mac(3), addr);
        let refused = reply_to(&mut answering, &renew(mac(3), addr), NOW);
        assert_eq!(kind(&refused), Some(MessageType::Nak), "{addr}");
    }
    assert!(!answering.answers_for(Ipv4Addr::new(198, 18, 1, 20), Some(mac(3))));
}

/// A store that cannot name the winner's end: the address is held for the lease
/// the refused one would have been, from `now`.
#[test]
fn a_conflict_without_the_winners_end_holds_the_address_for_a_lease_time() {
    let mut server = server();
    let addr = lease(&mut server, mac(1), NOW);
    let request = select(mac(1), addr, SERVER);
    let winner = client_key(&discover(mac(9)));
    let nak = server.conflict(&request, addr, Some(winner.clone()), None, NOW + 5);
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    let (holder, entry) = server.table().get_addr(addr).unwrap();
    assert_eq!(
        (holder, entry.state),
        (&winner, State::Bound(NOW + 5 + u64::from(LEASE)))
    );
    assert_eq!(server.table().get(&client_key(&request)), None);
}

/// The first of two shares of .100-.103: its part (.100, .101) upwards, then the
/// other part from the top down; an address skipped there while reserved comes
/// back once the reservation goes.
#[test]
fn a_share_walks_its_part_up_then_the_rest_down_and_gets_skipped_addresses_back() {
    let mut server = server_with(Settings {
        share: Share::new(0, 2).unwrap(),
        ..settings()
    });
    let top = Ipv4Addr::new(198, 18, 0, 103);
    server.reserve(mac(9), top).unwrap();
    let got: Vec<Ipv4Addr> = (1..=3).map(|n| lease(&mut server, mac(n), NOW)).collect();
    assert_eq!(
        got,
        vec![
            FIRST,
            Ipv4Addr::new(198, 18, 0, 101),
            Ipv4Addr::new(198, 18, 0, 102)
        ],
        "own part up, then down from the top, skipping the reservation"
    );
    assert_eq!(reply_to(&mut server, &discover(mac(4)), NOW), None, "full");
    assert_eq!(server.unreserve(mac(9)), Some(top));
    assert_eq!(lease(&mut server, mac(4), NOW), top);
}
