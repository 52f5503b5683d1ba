//! `Handler::tick` runs at the configured interval, and not at all by default.

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
    assert_eq!(server.call(|state| state.count), Ok(0));
}

/// Ticks, and takes a while over every DISCOVER, so that a flood keeps its queue full.
struct SlowTicker {
    ticks: mpsc::Sender<Instant>,
}

impl Handler for SlowTicker {
    type Message = ();
    ex_dhcp_testkit::silent_callbacks!(request, decline);
    fn discover(
        &mut self,
        _: &ex_dhcp::Packet,
        _: &ex_dhcp::Source,
        _: &mut ex_dhcp::Context,
    ) -> Reply {
        let busy = Instant::now();
        while busy.elapsed() < Duration::from_micros(100) {
            std::hint::spin_loop();
        }
        Reply::None
    }
    fn tick(&mut self, _: &mut ex_dhcp::Context) -> Reply {
        let _ = self.ticks.send(Instant::now());
        Reply::None
    }
}

#[test]
fn a_flood_of_packets_does_not_starve_the_tick() {
    let (ticks, seen) = mpsc::channel();
    let config = Config::default().tick(Duration::from_millis(20));
    let (server, _client) = loopback_with(config, SlowTicker { ticks });
    let flooding = AtomicBool::new(true);
    let (got, injected) = std::thread::scope(|scope| {
        // Injection blocks while the handler's queue is full: this thread keeps it
        // full for as long as the test waits for ticks, and no longer than WAIT.
        let flood = scope.spawn(|| {
            let deadline = Instant::now() + WAIT;
            let mut xid = 0;
            while flooding.load(Ordering::Relaxed) && Instant::now() < deadline {
                let packet = ex_dhcp_testkit::packet(ex_dhcp::MessageType::Discover, xid);
                if server.inject(packet).is_err() {
                    break;
                }
                xid += 1;
            }
            xid
        });
        let got: Vec<Instant> = (0..3).map_while(|_| seen.recv_timeout(WAIT).ok()).collect();
        flooding.store(false, Ordering::Relaxed);
        (got, flood.join().unwrap())
    });
    assert_eq!(got.len(), 3, "ticks during a flood of {injected} packets");
    let stats = server.shutdown().stats;
    let handled = stats.handled(Some(ex_dhcp::MessageType::Discover));
    assert!(handled > 10, "the flood was handled meanwhile: {stats:?}");
}
