//! Stopping: prompt during a many-sender flood at a slow handler, and nothing left
//! behind (threads, sockets) after a hundred start/stop cycles.

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::server::{supervise, RestartPolicy};
use ex_dhcp::{respond, Client, Config, Encoding, MessageType, Packet, Reply, Source, StopReason};
use ex_dhcp_testkit::wait_until;
use ex_dhcp_testkit::{loopback_with, packet, serial, server_threads, WAIT};

/// Flooding threads, and the bounds each stops at by itself.
const SENDERS: usize = 4;
const PER_SENDER: u32 = 200_000;
const FLOOD_LIMIT: Duration = Duration::from_secs(3);
/// Datagrams each flooder sends before it reports that the flood is on.
const WARM_UP: u32 = 100;
/// The handler's work per packet.
const HANDLER_WORK: Duration = Duration::from_millis(1);
/// A correctness bound on stop + join under load, far above what it takes.
const STOP_WITHIN: Duration = Duration::from_secs(1);
/// Start/stop cycles of a server, and of a supervised one.
const CYCLES: u32 = 100;
const SUPERVISED_CYCLES: u32 = 20;
/// A short poll interval keeps the cycles quick: idle receive threads see the stop
/// flag at their next read timeout.
const POLL: Duration = Duration::from_millis(5);

fn slow_echo(packet: &Packet, _: &Source) -> Reply {
    // The workload, not synchronisation.
    thread::sleep(HANDLER_WORK);
    respond(packet, MessageType::Offer).into()
}

fn echo(packet: &Packet, _: &Source) -> Reply {
    respond(packet, MessageType::Offer).into()
}

/// Open file descriptors of this process (sockets included).
fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").expect("linux /proc").count()
}

#[test]
fn stop_during_a_flood_returns_promptly_and_every_thread_exits() {
    let _serial = serial();
    assert_eq!(server_threads(), 0);
    let (server, _client) = loopback_with(Config::default(), slow_echo);
    let to = server.handle().local_addr();
    let flooding = AtomicBool::new(true);
    let (on, flood_is_on) = mpsc::channel();
    let took = thread::scope(|scope| {
        for number in 0..SENDERS {
            let on = on.clone();
            let flooding = &flooding;
            scope.spawn(move || {
                let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
                let started = Instant::now();
                for i in 0..PER_SENDER {
                    if !flooding.load(Ordering::Relaxed) || started.elapsed() > FLOOD_LIMIT {
                        break;
                    }
                    let xid = (number as u32) << 24 | i;
                    let _ = socket.send_to(
                        &packet(MessageType::Discover, xid).encode(Encoding::Padded),
                        to,
                    );
                    if i == WARM_UP {
                        on.send(()).unwrap();
                    }
                }
            });
        }
        for _ in 0..SENDERS {
            flood_is_on
                .recv_timeout(WAIT)
                .expect("every flooder is sending");
        }
        let asked = Instant::now();
        server.handle().stop();
        let exit = server.join();
        let took = asked.elapsed();
        flooding.store(false, Ordering::Relaxed);
        assert_eq!(exit.reason, StopReason::Shutdown);
        took
    });
    eprintln!("stop + join during a {SENDERS}-sender flood took {took:?}");
    assert!(took < STOP_WITHIN, "stop + join took {took:?}");
    wait_until(WAIT, "every server thread exits", || server_threads() == 0);
}

#[test]
fn a_hundred_start_stop_cycles_leave_no_thread_or_socket_behind() {
    let _serial = serial();
    let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let client_port = client.local_addr().unwrap().port();
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .client_port(client_port)
        .poll_interval(POLL);
    let fds_before = open_fds();
    assert_eq!(server_threads(), 0);
    let started = Instant::now();

    for cycle in 0..CYCLES {
        let server = ex_dhcp::Server::start(config.clone(), echo).expect("starts");
        let (offer, _) = client
            .exchange(
                &packet(MessageType::Discover, cycle),
                server.handle().local_addr(),
                WAIT,
            )
            .expect("each server answers");
        assert_eq!(offer.xid, cycle);
        assert_eq!(server.shutdown().reason, StopReason::Shutdown);
        wait_until(WAIT, &format!("cycle {cycle}'s threads exit"), || {
            server_threads() == 0
        });
    }
    for cycle in 0..SUPERVISED_CYCLES {
        let supervisor = supervise(config.clone(), RestartPolicy::default(), || echo)
            .expect("starts supervised");
        let xid = CYCLES + cycle;
        let (offer, _) = client
            .exchange(
                &packet(MessageType::Discover, xid),
                supervisor.handle().local_addr(),
                WAIT,
            )
            .expect("each supervised server answers");
        assert_eq!(offer.xid, xid);
        supervisor.handle().stop();
        assert_eq!(supervisor.join().last.reason, StopReason::Shutdown);
        wait_until(WAIT, "the supervisor thread exits", || {
            server_threads() == 0
        });
    }
    eprintln!(
        "{CYCLES} + {SUPERVISED_CYCLES} supervised start/stop cycles took {:?}",
        started.elapsed()
    );
    assert_eq!(open_fds(), fds_before, "every socket was closed");
}
