//! Answering later (issue 13): a handler hands slow work to a worker thread, answers
//! nothing now, and answers on the handler thread when the worker posts its
//! completion; the answer is routed as an immediate one would be. Also the rest of
//! the message machinery: time as an input, `init` refusing to start, follow-up work,
//! stop values of the handler's own, datagrams that are not DHCP, casts that reply.
//!
//! Self-contained (no shared test module), on the public API only: a `Harness` with
//! its own clock, and real servers on 127.0.0.1 port 0. Nothing sleeps: waits are
//! channel receives or counters polled within a bound.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::server::{destination, HandlerError, SocketConfig, Undecodable};
use ex_dhcp::{
    respond, Client, Config, Context, Encoding, Handler, Harness, MessageType, NotRunning, Packet,
    Pending, Reply, Server, ServerStats, Source, StartError, StopReason,
};

const WAIT: Duration = Duration::from_secs(5);
const MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
const LEASED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);
const RELAY: Ipv4Addr = Ipv4Addr::new(198, 18, 7, 1);

fn packet(kind: MessageType, xid: u32) -> Packet {
    let mut packet = Packet::new(kind);
    packet.xid = xid;
    packet.set_mac(MAC);
    packet
}

/// What the durable handler's writer thread tells it.
#[derive(Debug)]
enum Disk {
    /// The lease of this request is on disk: the ACK may go.
    Written(Pending),
    /// The write failed: drop the request without an answer.
    Failed(Pending),
}

/// Offers at once; holds every ACK until its lease is written by another thread.
struct Durable {
    to_disk: mpsc::Sender<Pending>,
}

impl Handler for Durable {
    type Message = Disk;

    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context<'_, Disk>) -> Reply {
        respond(packet, MessageType::Offer)
            .with_yiaddr(LEASED)
            .into()
    }

    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Disk>) -> Reply {
        let pending = ctx.defer(packet, from);
        self.to_disk.send(pending).expect("the writer is running");
        Reply::None
    }

    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Disk>) -> Reply {
        Reply::None
    }

    fn message(&mut self, message: Disk, _: &mut Context<'_, Disk>) -> Reply {
        match message {
            Disk::Written(pending) => {
                let ack = respond(pending.request(), MessageType::Ack).with_yiaddr(LEASED);
                pending.reply(ack)
            }
            Disk::Failed(pending) => {
                drop(pending);
                Reply::None
            }
        }
    }
}

/// A writer thread: takes each request's token, waits for the test's go (the slow
/// part), and posts the completion to the handler's mailbox.
fn writer(mailbox: ex_dhcp::Mailbox<Disk>) -> (mpsc::Sender<Pending>, mpsc::Sender<bool>) {
    let (to_disk, requests) = mpsc::channel::<Pending>();
    let (go, verdicts) = mpsc::channel::<bool>();
    thread::spawn(move || {
        for pending in requests {
            let Ok(written) = verdicts.recv() else { return };
            let done = if written {
                Disk::Written(pending)
            } else {
                Disk::Failed(pending)
            };
            if mailbox.post(done).is_err() {
                return;
            }
        }
    });
    (to_disk, go)
}

#[test]
fn a_deferred_ack_is_sent_when_the_worker_completes_routed_like_an_immediate_one() {
    let config = Config::default().also_listen(SocketConfig::new(SocketAddrV4::new(
        Ipv4Addr::UNSPECIFIED,
        4011,
    )));
    let routing = config.routing();
    // The handler needs the writer and the writer the mailbox: a placeholder first.
    let (placeholder, _) = mpsc::channel();
    let mut harness = Harness::with_config(
        config,
        Durable {
            to_disk: placeholder,
        },
    );
    let (to_disk, go) = writer(harness.mailbox());
    harness.call(|state| state.to_disk = to_disk);

    let mut request = packet(MessageType::Request, 7);
    request.giaddr = RELAY;
    let source = harness
        .source(SocketAddrV4::new(RELAY, 67), 1)
        .expect("socket 1");
    assert_eq!(
        harness.inject_from(request.clone(), source),
        None,
        "nothing yet"
    );
    assert_eq!(harness.stats().deferred_outstanding(), 1);

    go.send(true).unwrap();
    let written = harness.posted(WAIT).expect("the writer's completion");
    let ack = harness.deliver(written).expect("the ack, now");
    assert_eq!(ack.packet.xid, 7);
    assert_eq!(ack.packet.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.packet.giaddr, RELAY, "copied from the request");
    assert_eq!(
        ack.to,
        SocketAddrV4::new(RELAY, 67),
        "to the relay (RFC 2131 4.1)"
    );
    assert_eq!(
        ack.to,
        destination(&request, Some(MessageType::Ack), &routing),
        "where an immediate ack would go"
    );
    assert_eq!(ack.listener, 1, "from the socket the request came in on");
    let stats = harness.stats();
    assert_eq!(
        (
            stats.deferred,
            stats.deferred_answered,
            stats.deferred_abandoned
        ),
        (1, 1, 0),
        "{stats:?}"
    );
    assert_eq!(stats.deferred_outstanding(), 0);
}

