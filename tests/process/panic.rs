//! A handler that panics on one packet, or stops itself: over real UDP, with and
//! without supervision. (Restart limits and init panics: tests/server_supervision.rs;
//! terminate per stop reason: tests/server_terminate.rs.)

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;

use ex_dhcp::server::{supervise, Exit, RestartPolicy};
use ex_dhcp::{respond, Client, Config, Handler, MessageType, Packet, Reply, Source, StopReason};
use ex_dhcp_testkit::{capture_logs, logged, wait_until};
use ex_dhcp_testkit::{loopback, packet, serial, server_threads, OFFERED, WAIT};

/// The DISCOVER with this xid makes the handler panic.
const POISON_XID: u32 = 0xdead_0001;
/// A REQUEST with this xid makes the handler stop itself.
const STOP_XID: u32 = 0x0057_0001;
/// How many packets each test has answered before the poison.
const SERVED_BEFORE: u32 = 3;

fn poison_message(generation: u32) -> String {
    format!("generation {generation} poisoned by xid {POISON_XID:#010x}")
}

/// Answers DISCOVERs, counting them; panics on the poison; stops on [`STOP_XID`].
struct Fragile {
    generation: u32,
    served: u32,
    terminated: mpsc::Sender<(u32, StopReason)>,
}

impl Fragile {
    fn new(generation: u32, terminated: mpsc::Sender<(u32, StopReason)>) -> Fragile {
        Fragile {
            generation,
            served: 0,
            terminated,
        }
    }
}

impl Handler for Fragile {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        if packet.xid == POISON_XID {
            panic!("{}", poison_message(self.generation));
        }
        self.served += 1;
        respond(packet, MessageType::Offer)
            .with_yiaddr(OFFERED)
            .into()
    }
    fn request(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        if packet.xid == STOP_XID {
            Reply::stop()
        } else {
            Reply::None
        }
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn terminate(&mut self, reason: &StopReason) {
        let _ = self.terminated.send((self.generation, reason.clone()));
    }
}

fn serve_some(client: &mut Client, to: SocketAddrV4, first_xid: u32) {
    for xid in first_xid..first_xid + SERVED_BEFORE {
        let (offer, _) = client
            .exchange(&packet(MessageType::Discover, xid), to, WAIT)
            .expect("an offer");
        assert_eq!(offer.xid, xid);
    }
}

/// An unsupervised server that has served [`SERVED_BEFORE`] DISCOVERs and then got
/// `last`: how it exited, and what its `terminate` reported.
fn serve_some_then(last: Packet) -> (Exit<Fragile>, mpsc::Receiver<(u32, StopReason)>) {
    let (terminated, terminations) = mpsc::channel();
    let (server, mut client) = loopback(Fragile::new(0, terminated));
    let to = server.handle().local_addr();
    serve_some(&mut client, to, 1);
    client.send(&last, to).unwrap();
    (server.join(), terminations)
}

