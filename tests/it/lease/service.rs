//! The lease service on a harness, as a user drives it: ACKs held until durable,
//! RELEASE and DECLINE kept, the hooks, bounds under a stalled store, a shared
//! store's refusals, and the service inside a handler of the user's own.

use ex_dhcp::server::HandlerError;
use std::net::Ipv4Addr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::lease::{
    Admission, Change, ClientKey, Committed, Decide, Hooks, Host, LeaseEngine, LeaseEvent,
    LeaseEventKind, LeaseFile, LeaseMessage, LeaseService, LeaseStore, MemoryStore, Pool,
    RequestInfo, ServiceConfig, Settings, StoreError, SubnetConfig, SubnetId,
};
use ex_dhcp::options::{HostName, NtpServers, RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{Config, Context, Handler, Harness, MessageType, Packet, Reply, Source, StopReason};

use super::file::Dir;
use super::{MASK, SERVER};

const WAIT: Duration = Duration::from_secs(10);

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

fn engine() -> LeaseEngine {
    let pool = Pool::new(
        SERVER,
        MASK,
        ip("10.99.0.100"),
        ip("10.99.0.149"),
        Default::default(),
    )
    .unwrap();
    LeaseEngine::new(Settings::new(SERVER, MASK), pool)
}

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0, 0x5e, n]
}

fn discover(n: u8) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac(mac(n));
    packet.xid = 0x5e00 + u32::from(n);
    packet
}

fn select(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac(mac(n));
    packet.xid = 0x5e00 + u32::from(n);
    packet
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

fn release(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Release);
    packet.set_mac(mac(n));
    packet.ciaddr = addr;
    packet.with_option(ServerIdentifier, SERVER)
}

/// Delivers what the service posts until a reply comes out.
fn answered<H: Handler<Message = LeaseMessage>>(harness: &mut Harness<H>) -> Packet {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let message = harness
            .posted(WAIT)
            .expect("the service posts its durable batch");
        if let Some(sent) = harness.deliver(message) {
            return sent.packet;
        }
        if let Some(sent) = harness.sent().into_iter().next() {
            return sent.packet;
        }
    }
    panic!("no reply within {WAIT:?}");
}

/// Delivers what the service posts until nothing more comes within `quiet`.
fn settle<H: Handler<Message = LeaseMessage>>(
    harness: &mut Harness<H>,
    quiet: Duration,
) -> Vec<Packet> {
    let mut replies = Vec::new();
    while let Some(message) = harness.posted(quiet) {
        replies.extend(harness.deliver(message).map(|sent| sent.packet));
        replies.extend(harness.sent().into_iter().map(|sent| sent.packet));
    }
    replies
}

/// DISCOVER and REQUEST through the harness: the ACKed address.
fn dora<H: Handler<Message = LeaseMessage>>(harness: &mut Harness<H>, n: u8) -> Ipv4Addr {
    let offer = harness
        .inject(discover(n))
        .expect("an offer, at once")
        .packet;
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert!(
        harness.inject(select(n, offer.yiaddr)).is_none(),
        "the ACK waits for the store"
    );
    let ack = answered(harness);
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    ack.yiaddr
}

/// The events the hooks saw.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<LeaseEvent>>>);

impl Recorder {
    fn kinds(&self) -> Vec<(LeaseEventKind, Ipv4Addr)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|e| (e.kind, e.addr))
            .collect()
    }
}

