//! DHCPDECLINE reaches `Handler::decline` and, by the RFC, gets no reply.

use std::net::Ipv4Addr;

use ex_dhcp::options::RequestedIpAddress;
use ex_dhcp::{respond, Handler, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, stats_when, OFFERED, WAIT};

#[derive(Default)]
struct Quarantine {
    declined: Vec<Ipv4Addr>,
}

impl Handler for Quarantine {
    type Message = ();
    /// Answers so that a test knows everything sent before has been handled.
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        respond(packet, MessageType::Offer).into()
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.declined.extend(packet.options.get(RequestedIpAddress));
        Reply::None
    }
}

#[test]
fn decline_updates_the_state_and_sends_nothing() {
    let (server, mut client) = loopback(Quarantine::default());
    let decline = packet(MessageType::Decline, 4).with_option(RequestedIpAddress, OFFERED);
    client.send(&decline, server.handle().local_addr()).unwrap();
    // One socket, one receive thread, one queue: the offer comes after the decline.
    let (offer, _) = client
        .exchange(
            &packet(MessageType::Discover, 5),
            server.handle().local_addr(),
            WAIT,
        )
        .expect("the marker offer");
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    let declined = server
        .handle()
        .call(|state| state.declined.clone())
        .unwrap();
    assert_eq!(declined, vec![OFFERED]);
    assert_eq!(
        server.handle().stats().handled(Some(MessageType::Decline)),
        1
    );
    assert_eq!(
        stats_when(&server, |stats| stats.sent >= 1).sent,
        1,
        "only the marker offer was sent"
    );
}
