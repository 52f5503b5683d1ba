//! Everything that is not a client's DISCOVER, REQUEST, DECLINE, INFORM or RELEASE
//! reaches `Handler::other`: replies from other servers, BOOTP, other message types.

use std::sync::mpsc;

use ex_dhcp::options::DhcpMessageType;
use ex_dhcp::options::DhcpOption;
use ex_dhcp::{respond, Handler, Harness, MessageType, Op, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, WAIT};

struct Watcher {
    others: mpsc::Sender<(Op, Option<MessageType>)>,
}

impl Handler for Watcher {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("an offer is not a discover")
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn other(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.others
            .send((packet.op, packet.message_type()))
            .unwrap();
        Reply::None
    }
}

#[test]
fn an_offer_from_another_server_reaches_the_catch_all_over_udp() {
    let (others, seen) = mpsc::channel();
    let (server, client) = loopback(Watcher { others });
    let offer = respond(&packet(MessageType::Discover, 1), MessageType::Offer);
    client.send(&offer, server.handle().local_addr()).unwrap();
    assert_eq!(
        seen.recv_timeout(WAIT).unwrap(),
        (Op::Reply, Some(MessageType::Offer))
    );
    assert_eq!(server.handle().stats().handled(Some(MessageType::Offer)), 1);
}

#[test]
fn bootp_without_option_53_and_unknown_types_reach_the_catch_all() {
    let (others, seen) = mpsc::channel();
    let mut harness = Harness::new(Watcher { others });

    let bootp = packet(MessageType::Discover, 2).without_option(DhcpMessageType::CODE);
    assert_eq!(harness.inject(bootp), None);
    assert_eq!(seen.try_recv().unwrap(), (Op::Request, None));

    // A discover with op 2 is not a client's discover.
    let mut odd = packet(MessageType::Discover, 3);
    odd.op = Op::Reply;
    assert_eq!(harness.inject(odd), None);
    assert_eq!(
        seen.try_recv().unwrap(),
        (Op::Reply, Some(MessageType::Discover))
    );

    harness.inject(packet(MessageType::LeaseQuery, 4));
    assert_eq!(
        seen.try_recv().unwrap(),
        (Op::Request, Some(MessageType::LeaseQuery))
    );
    assert_eq!(harness.stats().handled(None), 1);
}

#[test]
fn a_closure_is_a_handler_that_sees_every_packet() {
    let mut count = 0;
    let mut harness = Harness::new(move |packet: &Packet, _: &Source| {
        count += 1;
        respond(packet, MessageType::Ack)
            .with_option(ex_dhcp::options::LeaseTime, count)
            .into()
    });
    for (xid, kind) in [
        MessageType::Discover,
        MessageType::Release,
        MessageType::Offer,
    ]
    .into_iter()
    .enumerate()
    {
        let sent = harness.inject(packet(kind, xid as u32)).expect("a reply");
        assert_eq!(
            sent.packet.options.get(ex_dhcp::options::LeaseTime),
            Some(xid as u32 + 1)
        );
    }
}
