//! The three encodings through the three methods: `encode`, `encode_to` and
//! `encoded_len` agree for every `Encoding`, on packets built here and decoded ones
//! (sender filler after END, no END, plain BOOTP, overloaded fields).

use std::net::Ipv4Addr;

use ex_dhcp::options::{DomainNameServer, OptionOverload, Overload, Router, ServerIdentifier};
use ex_dhcp::wire::MIN_PACKET_LEN;
use ex_dhcp::{EncodeError, Encoding, MessageType, Op, Packet};

const ENCODINGS: [Encoding; 3] = [Encoding::Padded, Encoding::Unpadded, Encoding::Exact];

/// Packets whose three forms differ in every way they can, each with the bytes it
/// was decoded from (`None` for the one built here).
fn packets() -> Vec<(&'static str, Packet, Option<Vec<u8>>)> {
    let built = Packet::new(MessageType::Offer)
        .with_option(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 1))
        .with_xid(7);

    // Filler after END, as some clients send it.
    let mut filler = built.encode(Encoding::Exact);
    filler.resize(400, 0xee);

    // No END at all.
    let mut no_end = built.encode(Encoding::Exact);
    no_end.pop();

    let bootp = Packet::bootp(Op::Request).encode(Encoding::Padded);

    // Option 52 = 3: routers in `file`, name servers in `sname`, each field ended.
    let mut bytes = Packet::new(MessageType::Ack).encode(Encoding::Exact);
    bytes.pop();
    bytes.extend_from_slice(&[52, 1, 3, 255]);
    let file = 108;
    bytes[file..file + 6].copy_from_slice(&[3, 4, 198, 18, 0, 1]);
    bytes[file + 6] = 255;
    let sname = 44;
    bytes[sname..sname + 6].copy_from_slice(&[6, 4, 198, 18, 0, 2]);
    bytes[sname + 6] = 255;
    let overloaded = Packet::decode(&bytes).expect("decodes");
    assert_eq!(overloaded.options.get(OptionOverload), Some(Overload::Both));
    assert_eq!(
        overloaded.options.get(Router),
        Some(vec![Ipv4Addr::new(198, 18, 0, 1)])
    );
    assert_eq!(
        overloaded.options.get(DomainNameServer),
        Some(vec![Ipv4Addr::new(198, 18, 0, 2)])
    );

    let decoded = |bytes: Vec<u8>| (Packet::decode(&bytes).expect("decodes"), Some(bytes));
    let (filler, filler_bytes) = decoded(filler);
    let (no_end, no_end_bytes) = decoded(no_end);
    let (bootp, bootp_bytes) = decoded(bootp);
    vec![
        ("built", built, None),
        ("filler after END", filler, filler_bytes),
        ("no END", no_end, no_end_bytes),
        ("plain BOOTP", bootp, bootp_bytes),
        ("overloaded", overloaded, Some(bytes)),
    ]
}

#[test]
fn encode_encode_to_and_encoded_len_agree_for_every_encoding() {
    for (name, packet, _) in packets() {
        for encoding in ENCODINGS {
            let bytes = packet.encode(encoding);
            assert_eq!(
                bytes.len(),
                packet.encoded_len(encoding),
                "{name}, {encoding:?}"
            );
            let mut buf = vec![0xa5; bytes.len() + 9];
            let len = packet.encode_to(&mut buf, encoding).expect("room enough");
            assert_eq!(&buf[..len], &bytes[..], "{name}, {encoding:?}");
            assert!(
                buf[len..].iter().all(|b| *b == 0xa5),
                "{name}, {encoding:?}"
            );
        }
    }
}

#[test]
fn a_buffer_one_byte_short_is_refused_and_left_as_it_was() {
    for (name, packet, _) in packets() {
        for encoding in ENCODINGS {
            let needed = packet.encoded_len(encoding);
            let mut buf = vec![0xa5; needed - 1];
            assert_eq!(
                packet.encode_to(&mut buf, encoding),
                Err(EncodeError::BufferTooSmall {
                    needed,
                    available: needed - 1
                }),
                "{name}, {encoding:?}"
            );
            assert!(buf.iter().all(|b| *b == 0xa5), "{name}, {encoding:?}");
        }
    }
}

#[test]
fn padded_is_unpadded_then_zeros_to_the_bootp_minimum() {
    for (name, packet, _) in packets() {
        let unpadded = packet.encode(Encoding::Unpadded);
        let padded = packet.encode(Encoding::Padded);
        assert_eq!(padded.len(), unpadded.len().max(MIN_PACKET_LEN), "{name}");
        assert_eq!(&padded[..unpadded.len()], &unpadded[..], "{name}");
        assert!(padded[unpadded.len()..].iter().all(|b| *b == 0), "{name}");
        assert_eq!(
            Packet::decode(&padded)
                .expect("the padded form decodes")
                .options,
            packet.options,
            "{name}"
        );
    }
}

#[test]
fn exact_gives_a_decoded_packet_its_bytes_and_a_built_one_its_unpadded_form() {
    for (name, packet, bytes) in packets() {
        let exact = packet.encode(Encoding::Exact);
        match bytes {
            Some(bytes) => assert_eq!(exact, bytes, "{name}"),
            None => assert_eq!(exact, packet.encode(Encoding::Unpadded), "{name}"),
        }
    }
}
