//! Two servers allocating from one range with one shared store (a database, here a
//! `MemoryStore` both commit to): with a share of the range each
//! ([`Settings::share`]) they do not offer one another's leases; without, the first
//! lost race turns the loser around; and when they do meet, the loser keeps away
//! from the address until the winner's lease ends.
//! Time is stepped, nothing sleeps.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use ex_dhcp::lease::{
    client_key, Change, Committed, LeaseEngine, LeaseStore, MemoryStore, Pool, Secs, Settings,
    Share, State,
};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{MessageType, Packet};

use super::NOW;

const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 252, 0);
const FIRST: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 10);
/// 1,000 addresses.
const LAST: Ipv4Addr = Ipv4Addr::new(10, 99, 3, 241);
const SIZE: u32 = 1000;

fn engine(n: u8, share: Share, lease_secs: u32) -> LeaseEngine {
    let server_id = Ipv4Addr::new(10, 99, 0, n);
    let settings = Settings {
        share,
        lease_secs,
        ..Settings::new(server_id, MASK)
    };
    let pool = Pool::new(server_id, MASK, FIRST, LAST, BTreeMap::new()).unwrap();
    LeaseEngine::new(settings, pool)
}

fn mac(server: u8, n: u32) -> [u8; 6] {
    let [_, _, hi, lo] = n.to_be_bytes();
    [2, 0, 0, server, hi, lo]
}

fn packet(message_type: MessageType, mac: [u8; 6]) -> Packet {
    let mut packet = Packet::new(message_type);
    packet.set_mac(mac);
    packet
}

fn discover(mac: [u8; 6]) -> Packet {
    packet(MessageType::Discover, mac)
}

fn select(mac: [u8; 6], addr: Ipv4Addr, server_id: Ipv4Addr) -> Packet {
    packet(MessageType::Request, mac)
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, server_id)
}

/// One server's half of a round: a client's DISCOVER and REQUEST, the changes to
/// commit and the REQUEST (for a conflict).
fn exchange(server: &mut LeaseEngine, mac: [u8; 6], now: Secs) -> Option<(Packet, Vec<Change>)> {
    let offer = server.handle(&discover(mac), now).reply?;
    let request = select(mac, offer.yiaddr, server.settings().server_id);
    let outcome = server.handle(&request, now);
    let ack = outcome.reply?;
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    Some((request, outcome.changes))
}

/// Commits a server's changes; a conflict goes back to the engine (a NAK). True when
/// the store refused.
fn commit(
    store: &mut MemoryStore,
    server: &mut LeaseEngine,
    (request, changes): (Packet, Vec<Change>),
    now: Secs,
) -> bool {
    let committed = store
        .commit(&changes)
        .expect("a memory store does not fail");
    match committed.as_slice() {
        [Committed::Durable] => false,
        [Committed::Conflict {
            addr,
            holder,
            until,
            ..
        }] => {
            let nak = server.conflict(&request, *addr, holder.clone(), *until, now);
            assert_eq!(nak.message_type(), Some(MessageType::Nak));
            true
        }
        other => panic!("one result per change: {other:?}"),
    }
}

/// How the round went.
#[derive(Debug, Default)]
struct Run {
    /// REQUESTs the store refused (NAKed).
    conflicts: u32,
    /// Clients bound in the store.
    bound: u32,
}

/// Servers A and B, each with `clients` new clients of its own (disjoint, as behind
/// two relays), served in rounds: both offer, then both commit, as two servers whose
/// DISCOVERs arrive together. A NAKed client tries again in the next round.
fn run(shares: (Share, Share), clients: (u32, u32)) -> Run {
    run_batched(shares, clients, 1)
}

/// A client and its exchange, ready to commit.
type Served = (u32, (Packet, Vec<Change>));

/// [`run`], each server making `batch` exchanges before committing them, as a
/// store worker's group commit does under load: both servers can lose races in
/// the same round.
fn run_batched(shares: (Share, Share), clients: (u32, u32), batch: usize) -> Run {
    let mut store = MemoryStore::new();
    store.set_now(Some(NOW));
    let mut servers = [
        (
            engine(1, shares.0, 3600),
            0xa,
            (0..clients.0).collect::<VecDeque<u32>>(),
        ),
        (
            engine(2, shares.1, 3600),
            0xb,
            (0..clients.1).collect::<VecDeque<u32>>(),
        ),
    ];
    let mut result = Run::default();
    // Bounded: every round binds a client or counts a conflict.
    for _ in 0..4 * (clients.0 + clients.1) {
        if servers.iter().all(|(_, _, waiting)| waiting.is_empty()) {
            break;
        }
        let rounds: Vec<Vec<Served>> = servers
            .iter_mut()
            .map(|(server, id, waiting)| {
                let n = batch.min(waiting.len());
                waiting
                    .drain(..n)
                    .collect::<Vec<u32>>()
                    .into_iter()
                    .map(|c| {
                        let done = exchange(server, mac(*id, c), NOW).expect("an ACK");
                        (c, done)
                    })
                    .collect()
            })
            .collect();
        // Commits interleaved, A's first for the even exchanges of the round and
        // B's first for the odd ones: with a batch of two or more both servers
        // lose races in one round, as two databases transactions racing do.
        let mut rounds: Vec<_> = rounds.into_iter().map(Vec::into_iter).collect();
        for k in 0.. {
            let order = if k % 2 == 0 { [0, 1] } else { [1, 0] };
            let mut any = false;
            for i in order {
                let Some((c, done)) = rounds[i].next() else {
                    continue;
                };
                any = true;
                let (server, _, waiting) = &mut servers[i];
                if commit(&mut store, server, done, NOW) {
                    result.conflicts += 1;
                    // NAKed: this client starts over in the next round.
                    waiting.push_front(c);
                }
            }
            if !any {
                break;
            }
        }
    }
    assert!(
        servers.iter().all(|(_, _, waiting)| waiting.is_empty()),
        "every client was served"
    );
    let mut holders = BTreeMap::new();
    for change in store.records() {
        if let Change::Bound { key, addr, .. } = change {
            assert!(holders.insert(*addr, key.clone()).is_none(), "{addr} twice");
        }
    }
    result.bound = holders.len() as u32;
    result
}