#[test]
fn under_supervision_a_panic_restarts_from_the_factory_and_serving_goes_on() {
    let _serial = serial();
    capture_logs();
    let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .client_port(client.local_addr().unwrap().port());
    let (terminated, terminations) = mpsc::channel();
    let (created, generations) = mpsc::channel();
    let factory = {
        let mut generation = 0;
        move || {
            created.send(generation).unwrap();
            generation += 1;
            Fragile::new(generation - 1, terminated.clone())
        }
    };
    let supervisor = supervise(config, RestartPolicy::default(), factory).unwrap();
    let to = supervisor.handle().local_addr();
    assert_eq!(generations.recv_timeout(WAIT), Ok(0));
    serve_some(&mut client, to, 1);

    client
        .send(&packet(MessageType::Discover, POISON_XID), to)
        .unwrap();
    assert_eq!(
        terminations.recv_timeout(WAIT),
        Ok((0, StopReason::Panic(poison_message(0)))),
        "the panicking generation is terminated with the panic message"
    );
    assert_eq!(
        generations.recv_timeout(WAIT),
        Ok(1),
        "restarted from the factory"
    );
    // The generation that panicked has been joined before the factory ran, so this
    // DISCOVER waits in the socket for generation 1.
    let (offer, from) = client
        .exchange(&packet(MessageType::Discover, 100), to, WAIT)
        .expect("the restarted server answers");
    assert_eq!((offer.xid, from), (100, to));
    wait_until(WAIT, "the supervisor counts the restart", || {
        supervisor.restarts() == 1
    });
    let restarting = logged(log::Level::Warn, &poison_message(0));
    assert_eq!(restarting.len(), 1, "{restarting:?}");
    assert!(restarting[0].contains("restarting"), "{restarting:?}");

    supervisor.handle().stop();
    let exit = supervisor.join();
    assert_eq!(exit.restarts, 1);
    assert!(!exit.gave_up);
    assert_eq!(exit.last.reason, StopReason::Shutdown);
    assert_eq!((exit.last.state.generation, exit.last.state.served), (1, 1));
    drop(exit);
    assert_eq!(
        terminations.try_iter().collect::<Vec<_>>(),
        [(1, StopReason::Shutdown)],
        "terminate once per generation"
    );
    assert_eq!(server_threads(), 0, "every thread, supervisor's included");
}

#[test]
fn unsupervised_a_panic_is_the_stop_reason_and_the_state_comes_back() {
    let _serial = serial();
    let (exit, terminations) = serve_some_then(packet(MessageType::Discover, POISON_XID));
    assert_eq!(exit.reason, StopReason::Panic(poison_message(0)));
    assert!(exit.reason.is_abnormal());
    assert_eq!(
        exit.state.served, SERVED_BEFORE,
        "the state as the panic left it"
    );
    drop(exit);
    assert_eq!(
        terminations.try_iter().collect::<Vec<_>>(),
        [(0, StopReason::Panic(poison_message(0)))]
    );
    assert_eq!(server_threads(), 0);
}

#[test]
fn a_handler_that_stops_itself_shuts_down_cleanly_with_its_state() {
    let _serial = serial();
    let (exit, terminations) = serve_some_then(packet(MessageType::Request, STOP_XID));
    assert_eq!(exit.reason, StopReason::Normal);
    assert!(!exit.reason.is_abnormal());
    assert_eq!(exit.state.served, SERVED_BEFORE);
    drop(exit);
    assert_eq!(
        terminations.try_iter().collect::<Vec<_>>(),
        [(0, StopReason::Normal)]
    );
    assert_eq!(server_threads(), 0);
}

/// The receive threads stop with the handler (before `terminate` runs), and every
/// datagram they read before that is counted once: a datagram sent after the handler
/// has terminated is not received at all, and nothing vanishes uncounted.
#[test]
fn a_packet_arriving_after_the_handler_stopped_is_not_received() {
    let _serial = serial();
    capture_logs();
    let (terminated, terminations) = mpsc::channel();
    let (server, mut client) = loopback(Fragile::new(0, terminated));
    let to = server.handle().local_addr();
    serve_some(&mut client, to, 1);
    client
        .send(&packet(MessageType::Request, STOP_XID), to)
        .unwrap();
    assert_eq!(terminations.recv_timeout(WAIT), Ok((0, StopReason::Normal)));
    const LATE_XID: u32 = 0x1a7e_0001;
    client
        .send(&packet(MessageType::Discover, LATE_XID), to)
        .unwrap();
    let exit = server.join();
    assert_eq!(exit.reason, StopReason::Normal);
    let stats = exit.stats;
    assert_eq!(stats.received, u64::from(SERVED_BEFORE) + 1, "{stats:?}");
    assert_eq!(stats.dropped_stopped, 0, "{stats:?}");
    assert_eq!(
        stats.malformed + stats.dropped_full + stats.dropped_stopped + stats.handled_total(),
        stats.received,
        "every datagram received is accounted for: {stats:?}"
    );
    let late = logged(log::Level::Warn, &format!("{LATE_XID:#010x}"));
    assert!(late.is_empty(), "{late:?}");
}
