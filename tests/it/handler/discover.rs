//! DHCPDISCOVER reaches `Handler::discover`, and its OFFER reaches the client.

use std::net::Ipv4Addr;
use std::sync::mpsc;

use ex_dhcp::options::{LeaseTime, ServerIdentifier, SubnetMask};
use ex_dhcp::{respond, Handler, Harness, MessageType, Op, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, MAC, OFFERED, SERVER_ID, WAIT};

struct Offers {
    seen: mpsc::Sender<Source>,
}

impl Handler for Offers {
    type Message = ();
    fn discover(&mut self, packet: &Packet, from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.seen.send(from.clone()).unwrap();
        respond(packet, MessageType::Offer)
            .with_yiaddr(OFFERED)
            .with_option(ServerIdentifier, SERVER_ID)
            .with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0))
            .with_option(LeaseTime, 3600)
            .into()
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("not a request")
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("not a decline")
    }
}

#[test]
fn discover_is_answered_from_the_server_port_with_an_offer() {
    let (seen, sources) = mpsc::channel();
    let (server, mut client) = loopback(Offers { seen });
    let (offer, from) = client
        .exchange(
            &packet(MessageType::Discover, 0xd15c0),
            server.handle().local_addr(),
            WAIT,
        )
        .expect("an offer");
    assert_eq!(
        from,
        server.handle().local_addr(),
        "replies leave from the server's socket"
    );
    assert_eq!(offer.op, Op::Reply);
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.xid, 0xd15c0);
    assert_eq!(offer.mac().map(<[u8; 6]>::from), Some(MAC));
    assert_eq!(offer.yiaddr, OFFERED);
    assert_eq!(offer.options.get(ServerIdentifier), Some(SERVER_ID));
    assert_eq!(offer.options.get(LeaseTime), Some(3600));

    let source = sources.recv_timeout(WAIT).unwrap();
    assert_eq!(source.peer, client.local_addr().unwrap());
    assert_eq!(source.local, server.handle().local_addr());
    assert_eq!(source.listener, 0);
    assert_eq!(
        server.handle().stats().handled(Some(MessageType::Discover)),
        1
    );
}

#[test]
fn discover_without_broadcast_flag_or_ciaddr_is_broadcast() {
    let (seen, _sources) = mpsc::channel();
    let mut harness = Harness::new(Offers { seen });
    let sent = harness
        .inject(packet(MessageType::Discover, 1))
        .expect("an offer");
    assert_eq!(*sent.to.ip(), Ipv4Addr::BROADCAST);
    assert_eq!(sent.to.port(), 68);
}
