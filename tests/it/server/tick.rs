//! `Handler::tick` runs at the configured interval, and not at all by default; a flood
//! of packets starves neither the tick nor the mailbox.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ex_dhcp::{Config, Handler, Reply, StopReason};
use ex_dhcp_testkit::{loopback, loopback_with, WAIT};

struct Ticker {
    ticks: mpsc::Sender<Instant>,
    count: u32,
    stop_after: u32,
}

impl Handler for Ticker {
    type Message = ();
    ex_dhcp_testkit::silent_callbacks!(discover, request, decline);
    fn tick(&mut self, _: &mut ex_dhcp::Context) -> Reply {
        self.count += 1;
        let _ = self.ticks.send(Instant::now());
        if self.count == self.stop_after {
            Reply::stop()
        } else {
            Reply::None
        }
    }
}

#[test]
fn tick_runs_at_the_interval_and_may_stop_the_server() {
    let (ticks, seen) = mpsc::channel();
    let handler = Ticker {
        ticks,
        count: 0,
        stop_after: 3,
    };
    let started = Instant::now();
    let (server, _client) =
        loopback_with(Config::default().tick(Duration::from_millis(20)), handler);
    for _ in 0..3 {
        seen.recv_timeout(WAIT).expect("a tick");
    }
    assert!(started.elapsed() >= Duration::from_millis(60));
    let exit = server.join();
    assert_eq!(exit.reason, StopReason::Normal);
    assert_eq!(exit.state.count, 3);
}

#[test]
fn no_tick_by_default() {
    let (ticks, seen) = mpsc::channel();
    let (server, _client) = loopback(Ticker {
        ticks,
        count: 0,
        stop_after: 0,
    });
    assert!(seen.recv_timeout(Duration::from_millis(150)).is_err());
    assert_eq!(server.handle().call(|state| state.count), Ok(0));
}

/// Ticks, takes a while over every DISCOVER (so that a flood keeps its queue full), and
/// reports its messages.
struct SlowTicker {
    ticks: mpsc::Sender<Instant>,
    messages: mpsc::Sender<u32>,
}

impl Handler for SlowTicker {
    type Message = u32;
    ex_dhcp_testkit::silent_callbacks!(request, decline);
    fn discover(
        &mut self,
        _: &ex_dhcp::Packet,
        _: &ex_dhcp::Source,
        _: &mut ex_dhcp::Context<'_, u32>,
    ) -> Reply {
        let busy = Instant::now();
        while busy.elapsed() < Duration::from_micros(100) {
            std::hint::spin_loop();
        }
        Reply::None
    }
    fn tick(&mut self, _: &mut ex_dhcp::Context<'_, u32>) -> Reply {
        let _ = self.ticks.send(Instant::now());
        Reply::None
    }
    fn message(&mut self, n: u32, _: &mut ex_dhcp::Context<'_, u32>) -> Reply {
        let _ = self.messages.send(n);
        Reply::None
    }
}

/// Runs `watch` while another thread keeps `server`'s packet queue full (injection
/// blocks while it is full), for no longer than WAIT; returns what `watch` returned and
/// how many packets were injected.
fn during_a_flood<R>(server: &ex_dhcp::Server<SlowTicker>, watch: impl FnOnce() -> R) -> (R, u32) {
    let flooding = AtomicBool::new(true);
    std::thread::scope(|scope| {
        let flood = scope.spawn(|| {
            let deadline = Instant::now() + WAIT;
            let mut xid = 0;
            while flooding.load(Ordering::Relaxed) && Instant::now() < deadline {
                let packet = ex_dhcp_testkit::packet(ex_dhcp::MessageType::Discover, xid);
                if server.handle().inject(packet).is_err() {
                    break;
                }
                xid += 1;
            }
            xid
        });
        let watched = watch();
        flooding.store(false, Ordering::Relaxed);
        (watched, flood.join().unwrap())
    })
}

#[test]
fn a_flood_of_packets_does_not_starve_the_tick() {
    let (ticks, seen) = mpsc::channel();
    let (messages, _) = mpsc::channel();
    let config = Config::default().tick(Duration::from_millis(20));
    let (server, _client) = loopback_with(config, SlowTicker { ticks, messages });
    let (got, injected) = during_a_flood(&server, || {
        (0..3).map_while(|_| seen.recv_timeout(WAIT).ok()).count()
    });
    assert_eq!(got, 3, "ticks during a flood of {injected} packets");
    let stats = server.shutdown().stats;
    let handled = stats.handled(Some(ex_dhcp::MessageType::Discover));
    assert!(handled > 10, "the flood was handled meanwhile: {stats:?}");
}

#[test]
fn a_flood_of_packets_does_not_starve_the_mailbox() {
    let (ticks, _) = mpsc::channel();
    let (messages, delivered) = mpsc::channel();
    let (server, _client) = loopback_with(Config::default(), SlowTicker { ticks, messages });
    let mailbox = server.handle().mailbox();
    let (got, injected) = during_a_flood(&server, || {
        // One message at a time: each is posted while the packet queue is full.
        (0..20)
            .map_while(|n| {
                mailbox.post(n).ok()?;
                delivered.recv_timeout(WAIT).ok()
            })
            .collect::<Vec<u32>>()
    });
    assert_eq!(
        got,
        (0..20).collect::<Vec<_>>(),
        "during a flood of {injected} packets"
    );
}