impl Hooks for Recorder {
    fn event(&mut self, event: &LeaseEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

#[test]
fn release_and_decline_are_made_durable_and_reported() {
    let dir = Dir::new("service-release");
    let path = dir.path("leases");
    let events = Recorder::default();
    let service = LeaseService::new(engine())
        .with_lease_file(&path)
        .unwrap()
        .with_hooks(events.clone());
    let mut harness = Harness::new(service);
    let addr = dora(&mut harness, 1);
    assert!(harness.inject(release(1, addr)).is_none());
    settle(&mut harness, Duration::from_millis(200));
    assert!(LeaseFile::load(&path).unwrap().contains(&Change::Released {
        key: ClientKey::Hw(1, mac(1).to_vec()),
        addr
    }));
    let second = dora(&mut harness, 2);
    let mut decline = Packet::new(MessageType::Decline);
    decline.set_mac(mac(2));
    let decline = decline
        .with_option(RequestedIpAddress, second)
        .with_option(ServerIdentifier, SERVER);
    assert!(harness.inject(decline).is_none());
    settle(&mut harness, Duration::from_millis(200));
    assert_eq!(
        events.kinds(),
        [
            (LeaseEventKind::Bound, addr),
            (LeaseEventKind::Released, addr),
            (LeaseEventKind::Bound, second),
            (LeaseEventKind::Declined, second),
        ]
    );
    drop(harness);
    // A restart keeps the quarantine and forgets the released lease.
    let restarted = LeaseService::new(engine()).with_lease_file(&path).unwrap();
    assert_eq!(
        restarted
            .engine()
            .counts(ex_dhcp::lease::secs(std::time::SystemTime::now()))
            .quarantined,
        1
    );
}

/// Allows MACs ending in an even byte at once, asks a thread about the others.
struct Inventory {
    asked: Sender<Decide>,
}

impl Hooks for Inventory {
    fn admit(&mut self, info: &RequestInfo<'_>, decide: Decide) -> Admission {
        match info.mac.map(|mac| mac.octets()[5] % 2) {
            Some(0) => Admission::Allow,
            _ => {
                self.asked.send(decide).unwrap();
                Admission::Later
            }
        }
    }
}

#[test]
fn a_client_decided_later_is_held_asked_about_once_and_then_served() {
    let (asked, questions) = mpsc::channel::<Decide>();
    let service = LeaseService::new(engine()).with_hooks(Inventory { asked });
    let mut harness = Harness::new(service);
    assert!(
        harness.inject(discover(2)).is_some(),
        "known: served at once"
    );
    assert!(harness.inject(discover(1)).is_none(), "unknown: held");
    assert!(
        harness.inject(discover(1)).is_none(),
        "its retransmission: dropped"
    );
    let decide = questions.recv_timeout(WAIT).unwrap();
    assert!(questions.try_recv().is_err(), "asked about once");
    assert_eq!(decide.client(), &ClientKey::Hw(1, mac(1).to_vec()));
    // The slow service answers on its own thread.
    thread::spawn(move || assert!(decide.allow()))
        .join()
        .unwrap();
    let offer = answered(&mut harness);
    assert_eq!(
        (offer.message_type(), offer.xid),
        (Some(MessageType::Offer), 0x5e01)
    );
    // The verdict is remembered: the REQUEST is served at once (no store: no wait).
    let ack = harness
        .inject(select(1, offer.yiaddr))
        .expect("served at once")
        .packet;
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    let stats = harness.call(|service| service.stats()).unwrap();
    assert_eq!(
        (stats.deferred_admissions, stats.duplicate_admissions),
        (1, 1)
    );
    assert_eq!(harness.stats().deferred_outstanding(), 0);
}

#[test]
fn a_denied_client_is_ignored_until_its_verdict_is_forgotten() {
    let (asked, questions) = mpsc::channel::<Decide>();
    let service = LeaseService::new(engine()).with_hooks(Inventory { asked });
    let mut harness = Harness::new(service);
    assert!(harness.inject(discover(3)).is_none());
    assert!(questions.recv_timeout(WAIT).unwrap().deny());
    assert!(settle(&mut harness, Duration::from_millis(100)).is_empty());
    assert!(harness.inject(discover(3)).is_none());
    assert!(questions.try_recv().is_err(), "the verdict is remembered");
    let client = ClientKey::Hw(1, mac(3).to_vec());
    assert_eq!(
        harness.call(|service| service.forget_verdict(&client)),
        Some(true)
    );
    assert!(harness.inject(discover(3)).is_none());
    assert!(questions.recv_timeout(WAIT).is_ok(), "asked again");
    assert_eq!(harness.call(|service| service.stats().denied), Some(2));
}

#[test]
fn a_request_nobody_decides_on_is_dropped_after_the_timeout() {
    let (asked, questions) = mpsc::channel::<Decide>();
    let config = ServiceConfig::default().admission_timeout(Duration::from_secs(5));
    let service = LeaseService::new(engine())
        .with_config(config)
        .with_hooks(Inventory { asked });
    let mut harness = Harness::with_config(Config::default().tick(Duration::from_secs(1)), service);
    assert!(harness.inject(discover(5)).is_none());
    let _ignored = questions.recv_timeout(WAIT).unwrap();
    harness.advance(Duration::from_secs(6));
    let stats = harness.call(|service| service.stats()).unwrap();
    assert_eq!((stats.pending_admissions, stats.dropped_admissions), (0, 1));
    assert_eq!(harness.stats().deferred_outstanding(), 0);
}

/// Every hook at once: a subnet by the client's MAC, a host from the user's
/// inventory, an option of the user's on every reply.
struct Lab;

impl Hooks for Lab {
    fn subnet(&mut self, info: &RequestInfo<'_>, chosen: Option<SubnetId>) -> Option<SubnetId> {
        match info.mac.map(|mac| mac.octets()[5]) {
            Some(7) => Some(SubnetId::new(1)),
            _ => chosen,
        }
    }

    fn host(&mut self, info: &RequestInfo<'_>) -> Option<Host> {
        let mac = info.mac?;
        (mac.octets()[5] == 8).then(|| Host::new(mac).address(ip("10.99.0.20")).hostname("bench-8"))
    }

    fn reply(&mut self, _info: &RequestInfo<'_>, reply: &mut Packet) {
        reply.options.set(NtpServers, vec![SERVER]);
    }
}

#[test]
fn the_subnet_host_and_reply_hooks_shape_the_answer() {
    let other = Pool::new(
        SERVER,
        MASK,
        ip("10.98.0.100"),
        ip("10.98.0.149"),
        Default::default(),
    )
    .unwrap();
    let first = Pool::new(
        SERVER,
        MASK,
        ip("10.99.0.100"),
        ip("10.99.0.149"),
        Default::default(),
    )
    .unwrap();
    let engine = LeaseEngine::with_subnets(
        Settings::new(SERVER, MASK),
        vec![SubnetConfig::new(first), SubnetConfig::new(other)],
    )
    .unwrap();
    let mut harness = Harness::new(LeaseService::new(engine).with_hooks(Lab));
    let moved = harness.inject(discover(7)).unwrap().packet;
    assert_eq!(moved.yiaddr, ip("10.98.0.100"), "the subnet hook's choice");
    let host = harness.inject(discover(8)).unwrap().packet;
    assert_eq!(host.yiaddr, ip("10.99.0.20"));
    assert_eq!(host.options.get(HostName).as_deref(), Some("bench-8"));
    for reply in [&moved, &host] {
        assert_eq!(
            reply.options.get(NtpServers),
            Some(vec![SERVER]),
            "the last word"
        );
    }
}

/// A store whose commits wait for the test: a stalled database.
struct Stalled {
    inner: MemoryStore,
    gate: Receiver<()>,
}

impl LeaseStore for Stalled {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.inner.load(apply)
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        // Each commit takes one key; a dropped gate lets every commit through.
        let _ = self.gate.recv();
        self.inner.commit(batch)
    }
}

#[test]
fn a_stalled_store_bounds_what_is_held_and_service_resumes_when_it_answers() {
    let (open, gate) = mpsc::channel();
    let config = ServiceConfig::default()
        .max_held(3)
        .commit_delay(Duration::ZERO)
        .commit_deadline(Duration::from_secs(2));
    let service = LeaseService::new(engine())
        .with_config(config)
        .with_store(Box::new(Stalled {
            inner: MemoryStore::new(),
            gate,
        }))
        .unwrap();
    let mut harness = Harness::with_config(Config::default().tick(Duration::from_secs(1)), service);
    let mut offers = Vec::new();
    for n in 1..=5 {
        offers.push(
            harness
                .inject(discover(n))
                .expect("offers need no store")
                .packet
                .yiaddr,
        );
    }
    for (n, addr) in (1..=5).zip(&offers) {
        assert!(harness.inject(select(n, *addr)).is_none());
    }
    let stats = harness.call(|service| service.stats()).unwrap();
    assert_eq!(
        (stats.held, stats.backlog_drops),
        (3, 2),
        "two REQUESTs over the bound"
    );
    assert!(
        harness.inject(discover(9)).is_none(),
        "a new client is not offered"
    );
    assert_eq!(
        harness.call(|service| service.stats().throttled_offers),
        Some(1)
    );
    // Stalled past the deadline, under the bound too: new work still waits.
    harness.advance(Duration::from_secs(3));
    let now = harness.now();
    assert_eq!(harness.call(|service| service.stalled(now)), Some(true));
    // The store answers: the held ACKs leave, and service resumes.
    drop(open);
    let acks = settle(&mut harness, Duration::from_millis(300));
    assert_eq!(acks.len(), 3, "{acks:?}");
    assert!(acks
        .iter()
        .all(|a| a.message_type() == Some(MessageType::Ack)));
    assert!(harness.inject(discover(9)).is_some(), "offers again");
    assert_eq!(harness.stats().deferred_outstanding(), 0);
}

#[test]
fn a_reply_whose_client_stopped_waiting_is_dropped_not_sent_late() {
    let (open, gate) = mpsc::channel();
    let config = ServiceConfig::default()
        .commit_delay(Duration::ZERO)
        .max_reply_age(Duration::from_secs(5));
    let service = LeaseService::new(engine())
        .with_config(config)
        .with_store(Box::new(Stalled {
            inner: MemoryStore::new(),
            gate,
        }))
        .unwrap();
    let mut harness = Harness::new(service);
    let offer = harness.inject(discover(1)).unwrap().packet;
    assert!(harness.inject(select(1, offer.yiaddr)).is_none());
    harness.advance(Duration::from_secs(6));
    open.send(()).unwrap();
    assert!(
        settle(&mut harness, Duration::from_millis(300)).is_empty(),
        "no late ACK"
    );
    let stats = harness.call(|service| service.stats()).unwrap();
    assert_eq!(
        (stats.stale_replies, stats.changes),
        (1, 1),
        "the lease itself is kept"
    );
}

#[test]
fn a_stop_during_a_stall_waits_only_the_shutdown_deadline() {
    let (_open, gate) = mpsc::channel::<()>();
    let config = ServiceConfig::default()
        .commit_delay(Duration::ZERO)
        .shutdown_deadline(Duration::from_millis(200));
    let service = LeaseService::new(engine())
        .with_config(config)
        .with_store(Box::new(Stalled {
            inner: MemoryStore::new(),
            gate,
        }))
        .unwrap();
    let mut harness = Harness::new(service);
    let offer = harness.inject(discover(1)).unwrap().packet;
    assert!(harness.inject(select(1, offer.yiaddr)).is_none());
    let started = Instant::now();
    let exit = harness.finish();
    // The gate never opens: without the deadline, finish would wait forever.
    assert!(
        started.elapsed() < WAIT,
        "finish returned: {:?}",
        started.elapsed()
    );
    assert_eq!(exit.state.stats().held, 0);
    assert_eq!(
        exit.stats.deferred_abandoned, 1,
        "the ACK was never promised"
    );
}

/// A store that other servers share: a `MemoryStore` behind a lock, so the test can
/// play the other server.
#[derive(Clone)]
struct Shared(Arc<Mutex<MemoryStore>>);

impl LeaseStore for Shared {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.0.lock().unwrap().load(apply)
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.0.lock().unwrap().commit(batch)
    }

    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        let store = self.0.lock().unwrap();
        let found = store
            .records()
            .iter()
            .rev()
            .find(|change| matches!(change, Change::Bound { key, .. } if key == client));
        Ok(found.cloned())
    }

    fn shared(&self) -> bool {
        true
    }
}

