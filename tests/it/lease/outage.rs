//! A shared store that goes down: without a journal the server keeps running and
//! keeps leases for what is left of them; with a journal it serves its own share
//! through the outage, and writes the journal back when the store returns, never
//! giving an address to two clients.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use ex_dhcp::lease::{
    secs, Change, Claim, Claims, ClientKey, Committed, Hooks, Journaled, LeaseEngine, LeaseFile,
    LeaseMessage, LeaseService, LeaseStore, MemoryStore, Pool, Reach, ServiceConfig, Settings,
    Share, StoreError, StoreState,
};
use ex_dhcp::options::{LeaseTime, RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{Config, Handler, Harness, MessageType, Packet};

use super::file::Dir;
use super::{MASK, SERVER};

const WAIT: Duration = Duration::from_secs(10);
const OTHER: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 2);

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 99, 0, last)
}

/// The database several servers share: one lease store, the claims, and a switch
/// per server for the network between it and the database.
#[derive(Default)]
struct Database {
    leases: MemoryStore,
    /// Share index: (server, expiry, quiet).
    claims: HashMap<u32, (Ipv4Addr, Instant, Duration)>,
}

#[derive(Clone)]
struct Connection {
    db: Arc<Mutex<Database>>,
    up: Arc<AtomicBool>,
}

impl Connection {
    fn new(db: &Arc<Mutex<Database>>) -> Connection {
        Connection {
            db: Arc::clone(db),
            up: Arc::new(AtomicBool::new(true)),
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
    }

    fn mend(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    fn reachable(&self) -> Result<std::sync::MutexGuard<'_, Database>, StoreError> {
        if self.up.load(Ordering::SeqCst) {
            Ok(self.db.lock().unwrap())
        } else {
            Err(StoreError::Unavailable("connection refused".into()))
        }
    }
}

impl LeaseStore for Connection {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.reachable()?.leases.load(apply)
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.reachable()?.leases.commit(batch)
    }

    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        let db = self.reachable()?;
        let found = db
            .leases
            .records()
            .iter()
            .rev()
            .find(|change| matches!(change, Change::Bound { key, .. } if key == client));
        Ok(found.cloned())
    }

    fn shared(&self) -> bool {
        true
    }

    fn claim(&mut self, claim: &Claim) -> Result<Option<Claims>, StoreError> {
        let mut db = self.reachable()?;
        let now = Instant::now();
        let index = claim.share.index();
        let mut claims = Claims::default();
        match db.claims.get(&index) {
            Some((holder, until, _)) if *holder != claim.server_id && *until > now => {
                claims.holder = Some(*holder);
            }
            _ => {
                db.claims
                    .insert(index, (claim.server_id, now + claim.ttl, claim.quiet));
                claims.held = true;
            }
        }
        claims.others = db
            .claims
            .iter()
            .filter(|(i, (server, until, quiet))| {
                **i != index && *server != claim.server_id && *until + *quiet > now
            })
            .map(|(i, _)| *i)
            .collect();
        Ok(Some(claims))
    }

    fn probe(&mut self) -> Result<(), StoreError> {
        self.reachable().map(drop)
    }

    fn reach(&self) -> Reach {
        if self.up.load(Ordering::SeqCst) {
            Reach::Up
        } else {
            Reach::Down
        }
    }
}

/// 10.99.0.100 to .103: the first server's share is .100-.101, the second's
/// .102-.103.
fn engine(server_id: Ipv4Addr, share: u32) -> LeaseEngine {
    let pool = Pool::new(server_id, MASK, ip(100), ip(103), Default::default()).unwrap();
    let settings = Settings {
        share: Share::new(share, 2).unwrap(),
        lease_secs: 600,
        ..Settings::new(server_id, MASK)
    };
    LeaseEngine::new(settings, pool)
}

/// Claims of 9 s: renewed every 3 s, relied on 4 s after the first.
fn config() -> ServiceConfig {
    ServiceConfig::default()
        .commit_delay(Duration::ZERO)
        .claim_ttl(Duration::from_secs(9))
}

/// Lets `secs` seconds pass on every harness, a second at a time, delivering what
/// they post (claim renewals, probes) as it comes.
fn pass<H: Handler<Message = LeaseMessage>>(harnesses: &mut [&mut Harness<H>], secs: u64) {
    for _ in 0..secs {
        for harness in harnesses.iter_mut() {
            harness.advance(Duration::from_secs(1));
            settle(harness);
        }
    }
}

fn harness<H: Handler<Message = LeaseMessage>>(handler: H) -> Harness<H> {
    Harness::with_config(Config::default().tick(Duration::from_secs(1)), handler)
}

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0, 0x0d, n]
}

fn discover(n: u8) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac(mac(n));
    packet.xid = 0x0d00 + u32::from(n);
    packet
}

