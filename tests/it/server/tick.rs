//! `Handler::tick` runs at the configured interval, and not at all by default.

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
