//! Handlers that answer later: a request deferred (`Context::defer`) and answered
//! when a worker thread posts to the mailbox. The replay delivers what workers post,
//! waits where the recording shows a reply, and matches late replies to their
//! requests; a reply that never comes fails the run, naming the request.

use std::fs;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use ex_dhcp::lease::{Change, LeaseFile, MemoryStore};
use ex_dhcp::replay::{Recording, Replay, ReplayError};
use ex_dhcp::{respond, Context, Handler, MessageType, Packet, Pending, Reply, Source};
use ex_dhcp_testkit::replay::{client, fixture, pcap_of, DurableDoraServer, DORA, OFFERED};

fn recording(packets: &[Packet]) -> Recording {
    Recording::reader()
        .read_from(&pcap_of(packets)[..])
        .expect("a capture written in memory")
}

/// A fresh directory for one test, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("ex_dhcp-it-replay-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a temporary directory");
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn acks_held_until_the_store_worker_reports_them_durable_replay_a_real_capture() {
    let report = Recording::read(fixture(DORA))
        .and_then(|recording| {
            Replay::new(recording)
                .compare_option_order()
                .run(DurableDoraServer::new(MemoryStore::new()))
        })
        .expect("the held ACK is waited for");
    assert!(report.compared);
    let got: Vec<Vec<Option<MessageType>>> = report
        .exchanges
        .iter()
        .map(|e| e.got.iter().map(|s| s.packet.message_type()).collect())
        .collect();
    assert_eq!(
        got,
        [vec![Some(MessageType::Offer)], vec![Some(MessageType::Ack)]]
    );
}

#[test]
fn acks_held_until_a_lease_file_is_synced_replay_and_the_lease_is_on_disk() {
    let dir = Dir::new("lease-file");
    let path = dir.0.join("leases");
    let file = LeaseFile::open(&path, |_| {}).expect("a new lease file");
    ex_dhcp::assert_replay!(DurableDoraServer::new(file), fixture(DORA));
    // The replay ends by dropping the handler, whose worker shuts down and unlocks.
    let leases = LeaseFile::load(&path).expect("the lease file reads");
    assert!(
        matches!(&leases[..], [Change::Bound { addr, .. }] if *addr == OFFERED),
        "{leases:?}"
    );
}

/// Defers every request and keeps the token: a reply that never comes.
#[derive(Default)]
struct Forgetful {
    kept: Vec<Pending>,
}

impl Handler for Forgetful {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context) -> Reply {
        respond(packet, MessageType::Offer)
            .with_yiaddr(OFFERED)
            .into()
    }
    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context) -> Reply {
        self.kept.push(ctx.defer(packet, from));
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
}

#[test]
fn a_deferred_reply_that_never_comes_fails_naming_the_request_and_the_wait() {
    let error = Recording::read(fixture(DORA))
        .and_then(|recording| {
            Replay::new(recording)
                .reply_timeout(Duration::from_millis(50))
                .run(Forgetful::default())
        })
        .expect_err("the ACK never comes");
    assert!(
        matches!(
            &error,
            ReplayError::ReplyTimeout { exchange: 2, waited, outstanding: 1, .. }
                if *waited == Duration::from_millis(50)
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "replay of {}: waited 50ms for the reply to exchange 2: DHCPREQUEST xid 0x00003d1e \
             from 0.0.0.0:68 (frame 3), chaddr 00:0b:82:01:fc:42; 1 deferred request(s) still \
             unanswered (Replay::reply_timeout sets the wait)",
            fixture(DORA).display()
        )
    );
}

/// What the workers of the handlers below post.
enum Work {
    /// Answer a deferred request.
    Answer(Pending),
    /// Housekeeping: answers nothing.
    Note,
}

/// Acknowledges with 192.0.2.<last byte of the MAC>, once a worker thread hands the
/// deferred requests back: two at a time, the later one first.
#[derive(Default)]
struct Batched {
    waiting: Vec<Pending>,
}

impl Handler for Batched {
    type Message = Work;
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Work>) -> Reply {
        Reply::None
    }
    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Work>) -> Reply {
        self.waiting.push(ctx.defer(packet, from));
        if self.waiting.len() == 2 {
            let mailbox = ctx.mailbox().clone();
            let batch = std::mem::take(&mut self.waiting);
            thread::spawn(move || {
                for pending in batch.into_iter().rev() {
                    mailbox
                        .post(Work::Answer(pending))
                        .expect("the replay runs");
                }
            });
        }
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Work>) -> Reply {
        Reply::None
    }
    fn message(&mut self, work: Work, _: &mut Context<'_, Work>) -> Reply {
        match work {
            Work::Answer(pending) => {
                let ack = by_mac(pending.request(), MessageType::Ack);
                pending.reply(ack)
            }
            Work::Note => Reply::None,
        }
    }
}

