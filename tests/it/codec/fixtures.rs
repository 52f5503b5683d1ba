//! Every packet of the real captures in tests/data/captures decodes, encodes
//! back to the same bytes, and decodes to the facts the capture is known to hold.
//!
//! Padding: the captured payloads are compared with the encoding up to and including
//! the END option (`encode_to_min_len(buf, 0)`); what follows END in a capture is
//! padding, which must be zeros, and the 300-byte default encoding must give the same
//! length whenever the capture was at least 300 bytes.

use std::net::Ipv4Addr;

use ex_dhcp::options::{
    relay, ClientIdentifier, ClientLastTransactionTime, RelayAgentInformation, ServerIdentifier,
    SipServerList, SipServers, VendorSpecificInformation,
};
use ex_dhcp::wire::MIN_PACKET_LEN;
use ex_dhcp::{Encoding, MessageType, Op, Packet};
use ex_dhcp_testkit::{capture_payloads, CAPTURES};

fn decode_all(file: &str) -> Vec<(Vec<u8>, Packet)> {
    capture_payloads(file)
        .into_iter()
        .map(|payload| {
            let packet = Packet::decode(&payload)
                .unwrap_or_else(|error| panic!("{file}: packet does not decode: {error}"));
            (payload, packet)
        })
        .collect()
}

fn types(packets: &[(Vec<u8>, Packet)]) -> Vec<Option<MessageType>> {
    packets.iter().map(|(_, p)| p.message_type()).collect()
}

#[test]
fn every_capture_holds_the_expected_number_of_packets() {
    let total: usize = CAPTURES.iter().map(|(_, count)| count).sum();
    assert_eq!(total, 16);
    for (file, count) in CAPTURES {
        assert_eq!(capture_payloads(file).len(), *count, "{file}");
    }
}

#[test]
fn every_fixture_round_trips_byte_for_byte_up_to_end() {
    for (file, _) in CAPTURES {
        for (index, (payload, packet)) in decode_all(file).into_iter().enumerate() {
            let mut buf = [0u8; 1500];
            let len = packet.encode_to(&mut buf, Encoding::Unpadded).unwrap();
            assert_eq!(
                &buf[..len],
                &payload[..len],
                "{file} #{index}: bytes up to END"
            );
            assert!(
                payload[len..].iter().all(|b| *b == 0),
                "{file} #{index}: only zero padding after END"
            );
            if payload.len() >= MIN_PACKET_LEN {
                assert_eq!(
                    packet.encode(Encoding::Padded),
                    payload,
                    "{file} #{index}: padded encoding"
                );
            }
            assert_eq!(
                Packet::decode(&packet.encode(Encoding::Padded)).unwrap(),
                packet
            );
        }
    }
}

#[test]
fn short_nak_encodes_unpadded_to_its_exact_250_bytes() {
    let packets = decode_all("DHCP-NAK-SMALL.pcap");
    let (payload, packet) = &packets[0];
    assert_eq!(payload.len(), 250);
    let mut buf = [0u8; 400];
    // The capture ends right after END: the unpadded encoding is the whole payload.
    let len = packet.encode_to(&mut buf, Encoding::Unpadded).unwrap();
    assert_eq!(&buf[..len], &payload[..]);
    assert_eq!(packet.encoded_len(Encoding::Unpadded), 250);
    assert_eq!(packet.encode(Encoding::Padded).len(), MIN_PACKET_LEN);
    assert_eq!(packet.message_type(), Some(MessageType::Nak));
    assert_eq!(packet.hops, 1);
    assert_eq!(packet.giaddr, Ipv4Addr::new(10, 74, 0, 1));
    assert_eq!(
        packet.options.get(ServerIdentifier),
        Some(Ipv4Addr::new(211, 29, 132, 90))
    );
}

