//! The handle: every clone, from any thread, does what the server's own does, a
//! supervisor's included; a stop from any of them stops the server, once.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::server::{supervise, RestartPolicy};
use ex_dhcp::{
    CallError, Config, Context, Handler, MessageType, NotRunning, Packet, Reply, Source, StopReason,
};
use ex_dhcp_testkit::{loopback, packet, WAIT};

/// Counts what reaches it: casts, DISCOVERs (and from which peer), messages.
#[derive(Default)]
struct Tally {
    casts: u32,
    discovers_from: Vec<SocketAddrV4>,
    messages: u32,
}

impl Handler for Tally {
    type Message = u32;
    fn discover(&mut self, _: &Packet, from: &Source, _: &mut Context<'_, u32>) -> Reply {
        self.discovers_from.push(from.peer);
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }
    fn message(&mut self, n: u32, _: &mut Context<'_, u32>) -> Reply {
        self.messages += n;
        Reply::None
    }
}

fn config() -> Config {
    Config::default().port(0).bind_ip(Ipv4Addr::LOCALHOST)
}

#[test]
fn a_clone_stops_the_server_from_another_thread() {
    let (server, _client) = loopback(Tally::default());
    let handle = server.handle().clone();
    thread::spawn(move || handle.stop())
        .join()
        .expect("the stopping thread");
    let exit = server.join();
    assert_eq!(exit.reason, StopReason::Shutdown);
}

#[test]
fn casts_queued_before_the_stop_still_run() {
    let (server, _client) = loopback(Tally::default());
    let handle = server.handle();
    // Hold the handler thread so the casts and the stop all queue behind it.
    let gate = Arc::new(Barrier::new(2));
    let held = Arc::clone(&gate);
    handle
        .cast(move |_, _| {
            held.wait();
        })
        .unwrap();
    for _ in 0..10 {
        handle.cast(|state, _| state.casts += 1).unwrap();
    }
    handle.stop();
    gate.wait();
    let exit = server.join();
    assert_eq!(exit.state.casts, 10);
    assert_eq!(exit.reason, StopReason::Shutdown);
}

#[test]
fn a_stopped_handle_refuses_everything_with_not_running() {
    let (server, _client) = loopback(Tally::default());
    let handle = server.handle().clone();
    let addr = handle.local_addr();
    let mailbox = handle.mailbox();
    handle.stop();
    assert!(handle.wait_timeout(WAIT), "the server stops");
    assert!(handle.is_stopped());
    assert_eq!(handle.call(|state| state.casts), Err(CallError::NotRunning));
    assert_eq!(
        handle.call_timeout(WAIT, |state| state.casts),
        Err(CallError::NotRunning)
    );
    assert_eq!(handle.cast(|_, _| ()), Err(NotRunning));
    assert_eq!(
        handle.inject(packet(MessageType::Discover, 1)),
        Err(NotRunning)
    );
    let source = handle.listeners()[0].clone();
    let from = Source::new(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 68), &source);
    assert_eq!(
        handle.inject_from(packet(MessageType::Discover, 2), from),
        Err(NotRunning)
    );
    assert_eq!(mailbox.post(1), Err(NotRunning), "a mailbox taken before");
    assert_eq!(
        handle.mailbox().post(1),
        Err(NotRunning),
        "and one taken after"
    );
    // What does not need the handler thread still answers.
    assert_eq!(handle.local_addr(), addr);
    assert_eq!(handle.stats().handled_total(), 0);
    drop(server);
}

#[test]
fn dropping_the_server_stops_it_for_every_clone() {
    let (server, _client) = loopback(Tally::default());
    let handle = server.handle().clone();
    drop(server);
    assert!(handle.is_stopped(), "dropping joins: stopped already");
    assert_eq!(handle.call(|state| state.casts), Err(CallError::NotRunning));
}

#[test]
fn a_supervisors_handle_has_every_operation() {
    let supervisor = supervise(config(), RestartPolicy::default(), Tally::default).unwrap();
    let handle = supervisor.handle();
    assert_eq!(handle.listeners()[0].local, handle.local_addr());
    let peer = SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 7), 68);
    let from = Source::new(peer, &handle.listeners()[0]);
    handle
        .inject_from(packet(MessageType::Discover, 1), from)
        .unwrap();
    handle.mailbox().post(5).unwrap();
    // A call may overtake the packet and the message (they are not one queue).
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = handle
            .call_timeout(WAIT, |state| (state.discovers_from.clone(), state.messages))
            .unwrap();
        if seen == (vec![peer], 5) {
            break;
        }
        assert!(Instant::now() < deadline, "never got there: {seen:?}");
    }
    assert!(
        !handle.wait_timeout(Duration::from_millis(20)),
        "still running"
    );
    let exit = supervisor.shutdown();
    assert_eq!(exit.last.reason, StopReason::Shutdown);
    assert_eq!(exit.restarts, 0);
}

#[test]
fn a_handle_goes_to_any_thread_and_clones() {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>(_: &T) {}
    let supervisor = supervise(config(), RestartPolicy::default(), Tally::default).unwrap();
    send_sync_clone(supervisor.handle());
    let (server, _client) = loopback(Tally::default());
    send_sync_clone(server.handle());
}
