//! A handler can work on options without any typed parsing: raw codes and bytes in,
//! raw codes and bytes out, in wire order.

use ex_dhcp::{respond, Harness, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, WAIT};

/// Echoes every site-specific option (224..=254) back, byte for byte.
fn echo_site_options(packet: &Packet, _: &Source) -> Reply {
    let mut reply = respond(packet, MessageType::Offer);
    for option in packet.options.iter().filter(|o| o.code >= 224) {
        reply.options.push_raw(option.code, option.data);
    }
    reply.into()
}

fn with_site_options() -> Packet {
    let mut discover = packet(MessageType::Discover, 0xaa);
    discover.options.push_raw(250, b"rack-3");
    discover.options.push_raw(224, &[]);
    discover.options.push_raw(250, b"twice");
    discover
}

#[test]
fn raw_options_are_echoed_in_wire_order_with_duplicates() {
    let mut harness = Harness::new(echo_site_options);
    let sent = harness.inject(with_site_options()).expect("a reply");
    let raw: Vec<(u8, Vec<u8>)> = sent
        .packet
        .options
        .iter()
        .filter(|o| o.code >= 224)
        .map(|o| (o.code, o.data.to_vec()))
        .collect();
    assert_eq!(
        raw,
        vec![
            (250, b"rack-3".to_vec()),
            (224, vec![]),
            (250, b"twice".to_vec())
        ]
    );
}

#[test]
fn raw_options_survive_the_wire_both_ways() {
    let (server, mut client) = loopback(echo_site_options);
    let (reply, _) = client
        .exchange(&with_site_options(), server.handle().local_addr(), WAIT)
        .expect("a reply");
    assert_eq!(
        reply.options.get_raw(250).as_deref(),
        Some(&b"rack-3twice"[..])
    );
    assert_eq!(reply.options.get_raw(224).as_deref(), Some(&[][..]));
}
