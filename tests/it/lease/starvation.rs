//! Hostile clients: DISCOVER floods from random MAC addresses and DECLINEs of
//! addresses the sender does not hold. Time is stepped, nothing sleeps.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ex_dhcp::lease::{LeaseEngine, Pool, Secs, Settings, LOG_INTERVAL_SECS};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{MessageType, Packet};
use ex_dhcp_testkit::decode::Rng;
use ex_dhcp_testkit::{capture_logs, logged};

use super::{discover, dora, select, server, settings, MASK, NOW, SERVER};

fn random_mac(rng: &mut Rng) -> [u8; 6] {
    let mut mac = [0; 6];
    rng.fill(&mut mac);
    mac[0] = (mac[0] & 0xfe) | 0x02; // unicast, locally administered
    mac
}

/// 100k DISCOVERs from random MACs at 1,000 a second into a 100-address pool with
/// 30 s offers: without a limit the pool is exhausted after 100 packets. Real clients
/// arriving all through the flood each get a lease, with 20 flood packets between
/// their DISCOVER and their REQUEST.
#[test]
fn a_client_gets_a_lease_during_a_100k_random_mac_discover_flood() {
    let mut server = server(100, settings());
    let mut rng = Rng::new(0xf100d);
    let mut served = 0;
    for n in 0..100_000u32 {
        let now = NOW + Secs::from(n / 1000);
        server.handle(&discover(random_mac(&mut rng)), now);
        if n % 5_000 == 2_500 {
            let mac = [2, 0, 0, 0, 0x5e, (n / 5_000) as u8];
            let offer = server.handle(&discover(mac), now).reply.expect("an offer");
            for _ in 0..20 {
                server.handle(&discover(random_mac(&mut rng)), now);
            }
            let ack = server
                .handle(&select(mac, offer.yiaddr), now)
                .reply
                .unwrap();
            assert_eq!(ack.message_type(), Some(MessageType::Ack), "client {n}");
            served += 1;
        }
        if n % 1000 == 0 {
            server.tick(now);
        }
    }
    assert_eq!(served, 20);
    let counts = server.counts(NOW + 100);
    assert!(
        counts.offered <= 50,
        "offers stay within half the pool: {counts:?}"
    );
    assert_eq!(counts.bound, 20);
}

#[test]
fn a_full_pool_is_logged_once_per_interval_not_per_packet() {
    capture_logs();
    // A range no other test uses: the log is the whole process's.
    let (first, last) = (Ipv4Addr::new(10, 99, 0, 240), Ipv4Addr::new(10, 99, 0, 241));
    let pool = Pool::new(SERVER, MASK, first, last, BTreeMap::new()).unwrap();
    let mut server = LeaseEngine::new(settings(), pool);
    let needle = "the pool 10.99.0.240-10.99.0.241 is exhausted";
    dora(&mut server, [2, 0, 0, 0, 0, 1], NOW).unwrap();
    dora(&mut server, [2, 0, 0, 0, 0, 2], NOW).unwrap();
    let before = logged(log::Level::Warn, needle).len();
    let mut rng = Rng::new(7);
    for n in 0..100_000u64 {
        let now = NOW + n / 1000; // 100 s
        assert_eq!(
            server.handle(&discover(random_mac(&mut rng)), now).reply,
            None
        );
    }
    let warnings = logged(log::Level::Warn, needle).len() - before;
    let expected = 100 / LOG_INTERVAL_SECS + 1;
    assert_eq!(warnings as u64, expected, "one at 0 s and one at 60 s");
    assert_eq!(server.stats().full_pool_warnings, expected);
    assert_eq!(server.stats().unanswered_discovers, 100_000);
}

fn decline(mac: [u8; 6], addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Decline);
    packet.set_mac(mac);
    packet
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