fn select(n: u8, addr: Ipv4Addr, server: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac(mac(n));
    packet.xid = 0x0d00 + u32::from(n);
    packet
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, server)
}

fn renew(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac(mac(n));
    packet.xid = 0x0e00 + u32::from(n);
    packet.ciaddr = addr;
    packet
}

/// The reply to `packet`: at once, or once the service's store has answered.
fn answer<H: Handler<Message = LeaseMessage>>(
    harness: &mut Harness<H>,
    packet: Packet,
) -> Option<Packet> {
    if let Some(sent) = harness.inject(packet) {
        return Some(sent.packet);
    }
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let message = harness.posted(Duration::from_millis(500))?;
        if let Some(sent) = harness.deliver(message) {
            return Some(sent.packet);
        }
        if let Some(sent) = harness.sent().into_iter().next() {
            return Some(sent.packet);
        }
    }
    None
}

/// Delivers what the service posts for `quiet` (probes, claims, batches).
fn settle<H: Handler<Message = LeaseMessage>>(harness: &mut Harness<H>) {
    while let Some(message) = harness.posted(Duration::from_millis(200)) {
        harness.deliver(message);
        harness.sent();
    }
}

/// DISCOVER then REQUEST: the address ACKed.
fn dora<H: Handler<Message = LeaseMessage>>(
    harness: &mut Harness<H>,
    n: u8,
    server: Ipv4Addr,
) -> Option<Ipv4Addr> {
    let offer = answer(harness, discover(n))?;
    let ack = answer(harness, select(n, offer.yiaddr, server))?;
    (ack.message_type() == Some(MessageType::Ack)).then_some(ack.yiaddr)
}

/// Delivers what the service posts, and lets a second pass whenever nothing comes
/// (its ticks probe the store), until its store is in `state`: within `WAIT`.
fn wait_for<H: Hooks>(harness: &mut Harness<LeaseService<H>>, state: StoreState) {
    let deadline = Instant::now() + WAIT;
    while harness.call(|s| s.stats().store) != Some(state) {
        assert!(Instant::now() < deadline, "the store never became {state}");
        match harness.posted(Duration::from_millis(100)) {
            Some(message) => {
                harness.deliver(message);
                harness.sent();
            }
            None => {
                harness.advance(Duration::from_secs(1));
            }
        }
    }
}

fn state<H: Hooks>(harness: &mut Harness<LeaseService<H>>) -> StoreState {
    harness.call(|s| s.stats().store).unwrap()
}

#[test]
fn without_a_journal_an_outage_keeps_leases_for_what_is_left_and_stops_nothing() {
    let db = Arc::new(Mutex::new(Database::default()));
    let link = Connection::new(&db);
    let service = LeaseService::new(engine(SERVER, 0))
        .with_config(config())
        .with_store(Box::new(link.clone()))
        .unwrap();
    let mut harness = harness(service);
    settle(&mut harness);
    let addr = dora(&mut harness, 1, SERVER).expect("served while up");
    link.cut();
    // The batch of a new client finds the store down: its ACK becomes a NAK, and the
    // address it was given is free again in the engine.
    let offer = answer(&mut harness, discover(2)).unwrap();
    let refused = answer(&mut harness, select(2, offer.yiaddr, SERVER)).unwrap();
    assert_eq!(refused.message_type(), Some(MessageType::Nak));
    assert_eq!(state(&mut harness), StoreState::Down);
    assert!(harness
        .call(|s| s
            .engine()
            .find(offer.yiaddr)
            .is_none_or(|(_, _, e)| !e.bound(secs(SystemTime::now()))))
        .unwrap());
    // A client with a lease keeps it for what is left, answered at once.
    let kept = harness
        .inject(renew(1, addr))
        .expect("answered without the store")
        .packet;
    assert_eq!(kept.message_type(), Some(MessageType::Ack));
    assert!(kept.options.get(LeaseTime).unwrap() <= 600);
    assert!(
        harness.inject(discover(3)).is_none(),
        "no new client while down"
    );
    assert!(
        harness.stopped().is_none(),
        "the outage does not stop the server"
    );
    // The store comes back: the next tick's probe finds it, and service resumes.
    link.mend();
    harness.advance(Duration::from_secs(1));
    wait_for(&mut harness, StoreState::Up);
    assert!(dora(&mut harness, 3, SERVER).is_some());
}