#[test]
fn a_race_lost_to_another_server_is_reported_to_the_event_hook() {
    let shared = Shared(Arc::new(Mutex::new(MemoryStore::new())));
    let events = Recorder::default();
    let service = LeaseService::new(engine())
        .with_store(Box::new(shared.clone()))
        .unwrap()
        .with_hooks(events.clone());
    let mut harness = Harness::new(service);
    let offer = harness.inject(discover(1)).unwrap().packet;
    // The other server binds the offered address to its own client meanwhile.
    let other = ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 0xee]);
    let until = ex_dhcp::lease::secs(std::time::SystemTime::now()) + 600;
    shared
        .0
        .lock()
        .unwrap()
        .commit(&[Change::Bound {
            key: other.clone(),
            addr: offer.yiaddr,
            until,
        }])
        .unwrap();
    assert!(harness.inject(select(1, offer.yiaddr)).is_none());
    let nak = answered(&mut harness);
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert_eq!(events.kinds(), [(LeaseEventKind::LostRace, offer.yiaddr)]);
    let again = harness.inject(discover(1)).unwrap().packet;
    assert_ne!(
        again.yiaddr, offer.yiaddr,
        "the winner's address is not offered again"
    );
    assert_eq!(harness.call(|service| service.stats().conflicts), Some(1));
}

