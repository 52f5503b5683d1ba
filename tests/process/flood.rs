//! A flood at a slow handler: the queue stays bounded, memory stays flat, every
//! datagram is accounted for, and the server answers promptly once it is over.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::{
    respond, Config, Encoding, Handler, MessageType, Packet, Reply, ServerStats, Source, StopReason,
};
use ex_dhcp_testkit::{kernel_drops, rss_kib, wait_until};
use ex_dhcp_testkit::{loopback_with, packet, OFFERED, WAIT};

/// Flooding threads.
const SENDERS: u32 = 4;
/// Datagrams each sends at most...
const PER_SENDER: u32 = 20_000;
/// ...within this long.
const FLOOD_LIMIT: Duration = Duration::from_secs(3);
/// Every this many datagrams, one is malformed.
const MALFORMED_EVERY: u32 = 4;
/// Not even a BOOTP header.
const MALFORMED: &[u8] = b"flood: not a dhcp packet";
/// The handler's work per DISCOVER: slower than the flood, so the queue fills.
const HANDLER_WORK: Duration = Duration::from_millis(1);
/// The queue between the socket and the handler.
const QUEUE: usize = 64;
/// Packets out of the queue but not yet counted: one the receive thread has counted
/// as received and is about to queue, one the handler thread has taken.
const IN_FLIGHT: u64 = 2;
/// How often the watcher samples the counters and the memory.
const SAMPLE_EVERY: Duration = Duration::from_millis(1);
/// How much the resident set may grow during the flood: generous, since the
/// allocator keeps freed memory; an unbounded queue of 80 000 packets would exceed it.
const RSS_GROWTH_LIMIT_KIB: u64 = 32 * 1024;
/// How long the server may take to answer once the flood is over.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);
/// The first xid of each sender is its number times this.
const XID_BLOCK: u32 = 0x0100_0000;
const PROBE_XID: u32 = 0x7e57_0001;

/// Answers each DISCOVER after [`HANDLER_WORK`]; flood replies go to a sink nobody reads.
struct Slow {
    sink: SocketAddrV4,
}