#[test]
fn the_nak_bit_follows_the_giaddr_the_route_follows() {
    // A NAK to a request that came without a relay goes to the broadcast address,
    // whatever giaddr the handler wrote into its reply: so no relay bit either.
    let mut harness = Harness::new(|request: &Packet, _: &Source| {
        let mut nak = respond(request, MessageType::Nak);
        nak.giaddr = RELAY;
        Reply::Send(nak)
    });
    let nak = harness
        .inject(packet(MessageType::Request, 10))
        .expect("a nak");
    assert_ne!(nak.to.ip(), &RELAY, "routed on the request, not the reply");
    assert!(!nak.packet.broadcast(), "{:?}", nak.packet.flags);
}

#[test]
fn a_deferred_nak_is_broadcast_with_the_bit_set_for_a_relay() {
    struct Refuses;
    impl Handler for Refuses {
        type Message = Pending;
        fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Pending>) -> Reply {
            Reply::None
        }
        fn request(
            &mut self,
            packet: &Packet,
            from: &Source,
            ctx: &mut Context<'_, Pending>,
        ) -> Reply {
            // Decided later: hand the token to ourselves.
            ctx.continue_with(ctx.defer(packet, from));
            Reply::None
        }
        fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Pending>) -> Reply {
            Reply::None
        }
        fn message(&mut self, pending: Pending, _: &mut Context<'_, Pending>) -> Reply {
            let nak = respond(pending.request(), MessageType::Nak);
            pending.reply(nak)
        }
    }
    let mut harness = Harness::new(Refuses);
    let mut request = packet(MessageType::Request, 9);
    request.giaddr = RELAY;
    // The continue runs within the same step, as on a server: its NAK waits in `sent`.
    assert_eq!(harness.inject(request), None);
    let mut sent = harness.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let nak = sent.remove(0);
    assert_eq!(nak.to, SocketAddrV4::new(RELAY, 67));
    assert!(
        nak.packet.broadcast(),
        "RFC 2131 4.1: the relay broadcasts a nak"
    );
}

#[test]
fn a_dropped_token_is_counted_as_abandoned_not_lost() {
    let (placeholder, _) = mpsc::channel();
    let mut harness = Harness::new(Durable {
        to_disk: placeholder,
    });
    let (to_disk, go) = writer(harness.mailbox());
    harness.call(|state| state.to_disk = to_disk);
    assert_eq!(harness.inject(packet(MessageType::Request, 1)), None);
    go.send(false).unwrap();
    let failed = harness.posted(WAIT).expect("the failure");
    assert_eq!(harness.deliver(failed), None);
    let stats = harness.stats();
    assert_eq!(
        (
            stats.deferred,
            stats.deferred_answered,
            stats.deferred_abandoned
        ),
        (1, 0, 1),
        "{stats:?}"
    );
    assert_eq!(stats.deferred_outstanding(), 0);
}

/// Holds requests and gives up on those older than `patience` at each tick.
struct Patient {
    held: Vec<Pending>,
    patience: Duration,
    ticks: Vec<Instant>,
}

impl Handler for Patient {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context) -> Reply {
        self.held.push(ctx.defer(packet, from));
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn tick(&mut self, ctx: &mut Context) -> Reply {
        let now = ctx.now();
        self.ticks.push(now);
        let patience = self.patience;
        self.held.retain(|pending| pending.age(now) < patience);
        Reply::None
    }
}