#[test]
fn dora_exchange_decodes_to_its_facts() {
    let packets = decode_all("DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap");
    assert_eq!(
        types(&packets),
        [
            Some(MessageType::Discover),
            Some(MessageType::Offer),
            Some(MessageType::Request),
            Some(MessageType::Ack)
        ]
    );
    let xids: Vec<u32> = packets.iter().map(|(_, p)| p.xid).collect();
    assert_eq!(xids, [0x3d1d, 0x3d1d, 0x3d1e, 0x3d1e]);
    for (_, reply) in [&packets[1], &packets[3]] {
        assert_eq!(reply.op, Op::Reply);
        assert_eq!(reply.yiaddr, Ipv4Addr::new(192, 168, 0, 10));
        assert_eq!(
            reply.options.get(ServerIdentifier),
            Some(Ipv4Addr::new(192, 168, 0, 1))
        );
    }
    let discover = &packets[0].1;
    let id = discover.options.get(ClientIdentifier).unwrap();
    assert_eq!(id.mac(), discover.mac());
    assert_eq!(
        discover.mac().map(<[u8; 6]>::from),
        Some([0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42])
    );
}

#[test]
fn relayed_cable_modem_packets_carry_relay_agent_sub_options() {
    for file in ["DHCP-O60-O43-O82.pcap", "DHCP-O122-O82.pcap"] {
        let packets = decode_all(file);
        assert_eq!(
            types(&packets),
            [Some(MessageType::Discover), Some(MessageType::Offer)]
        );
        for (_, packet) in &packets {
            assert_eq!(packet.hops, 1, "{file}");
            assert_ne!(packet.giaddr, Ipv4Addr::UNSPECIFIED, "{file}");
            let relay = packet.options.get(RelayAgentInformation).unwrap();
            let codes: Vec<u8> = relay.sub_options.iter().map(|s| s.code).collect();
            assert_eq!(
                codes,
                [
                    relay::AGENT_CIRCUIT_ID,
                    relay::AGENT_REMOTE_ID,
                    relay::VENDOR_SPECIFIC_INFORMATION
                ],
                "{file}"
            );
            assert_eq!(relay.remote_id().map(<[u8]>::len), Some(6));
        }
        let discover = &packets[0].1;
        let vendor = discover.options.get(VendorSpecificInformation).unwrap();
        assert!(vendor.sub_options().is_some_and(|list| list.len() == 10));
        assert!(packets[1].1.options.contains(122));
        // The offer echoes the discover's relay agent information, last.
        assert_eq!(
            packets[0].1.options.get_raw(82),
            packets[1].1.options.get_raw(82)
        );
        assert_eq!(packets[1].1.options.codes().last(), Some(&82));
    }
}

#[test]
fn sip_and_authentication_offer_decodes_to_its_facts() {
    let packets = decode_all("DHCP-O90-O120.pcap");
    let offer = &packets[0].1;
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.hops, 1);
    assert_eq!(
        offer.options.get(SipServers),
        Some(SipServerList::Addresses(vec![Ipv4Addr::new(
            172, 22, 178, 234
        )]))
    );
    assert!(offer.options.contains(90));
    let relay = offer.options.get(RelayAgentInformation).unwrap();
    assert_eq!(relay.circuit_id(), Some(&b" PON 1/1/07/01:1.0.1"[..]));
}

#[test]
fn leasequery_capture_holds_message_types_10_to_13() {
    let packets = decode_all("DHCP_MessageType_10_11_12_13.pcap");
    assert_eq!(
        types(&packets),
        [
            Some(MessageType::LeaseQuery),
            Some(MessageType::LeaseActive),
            Some(MessageType::LeaseQuery),
            Some(MessageType::LeaseUnassigned),
            Some(MessageType::LeaseQuery),
            Some(MessageType::LeaseUnknown)
        ]
    );
    let active = &packets[1].1;
    assert_eq!(active.options.get(ClientLastTransactionTime), Some(10));
    for pair in packets.chunks(2) {
        assert_eq!(pair[0].1.xid, pair[1].1.xid);
    }
}

#[test]
fn every_fixture_prints_a_readable_dump_naming_its_message_type() {
    for (file, _) in CAPTURES {
        for (_, packet) in decode_all(file) {
            let text = packet.to_string();
            let kind = packet.message_type().unwrap().to_string();
            assert!(text.starts_with(&kind), "{file}: {text}");
        }
    }
}
