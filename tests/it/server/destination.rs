//! Reply destinations (RFC 2131 4.1) observed on real sockets where loopback allows,
//! and on the harness for the addresses loopback cannot reach.

use std::net::{Ipv4Addr, SocketAddrV4};

use ex_dhcp::options::MaxMessageSize;
use ex_dhcp::server::{DestinationPolicy, SocketConfig};
use ex_dhcp::{
    respond, Client, Config, Encoding, Harness, MessageType, Packet, Reply, Server, Source,
};
use ex_dhcp_testkit::{loopback, loopback_with, packet, WAIT};

fn answer(packet: &Packet, _: &Source) -> Reply {
    let kind = match packet.message_type() {
        Some(MessageType::Discover) => MessageType::Offer,
        Some(MessageType::Decline) => MessageType::Nak,
        _ => MessageType::Ack,
    };
    respond(packet, kind).into()
}

#[test]
fn relay_replies_go_to_giaddr_at_the_relay_port_and_a_nak_there_is_flagged_broadcast() {
    // The test client plays the relay agent: giaddr 127.0.0.1, relay port its port.
    // Client port and broadcast address lead nowhere, so only relay routing can reach it.
    let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .relay_port(client.local_addr().unwrap().port())
        .client_port(9)
        .broadcast_addr(Ipv4Addr::new(127, 0, 0, 2));
    let server = Server::start(config, answer).unwrap();
    let mut relayed = packet(MessageType::Decline, 0x4e4b);
    relayed.giaddr = Ipv4Addr::LOCALHOST;
    let (nak, _) = client
        .exchange(&relayed, server.handle().local_addr(), WAIT)
        .expect("the nak reaches the relay");
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert!(nak.broadcast(), "the relay must broadcast a nak");
    assert_eq!(nak.giaddr, Ipv4Addr::LOCALHOST);
}

#[test]
fn broadcast_flag_replies_go_to_the_broadcast_address() {
    let (server, mut client) = loopback(answer);
    let discover = packet(MessageType::Discover, 0xb).with_broadcast(true);
    let (offer, _) = client
        .exchange(&discover, server.handle().local_addr(), WAIT)
        .expect("broadcast (127.0.0.1 here) reaches the client");
    assert!(offer.broadcast());
}

#[test]
fn ciaddr_replies_are_unicast_and_always_broadcast_policy_ignores_it() {
    let mut rfc = Harness::new(answer);
    let mut renew = packet(MessageType::Request, 1);
    renew.ciaddr = Ipv4Addr::new(198, 18, 0, 10);
    assert_eq!(
        rfc.inject(renew.clone()).unwrap().to,
        SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 10), 68)
    );
    let mut exdhcp = Harness::with_config(
        Config::default().destination_policy(DestinationPolicy::AlwaysBroadcast),
        answer,
    );
    assert_eq!(
        exdhcp.inject(renew).unwrap().to,
        SocketAddrV4::new(Ipv4Addr::BROADCAST, 68)
    );
}

#[test]
fn an_explicit_destination_wins() {
    let to = SocketAddrV4::new(Ipv4Addr::new(198, 18, 9, 9), 4011);
    let mut harness = Harness::new(move |packet: &Packet, _: &Source| {
        Reply::SendTo(respond(packet, MessageType::Ack), to)
    });
    assert_eq!(
        harness.inject(packet(MessageType::Request, 2)).unwrap().to,
        to
    );
}

#[test]
fn replies_leave_from_the_socket_the_request_came_in_on() {
    let (server, mut client) = loopback_with(
        Config::default().also_listen(SocketConfig::new(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))),
        |packet: &Packet, from: &Source| -> Reply {
            respond(packet, MessageType::Offer)
                .with_yiaddr(Ipv4Addr::new(10, 0, 0, from.listener as u8))
                .into()
        },
    );
    let second = server.handle().listeners()[1].local;
    assert_ne!(second, server.handle().local_addr());
    let (offer, from) = client
        .exchange(&packet(MessageType::Discover, 0x4011), second, WAIT)
        .expect("an offer from the second socket");
    assert_eq!(from, second, "source port is the port the client sent to");
    assert_eq!(offer.yiaddr, Ipv4Addr::new(10, 0, 0, 1));
}

#[test]
fn long_replies_are_fitted_to_the_clients_maximum_message_size() {
    let mut harness = Harness::new(|packet: &Packet, _: &Source| -> Reply {
        let mut reply = respond(packet, MessageType::Offer);
        for code in 224..=231 {
            reply.options.set_raw(code, &[0; 200]);
        }
        reply.into()
    });
    let small = harness.inject(packet(MessageType::Discover, 1)).unwrap();
    assert!(small.packet.encoded_len(Encoding::Padded) <= 576 - 28);
    let big = packet(MessageType::Discover, 2).with_option(MaxMessageSize, 1500);
    let big = harness.inject(big).unwrap();
    assert!(big.packet.encoded_len(Encoding::Padded) <= 1500 - 28);
    assert!(big.packet.options.len() > small.packet.options.len());
}

#[test]
fn a_nak_built_without_respond_still_goes_to_the_relay_flagged_broadcast() {
    // The handler builds its NAK from scratch: no giaddr, no flags. The route follows
    // the request's giaddr, and so must the broadcast bit (RFC 2131 4.1).
    let mut harness = Harness::new(|request: &Packet, _: &Source| -> Reply {
        let mut nak = Packet::new(MessageType::Nak);
        nak.xid = request.xid;
        nak.chaddr = request.chaddr;
        nak.into()
    });
    let mut relayed = packet(MessageType::Request, 0x4e4c);
    relayed.giaddr = Ipv4Addr::new(198, 18, 1, 1);
    let sent = harness.inject(relayed).expect("a nak");
    assert_eq!(sent.to, SocketAddrV4::new(Ipv4Addr::new(198, 18, 1, 1), 67));
    assert!(
        sent.packet.broadcast(),
        "the relay is asked to broadcast the nak"
    );
}

#[test]
fn a_reply_trimmed_to_the_clients_size_is_counted() {
    let mut harness = Harness::new(|request: &Packet, _: &Source| -> Reply {
        let mut offer = respond(request, MessageType::Offer);
        for code in 200..=203 {
            offer.options.set_raw(code, &[code; 200]);
        }
        offer.into()
    });
    let sent = harness
        .inject(packet(MessageType::Discover, 0x7e11))
        .expect("an offer");
    assert!(sent.packet.encoded_len(Encoding::Unpadded) <= 548);
    assert_eq!(harness.stats().trimmed, 1);
    let small = harness
        .inject(packet(MessageType::Discover, 0x7e12).with_option(MaxMessageSize, 1500))
        .expect("an offer");
    assert!(
        small.packet.options.contains(203),
        "1500 bytes fit every option"
    );
    assert_eq!(
        harness.stats().trimmed,
        1,
        "a reply that fits is not counted"
    );
}