impl Handler for Slow {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        if packet.xid == PROBE_XID {
            return respond(packet, MessageType::Offer)
                .with_yiaddr(OFFERED)
                .into();
        }
        // The workload, not synchronisation: a handler slower than the flood.
        thread::sleep(HANDLER_WORK);
        Reply::SendTo(respond(packet, MessageType::Offer), self.sink)
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

/// What one flooding thread sent successfully.
#[derive(Debug, Default, Clone, Copy)]
struct Sent {
    valid: u64,
    malformed: u64,
}

fn flood(number: u32, to: SocketAddrV4) -> Sent {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("a flood socket");
    let started = Instant::now();
    let mut sent = Sent::default();
    for i in 0..PER_SENDER {
        if started.elapsed() > FLOOD_LIMIT {
            break;
        }
        let malformed = i % MALFORMED_EVERY == MALFORMED_EVERY - 1;
        let bytes = if malformed {
            MALFORMED.to_vec()
        } else {
            packet(MessageType::Discover, number * XID_BLOCK + i).encode(Encoding::Padded)
        };
        if socket.send_to(&bytes, to).is_ok() {
            if malformed {
                sent.malformed += 1;
            } else {
                sent.valid += 1;
            }
        }
    }
    sent
}

/// Packets in the queue, from a snapshot (see [`IN_FLIGHT`]).
fn pending(stats: &ServerStats) -> i128 {
    i128::from(stats.received)
        - i128::from(stats.malformed)
        - i128::from(stats.dropped_full)
        - i128::from(stats.dropped_stopped)
        - i128::from(stats.handled_total())
}

#[test]
fn a_flood_at_a_slow_handler_stays_bounded_and_loses_nothing_unaccounted() {
    // The resident memory read below is the whole process's.
    let _serial = ex_dhcp_testkit::serial();
    let sink = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let Ok(std::net::SocketAddr::V4(sink_addr)) = sink.local_addr() else {
        panic!("an ipv4 sink")
    };
    let config = Config::default().queue_capacity(QUEUE);
    let (server, mut client) = loopback_with(config, Slow { sink: sink_addr });
    let to = server.handle().local_addr();
    let drops_before = kernel_drops(to.port());
    let rss_before = rss_kib();

    let (stop_watching, stopped) = mpsc::channel::<()>();
    let shared = &server;
    let (sent, total, kernel, most_pending, most_rss) = thread::scope(|scope| {
        let server = shared;
        let watcher = scope.spawn(move || {
            let (mut most_pending, mut most_rss) = (0, 0);
            while stopped.recv_timeout(SAMPLE_EVERY).is_err() {
                most_pending = most_pending.max(pending(&server.handle().stats()));
                most_rss = most_rss.max(rss_kib());
            }
            (most_pending, most_rss)
        });
        let flooders: Vec<_> = (1..=SENDERS)
            .map(|number| scope.spawn(move || flood(number, to)))
            .collect();
        let sent = flooders
            .into_iter()
            .map(|flooder| flooder.join().expect("a flooder"))
            .fold(Sent::default(), |total, one| Sent {
                valid: total.valid + one.valid,
                malformed: total.malformed + one.malformed,
            });
        let total = sent.valid + sent.malformed;

        // Every datagram sent was either received or dropped by the kernel in the
        // socket's full buffer: that is all loopback can do with it.
        let mut kernel = 0;
        wait_until(WAIT, "received + kernel drops reach what was sent", || {
            kernel = kernel_drops(to.port()) - drops_before;
            server.handle().stats().received + kernel == total
        });
        // Every datagram received was malformed, dropped for a full queue or handled.
        wait_until(WAIT, "the queue drains", || {
            pending(&server.handle().stats()) == 0
        });
        stop_watching.send(()).unwrap();
        let (most_pending, most_rss) = watcher.join().expect("the watcher");
        (sent, total, kernel, most_pending, most_rss)
    });

    let stats = server.handle().stats();
    eprintln!(
        "sent {total} ({} malformed), kernel drops {kernel}, {stats:?}, \
         most queued {most_pending}, rss {rss_before} -> {most_rss} KiB",
        sent.malformed
    );
    assert_eq!(stats.received + kernel, total);
    assert_eq!(
        stats.malformed + stats.dropped_full + stats.handled_total(),
        stats.received
    );
    assert_eq!(
        stats.handled(Some(MessageType::Discover)),
        stats.handled_total()
    );
    assert!(stats.malformed <= sent.malformed && stats.handled_total() <= sent.valid);
    if kernel == 0 {
        assert_eq!(stats.malformed, sent.malformed);
    }
    assert!(stats.dropped_full > 0, "the flood must overflow the queue");
    assert!(
        most_pending <= (QUEUE as u64 + IN_FLIGHT).into(),
        "the queue held {most_pending} packets, more than its capacity {QUEUE}"
    );
    assert!(
        most_rss.saturating_sub(rss_before) < RSS_GROWTH_LIMIT_KIB,
        "rss grew from {rss_before} to {most_rss} KiB"
    );
    wait_until(WAIT, "every handled DISCOVER's reply is sent", || {
        server.handle().stats().sent == stats.handled_total()
    });
    assert_eq!(server.handle().stats().send_failures, 0);

    let asked = Instant::now();
    let (offer, _) = client
        .exchange(&packet(MessageType::Discover, PROBE_XID), to, ANSWER_WITHIN)
        .expect("answered within a second after the flood");
    eprintln!("answered after the flood in {:?}", asked.elapsed());
    assert_eq!(offer.yiaddr, OFFERED);
    assert_eq!(server.shutdown().reason, StopReason::Shutdown);
}
