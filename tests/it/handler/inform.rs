//! DHCPINFORM reaches `Handler::inform`: no reply by default; an ACK goes to ciaddr.

use std::net::{Ipv4Addr, SocketAddrV4};

use ex_dhcp::options::DomainNameServer;
use ex_dhcp::{respond, Handler, Harness, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, Silent, WAIT};

struct Informs;

impl Handler for Informs {
    type Message = ();
    ex_dhcp_testkit::silent_callbacks!(discover, request, decline);
    fn inform(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        respond(packet, MessageType::Ack)
            .with_option(DomainNameServer, vec![Ipv4Addr::new(198, 18, 0, 53)])
            .into()
    }
}

#[test]
fn inform_gets_no_reply_by_default() {
    let mut harness = Harness::new(Silent);
    assert_eq!(harness.inject(packet(MessageType::Inform, 1)), None);
    assert_eq!(harness.stats().handled(Some(MessageType::Inform)), 1);
}

#[test]
fn inform_ack_is_unicast_to_ciaddr_over_udp() {
    let (server, mut client) = loopback(Informs);
    let mut inform = packet(MessageType::Inform, 0x1f0);
    // ciaddr is the client's own address; on loopback, 127.0.0.1 at the client port.
    inform.ciaddr = Ipv4Addr::LOCALHOST;
    let (ack, _) = client
        .exchange(&inform, server.handle().local_addr(), WAIT)
        .expect("an ack");
    assert_eq!(ack.ciaddr, Ipv4Addr::LOCALHOST);
    assert_eq!(
        ack.options.get(DomainNameServer),
        Some(vec![Ipv4Addr::new(198, 18, 0, 53)])
    );

    let mut harness = Harness::new(Informs);
    let mut inform = packet(MessageType::Inform, 2);
    inform.ciaddr = Ipv4Addr::new(198, 18, 0, 77);
    let sent = harness.inject(inform).expect("an ack");
    assert_eq!(
        sent.to,
        SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 77), 68)
    );
}