#[test]
fn the_harness_steps_time_and_ticks_fire_at_their_own_instants() {
    let config = Config::default().tick(Duration::from_secs(1));
    let mut harness = Harness::with_config(
        config,
        Patient {
            held: Vec::new(),
            patience: Duration::from_secs(5),
            ticks: Vec::new(),
        },
    );
    let start = harness.now();
    assert_eq!(harness.inject(packet(MessageType::Request, 3)), None);
    assert!(harness.advance(Duration::from_millis(4_500)).is_empty());
    assert_eq!(harness.stats().deferred_outstanding(), 1, "still waiting");
    assert!(harness.advance(Duration::from_millis(1_000)).is_empty());
    let stats = harness.stats();
    assert_eq!(
        stats.deferred_outstanding(),
        0,
        "expired by the handler at 5 s"
    );
    assert_eq!(stats.deferred_abandoned, 1, "{stats:?}");
    assert_eq!(harness.now(), start + Duration::from_millis(5_500));
    let ticks = harness.call(|state| state.ticks.clone()).unwrap();
    let expected: Vec<Instant> = (1..=5).map(|s| start + Duration::from_secs(s)).collect();
    assert_eq!(
        ticks, expected,
        "one tick per second of harness time, at its time"
    );
}

#[derive(Debug, PartialEq)]
struct NoLeaseFile {
    path: &'static str,
}

impl fmt::Display for NoLeaseFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no lease file at {}", self.path)
    }
}

/// Refuses to start; reports `terminate`.
struct Unstartable {
    terminated: mpsc::Sender<StopReason>,
}

impl Handler for Unstartable {
    type Message = ();
    fn init(&mut self, _: &mut Context) -> Result<(), HandlerError> {
        Err(HandlerError::new(NoLeaseFile {
            path: "/var/lib/dhcp",
        }))
    }
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn terminate(&mut self, reason: &StopReason) {
        let _ = self.terminated.send(reason.clone());
    }
}

fn loopback_config(client: &Client) -> Config {
    Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .client_port(client.local_addr().unwrap().port())
}

fn client() -> Client {
    Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("client socket")
}

#[test]
fn init_can_refuse_to_start_with_a_value_of_its_own() {
    let (terminated, reasons) = mpsc::channel();
    let client = client();
    let error = Server::start(loopback_config(&client), Unstartable { terminated })
        .expect_err("init refused");
    let StartError::Init(StopReason::Error(reason)) = &error else {
        panic!("not an init error: {error:?}");
    };
    assert_eq!(
        reason.downcast_ref(),
        Some(&NoLeaseFile {
            path: "/var/lib/dhcp"
        })
    );
    assert_eq!(
        error.to_string(),
        "the handler did not start: the handler stopped with an error: no lease file at /var/lib/dhcp"
    );
    assert!(
        matches!(reasons.recv_timeout(WAIT), Ok(StopReason::Error(_))),
        "terminated once"
    );

    let (terminated, _reasons) = mpsc::channel();
    let harness = Harness::new(Unstartable { terminated });
    assert!(matches!(harness.stopped(), Some(StopReason::Error(_))));
}

/// Records what it handles; each DISCOVER schedules a follow-up on itself.
#[derive(Default)]
struct Diary {
    events: Vec<String>,
}

impl Handler for Diary {
    type Message = u32;
    fn discover(&mut self, packet: &Packet, _: &Source, ctx: &mut Context<'_, u32>) -> Reply {
        self.events.push(format!("discover {}", packet.xid));
        ctx.continue_with(packet.xid);
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::stop_with_error(NoLeaseFile { path: "/full" })
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }
    fn message(&mut self, xid: u32, _: &mut Context<'_, u32>) -> Reply {
        self.events.push(format!("continue {xid}"));
        Reply::None
    }
}

#[test]
fn follow_up_work_runs_right_after_its_callback_before_queued_packets() {
    let client = client();
    let server = Server::start(loopback_config(&client), Diary::default()).unwrap();
    // Park the handler so all three packets are queued before the first is handled.
    let (release, blocked) = mpsc::channel::<()>();
    let (parked_tx, parked) = mpsc::channel::<()>();
    server
        .handle()
        .cast(move |_, _| {
            parked_tx.send(()).unwrap();
            let _ = blocked.recv_timeout(WAIT);
        })
        .unwrap();
    parked.recv_timeout(WAIT).expect("the handler parks");
    for xid in 1..=3 {
        server
            .handle()
            .inject(packet(MessageType::Discover, xid))
            .unwrap();
    }
    release.send(()).unwrap();
    let deadline = Instant::now() + WAIT;
    let events = loop {
        let events = server.handle().call(|state| state.events.clone()).unwrap();
        if events.len() == 6 || Instant::now() > deadline {
            break events;
        }
    };
    assert_eq!(
        events,
        [
            "discover 1",
            "continue 1",
            "discover 2",
            "continue 2",
            "discover 3",
            "continue 3"
        ]
    );
    server
        .handle()
        .inject(packet(MessageType::Request, 4))
        .unwrap();
    let exit = server.join();
    let StopReason::Error(error) = &exit.reason else {
        panic!("{:?}", exit.reason)
    };
    assert_eq!(error.downcast_ref(), Some(&NoLeaseFile { path: "/full" }));
    assert!(exit.reason.is_abnormal());
}

