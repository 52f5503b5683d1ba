//! A deferred reply is one answer to one request: it leaves from the request's socket,
//! fitted to the request's option 57, even with an explicit destination; it cannot be
//! sent twice; and it counts as answered only once it is routed, as abandoned when it
//! is dropped instead, so that deferred == answered + abandoned + outstanding.

use std::net::{Ipv4Addr, SocketAddrV4};

use ex_dhcp::options::MaxMessageSize;
use ex_dhcp::server::SocketConfig;
use ex_dhcp::{
    respond, Config, Context, Handler, Harness, MessageType, Packet, Pending, Reply, ServerStats,
    Source,
};

const PXE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 4011);
const CLIENT: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 20), 68);
const EXPLICIT: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 20), 4011);

/// What the test asks the handler to do with the token it holds.
enum Answer {
    /// `pending.reply(Reply::SendTo(ack, EXPLICIT))`.
    SendTo,
    /// Make the reply, then return `Reply::None` (the reply is dropped unsent).
    DropReply,
    /// `pending.reply(Reply::None)`.
    Nothing,
}

/// Defers every REQUEST; answers as the message says.
#[derive(Default)]
struct Later {
    held: Option<Pending>,
}

impl Handler for Later {
    type Message = Answer;

    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Answer>) -> Reply {
        Reply::None
    }

    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Answer>) -> Reply {
        self.held = Some(ctx.defer(packet, from));
        Reply::None
    }

    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Answer>) -> Reply {
        Reply::None
    }

    fn message(&mut self, answer: Answer, _: &mut Context<'_, Answer>) -> Reply {
        let pending = self.held.take().expect("a held request");
        let mut ack = respond(pending.request(), MessageType::Ack);
        // About 750 bytes of options: more than fits a client without option 57.
        for code in [224, 225, 226] {
            ack.options.set_raw(code, &[0x5a; 250]);
        }
        match answer {
            Answer::SendTo => pending.reply(Reply::SendTo(ack, EXPLICIT)),
            Answer::DropReply => {
                drop(pending.reply(ack));
                Reply::None
            }
            Answer::Nothing => pending.reply(Reply::None),
        }
    }
}

fn harness() -> Harness<Later> {
    Harness::with_config(
        Config::default().also_listen(SocketConfig::new(PXE)),
        Later::default(),
    )
}

fn request() -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.xid = 0x0fed_0001;
    packet.options.set(MaxMessageSize, 1500);
    packet
}

fn balanced(stats: &ServerStats) -> bool {
    stats.deferred
        == stats.deferred_answered + stats.deferred_abandoned + stats.deferred_outstanding()
        && stats.deferred_answered + stats.deferred_abandoned <= stats.deferred
}

#[test]
fn a_deferred_send_to_leaves_from_the_requests_socket_fitted_to_its_option_57() {
    let mut harness = harness();
    let from = harness.source(CLIENT, 1).expect("the PXE socket");
    assert_eq!(harness.inject_from(request(), from), None);
    let sent = harness.deliver(Answer::SendTo).expect("the deferred ACK");
    assert_eq!(
        sent.listener, 1,
        "leaves from the socket the request came in on"
    );
    assert_eq!(sent.to, EXPLICIT);
    // Fitted to the request's 1500 bytes, not to a default 576: nothing trimmed.
    assert!(
        sent.packet.options.get_raw(226).is_some(),
        "{:?}",
        sent.packet
    );
    let stats = harness.stats();
    assert_eq!(stats.trimmed, 0);
    assert_eq!((stats.deferred, stats.deferred_answered), (1, 1));
}

#[test]
fn a_deferred_reply_dropped_unsent_counts_as_abandoned_not_answered() {
    let mut harness = harness();
    harness.inject(request());
    assert_eq!(harness.deliver(Answer::DropReply), None);
    let stats = harness.stats();
    assert_eq!(
        (
            stats.deferred,
            stats.deferred_answered,
            stats.deferred_abandoned
        ),
        (1, 0, 1)
    );
    assert!(balanced(&stats));
}

#[test]
fn a_pending_answered_with_nothing_counts_as_abandoned() {
    let mut harness = harness();
    harness.inject(request());
    assert_eq!(harness.deliver(Answer::Nothing), None);
    let stats = harness.stats();
    assert_eq!(
        (
            stats.deferred,
            stats.deferred_answered,
            stats.deferred_abandoned
        ),
        (1, 0, 1)
    );
}

#[test]
fn a_routed_deferred_reply_counts_once_as_answered() {
    let mut harness = harness();
    harness.inject(request());
    let sent = harness.deliver(Answer::SendTo);
    assert!(sent.is_some());
    let exit = harness.finish();
    assert_eq!(
        (
            exit.stats.deferred,
            exit.stats.deferred_answered,
            exit.stats.deferred_abandoned
        ),
        (1, 1, 0)
    );
}
