//! Where an engine may bind while its shared store is unreachable, and the parts of
//! the ranges other servers claim.

use std::net::Ipv4Addr;

use crate::options::{LeaseTime, RequestedIpAddress, ServerIdentifier};
use crate::{MessageType, Packet};

use super::*;
use crate::lease::Share;

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const NOW: Secs = 1_700_000_000;

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 0, last)
}

/// The first of two servers on 198.18.0.100-.103: its part is .100-.101.
fn first_of_two() -> LeaseEngine {
    let pool = Pool::new(SERVER, MASK, ip(100), ip(103), Default::default()).unwrap();
    let settings = Settings {
        share: Share::new(0, 2).unwrap(),
        lease_secs: 600,
        ..Settings::new(SERVER, MASK)
    };
    LeaseEngine::new(settings, pool)
}

fn discover(n: u8) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac([2, 0, 0, 0, 9, n]);
    packet
}

fn select(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac([2, 0, 0, 0, 9, n]);
    packet
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

fn renew(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac([2, 0, 0, 0, 9, n]);
    packet.ciaddr = addr;
    packet
}

fn lease(engine: &mut LeaseEngine, n: u8, now: Secs) -> Option<Ipv4Addr> {
    let offer = engine.handle(&discover(n), now).reply?;
    let ack = engine.handle(&select(n, offer.yiaddr), now).reply?;
    (ack.message_type() == Some(MessageType::Ack)).then_some(ack.yiaddr)
}

#[test]
fn a_part_another_server_claims_is_left_alone_until_the_claim_lapses() {
    let mut engine = first_of_two();
    engine.set_claimed(vec![1]);
    assert_eq!(lease(&mut engine, 1, NOW), Some(ip(100)));
    assert_eq!(lease(&mut engine, 2, NOW), Some(ip(101)));
    assert_eq!(
        lease(&mut engine, 3, NOW),
        None,
        "the other part is claimed"
    );
    // A requested address there is not offered either.
    let asking = discover(4).with_option(RequestedIpAddress, ip(103));
    assert_eq!(engine.handle(&asking, NOW).reply, None);
    engine.set_claimed(Vec::new());
    assert_eq!(
        lease(&mut engine, 3, NOW),
        Some(ip(103)),
        "walked from the far end"
    );
}

#[test]
fn an_expired_lease_in_a_claimed_part_is_not_reused() {
    let mut engine = first_of_two();
    let key = client_key(&discover(9));
    engine.apply(&Change::Bound {
        key,
        addr: ip(102),
        until: NOW - 1,
    });
    engine.set_claimed(vec![1]);
    assert_eq!(lease(&mut engine, 1, NOW), Some(ip(100)));
    assert_eq!(lease(&mut engine, 2, NOW), Some(ip(101)));
    assert_eq!(
        lease(&mut engine, 3, NOW),
        None,
        ".102 expired, but it is in part 1"
    );
}

#[test]
fn with_its_own_share_only_a_server_leases_and_extends_there_alone() {
    let mut engine = first_of_two();
    assert_eq!(lease(&mut engine, 1, NOW), Some(ip(100)));
    // A client of the other part, learnt from the store.
    let theirs = client_key(&discover(7));
    engine.apply(&Change::Bound {
        key: theirs,
        addr: ip(103),
        until: NOW + 300,
    });
    engine.set_allocation(Allocation::OwnShare);
    assert_eq!(lease(&mut engine, 2, NOW), Some(ip(101)));
    assert_eq!(
        lease(&mut engine, 3, NOW),
        None,
        "the other part is not taken"
    );
    // Its own part's lease is extended, as a change to write down.
    let own = engine.handle(&renew(1, ip(100)), NOW + 100);
    assert_eq!(own.reply.unwrap().options.get(LeaseTime), Some(600));
    assert_eq!(own.changes.len(), 1);
    // The other part's lease is kept for what is left of it, and nothing changes.
    let kept = engine.handle(&renew(7, ip(103)), NOW + 100);
    let ack = kept.reply.unwrap();
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), ip(103))
    );
    assert_eq!(ack.options.get(LeaseTime), Some(200));
    assert!(kept.changes.is_empty() && kept.events.is_empty());
    assert_eq!(
        engine.handle(&renew(7, ip(103)), NOW + 301).reply,
        None,
        "ended: silence"
    );
}

#[test]
fn with_no_allocation_leases_are_only_kept_for_what_is_left() {
    let mut engine = first_of_two();
    assert_eq!(lease(&mut engine, 1, NOW), Some(ip(100)));
    engine.set_allocation(Allocation::Nowhere);
    assert_eq!(
        engine.handle(&discover(2), NOW).reply,
        None,
        "no new client"
    );
    let again = engine.handle(&discover(1), NOW + 10).reply.unwrap();
    assert_eq!(again.yiaddr, ip(100), "a client with a lease is offered it");
    let kept = engine.handle(&select(1, ip(100)), NOW + 10);
    assert_eq!(kept.reply.unwrap().options.get(LeaseTime), Some(590));
    assert!(kept.changes.is_empty());
    engine.set_allocation(Allocation::Everywhere);
    assert_eq!(engine.handle(&renew(1, ip(100)), NOW + 20).changes.len(), 1);
}
