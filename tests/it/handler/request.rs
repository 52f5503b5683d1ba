//! DHCPREQUEST reaches `Handler::request`: ACK to the client, NAK always broadcast.

use std::net::{Ipv4Addr, SocketAddrV4};

use ex_dhcp::options::RequestedIpAddress;
use ex_dhcp::{respond, Handler, Harness, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, OFFERED, WAIT};

/// ACKs the offered address, NAKs anything else.
struct OnlyOffered;

impl Handler for OnlyOffered {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn request(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let wanted = packet
            .options
            .get(RequestedIpAddress)
            .unwrap_or(packet.ciaddr);
        if wanted == OFFERED {
            respond(packet, MessageType::Ack)
                .with_yiaddr(OFFERED)
                .into()
        } else {
            respond(packet, MessageType::Nak).into()
        }
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

#[test]
fn request_for_the_offered_address_is_acked_over_udp() {
    let (server, mut client) = loopback(OnlyOffered);
    let request = packet(MessageType::Request, 7).with_option(RequestedIpAddress, OFFERED);
    let (ack, _) = client
        .exchange(&request, server.handle().local_addr(), WAIT)
        .expect("an ack");
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.yiaddr, OFFERED);
    assert_eq!(
        server.handle().stats().handled(Some(MessageType::Request)),
        1
    );
}

#[test]
fn nak_is_always_broadcast_even_when_ciaddr_is_set() {
    let mut harness = Harness::new(OnlyOffered);
    let mut renew = packet(MessageType::Request, 8);
    renew.ciaddr = Ipv4Addr::new(198, 18, 0, 99);
    let sent = harness.inject(renew).expect("a nak");
    assert_eq!(sent.packet.message_type(), Some(MessageType::Nak));
    assert_eq!(sent.to, SocketAddrV4::new(Ipv4Addr::BROADCAST, 68));
}

#[test]
fn renewal_ack_is_unicast_to_ciaddr() {
    let mut harness = Harness::new(OnlyOffered);
    let mut renew = packet(MessageType::Request, 9);
    renew.ciaddr = OFFERED;
    let sent = harness.inject(renew).expect("an ack");
    assert_eq!(sent.packet.ciaddr, OFFERED);
    assert_eq!(sent.to, SocketAddrV4::new(OFFERED, 68));
}
