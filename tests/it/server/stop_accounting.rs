//! Every datagram a server receives is counted exactly once, even when the handler
//! stops itself in the middle of a flood: received == malformed + dropped_full +
//! dropped_stopped + handled, once the server is joined.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ex_dhcp::{
    Config, Context, Encoding, Handler, MessageType, Packet, Reply, Server, Source, StopReason,
};

/// Stops itself at the `stop_after`th DISCOVER.
struct StopsItself {
    seen: u32,
    stop_after: u32,
}

impl Handler for StopsItself {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        self.seen += 1;
        if self.seen >= self.stop_after {
            Reply::stop()
        } else {
            Reply::None
        }
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
}

/// Floods `to` from two threads until `done`. The race this guards against is narrow
/// (a datagram queued between the handler's last count and the closing of the
/// queue), hence the rounds.
fn flood(to: SocketAddrV4, done: &Arc<AtomicBool>) -> Vec<thread::JoinHandle<()>> {
    (0..2)
        .map(|_| {
            let done = Arc::clone(done);
            thread::spawn(move || {
                let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("sender socket");
                let bytes = Packet::new(MessageType::Discover).encode(Encoding::Padded);
                while !done.load(Ordering::Relaxed) {
                    let _ = socket.send_to(&bytes, to);
                }
            })
        })
        .collect()
}

#[test]
fn a_handler_that_stops_itself_under_a_flood_leaves_every_datagram_counted_once() {
    for round in 0..50 {
        let config = Config::default()
            .bind_ip(Ipv4Addr::LOCALHOST)
            .port(0)
            .queue_capacity(16)
            .poll_interval(Duration::from_millis(5));
        let server = Server::start(
            config,
            StopsItself {
                seen: 0,
                stop_after: 200,
            },
        )
        .expect("server starts");
        let done = Arc::new(AtomicBool::new(false));
        let senders = flood(server.handle().local_addr(), &done);
        let exit = server.join();
        done.store(true, Ordering::Relaxed);
        for sender in senders {
            sender.join().expect("sender");
        }
        assert_eq!(exit.reason, StopReason::Normal);
        let stats = exit.stats;
        assert_eq!(
            stats.received,
            stats.malformed + stats.dropped_full + stats.dropped_stopped + stats.handled_total(),
            "round {round}: {stats}"
        );
    }
}

#[test]
fn any_clone_of_the_handle_can_wait_for_the_stop_without_polling() {
    let config = Config::default().bind_ip(Ipv4Addr::LOCALHOST).port(0);
    let server = Server::start(
        config,
        StopsItself {
            seen: 0,
            stop_after: 1,
        },
    )
    .expect("server starts");
    let handle = server.handle().clone();
    let waiter = thread::spawn(move || {
        handle.wait();
        handle.is_stopped()
    });
    assert!(
        !server.handle().wait_timeout(Duration::from_millis(20)),
        "still running"
    );
    assert!(!server.handle().is_stopped());
    server
        .handle()
        .cast(|_, _| Reply::stop())
        .expect("the server is running");
    assert!(
        server.handle().wait_timeout(Duration::from_secs(5)),
        "stopped by itself"
    );
    assert!(server.handle().is_stopped());
    assert!(
        waiter.join().expect("the waiter"),
        "the other clone saw it too"
    );
    assert_eq!(server.join().reason, StopReason::Normal);
}