fn by_mac(request: &Packet, kind: MessageType) -> Packet {
    respond(request, kind).with_yiaddr(Ipv4Addr::new(192, 0, 2, request.chaddr[5]))
}

#[test]
fn late_replies_to_interleaved_clients_are_matched_on_xid_and_chaddr() {
    // Two clients with the same xid; the recorded server answered the second first.
    let first = client(MessageType::Request, 0x11, 1);
    let second = client(MessageType::Request, 0x11, 2);
    let capture = [
        first.clone(),
        second.clone(),
        by_mac(&second, MessageType::Ack),
        by_mac(&first, MessageType::Ack),
    ];
    let report = Replay::new(recording(&capture))
        .run(Batched::default())
        .expect("each client gets its own address");
    let addresses: Vec<Vec<Ipv4Addr>> = report
        .exchanges
        .iter()
        .map(|e| e.got.iter().map(|s| s.packet.yiaddr).collect())
        .collect();
    assert_eq!(
        addresses,
        [
            vec![Ipv4Addr::new(192, 0, 2, 1)],
            vec![Ipv4Addr::new(192, 0, 2, 2)]
        ]
    );
}

/// Offers 192.0.2.(10 + the notes it was given), from a worker thread that posts a
/// note before the answer; a retransmission while the answer is pending is dropped,
/// and once answered, the offer is remembered and given at once.
#[derive(Default)]
struct Noted {
    notes: u8,
    pending: bool,
    offered: Option<Packet>,
}

impl Handler for Noted {
    type Message = Work;
    fn discover(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Work>) -> Reply {
        if let Some(offer) = &self.offered {
            return offer.clone().into();
        }
        if self.pending {
            return Reply::None;
        }
        self.pending = true;
        let pending = ctx.defer(packet, from);
        let mailbox = ctx.mailbox().clone();
        thread::spawn(move || {
            mailbox.post(Work::Note).expect("the replay runs");
            mailbox
                .post(Work::Answer(pending))
                .expect("the replay runs");
        });
        Reply::None
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Work>) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Work>) -> Reply {
        Reply::None
    }
    fn message(&mut self, work: Work, _: &mut Context<'_, Work>) -> Reply {
        match work {
            Work::Note => {
                self.notes += 1;
                Reply::None
            }
            Work::Answer(pending) => {
                let offer = respond(pending.request(), MessageType::Offer)
                    .with_yiaddr(Ipv4Addr::new(192, 0, 2, 10 + self.notes));
                self.offered = Some(offer.clone());
                pending.reply(offer)
            }
        }
    }
}

#[test]
fn messages_that_answer_no_request_are_delivered_while_waiting() {
    let discover = client(MessageType::Discover, 0x22, 3);
    let offer = respond(&discover, MessageType::Offer).with_yiaddr(Ipv4Addr::new(192, 0, 2, 11));
    Replay::new(recording(&[discover, offer]))
        .run(Noted::default())
        .expect("the note came before the answer, so the offer is .11");
}

#[test]
fn a_retransmission_before_the_late_reply_is_replayed_before_it_as_recorded() {
    // The client sent its DISCOVER again before the recorded server answered: the
    // handler, still waiting, drops the second, and the one OFFER answers the first.
    let discover = client(MessageType::Discover, 0x33, 4);
    let offer = respond(&discover, MessageType::Offer).with_yiaddr(Ipv4Addr::new(192, 0, 2, 11));
    let report = Replay::new(recording(&[discover.clone(), discover, offer]))
        .run(Noted::default())
        .expect("the retransmission is replayed before the offer");
    let replies: Vec<usize> = report.exchanges.iter().map(|e| e.got.len()).collect();
    assert_eq!(replies, [1, 0]);
}

#[test]
fn without_server_replies_a_late_reply_is_waited_for_and_reported() {
    let capture = [
        client(MessageType::Discover, 0x44, 5),
        client(MessageType::Discover, 0x44, 5),
    ];
    let report = Replay::new(recording(&capture))
        .run(Noted::default())
        .expect("nothing to compare with");
    assert!(!report.compared);
    // Answered before the second DISCOVER, which then gets the remembered offer.
    let replies: Vec<usize> = report.exchanges.iter().map(|e| e.got.len()).collect();
    assert_eq!(replies, [1, 1]);
}
