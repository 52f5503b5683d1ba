//! Two lease services on one shared store (a fake of the database's rules: one holder
//! per address, lookups by client), each through the injection harness with its store
//! worker running: a lost race for an address is a NAK, not a silent drop, and a
//! REBINDING client of the other server is ACKed once the store shows its lease.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ex_dhcp::lease::{
    Change, ClientKey, Committed, LeaseEngine, LeaseService, LeaseStore, Pool, ServiceConfig,
    Settings, StoreError,
};
use ex_dhcp::options::{DhcpOption, RapidCommit, RequestedIpAddress, ServerIdentifier};
use ex_dhcp::server::Outgoing;
use ex_dhcp::{Config, Harness, MessageType, Packet};

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const FIRST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
const WAIT: Duration = Duration::from_secs(10);

/// One holder per address, as `PgStore`'s table: a `Bound` of an address another
/// client holds is a conflict naming the holder.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<HashMap<Ipv4Addr, (ClientKey, u64)>>>);

impl LeaseStore for Shared {
    fn load(&mut self, _: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        let mut rows = self.0.lock().unwrap();
        Ok(batch
            .iter()
            .map(|change| match change {
                Change::Bound { key, addr, until } => match rows.get(addr) {
                    Some((holder, held_until)) if holder != key => Committed::Conflict {
                        addr: *addr,
                        holder: Some(holder.clone()),
                        until: Some(*held_until),
                    },
                    _ => {
                        rows.retain(|_, (k, _)| k != key);
                        rows.insert(*addr, (key.clone(), *until));
                        Committed::Durable
                    }
                },
                Change::Released { key, addr } => {
                    if rows.get(addr).is_some_and(|(k, _)| k == key) {
                        rows.remove(addr);
                    }
                    Committed::Durable
                }
                Change::Declined { .. } => Committed::Durable,
            })
            .collect())
    }

    fn shared(&self) -> bool {
        true
    }

    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        let rows = self.0.lock().unwrap();
        Ok(rows
            .iter()
            .find(|(_, (key, _))| key == client)
            .map(|(addr, (key, until))| Change::Bound {
                key: key.clone(),
                addr: *addr,
                until: *until,
            }))
    }
}

fn service(engine: LeaseEngine, store: impl LeaseStore) -> LeaseService {
    LeaseService::new(engine)
        .with_store(Box::new(store))
        .unwrap()
}

fn harness(store: &Shared) -> Harness<LeaseService> {
    harness_with(store, false)
}

fn harness_with(store: &Shared, rapid_commit: bool) -> Harness<LeaseService> {
    Harness::with_config(
        Config::default().port(67),
        service(server(rapid_commit), store.clone()),
    )
}

/// A lease server for 198.18.0.100 to .150, with rapid commit or not.
fn server(rapid_commit: bool) -> LeaseEngine {
    let pool = Pool::new(
        SERVER,
        MASK,
        FIRST,
        Ipv4Addr::new(198, 18, 0, 150),
        BTreeMap::new(),
    )
    .unwrap();
    let mut settings = Settings::new(SERVER, MASK);
    settings.rapid_commit = rapid_commit;
    LeaseEngine::new(settings, pool)
}

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0x5a, 0, n]
}

fn key(n: u8) -> ClientKey {
    ClientKey::Hw(1, mac(n).to_vec())
}

fn from(mut packet: Packet, n: u8) -> Packet {
    packet.set_mac(mac(n));
    packet.xid = 0x5a_0000 + u32::from(n);
    packet
}

fn offer(harness: &mut Harness<LeaseService>, n: u8) -> Ipv4Addr {
    let offer = harness
        .inject(from(Packet::new(MessageType::Discover), n))
        .expect("an OFFER at once");
    assert_eq!(offer.packet.message_type(), Some(MessageType::Offer));
    offer.packet.yiaddr
}