fn share(index: u32, count: u32) -> Share {
    Share::new(index, count).unwrap()
}

/// Without shares both servers walk the range from its start in step: the first
/// race is lost, and it moves the loser's walk elsewhere in the range. One refused
/// REQUEST in 400 clients; walking on in step, this run had at least 150.
#[test]
fn two_servers_on_the_whole_range_without_shares_collide_once_then_part() {
    let run = run((Share::WHOLE, Share::WHOLE), (200, 200));
    assert_eq!((run.bound, run.conflicts), (400, 1), "{run:?}");
}

/// Group commits of four, interleaved so that both servers lose races in the
/// first round: both move (to different points), and no race is lost after it.
/// Turning to the range's end instead, both turned and lost 399 of 400.
#[test]
fn two_servers_without_shares_that_both_lose_a_race_part_all_the_same() {
    let run = run_batched((Share::WHOLE, Share::WHOLE), (200, 200), 4);
    assert_eq!(run.bound, 400);
    assert!(run.conflicts <= 8, "{run:?}");
}

/// With shares, nothing is lost whatever the batch, up to 90% of the pool.
#[test]
fn two_servers_with_shares_never_collide_whatever_the_batch() {
    for batch in [1, 4, 16, 64] {
        for clients in [(200, 200), (650, 250)] {
            let run = run_batched((share(0, 2), share(1, 2)), clients, batch);
            assert_eq!(run.conflicts, 0, "batch {batch}, {clients:?}: {run:?}");
        }
    }
}

/// 40% of the pool, each server from its own half: not one REQUEST refused.
#[test]
fn two_servers_with_a_share_each_never_collide_at_moderate_occupancy() {
    let run = run((share(0, 2), share(1, 2)), (200, 200));
    assert_eq!((run.bound, run.conflicts), (400, 0), "{run:?}");
}

/// 90% of the pool, unevenly: A fills its half and takes 150 addresses from B's,
/// from the top down, while B walks its half from the bottom up: they never meet.
#[test]
fn a_server_whose_share_is_full_takes_the_others_addresses_from_the_far_end() {
    let run = run((share(0, 2), share(1, 2)), (650, 250));
    assert_eq!((run.bound, run.conflicts), (900, 0), "{run:?}");
}

/// Each server's new clients come from its own part: the first address of each.
#[test]
fn each_share_starts_at_its_own_part() {
    let parts: Vec<Ipv4Addr> = (0..4)
        .map(|k| {
            let mut server = engine(1, share(k, 4), 3600);
            let offer = server.handle(&discover(mac(1, 1)), NOW).reply.unwrap();
            offer.yiaddr
        })
        .collect();
    let at = |k: u32| Ipv4Addr::from(u32::from(FIRST) + SIZE * k / 4);
    assert_eq!(parts, vec![at(0), at(1), at(2), at(3)]);
}

/// A lost race: B's lease would have lasted an hour, A's (the winner's) ten
/// minutes. B keeps away from the address until A's lease ends, not its own.
#[test]
fn after_a_conflict_the_address_is_held_until_the_winners_lease_ends() {
    let mut store = MemoryStore::new();
    store.set_now(Some(NOW));
    let mut a = engine(1, Share::WHOLE, 600);
    let mut b = engine(2, Share::WHOLE, 3600);
    let won = exchange(&mut a, mac(0xa, 1), NOW).unwrap();
    let lost = exchange(&mut b, mac(0xb, 1), NOW).unwrap();
    let addr = won.0.options.get(RequestedIpAddress).unwrap();
    assert_eq!(lost.0.options.get(RequestedIpAddress), Some(addr), "a race");
    assert!(!commit(&mut store, &mut a, won, NOW));
    assert!(commit(&mut store, &mut b, lost, NOW), "B loses");

    let winner = client_key(&discover(mac(0xa, 1)));
    let (holder, entry) = b.table().get_addr(addr).expect("B knows the winner");
    assert_eq!(
        (holder, entry.state),
        (&winner, State::Bound(NOW + 600)),
        "held until the winner's end, not B's own NOW + 3600"
    );
    let other = client_key(&discover(mac(0xb, 2)));
    assert!(!b.table().available(addr, &other, NOW + 599));
    assert!(b.table().available(addr, &other, NOW + 600));
}

/// What the engine's docs say of servers without shares in a crowded range: the
/// moves part them in a large range, but at 40% to 90% of the pool, batched, they
/// still lose races (all the clients are bound in the end); with shares they lose
/// none (the test above).
#[test]
fn without_shares_a_crowded_range_still_loses_races_and_binds_everyone() {
    for clients in [(200, 200), (650, 250)] {
        let run = run_batched((Share::WHOLE, Share::WHOLE), clients, 16);
        assert_eq!(run.bound, clients.0 + clients.1, "{run:?}");
        assert!(run.conflicts > 0, "{clients:?}: {run:?}");
    }
}
