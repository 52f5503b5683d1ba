//! `Handler::terminate` is called exactly once, last, whatever ended the server.

use std::sync::mpsc;

use ex_dhcp::{Handler, Harness, MessageType, Packet, Reply, Source, StopReason};
use ex_dhcp_testkit::{loopback, packet, WAIT};

struct Ends {
    terminated: mpsc::Sender<StopReason>,
}

impl Handler for Ends {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::stop_with_error("out of addresses")
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::stop()
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("decline handler exploded")
    }
    fn terminate(&mut self, reason: &StopReason) {
        self.terminated.send(reason.clone()).unwrap();
    }
}

fn run_until_stopped(kind: MessageType) -> (StopReason, Vec<StopReason>) {
    let (terminated, reasons) = mpsc::channel();
    let (server, client) = loopback(Ends { terminated });
    client
        .send(&packet(kind, 1), server.handle().local_addr())
        .unwrap();
    let exit = server.join();
    // The handler (and its sender) are dropped by now: the channel holds everything.
    drop(exit.state);
    (exit.reason, reasons.iter().collect())
}

#[test]
fn stop_from_a_callback_ends_the_server_and_terminates_once() {
    let (reason, calls) = run_until_stopped(MessageType::Request);
    assert_eq!(reason, StopReason::Normal);
    assert_eq!(calls, vec![StopReason::Normal]);
}

#[test]
fn stop_with_an_error_is_abnormal() {
    let (reason, calls) = run_until_stopped(MessageType::Discover);
    assert_eq!(reason, StopReason::Error("out of addresses".into()));
    assert!(reason.is_abnormal());
    assert_eq!(calls, vec![reason]);
}

#[test]
fn a_panic_is_caught_terminated_once_and_reported_with_its_message() {
    let (reason, calls) = run_until_stopped(MessageType::Decline);
    assert_eq!(reason, StopReason::Panic("decline handler exploded".into()));
    assert_eq!(calls, vec![reason]);
}

#[test]
fn stop_from_the_handle_terminates_once_with_shutdown() {
    let (terminated, reasons) = mpsc::channel();
    let (server, _client) = loopback(Ends { terminated });
    server.handle().stop();
    server.handle().stop();
    let exit = server.join();
    drop(exit.state);
    assert_eq!(
        reasons.iter().collect::<Vec<_>>(),
        vec![StopReason::Shutdown]
    );
}

#[test]
fn dropping_the_handle_terminates_once() {
    let (terminated, reasons) = mpsc::channel();
    let (server, _client) = loopback(Ends { terminated });
    drop(server);
    assert_eq!(reasons.recv_timeout(WAIT), Ok(StopReason::Shutdown));
    assert!(reasons.recv_timeout(WAIT).is_err(), "exactly once");
}

#[test]
fn the_harness_terminates_once_too() {
    let (terminated, reasons) = mpsc::channel();
    let mut harness = Harness::new(Ends { terminated });
    assert_eq!(harness.inject(packet(MessageType::Request, 1)), None);
    assert_eq!(harness.stopped(), Some(&StopReason::Normal));
    assert_eq!(harness.inject(packet(MessageType::Request, 2)), None);
    drop(harness.finish());
    assert_eq!(reasons.iter().collect::<Vec<_>>(), vec![StopReason::Normal]);
}
