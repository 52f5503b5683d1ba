//! The lease table as an operator's API: list, find, release, reserve, count.

use std::net::Ipv4Addr;

use ex_dhcp::lease::{client_key, Change, ClientKey, Counts, State};
use ex_dhcp::MessageType;

use super::{discover, dora, select, server, settings, NOW};

fn key(mac: [u8; 6]) -> ClientKey {
    client_key(&discover(mac))
}

#[test]
fn the_table_lists_and_finds_leases_by_address_and_by_client() {
    let mut server = server(10, settings());
    let a = dora(&mut server, [2, 0, 0, 0, 0, 1], NOW).unwrap();
    let b = dora(&mut server, [2, 0, 0, 0, 0, 2], NOW).unwrap();
    server
        .handle(&discover([2, 0, 0, 0, 0, 3]), NOW)
        .reply
        .unwrap();

    let table = server.table();
    let listed: Vec<Ipv4Addr> = table.iter().map(|(_, e)| e.addr).collect();
    assert_eq!(listed.len(), 3);
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "in address order");
    let (holder, entry) = table.get_addr(b).unwrap();
    assert_eq!(holder, &key([2, 0, 0, 0, 0, 2]));
    assert!(matches!(entry.state, State::Bound(_)));
    assert_eq!(table.get(&key([2, 0, 0, 0, 0, 1])).unwrap().addr, a);
    assert_eq!(
        server.counts(NOW),
        Counts {
            offered: 1,
            bound: 2,
            free: 0,
            quarantined: 0
        }
    );
}

#[test]
fn an_operator_release_frees_the_address_and_says_what_to_write_down() {
    let mut server = server(1, settings());
    let mac = [2, 0, 0, 0, 0, 1];
    let addr = dora(&mut server, mac, NOW).unwrap();
    assert_eq!(
        server.handle(&discover([2, 0, 0, 0, 0, 2]), NOW).reply,
        None
    );

    let change = server.release(addr, NOW + 5);
    assert_eq!(
        change,
        Some(Change::Released {
            key: key(mac),
            addr
        })
    );
    assert_eq!(
        server.release(addr, NOW + 5),
        None,
        "nothing left to release"
    );
    assert_eq!(server.counts(NOW + 5).free, 1);
    assert_eq!(dora(&mut server, [2, 0, 0, 0, 0, 2], NOW + 6), Some(addr));
    // The client that lost it is refused when it renews.
    let renew = select(mac, addr);
    let nak = server.handle(&renew, NOW + 7).reply.unwrap();
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
}

#[test]
fn reservations_are_added_and_removed_while_serving() {
    let mut server = server(2, settings());
    let printer = [2, 0, 0, 0, 0, 9];
    let second = Ipv4Addr::new(10, 99, 0, 101);
    assert_eq!(server.reserve(printer, second), Ok(None));
    assert_eq!(
        dora(&mut server, [2, 0, 0, 0, 0, 1], NOW),
        Some(Ipv4Addr::new(10, 99, 0, 100))
    );
    assert_eq!(
        dora(&mut server, [2, 0, 0, 0, 0, 2], NOW),
        None,
        "the rest is reserved"
    );
    assert_eq!(dora(&mut server, printer, NOW), Some(second));

    server.release(second, NOW);
    assert_eq!(server.unreserve(printer), Some(second));
    assert_eq!(dora(&mut server, [2, 0, 0, 0, 0, 2], NOW + 1), Some(second));
    assert!(
        server
            .reserve(printer, Ipv4Addr::new(10, 98, 0, 5))
            .is_err(),
        "off the subnet"
    );
}

#[test]
fn expired_leases_are_reused_oldest_first() {
    let mut server = server(3, settings());
    let lease = u64::from(settings().lease_secs);
    let first = dora(&mut server, [2, 0, 0, 0, 0, 1], NOW).unwrap();
    let second = dora(&mut server, [2, 0, 0, 0, 0, 2], NOW + 10).unwrap();
    dora(&mut server, [2, 0, 0, 0, 0, 3], NOW + 20).unwrap();
    let later = NOW + 20 + lease;
    assert_eq!(dora(&mut server, [2, 0, 0, 0, 0, 4], later), Some(first));
    assert_eq!(dora(&mut server, [2, 0, 0, 0, 0, 5], later), Some(second));
    // A returning client gets its previous address back while it is free.
    let mut server = self::server(3, settings());
    let mine = dora(&mut server, [2, 0, 0, 0, 0, 1], NOW).unwrap();
    dora(&mut server, [2, 0, 0, 0, 0, 2], NOW).unwrap();
    assert_eq!(
        dora(&mut server, [2, 0, 0, 0, 0, 1], NOW + 2 * lease),
        Some(mine)
    );
}

/// Many clients coming and going through the public API: every ACKed address is
/// different from every other live ACK, and the table agrees with the replies.
#[test]
fn no_address_is_leased_to_two_clients_under_churn() {
    let mut rng = ex_dhcp_testkit::decode::Rng::new(14);
    let mut server = server(50, settings());
    let lease = u64::from(settings().lease_secs);
    let mut now = NOW;
    let mut acked: std::collections::BTreeMap<Ipv4Addr, ([u8; 6], u64)> = Default::default();
    for _ in 0..20_000 {
        now += rng.next_u64() % 3;
        let mac = [2, 0, 0, 0, 1, (rng.next_u64() % 120) as u8];
        if rng.next_u64().is_multiple_of(10) {
            server.tick(now);
        }
        if let Some(addr) = dora(&mut server, mac, now) {
            if let Some((holder, until)) = acked.get(&addr) {
                assert!(*holder == mac || *until <= now, "{addr} leased twice");
            }
            acked.retain(|_, (holder, _)| *holder != mac);
            acked.insert(addr, (mac, now + lease));
            let (holder, _) = server.table().get_addr(addr).unwrap();
            assert_eq!(holder, &key(mac));
        }
    }
}
