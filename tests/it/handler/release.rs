//! DHCPRELEASE reaches `Handler::release`, and gets no reply.

use std::net::Ipv4Addr;

use ex_dhcp::{Handler, Harness, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{packet, Silent};

#[derive(Default)]
struct Leases {
    released: Vec<Ipv4Addr>,
}

impl Handler for Leases {
    type Message = ();
    ex_dhcp_testkit::silent_callbacks!(discover, request, decline);
    fn release(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.released.push(packet.ciaddr);
        Reply::None
    }
}

#[test]
fn release_reaches_its_callback_and_sends_nothing() {
    let mut harness = Harness::new(Leases::default());
    let mut release = packet(MessageType::Release, 5);
    release.ciaddr = Ipv4Addr::new(198, 18, 0, 10);
    assert_eq!(harness.inject(release), None);
    let exit = harness.finish();
    assert_eq!(exit.state.released, vec![Ipv4Addr::new(198, 18, 0, 10)]);
}

#[test]
fn release_is_silent_by_default() {
    let mut harness = Harness::new(Silent);
    assert_eq!(harness.inject(packet(MessageType::Release, 6)), None);
    assert_eq!(harness.stats().handled(Some(MessageType::Release)), 1);
}
