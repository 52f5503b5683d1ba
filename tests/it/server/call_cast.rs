//! `call` and `cast` run closures on the handler's state, on the handler thread.

use std::thread;

use ex_dhcp::{CallError, Server, StopReason};
use ex_dhcp_testkit::loopback;

#[derive(Default)]
struct Counter {
    value: u32,
}

impl ex_dhcp::Handler for Counter {
    type Message = ();
    ex_dhcp_testkit::silent_callbacks!(discover, request, decline);
}

#[test]
fn call_returns_the_closures_result_from_the_handler_thread() {
    let (server, _client) = loopback(Counter::default());
    let name = server
        .handle()
        .call(|_| thread::current().name().map(str::to_owned))
        .unwrap();
    assert_eq!(name.as_deref(), Some("dhcp-handler"));
    assert_eq!(
        server.handle().call(|state| {
            state.value += 5;
            state.value
        }),
        Ok(5)
    );
}

#[test]
fn casts_are_applied_in_order_before_a_later_call() {
    let (server, _client) = loopback(Counter::default());
    for step in 1..=10 {
        server
            .handle()
            .cast(move |state, _| state.value = state.value * 10 + step % 10)
            .unwrap();
    }
    assert_eq!(server.handle().call(|state| state.value), Ok(1_234_567_890));
    let exit = server.shutdown();
    assert_eq!(exit.state.value, 1_234_567_890);
    assert_eq!(exit.reason, StopReason::Shutdown);
}

#[test]
fn a_panicking_call_stops_the_server_and_surfaces_in_join() {
    let (server, _client): (Server<Counter>, _) = loopback(Counter::default());
    let result: Result<(), _> = server.handle().call(|_| panic!("bad call"));
    assert_eq!(result, Err(CallError::Panicked));
    let exit = server.join();
    assert_eq!(exit.reason, StopReason::Panic("bad call".into()));
}

#[test]
fn call_after_stop_says_stopped() {
    let (server, _client) = loopback(Counter::default());
    server.handle().stop();
    // The handler thread may take a moment to go; once it has, calls fail.
    let deadline = std::time::Instant::now() + ex_dhcp_testkit::WAIT;
    loop {
        match server.handle().call(|state| state.value) {
            Err(error) => {
                assert_eq!(error, CallError::NotRunning);
                assert_eq!(error.to_string(), "the server is not running");
                break;
            }
            Ok(_) => assert!(std::time::Instant::now() < deadline, "never stopped"),
        }
    }
    assert_eq!(server.handle().cast(|_, _| ()), Err(ex_dhcp::NotRunning));
}