#[test]
fn discover_decline_pairs_set_no_address_aside() {
    let mut server = server(100, settings());
    let mut rng = Rng::new(0xdec1);
    for _ in 0..100 {
        let mac = random_mac(&mut rng);
        let offer = server.handle(&discover(mac), NOW).reply.unwrap();
        assert_eq!(
            server.handle(&decline(mac, offer.yiaddr), NOW).changes,
            vec![]
        );
    }
    assert_eq!(server.counts(NOW).quarantined, 0);
    assert_eq!(server.stats().declines_ignored, 100);
    // Someone else's lease cannot be declined either; one's own can.
    let theirs = dora(&mut server, [2, 0, 0, 0, 0, 1], NOW).unwrap();
    assert!(server
        .handle(&decline([2, 0, 0, 0, 0, 2], theirs), NOW)
        .changes
        .is_empty());
    assert_eq!(
        server
            .handle(&decline([2, 0, 0, 0, 0, 1], theirs), NOW)
            .changes
            .len(),
        1
    );
    assert_eq!(server.counts(NOW).quarantined, 1);
}

#[test]
fn the_offer_limit_is_a_setting() {
    let mut server = server(
        10,
        Settings {
            max_offers: Some(3),
            ..settings()
        },
    );
    for n in 0..10 {
        server
            .handle(&discover([2, 0, 0, 0, 1, n]), NOW)
            .reply
            .unwrap();
    }
    assert_eq!(server.counts(NOW).offered, 3);
    assert_eq!(server.stats().offers_withdrawn, 7);
}

/// Two relays: a flood behind one of them withdraws only that relay's offers, so a
/// client behind the other one may take its time between DISCOVER and REQUEST.
#[test]
fn a_flood_behind_one_relay_leaves_the_other_relays_offers_alone() {
    let flooded = Ipv4Addr::new(10, 99, 0, 2);
    let quiet = Ipv4Addr::new(10, 99, 0, 3);
    let relayed = |mut packet: Packet, giaddr| {
        packet.giaddr = giaddr;
        packet
    };
    let run = |per_relay: Option<usize>| {
        let mut server = server(
            100,
            Settings {
                allow_relays: true,
                max_offers_per_relay: per_relay,
                ..settings()
            },
        );
        let mac = [2, 0, 0, 0, 0x5e, 1];
        let offer = server
            .handle(&relayed(discover(mac), quiet), NOW)
            .reply
            .unwrap();
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            server.handle(&relayed(discover(random_mac(&mut rng)), flooded), NOW + 1);
        }
        let ack = server
            .handle(&relayed(select(mac, offer.yiaddr), quiet), NOW + 2)
            .reply
            .unwrap();
        (ack.message_type(), server.counts(NOW + 2).offered)
    };
    // Without a limit per relay, the flood took the quiet relay's client's offer.
    assert_eq!(run(None).0, Some(MessageType::Nak));
    let (answer, offered) = run(Some(20));
    assert_eq!(answer, Some(MessageType::Ack));
    assert!(
        offered <= 20,
        "{offered} offers held through the flooded relay"
    );
}

/// DORA then DECLINE, each from a fresh MAC: every DECLINE is of the client's own
/// lease, so each counts. Without a limit the 20-address pool would be set aside for
/// `decline_secs`; with it (a quarter of the pool by default) at most 5 are, and a
/// real client still gets an address.
#[test]
fn a_dora_then_decline_loop_sets_at_most_a_quarter_of_the_pool_aside() {
    let mut engine = server(20, settings());
    let mut rng = Rng::new(0xdec2);
    for n in 0..1000u64 {
        let mac = random_mac(&mut rng);
        let now = NOW + n / 10;
        let Some(addr) = dora(&mut engine, mac, now) else {
            panic!("round {n}: the pool is exhausted by declines");
        };
        assert!(!engine.handle(&decline(mac, addr), now).changes.is_empty());
        assert!(engine.counts(now).quarantined <= 5, "round {n}");
    }
    assert_eq!(engine.stats().quarantines_lifted, 1000 - 5);
    assert!(dora(&mut engine, [2, 0, 0, 0, 0, 9], NOW + 100).is_some());
    let capped = |limit| {
        let mut engine = server(
            20,
            Settings {
                max_declined: Some(limit),
                ..settings()
            },
        );
        for n in 0..30u8 {
            let mac = [2, 0, 0, 0, 0xde, n];
            if let Some(addr) = dora(&mut engine, mac, NOW) {
                engine.handle(&decline(mac, addr), NOW);
            }
        }
        engine.counts(NOW).quarantined
    };
    assert_eq!(capped(12), 12, "the limit is a setting");
}
