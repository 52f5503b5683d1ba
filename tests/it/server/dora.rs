//! A full DISCOVER, OFFER, REQUEST, ACK cycle over loopback UDP with the public client.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ex_dhcp::options::{
    DomainNameServer, LeaseTime, RequestedIpAddress, Router, ServerIdentifier, SubnetMask,
};
use ex_dhcp::{respond, Handler, MessageType, Op, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, stats_when, MAC, OFFERED, SERVER_ID, WAIT};

/// Offers one address per MAC and acknowledges requests for it.
#[derive(Default)]
struct Leases {
    offered: HashMap<ex_dhcp::Mac, Ipv4Addr>,
    bound: HashMap<ex_dhcp::Mac, Ipv4Addr>,
}

fn configure(reply: Packet) -> Packet {
    reply
        .with_option(ServerIdentifier, SERVER_ID)
        .with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0))
        .with_option(Router, vec![Ipv4Addr::new(198, 18, 0, 1)])
        .with_option(DomainNameServer, vec![Ipv4Addr::new(198, 18, 0, 53)])
        .with_option(LeaseTime, 600)
}

impl Handler for Leases {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let mac = packet.mac().expect("ethernet");
        self.offered.insert(mac, OFFERED);
        configure(respond(packet, MessageType::Offer).with_yiaddr(OFFERED)).into()
    }
    fn request(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let mac = packet.mac().expect("ethernet");
        match (
            self.offered.get(&mac),
            packet.options.get(RequestedIpAddress),
        ) {
            (Some(offered), Some(wanted)) if *offered == wanted => {
                self.bound.insert(mac, wanted);
                configure(respond(packet, MessageType::Ack).with_yiaddr(wanted)).into()
            }
            _ => respond(packet, MessageType::Nak)
                .with_option(ServerIdentifier, SERVER_ID)
                .into(),
        }
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

fn assert_configured(reply: &Packet, kind: MessageType, xid: u32) {
    assert_eq!(reply.op, Op::Reply);
    assert_eq!(reply.message_type(), Some(kind));
    assert_eq!(reply.xid, xid);
    assert_eq!(reply.mac().map(<[u8; 6]>::from), Some(MAC));
    assert_eq!(reply.yiaddr, OFFERED);
    assert_eq!(reply.ciaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(reply.giaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(reply.options.get(ServerIdentifier), Some(SERVER_ID));
    assert_eq!(
        reply.options.get(SubnetMask),
        Some(Ipv4Addr::new(255, 255, 255, 0))
    );
    assert_eq!(
        reply.options.get(Router),
        Some(vec![Ipv4Addr::new(198, 18, 0, 1)])
    );
    assert_eq!(
        reply.options.get(DomainNameServer),
        Some(vec![Ipv4Addr::new(198, 18, 0, 53)])
    );
    assert_eq!(reply.options.get(LeaseTime), Some(600));
}

#[test]
fn discover_offer_request_ack_over_loopback() {
    let (server, mut client) = loopback(Leases::default());
    let to = server.handle().local_addr();

    let (offer, from) = client
        .exchange(&packet(MessageType::Discover, 0x0d0a_0001), to, WAIT)
        .expect("an offer");
    assert_eq!(from, to);
    assert_configured(&offer, MessageType::Offer, 0x0d0a_0001);

    let request = packet(MessageType::Request, 0x0d0a_0002)
        .with_option(RequestedIpAddress, offer.yiaddr)
        .with_option(
            ServerIdentifier,
            offer.options.get(ServerIdentifier).unwrap(),
        );
    let (ack, from) = client.exchange(&request, to, WAIT).expect("an ack");
    assert_eq!(from, to);
    assert_configured(&ack, MessageType::Ack, 0x0d0a_0002);

    assert_eq!(
        server
            .handle()
            .call(|state| state.bound.get(&ex_dhcp::Mac::new(MAC)).copied()),
        Ok(Some(OFFERED))
    );
    let stats = stats_when(&server, |stats| stats.sent == 2);
    assert_eq!(stats.received, 2);
    assert_eq!(stats.handled(Some(MessageType::Discover)), 1);
    assert_eq!(stats.handled(Some(MessageType::Request)), 1);
}

#[test]
fn request_for_an_address_never_offered_is_naked() {
    let (server, mut client) = loopback(Leases::default());
    let request = packet(MessageType::Request, 0x0d0a_0003)
        .with_option(RequestedIpAddress, Ipv4Addr::new(198, 18, 0, 200));
    let (nak, _) = client
        .exchange(&request, server.handle().local_addr(), WAIT)
        .expect("a nak");
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert_eq!(nak.yiaddr, Ipv4Addr::UNSPECIFIED);
}