#[test]
fn records_of_addresses_this_server_does_not_give_out_are_left_out_at_start() {
    let key = ClientKey::Hw(1, mac(1).to_vec());
    let other = ClientKey::Hw(1, mac(2).to_vec());
    let far = ex_dhcp::lease::secs(std::time::SystemTime::now()) + 600;
    let records = vec![
        // On no subnet of this server.
        Change::Bound {
            key: key.clone(),
            addr: ip("192.0.2.1"),
            until: far,
        },
        // On its subnet, outside its range (a range since narrowed).
        Change::Bound {
            key: other,
            addr: ip("10.99.0.5"),
            until: far,
        },
        Change::Bound {
            key,
            addr: ip("10.99.0.101"),
            until: far,
        },
    ];
    let service = LeaseService::new(engine())
        .with_store(Box::new(MemoryStore::with_records(records.clone())))
        .unwrap();
    assert_eq!(service.stats().stray_records, 2);
    assert!(service.engine().find(ip("10.99.0.101")).is_some());
    assert!(service.engine().find(ip("192.0.2.1")).is_none());
    assert!(service.engine().find(ip("10.99.0.5")).is_none());
    // A store shared with other servers keeps their leases of the subnet.
    let shared = Shared(Arc::new(Mutex::new(MemoryStore::with_records(records))));
    let service = LeaseService::new(engine())
        .with_store(Box::new(shared))
        .unwrap();
    assert_eq!(service.stats().stray_records, 1);
    assert!(service.engine().find(ip("10.99.0.5")).is_some());
}

