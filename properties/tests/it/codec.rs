//! Properties: any packet survives encode/decode unchanged, and no input bytes make
//! decoding (of packets, or of any built-in option's typed value) panic.

use std::net::Ipv4Addr;

use ex_dhcp::options::{describe, OVERLOAD};
use ex_dhcp::wire::{CHADDR_LEN, FILE_LEN, SNAME_LEN};
use ex_dhcp::{Encoding, Flags, Op, Packet};
use proptest::prelude::*;

/// An option code that is neither PAD, END nor OVERLOAD (which would turn `file` and
/// `sname` into option areas and make their arbitrary bytes meaningful).
fn option_code() -> impl Strategy<Value = u8> {
    (1u8..=254).prop_filter("not option overload", |code| *code != OVERLOAD)
}

fn options() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    prop::collection::vec(
        (option_code(), prop::collection::vec(any::<u8>(), 0..300)),
        0..12,
    )
}

prop_compose! {
    fn packet()(
        op in any::<u8>(),
        htype in any::<u8>(),
        hlen in any::<u8>(),
        hops in any::<u8>(),
        xid in any::<u32>(),
        secs in any::<u16>(),
        flags in any::<u16>(),
        addresses in any::<[u32; 4]>(),
        chaddr in any::<[u8; CHADDR_LEN]>(),
        sname in prop::collection::vec(any::<u8>(), SNAME_LEN),
        file in prop::collection::vec(any::<u8>(), FILE_LEN),
        options in options(),
    ) -> Packet {
        let mut packet = Packet {
            op: Op::from(op),
            htype,
            hlen,
            hops,
            xid,
            secs,
            flags: Flags(flags),
            ciaddr: Ipv4Addr::from(addresses[0]),
            yiaddr: Ipv4Addr::from(addresses[1]),
            siaddr: Ipv4Addr::from(addresses[2]),
            giaddr: Ipv4Addr::from(addresses[3]),
            chaddr,
            ..Packet::default()
        };
        packet.sname.copy_from_slice(&sname);
        packet.file.copy_from_slice(&file);
        for (code, value) in options {
            packet.options.push_raw(code, &value);
        }
        packet
    }
}

/// Every fixture payload and the NUC packet, as seeds for mutation.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![ex_dhcp_testkit::pxe_discover_nuc()];
    for (file, _) in ex_dhcp_testkit::CAPTURES {
        seeds.extend(ex_dhcp_testkit::capture_payloads(file));
    }
    seeds
}

proptest! {
    #[test]
    fn any_packet_decodes_to_itself_after_encoding(packet in packet()) {
        let bytes = packet.encode(Encoding::Padded);
        prop_assert_eq!(bytes.len(), packet.encoded_len(Encoding::Padded));
        let decoded = Packet::decode(&bytes).unwrap();
        prop_assert_eq!(&decoded, &packet);
        prop_assert_eq!(decoded.encode(Encoding::Padded), bytes);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
        if let Ok(packet) = Packet::decode(&bytes) {
            let _ = packet.to_string();
            let _ = Packet::decode(&packet.encode(Encoding::Padded));
        }
    }

    #[test]
    fn decoding_arbitrary_options_after_a_valid_header_never_panics(
        options in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut bytes = ex_dhcp_testkit::pxe_discover_nuc();
        bytes.truncate(240);
        bytes.extend_from_slice(&options);
        if let Ok(packet) = Packet::decode(&bytes) {
            let _ = packet.to_string();
            let again = Packet::decode(&packet.encode(Encoding::Padded));
            prop_assert!(again.is_ok());
        }
    }

    #[test]
    fn decoding_mutated_fixtures_never_panics(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let seeds = seeds();
        let mut bytes = seed.get(&seeds).clone();
        for (at, value) in mutations {
            let index = at.index(bytes.len());
            bytes[index] = value;
        }
        let keep = cut.index(bytes.len() + 1);
        for bytes in [&bytes[..], &bytes[..keep]] {
            if let Ok(packet) = Packet::decode(bytes) {
                let _ = packet.to_string();
                let _ = Packet::decode(&packet.encode(Encoding::Padded));
            }
        }
    }

    #[test]
    fn typed_decoding_of_every_built_in_option_never_panics(
        value in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        // `describe` decodes with the built-in type of each code.
        for code in 0..=u8::MAX {
            let _ = describe(code, &value).to_string();
        }
    }

    #[test]
    fn domain_names_built_from_labels_and_pointers_never_panic(
        value in prop::collection::vec(
            prop_oneof![Just(0u8), Just(0xc0), 1u8..8, any::<u8>()],
            0..120,
        ),
    ) {
        use ex_dhcp::options::{DomainSearchList, Fqdn, OptionValue, SipServerList};
        let _ = DomainSearchList::decode_value(&value);
        let _ = SipServerList::decode_value(&value);
        let _ = Fqdn::decode_value(&value);
    }
}
