//! Replies built with `respond` copy what RFC 2131 (table 3), RFC 6842 and RFC 3046
//! say to copy.

use std::net::Ipv4Addr;

use ex_dhcp::options::{
    relay, ClientIdentifier, DhcpOption, LeaseTime, RelayAgentInformation, ServerIdentifier,
    SubnetMask,
};
use ex_dhcp::{respond, Encoding, MessageType, Op, Packet};

fn relayed_request() -> Packet {
    let mut request = Packet::decode(&ex_dhcp_testkit::pxe_discover_nuc()).unwrap();
    request.giaddr = Ipv4Addr::new(10, 1, 0, 1);
    request.hops = 1;
    request
        .options
        .set_raw(ClientIdentifier::CODE, &[1, 2, 3, 4, 5, 6, 7]);
    request
        .options
        .set_raw(RelayAgentInformation::CODE, &[1, 2, b'p', b'1']);
    request
}

#[test]
fn reply_copies_xid_flags_giaddr_and_hardware_address() {
    let request = relayed_request();
    let offer = respond(&request, MessageType::Offer);
    assert_eq!(offer.op, Op::Reply);
    assert_eq!(offer.xid, request.xid);
    assert_eq!(offer.flags, request.flags);
    assert_eq!(offer.giaddr, request.giaddr);
    assert_eq!(offer.chaddr, request.chaddr);
    assert_eq!(offer.htype, request.htype);
    assert_eq!(offer.hlen, request.hlen);
    assert_eq!(offer.hops, 0);
    assert_eq!(offer.yiaddr, Ipv4Addr::UNSPECIFIED);
}

#[test]
fn reply_echoes_the_client_identifier() {
    let request = relayed_request();
    let ack = respond(&request, MessageType::Ack);
    assert_eq!(
        ack.options.get(ClientIdentifier),
        request.options.get(ClientIdentifier)
    );
}

#[test]
fn reply_puts_the_message_type_first_and_relay_information_last() {
    let request = relayed_request();
    let offer = respond(&request, MessageType::Offer)
        .with_yiaddr(Ipv4Addr::new(10, 1, 0, 20))
        .with_option(ServerIdentifier, Ipv4Addr::new(10, 0, 0, 1))
        .with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0))
        .with_option(LeaseTime, 3600);
    let decoded = Packet::decode(&offer.encode(Encoding::Padded)).unwrap();
    let codes = decoded.options.codes();
    assert_eq!(codes.first(), Some(&53));
    assert_eq!(codes.last(), Some(&82));
    assert_eq!(decoded.message_type(), Some(MessageType::Offer));
    let relay = decoded.options.get(RelayAgentInformation).unwrap();
    assert_eq!(
        relay.sub_options.get(relay::AGENT_CIRCUIT_ID),
        Some(&b"p1"[..])
    );
    assert_eq!(decoded, offer);
}

#[test]
fn reply_without_client_identifier_or_relay_information_has_neither() {
    let request = Packet::new(MessageType::Discover);
    let offer = respond(&request, MessageType::Offer);
    assert!(!offer.options.contains(61));
    assert!(!offer.options.contains(82));
}

#[test]
fn ack_keeps_ciaddr_and_nak_does_not() {
    let mut request = Packet::new(MessageType::Request);
    request.ciaddr = Ipv4Addr::new(10, 0, 0, 9);
    assert_eq!(respond(&request, MessageType::Ack).ciaddr, request.ciaddr);
    assert_eq!(
        respond(&request, MessageType::Nak).ciaddr,
        Ipv4Addr::UNSPECIFIED
    );
}