#[test]
fn a_deferred_ack_over_udp_leaves_from_the_socket_the_request_came_in_on() {
    let mut client = client();
    let config = loopback_config(&client)
        .also_listen(SocketConfig::new(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)));
    let (placeholder, _) = mpsc::channel();
    let server = Server::start(
        config,
        Durable {
            to_disk: placeholder,
        },
    )
    .unwrap();
    let (to_disk, go) = writer(server.handle().mailbox());
    server
        .handle()
        .call(move |state| state.to_disk = to_disk)
        .unwrap();
    let second = server.handle().listeners()[1].local;
    assert_ne!(second, server.handle().local_addr());

    client
        .send(&packet(MessageType::Request, 21), second)
        .unwrap();
    stats_when(&server, |stats| stats.deferred_outstanding() == 1);
    go.send(true).unwrap();
    let (ack, from) = client.receive(21, WAIT).expect("the ack, once written");
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(
        from, second,
        "from the receiving socket, as an immediate ack"
    );
    let exit = server.shutdown();
    assert_eq!(exit.reason, StopReason::Shutdown);
    let stats = exit.stats;
    assert_eq!(
        (stats.deferred, stats.deferred_answered, stats.sent),
        (1, 1, 1),
        "final counters, every thread joined: {stats:?}"
    );
}

fn stats_when<H: Handler>(server: &Server<H>, ready: impl Fn(&ServerStats) -> bool) -> ServerStats {
    let deadline = Instant::now() + WAIT;
    loop {
        let stats = server.handle().stats();
        if ready(&stats) {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "counters never got there: {stats:?}"
        );
        thread::yield_now();
    }
}

/// Tells the test about every datagram that was not DHCP.
struct Sniffer {
    seen: mpsc::Sender<(usize, u16)>,
}

impl Handler for Sniffer {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context) -> Reply {
        respond(packet, MessageType::Offer).into()
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn undecodable(&mut self, datagram: Undecodable, from: &Source, _: &mut Context) -> Reply {
        let _ = self.seen.send((datagram.bytes.len(), from.peer.port()));
        Reply::None
    }
}

#[test]
fn datagrams_that_are_not_dhcp_reach_the_handler_only_when_asked_for() {
    for deliver in [true, false] {
        let mut client = client();
        let (seen, sniffed) = mpsc::channel();
        let config = loopback_config(&client).deliver_undecodable(deliver);
        let server = Server::start(config, Sniffer { seen }).unwrap();
        client
            .send_raw(b"not dhcp at all", server.handle().local_addr())
            .unwrap();
        // A DHCP exchange after it: once answered, the garbage was handled too.
        client
            .exchange(
                &packet(MessageType::Discover, 5),
                server.handle().local_addr(),
                WAIT,
            )
            .expect("an offer");
        let client_port = client.local_addr().unwrap().port();
        if deliver {
            assert_eq!(sniffed.try_recv(), Ok((15, client_port)));
        } else {
            assert!(sniffed.try_recv().is_err(), "not asked for");
        }
        let stats = server.handle().stats();
        assert_eq!(stats.malformed, 1, "counted either way: {stats:?}");
        assert_eq!(stats.handled_total(), 1, "only the discover: {stats:?}");
        server.shutdown();
    }
}

#[test]
fn the_harness_gives_undecodable_bytes_to_the_handler_when_asked() {
    let (seen, sniffed) = mpsc::channel();
    let mut harness = Harness::with_config(
        Config::default().deliver_undecodable(true),
        Sniffer { seen },
    );
    let source = harness
        .source(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 9), 0)
        .unwrap();
    assert_eq!(harness.inject_bytes(b"junk", source.clone()), None);
    assert_eq!(sniffed.try_recv(), Ok((4, 9)));
    let offer = harness
        .inject_bytes(
            &packet(MessageType::Discover, 8).encode(Encoding::Padded),
            source,
        )
        .expect("a real discover decodes and is answered");
    assert_eq!(offer.packet.xid, 8);
    assert_eq!(harness.stats().malformed, 1);
}