/// The user's own handler, embedding the service: its messages and the service's.
enum Msg {
    Leases(LeaseMessage),
    Count,
}

impl From<LeaseMessage> for Msg {
    fn from(message: LeaseMessage) -> Self {
        Msg::Leases(message)
    }
}

struct Mine {
    leases: LeaseService,
    counted: u32,
}

impl Handler for Mine {
    type Message = Msg;
    fn init(&mut self, ctx: &mut Context<'_, Msg>) -> Result<(), HandlerError> {
        self.leases.init(ctx)
    }
    fn discover(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
        self.leases.handle(packet, from, ctx)
    }
    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
        ctx.continue_with(Msg::Count);
        self.leases.handle(packet, from, ctx)
    }
    fn decline(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
        self.leases.handle(packet, from, ctx)
    }
    fn message(&mut self, message: Msg, ctx: &mut Context<'_, Msg>) -> Reply {
        match message {
            Msg::Leases(message) => self.leases.message(message, ctx),
            Msg::Count => {
                self.counted += 1;
                Reply::None
            }
        }
    }
    fn terminate(&mut self, _reason: &StopReason) {
        self.leases.terminate();
    }
}

#[test]
fn the_service_works_inside_a_handler_of_the_users_own() {
    let leases = LeaseService::new(engine())
        .with_store(Box::new(MemoryStore::new()))
        .unwrap();
    let mut harness = Harness::new(Mine { leases, counted: 0 });
    let offer = harness.inject(discover(1)).unwrap().packet;
    assert!(harness.inject(select(1, offer.yiaddr)).is_none());
    let deadline = Instant::now() + WAIT;
    let ack = loop {
        assert!(Instant::now() < deadline, "no ACK");
        let message = harness.posted(WAIT).expect("the service's batch");
        if let Some(sent) = harness.deliver(message) {
            break sent.packet;
        }
    };
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), offer.yiaddr)
    );
    assert_eq!(harness.call(|mine| mine.counted), Some(1));
    let exit = harness.finish();
    assert!(exit.state.leases.engine().find(offer.yiaddr).is_some());
}