fn select(n: u8, addr: Ipv4Addr) -> Packet {
    from(Packet::new(MessageType::Request), n)
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

/// REBINDING (RFC 2131 4.3.2): ciaddr, no option 54, broadcast.
fn rebind(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = from(Packet::new(MessageType::Request), n);
    packet.ciaddr = addr;
    packet.flags = packet.flags.with_broadcast(true);
    packet
}

/// Delivers what the worker posts until a reply comes out.
fn answer(harness: &mut Harness<LeaseService>) -> Outgoing {
    loop {
        let message = harness.posted(WAIT).expect("the worker reports");
        let mut sent: Vec<Outgoing> = harness.deliver(message).into_iter().collect();
        sent.extend(harness.sent());
        if let Some(reply) = sent.pop() {
            return reply;
        }
    }
}

fn ack(harness: &mut Harness<LeaseService>, n: u8, addr: Ipv4Addr) -> Outgoing {
    assert!(
        harness.inject(select(n, addr)).is_none(),
        "held for the store"
    );
    answer(harness)
}

#[test]
fn an_address_another_server_took_first_is_a_nak_and_never_offered_again() {
    let store = Shared::default();
    let (mut a, mut b) = (harness(&store), harness(&store));
    // Both servers offer the first address: neither knows the other's offer.
    assert_eq!((offer(&mut a, 1), offer(&mut b, 2)), (FIRST, FIRST));

    let first = ack(&mut a, 1, FIRST);
    assert_eq!(first.packet.message_type(), Some(MessageType::Ack));
    let lost = ack(&mut b, 2, FIRST);
    assert_eq!(lost.packet.message_type(), Some(MessageType::Nak));
    assert_eq!(lost.packet.xid, 0x5a_0002);
    assert_eq!(b.stats().deferred_outstanding(), 0);

    // B now knows who holds it: the client starts over and gets another address.
    let holder = b
        .call(|h| h.engine().table().holder(FIRST).cloned())
        .unwrap();
    assert_eq!(holder, Some(key(1)));
    let again = offer(&mut b, 2);
    assert_ne!(again, FIRST);
    let acked = ack(&mut b, 2, again);
    assert_eq!(acked.packet.message_type(), Some(MessageType::Ack));
    assert_eq!(store.0.lock().unwrap().len(), 2, "two clients, two rows");
}

#[test]
fn a_rebinding_client_of_another_server_is_acked_from_the_store_and_a_stranger_is_not() {
    let store = Shared::default();
    let (mut a, mut b) = (harness(&store), harness(&store));
    let addr = offer(&mut a, 1);
    let acked = ack(&mut a, 1, addr);
    assert_eq!(acked.packet.message_type(), Some(MessageType::Ack));
    let rebooting = offer(&mut a, 5);
    let acked = ack(&mut a, 5, rebooting);
    assert_eq!(acked.packet.message_type(), Some(MessageType::Ack));
    drop(a.finish()); // the server that made the leases is gone

    // B has no record: it looks the client up on its worker, then ACKs.
    assert!(b.inject(rebind(1, addr)).is_none(), "held for the lookup");
    let rebound = answer(&mut b);
    assert_eq!(rebound.packet.message_type(), Some(MessageType::Ack));
    assert_eq!(rebound.packet.yiaddr, addr);
    assert_eq!(
        b.call(|h| h.engine().table().get(&key(1)).map(|e| e.addr))
            .unwrap(),
        Some(addr)
    );

    // INIT-REBOOT (option 50, no ciaddr, no option 54) is looked up the same way.
    let init_reboot =
        from(Packet::new(MessageType::Request), 5).with_option(RequestedIpAddress, rebooting);
    assert!(b.inject(init_reboot).is_none(), "held for the lookup");
    let rebooted = answer(&mut b);
    assert_eq!(rebooted.packet.message_type(), Some(MessageType::Ack));
    assert_eq!(rebooted.packet.yiaddr, rebooting);

    // A lease the store does not show: silence, never a NAK.
    assert!(b
        .inject(rebind(3, Ipv4Addr::new(198, 18, 0, 120)))
        .is_none());
    let message = b.posted(WAIT).expect("the lookup's answer");
    assert!(b.deliver(message).is_none());
    assert!(b.sent().is_empty());
    // A client claiming another client's address: silence too.
    assert!(b.inject(rebind(4, addr)).is_none());
    let message = b.posted(WAIT).expect("the lookup's answer");
    assert!(b.deliver(message).is_none());
    assert!(b.sent().is_empty());
    assert_eq!(b.stats().deferred_outstanding(), 0);
}

#[test]
fn a_store_of_this_server_alone_is_never_asked_about_a_stranger() {
    let server = server(false);
    let mut harness = Harness::with_config(
        Config::default().port(67),
        service(server, ex_dhcp::lease::MemoryStore::new()),
    );
    assert!(harness.inject(rebind(1, FIRST)).is_none(), "silence");
    let stats = harness.stats();
    assert_eq!(stats.deferred_outstanding(), 0, "not held for a lookup");
    assert!(harness.posted(Duration::from_millis(200)).is_none());
}

#[test]
fn a_rapid_commit_ack_lost_to_another_server_is_silence_and_the_retry_gets_another_address() {
    let store = Shared::default();
    let (mut a, mut b) = (harness(&store), harness_with(&store, true));
    assert_eq!(offer(&mut a, 1), FIRST);
    assert_eq!(
        ack(&mut a, 1, FIRST).packet.message_type(),
        Some(MessageType::Ack)
    );

    let rapid =
        || from(Packet::new(MessageType::Discover), 2).with_raw_option(RapidCommit::CODE, &[]);
    assert!(b.inject(rapid()).is_none(), "held for the store");
    let message = b.posted(WAIT).expect("the batch");
    assert!(b.deliver(message).is_none(), "no NAK to a DISCOVER");
    assert!(b.sent().is_empty());
    assert_eq!(b.stats().deferred_outstanding(), 0);
    let retry = {
        assert!(b.inject(rapid()).is_none(), "held for the store");
        answer(&mut b)
    };
    assert_eq!(retry.packet.message_type(), Some(MessageType::Ack));
    assert_ne!(retry.packet.yiaddr, FIRST);
}

#[test]
fn lookups_for_strangers_are_rate_limited_and_the_excess_is_dropped_silently() {
    let store = Shared::default();
    let server = server(false);
    // Two lookups a second: a burst of two, then one every half second. Five
    // REBINDs injected back to back take far less than half a second.
    let handler = service(server, store).with_config(ServiceConfig::default().lookup_rate(2));
    let mut b = Harness::with_config(Config::default().port(67), handler);
    for n in 1..=5 {
        assert!(b.inject(rebind(n, FIRST)).is_none(), "never an answer");
    }
    assert_eq!(b.call(|h| h.stats().lookups_dropped).unwrap(), 3);
    assert_eq!(b.stats().deferred_outstanding(), 2, "two held for lookups");
    for _ in 0..2 {
        let message = b.posted(WAIT).expect("a lookup's answer");
        assert!(
            b.deliver(message).is_none(),
            "unknown to the store: silence"
        );
    }
    assert!(b.sent().is_empty());
    assert_eq!(b.stats().deferred_outstanding(), 0);
}