#[test]
fn a_cast_may_send_and_stop_and_a_stopped_mailbox_refuses() {
    let mut client = client();
    let client_addr = client.local_addr().unwrap();
    let server = Server::start(loopback_config(&client), Diary::default()).unwrap();
    let mailbox = server.handle().mailbox();
    server
        .handle()
        .cast(move |_, _| {
            let mut note = packet(MessageType::Offer, 77);
            note.op = ex_dhcp::Op::Reply;
            Reply::SendTo(note, client_addr)
        })
        .unwrap();
    let (note, _) = client.receive(77, WAIT).expect("the cast's packet");
    assert_eq!(note.xid, 77);
    server.handle().cast(|_, _| Reply::stop()).unwrap();
    let exit = server.join();
    assert_eq!(exit.reason, StopReason::Normal);
    assert_eq!(mailbox.post(1), Err(NotRunning));
}

/// Panics on message 0; keeps the others.
#[derive(Default)]
struct Fragile {
    kept: Vec<u32>,
}

impl Handler for Fragile {
    type Message = u32;
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }
    fn message(&mut self, n: u32, _: &mut Context<'_, u32>) -> Reply {
        assert_ne!(n, 0, "message 0 is poison");
        self.kept.push(n);
        Reply::None
    }
}

#[test]
fn a_supervisor_hands_out_the_mailbox_of_the_generation_running_now() {
    let config = Config::default().port(0).bind_ip(Ipv4Addr::LOCALHOST);
    let supervisor = ex_dhcp::server::supervise(
        config,
        ex_dhcp::server::RestartPolicy::default(),
        Fragile::default,
    )
    .unwrap();
    let first = supervisor.handle().mailbox();
    first.post(0).unwrap();
    // The first generation dies of it; its mailbox closes, and the restarted one's works.
    let deadline = Instant::now() + WAIT;
    while first.post(1).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the first generation never stopped"
        );
        thread::yield_now();
    }
    let deadline = Instant::now() + WAIT;
    while supervisor.restarts() == 0 {
        assert!(Instant::now() < deadline, "never restarted");
        thread::yield_now();
    }
    supervisor.handle().mailbox().post(7).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(kept) = supervisor.handle().call(|state| state.kept.clone()) {
            if kept == [7] {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the second generation never got 7"
        );
    }
    supervisor.handle().stop();
    let exit = supervisor.join();
    assert_eq!(exit.restarts, 1);
    assert_eq!(exit.last.reason, StopReason::Shutdown);
}

/// Continues forever once started.
struct Restless;

impl Handler for Restless {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, ctx: &mut Context) -> Reply {
        ctx.continue_with(());
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn message(&mut self, (): (), ctx: &mut Context) -> Reply {
        ctx.continue_with(());
        Reply::None
    }
}

#[test]
fn a_handler_that_keeps_continuing_can_still_be_called_and_stopped() {
    let client = client();
    let server = Server::start(loopback_config(&client), Restless).unwrap();
    server
        .handle()
        .inject(packet(MessageType::Discover, 1))
        .unwrap();
    assert_eq!(server.handle().call_timeout(WAIT, |_| 42), Ok(42));
    assert_eq!(server.shutdown().reason, StopReason::Shutdown);
}

/// Notes the calendar time of each tick.
#[derive(Default)]
struct Calendar {
    seen: Vec<std::time::SystemTime>,
}

impl Handler for Calendar {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn tick(&mut self, ctx: &mut Context) -> Reply {
        self.seen.push(ctx.system_time());
        Reply::None
    }
}

#[test]
fn the_harness_calendar_is_set_by_the_test_and_moves_only_with_advance() {
    use std::time::UNIX_EPOCH;
    let config = Config::default().tick(Duration::from_secs(3600));
    let mut harness = Harness::with_config(config, Calendar::default());
    let date = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    harness.set_system_time(date);
    assert_eq!(harness.system_time(), date);
    harness.advance(Duration::from_secs(2 * 3600));
    let seen = harness.call(|state| state.seen.clone()).unwrap();
    assert_eq!(
        seen,
        [
            date + Duration::from_secs(3600),
            date + Duration::from_secs(7200)
        ],
        "a lease expiry two hours on, tested in an instant"
    );
}