#[test]
fn a_store_chosen_at_run_time_needs_no_generics() {
    let dir = Dir::new("service-any-store");
    let choice = std::env::var("EX_DHCP_TEST_NO_SUCH_VARIABLE").ok();
    let store: Box<dyn LeaseStore> = match choice.as_deref() {
        Some("memory") => Box::new(MemoryStore::new()),
        _ => Box::new(LeaseFile::rewrite(&dir.path("leases"), &[]).unwrap()),
    };
    let service: LeaseService = LeaseService::new(engine()).with_store(store).unwrap();
    let mut harness = Harness::new(service);
    let addr = dora(&mut harness, 1);
    drop(harness);
    assert!(LeaseFile::load(&dir.path("leases"))
        .unwrap()
        .iter()
        .any(|r| r.addr() == addr));
}

#[test]
fn a_reload_keeps_leases_and_replies_in_flight() {
    let (open, gate) = mpsc::channel();
    let service = LeaseService::new(engine())
        .with_config(ServiceConfig::default().commit_delay(Duration::ZERO))
        .with_store(Box::new(Stalled {
            inner: MemoryStore::new(),
            gate,
        }))
        .unwrap();
    let mut harness = Harness::new(service);
    let offer = harness.inject(discover(1)).unwrap().packet;
    assert!(harness.inject(select(1, offer.yiaddr)).is_none(), "held");
    // Reload while the ACK is held: a second subnet, the first one kept.
    let first = Pool::new(
        SERVER,
        MASK,
        ip("10.99.0.100"),
        ip("10.99.0.199"),
        Default::default(),
    )
    .unwrap();
    let second = Pool::new(
        SERVER,
        MASK,
        ip("10.97.0.100"),
        ip("10.97.0.199"),
        Default::default(),
    )
    .unwrap();
    let reloaded = harness
        .call(|service| {
            service.reconfigure(
                Settings::new(SERVER, MASK),
                vec![SubnetConfig::new(first), SubnetConfig::new(second)],
                ServiceConfig::default(),
            )
        })
        .unwrap()
        .unwrap();
    assert!(reloaded.removed.is_empty());
    drop(open);
    let ack = answered(&mut harness);
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), offer.yiaddr)
    );
    let subnets = harness.call(|service| service.engine().subnets().count());
    assert_eq!(subnets, Some(2));
    assert!(harness
        .call(|service| service.engine().find(offer.yiaddr).is_some())
        .unwrap());
}
