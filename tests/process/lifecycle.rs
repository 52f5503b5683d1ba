//! Starting, stopping and joining: prompt under load, every thread gone, clear errors.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::{respond, Config, Encoding, MessageType, Packet, Reply, Server, Source, StartError};
use ex_dhcp_testkit::{loopback, loopback_with, packet, serial, server_threads, WAIT};

/// Waits, at most `WAIT`, for every server thread to be gone from /proc/self/task.
///
/// `join` returns once each thread has finished, but the kernel can list a finished
/// thread for a moment longer: a leak keeps it listed for good, and fails here.
fn assert_no_server_threads(what: &str) {
    let deadline = Instant::now() + WAIT;
    while server_threads() > 0 {
        assert!(
            Instant::now() < deadline,
            "{what}: {} server threads still running",
            server_threads()
        );
        thread::yield_now();
    }
}

fn echo(packet: &Packet, _: &Source) -> Reply {
    respond(packet, MessageType::Offer).into()
}

#[test]
fn stop_joins_all_threads_within_200ms_under_load() {
    let _serial = serial();
    assert_no_server_threads("no server thread left");
    let (server, _client) = loopback(echo);
    let to = server.handle().local_addr();
    // A thread names itself once running: wait, bounded, for all three.
    let deadline = Instant::now() + WAIT;
    while server_threads() < 3 {
        assert!(
            Instant::now() < deadline,
            "receive, handler and sender threads"
        );
        thread::yield_now();
    }
    assert_eq!(server_threads(), 3);

    let flooding = Arc::new(AtomicBool::new(true));
    let (started, first) = mpsc::channel();
    let flooder = {
        let flooding = Arc::clone(&flooding);
        thread::spawn(move || {
            let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            let bytes = packet(MessageType::Discover, 1).encode(Encoding::Padded);
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut sent = 0u32;
            while flooding.load(Ordering::Relaxed) && sent < 1_000_000 && Instant::now() < deadline
            {
                let _ = socket.send_to(&bytes, to);
                sent += 1;
                if sent == 100 {
                    started.send(()).unwrap();
                }
            }
            sent
        })
    };
    first.recv_timeout(WAIT).expect("the flood started");
    let asked = Instant::now();
    server.handle().stop();
    let exit = server.join();
    let took = asked.elapsed();
    flooding.store(false, Ordering::Relaxed);
    assert!(flooder.join().unwrap() >= 100);
    assert!(
        took < Duration::from_millis(200),
        "stop and join took {took:?}"
    );
    assert_eq!(exit.reason, ex_dhcp::StopReason::Shutdown);
    assert_no_server_threads("every server thread has exited");
}

#[test]
fn dropping_the_handle_stops_and_joins_and_frees_the_port() {
    let _serial = serial();
    let state = Arc::new(());
    let held = Arc::clone(&state);
    let (server, _client) = loopback(move |_: &Packet, _: &Source| {
        let _ = &held;
        Reply::None
    });
    let addr = server.handle().local_addr();
    assert_eq!(Arc::strong_count(&state), 2);
    drop(server);
    assert_eq!(Arc::strong_count(&state), 1, "the handler state is dropped");
    assert_no_server_threads("no server thread left");
    // Every copy of the socket is closed, so the port can be bound again.
    UdpSocket::bind(addr).expect("the port is free again");
}

#[test]
fn port_zero_gives_the_bound_port() {
    let _serial = serial();
    let (server, _client) = loopback(echo);
    let addr = server.handle().local_addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(*addr.ip(), Ipv4Addr::LOCALHOST);
    assert_eq!(server.handle().listeners()[0].local, addr);
}

#[test]
fn address_in_use_is_a_clear_error() {
    let _serial = serial();
    let taken = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let config = Config::default().bind_ip(Ipv4Addr::LOCALHOST).port(port);
    let error = Server::start(config, echo).unwrap_err();
    match &error {
        StartError::Bind { addr, source } => {
            assert_eq!(*addr, SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
            assert_eq!(source.kind(), io::ErrorKind::AddrInUse);
        }
        other => panic!("expected a bind error, got {other:?}"),
    }
    assert!(error.to_string().contains("already in use"), "{error}");
    assert_no_server_threads("no server thread left");
}

#[test]
fn binding_to_a_missing_device_names_the_device() {
    let _serial = serial();
    let config = Config::default()
        .bind_ip(Ipv4Addr::LOCALHOST)
        .port(0)
        .bind_device("nosuchdev0");
    let error = Server::start(config, echo).unwrap_err();
    assert!(
        matches!(&error, StartError::BindToDevice { device, .. } if device == "nosuchdev0"),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("device nosuchdev0"), "{text}");
}

#[test]
fn malformed_datagrams_are_counted_and_not_fatal() {
    let _serial = serial();
    let (server, mut client) = loopback(echo);
    client
        .send_raw(b"not dhcp at all", server.handle().local_addr())
        .unwrap();
    let mut bootp = packet(MessageType::Discover, 9).encode(Encoding::Padded);
    bootp[236] = 0; // a broken magic cookie
    client
        .send_raw(&bootp, server.handle().local_addr())
        .unwrap();
    let (offer, _) = client
        .exchange(
            &packet(MessageType::Discover, 10),
            server.handle().local_addr(),
            WAIT,
        )
        .expect("still serving");
    assert_eq!(offer.xid, 10);
    let stats = server.handle().stats();
    assert_eq!(stats.received, 3);
    assert_eq!(stats.malformed, 2);
    assert_eq!(stats.handled_total(), 1);
}

#[test]
fn a_full_queue_drops_and_counts_without_blocking_the_socket() {
    let _serial = serial();
    let (server, client) = loopback_with(Config::default().queue_capacity(2), echo);
    let (release, blocked) = mpsc::channel::<()>();
    let (parked_tx, parked) = mpsc::channel::<()>();
    // Park the handler thread so nothing leaves the queue, and know it is parked
    // before the first packet goes: a handler still free would take some.
    server
        .handle()
        .cast(move |_, _| {
            parked_tx.send(()).unwrap();
            let _ = blocked.recv_timeout(WAIT);
        })
        .unwrap();
    parked.recv_timeout(WAIT).expect("the handler thread parks");
    for xid in 0..50 {
        client
            .send(
                &packet(MessageType::Discover, xid),
                server.handle().local_addr(),
            )
            .unwrap();
    }
    // The receive thread keeps reading while the handler is parked.
    let deadline = Instant::now() + WAIT;
    while server.handle().stats().received < 50 {
        assert!(
            Instant::now() < deadline,
            "receive thread stalled: {:?}",
            server.handle().stats()
        );
        thread::yield_now();
    }
    release.send(()).unwrap();
    let stats = server.handle().stats();
    // Two fit in the queue; every other one is dropped and counted.
    assert_eq!(stats.dropped_full, 48, "{stats:?}");
    drop(server);
}