#[test]
fn with_a_journal_a_server_serves_its_own_share_through_an_outage_and_writes_it_back() {
    let dir = Dir::new("outage-journal");
    let db = Arc::new(Mutex::new(Database::default()));
    let (link_a, link_b) = (Connection::new(&db), Connection::new(&db));
    let journal = LeaseFile::open(&dir.path("journal"), |_| {}).unwrap();
    let store_a = Journaled::new(link_a.clone(), journal).unwrap();
    let a = LeaseService::new(engine(SERVER, 0))
        .with_config(config())
        .with_store(Box::new(store_a))
        .unwrap();
    let b = LeaseService::new(engine(OTHER, 1))
        .with_config(config())
        .with_store(Box::new(link_b.clone()))
        .unwrap();
    let (mut a, mut b) = (harness(a), harness(b));
    // Each claim is relied on once every server has read it.
    pass(&mut [&mut a, &mut b], 5);
    // Before the outage: a client of B's share, and one of A's.
    let theirs = dora(&mut b, 1, OTHER).unwrap();
    assert_eq!(theirs, ip(102), "B walks its own part");
    let ours = dora(&mut a, 2, SERVER).unwrap();
    assert_eq!(ours, ip(100));
    // A loses the database; B does not.
    link_a.cut();
    let new = dora(&mut a, 3, SERVER).expect("a new client of A's own share, from the journal");
    assert_eq!(new, ip(101));
    assert_eq!(state(&mut a), StoreState::Journaling);
    let extended = answer(&mut a, renew(2, ours)).unwrap();
    assert_eq!(
        extended.options.get(LeaseTime),
        Some(600),
        "its own share: extended"
    );
    assert_eq!(
        answer(&mut a, discover(4)).map(|o| o.yiaddr),
        None,
        "A's share is full"
    );
    // B, reaching the database, does not touch A's claimed share.
    assert_eq!(dora(&mut b, 5, OTHER), Some(ip(103)));
    assert_eq!(dora(&mut b, 6, OTHER), None, "A's part is claimed");
    // The database comes back for A: the journal is written to it.
    link_a.mend();
    a.advance(Duration::from_secs(1));
    wait_for(&mut a, StoreState::Up);
    let stats = a.call(|s| s.stats()).unwrap();
    assert_eq!((stats.journaled, stats.revoked), (2, 0));
    let holders = db.lock().unwrap().leases.clone();
    for (addr, n) in [(ip(100), 2), (ip(101), 3), (ip(102), 1), (ip(103), 5)] {
        let (holder, _) = holders.holder(addr).expect("held in the database");
        assert_eq!(holder, Some(&ClientKey::Hw(1, mac(n).to_vec())), "{addr}");
    }
}

#[test]
fn a_change_the_outage_rules_do_not_allow_is_refused_and_taken_back() {
    let dir = Dir::new("outage-unsafe");
    let db = Arc::new(Mutex::new(Database::default()));
    let link = Connection::new(&db);
    let journal = LeaseFile::open(&dir.path("journal"), |_| {}).unwrap();
    let service = LeaseService::new(engine(SERVER, 0))
        .with_config(config())
        .with_store(Box::new(Journaled::new(link.clone(), journal).unwrap()))
        .unwrap();
    let mut harness = harness(service);
    pass(&mut [&mut harness], 5);
    dora(&mut harness, 1, SERVER).unwrap();
    dora(&mut harness, 2, SERVER).unwrap();
    // A's part is full: the next client is offered an address of the other part...
    let offer = answer(&mut harness, discover(3)).unwrap();
    assert_eq!(offer.yiaddr, ip(103));
    // ... and the database goes down before the REQUEST's batch: journaled, but not
    // A's to grant while it cannot reach the store.
    link.cut();
    let refused = answer(&mut harness, select(3, offer.yiaddr, SERVER)).unwrap();
    assert_eq!(refused.message_type(), Some(MessageType::Nak));
    assert!(harness
        .call(|s| s
            .engine()
            .find(ip(103))
            .is_none_or(|(_, _, e)| !e.bound(secs(SystemTime::now()))))
        .unwrap());
    assert_eq!(harness.call(|s| s.stats().contended), Some(1));
}

#[test]
fn once_its_claim_has_lapsed_a_server_cut_off_binds_nothing_new() {
    let dir = Dir::new("outage-lapsed");
    let db = Arc::new(Mutex::new(Database::default()));
    let link = Connection::new(&db);
    let journal = LeaseFile::open(&dir.path("journal"), |_| {}).unwrap();
    let service = LeaseService::new(engine(SERVER, 0))
        .with_config(config().claim_ttl(Duration::from_secs(6)))
        .with_store(Box::new(Journaled::new(link.clone(), journal).unwrap()))
        .unwrap();
    let mut harness = harness(service);
    let addr = dora(&mut harness, 1, SERVER).unwrap();
    link.cut();
    // A claim is relied on only once every server sharing the store has read it.
    assert_eq!(
        dora(&mut harness, 2, SERVER),
        None,
        "a claim not yet known to all"
    );
    link.mend();
    pass(&mut [&mut harness], 4);
    link.cut();
    assert_eq!(
        dora(&mut harness, 2, SERVER),
        Some(ip(101)),
        "its claim is live"
    );
    pass(&mut [&mut harness], 7);
    assert!(
        harness.inject(discover(3)).is_none(),
        "the claim lapsed: no new client"
    );
    let kept = answer(&mut harness, renew(1, addr)).unwrap();
    assert_eq!(kept.message_type(), Some(MessageType::Ack));
    assert!(
        kept.options.get(LeaseTime).unwrap() < 600,
        "kept, not extended"
    );
}

