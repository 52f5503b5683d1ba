//! The harness runs events in an order a server can produce: follow-up work
//! (`continue_with`) runs at the end of the step that queued it, before the test's
//! next packet; and `finish` counts tokens in undelivered messages as abandoned, as a
//! server's exit does.

use std::time::Duration;

use ex_dhcp::{respond, Context, Handler, Harness, MessageType, Packet, Pending, Reply, Source};

#[derive(Default)]
struct Diary {
    events: Vec<String>,
}

impl Handler for Diary {
    type Message = u32;

    fn discover(&mut self, packet: &Packet, _: &Source, ctx: &mut Context<'_, u32>) -> Reply {
        self.events.push(format!("discover {}", packet.xid));
        ctx.continue_with(packet.xid);
        Reply::None
    }

    fn request(&mut self, packet: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        self.events.push(format!("request {}", packet.xid));
        Reply::None
    }

    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, u32>) -> Reply {
        Reply::None
    }

    fn message(&mut self, xid: u32, _: &mut Context<'_, u32>) -> Reply {
        self.events.push(format!("continue {xid}"));
        let mut offer = Packet::new(MessageType::Discover);
        offer.xid = xid;
        respond(&offer, MessageType::Offer).into()
    }
}

fn packet(kind: MessageType, xid: u32) -> Packet {
    let mut packet = Packet::new(kind);
    packet.xid = xid;
    packet
}

#[test]
fn follow_up_work_runs_before_the_next_injected_packet() {
    let mut harness = Harness::new(Diary::default());
    assert_eq!(harness.inject(packet(MessageType::Discover, 1)), None);
    assert_eq!(harness.inject(packet(MessageType::Request, 2)), None);
    let events = harness.call(|state| state.events.clone()).unwrap();
    assert_eq!(events, ["discover 1", "continue 1", "request 2"]);
    let sent = harness.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].packet.xid, 1);
    assert_eq!(sent[0].packet.message_type(), Some(MessageType::Offer));
    assert!(harness.sent().is_empty(), "taken once");
    assert_eq!(
        harness.posted(Duration::ZERO),
        None,
        "nothing left to deliver"
    );
}

/// Defers every REQUEST and posts the token to its own mailbox, never delivered.
struct Poster;

impl Handler for Poster {
    type Message = Pending;

    fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Pending>) -> Reply {
        Reply::None
    }

    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Pending>) -> Reply {
        let pending = ctx.defer(packet, from);
        ctx.mailbox().post(pending).expect("the harness runs");
        Reply::None
    }

    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Pending>) -> Reply {
        Reply::None
    }
}

#[test]
fn finish_counts_tokens_in_undelivered_messages_as_abandoned() {
    let mut harness = Harness::new(Poster);
    assert_eq!(harness.inject(packet(MessageType::Request, 7)), None);
    let exit = harness.finish();
    assert_eq!(exit.stats.deferred, 1);
    assert_eq!(exit.stats.deferred_abandoned, 1, "{}", exit.stats);
    assert_eq!(exit.stats.deferred_outstanding(), 0);
}