#[test]
fn a_lease_the_database_gave_another_client_meanwhile_is_revoked_with_a_nak() {
    let dir = Dir::new("outage-revoked");
    let db = Arc::new(Mutex::new(Database::default()));
    let link = Connection::new(&db);
    let journal = LeaseFile::open(&dir.path("journal"), |_| {}).unwrap();
    let service = LeaseService::new(engine(SERVER, 0))
        .with_config(config())
        .with_store(Box::new(Journaled::new(link.clone(), journal).unwrap()))
        .unwrap();
    let mut harness = harness(service);
    pass(&mut [&mut harness], 5);
    link.cut();
    let addr = dora(&mut harness, 1, SERVER).expect("journaled");
    // Meanwhile the database gives the address to another client (the rules broken
    // from outside: a server misconfigured with A's share).
    let intruder = ClientKey::Hw(1, vec![2, 0, 0, 0, 0xbb, 1]);
    let until = secs(SystemTime::now()) + 600;
    db.lock()
        .unwrap()
        .leases
        .commit(&[Change::Bound {
            key: intruder.clone(),
            addr,
            until,
        }])
        .unwrap();
    link.mend();
    harness.advance(Duration::from_secs(1));
    wait_for(&mut harness, StoreState::Up);
    assert_eq!(harness.call(|s| s.stats().revoked), Some(1));
    let nak = harness
        .inject(renew(1, addr))
        .expect("refused at once")
        .packet;
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    let holder = db
        .lock()
        .unwrap()
        .leases
        .holder(addr)
        .map(|(k, _)| k.cloned());
    assert_eq!(holder, Some(Some(intruder)), "never silently overwritten");
}

#[test]
fn a_server_starts_while_its_database_is_down_and_serves_once_it_is_up() {
    let db = Arc::new(Mutex::new(Database::default()));
    let link = Connection::new(&db);
    let key = ClientKey::Hw(1, mac(1).to_vec());
    let until = secs(SystemTime::now()) + 600;
    db.lock()
        .unwrap()
        .leases
        .commit(&[Change::Bound {
            key,
            addr: ip(100),
            until,
        }])
        .unwrap();
    link.cut();
    let service = LeaseService::new(engine(SERVER, 0))
        .with_config(config())
        .with_store(Box::new(link.clone()))
        .expect("a store down at start is not an error");
    let mut harness = harness(service);
    assert_eq!(state(&mut harness), StoreState::Unloaded);
    assert!(
        harness.inject(discover(2)).is_none(),
        "nothing is leased unloaded"
    );
    link.mend();
    harness.advance(Duration::from_secs(1));
    wait_for(&mut harness, StoreState::Up);
    assert!(
        harness
            .call(|s| s.engine().find(ip(100)).is_some())
            .unwrap(),
        "loaded"
    );
    assert_eq!(dora(&mut harness, 2, SERVER), Some(ip(101)));
}

#[test]
fn two_servers_configured_with_one_share_are_stopped_not_served() {
    let db = Arc::new(Mutex::new(Database::default()));
    let first = LeaseService::new(engine(SERVER, 0))
        .with_config(config())
        .with_store(Box::new(Connection::new(&db)))
        .unwrap();
    let mut first = harness(first);
    let deadline = Instant::now() + WAIT;
    while first.call(|s| s.stats().claim_held) != Some(true) {
        assert!(
            Instant::now() < deadline,
            "the first server never held its claim"
        );
        if let Some(message) = first.posted(Duration::from_millis(100)) {
            first.deliver(message);
        }
    }
    let second = LeaseService::new(engine(OTHER, 0))
        .with_config(config())
        .with_store(Box::new(Connection::new(&db)))
        .unwrap();
    let mut second = harness(second);
    let deadline = Instant::now() + WAIT;
    while second.stopped().is_none() && Instant::now() < deadline {
        if let Some(message) = second.posted(Duration::from_millis(100)) {
            second.deliver(message);
        }
    }
    assert!(first.stopped().is_none());
    let stopped = second.stopped().expect("stopped").to_string();
    assert!(
        stopped.contains("share 1/2 is claimed by 10.99.0.1"),
        "{stopped}"
    );
}
