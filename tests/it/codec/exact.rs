//! The exact form: every well-formed real packet decodes and `Encoding::Exact` gives
//! back the datagram byte for byte (short ones not padded, sender padding and filler
//! after END kept, no END added), while `Encoding::Padded` stays the form to send, with
//! its 300-byte minimum.
//!
//! Fixtures: `tests/data/captures/*.pcap` (real captures, provenance in their README),
//! `tests/data/replay_generated_dora.pcap` and `tests/data/*.bin`.

use std::path::{Path, PathBuf};

use ex_dhcp::options::{DhcpMessageType, DhcpOption, LeaseTime, ServerIdentifier, END, PAD};
use ex_dhcp::wire::MIN_PACKET_LEN;
use ex_dhcp::{respond, Encoding, MessageType, Packet};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Every DHCP payload of every fixture capture and every `.bin` packet, named.
fn every_fixture_packet() -> Vec<(String, Vec<u8>)> {
    let mut packets = Vec::new();
    let mut pcaps = files_in(&data().join("captures"), "pcap");
    assert_eq!(
        pcaps.len(),
        6,
        "tests/data/captures holds the six shared captures"
    );
    pcaps.extend(files_in(&data(), "pcap"));
    for path in pcaps {
        let capture = ex_dhcp::capture::read_file(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (index, datagram) in capture.datagrams.into_iter().enumerate() {
            let name = path.file_name().unwrap().to_string_lossy();
            packets.push((format!("{name} #{index}"), datagram.payload));
        }
    }
    for path in files_in(&data(), "bin") {
        let bytes = std::fs::read(&path).unwrap();
        packets.push((path.file_name().unwrap().to_string_lossy().into(), bytes));
    }
    packets
}

#[test]
fn every_fixture_packet_encodes_back_byte_for_byte_in_the_exact_form() {
    let packets = every_fixture_packet();
    assert!(packets.len() >= 20, "only {} packets", packets.len());
    for (name, bytes) in &packets {
        let packet = Packet::decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            packet.encode(Encoding::Exact),
            *bytes,
            "{name}: encode(Exact)"
        );
        assert_eq!(packet.encoded_len(Encoding::Exact), bytes.len(), "{name}");
        let mut buf = vec![0xa5; bytes.len() + 3];
        let len = packet.encode_to(&mut buf, Encoding::Exact).unwrap();
        assert_eq!(&buf[..len], &bytes[..], "{name}: encode_to(Exact)");
        assert!(
            packet
                .encode_to(&mut buf[..len - 1], Encoding::Exact)
                .is_err(),
            "{name}"
        );
        // Reused storage gives the same record.
        let mut reused = Packet::decode(&packets[0].1).unwrap();
        reused.decode_from(bytes).unwrap();
        assert_eq!(
            reused.encode(Encoding::Exact),
            *bytes,
            "{name}: decode_from"
        );
    }
}

#[test]
fn the_padded_form_keeps_the_300_byte_minimum_and_ends_with_end() {
    for (name, bytes) in every_fixture_packet() {
        let packet = Packet::decode(&bytes).unwrap();
        let reply_form = packet.encode(Encoding::Padded);
        assert!(reply_form.len() >= MIN_PACKET_LEN, "{name}");
        assert_eq!(Packet::decode(&reply_form).unwrap(), packet, "{name}");
        let unpadded = packet.encoded_len(Encoding::Unpadded);
        assert_eq!(reply_form[unpadded - 1], END, "{name}");
    }
}

#[test]
fn a_short_packet_is_not_padded_in_the_exact_form() {
    let mut bytes = Packet::new(MessageType::Nak).encode(Encoding::Exact);
    assert_eq!(bytes.len(), 244, "cookie, option 53, END");
    bytes.extend_from_slice(&[0; 6]); // a 250-byte sender, like DHCP-NAK-SMALL
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.encode(Encoding::Exact), bytes);
    assert_eq!(packet.options.after_end(), &[0; 6]);
    assert_eq!(packet.encode(Encoding::Padded).len(), MIN_PACKET_LEN);
}

#[test]
fn sender_padding_and_filler_after_end_are_kept() {
    let mut bytes = Packet::new(MessageType::Discover).encode(Encoding::Exact);
    bytes.extend_from_slice(&[0xde, 0xad, 0, 0, 0xbe, 0xef]);
    bytes.resize(576, 0);
    let packet = Packet::decode(&bytes).unwrap();
    assert!(packet.options.has_end());
    assert_eq!(packet.options.after_end().len(), 576 - 244);
    assert_eq!(packet.encode(Encoding::Exact), bytes);
    let reply_form = packet.encode(Encoding::Padded);
    assert_eq!(
        reply_form.len(),
        MIN_PACKET_LEN,
        "the padded form drops the filler"
    );
    assert!(reply_form[244..].iter().all(|b| *b == 0));
}

#[test]
fn a_packet_without_end_gets_no_end_in_the_exact_form_and_one_in_the_reply_form() {
    let mut bytes = Packet::new(MessageType::Request).encode(Encoding::Exact);
    assert_eq!(bytes.pop(), Some(END));
    let packet = Packet::decode(&bytes).unwrap();
    assert!(!packet.options.has_end());
    assert_eq!(packet.encode(Encoding::Exact), bytes);
    assert_eq!(packet.encode(Encoding::Padded)[bytes.len()], END);
}

#[test]
fn padding_runs_are_kept_as_runs_and_written_back() {
    let mut bytes = Packet::new(MessageType::Discover).encode(Encoding::Exact);
    let end = bytes.pop().unwrap();
    bytes.extend(std::iter::repeat_n(PAD, 1000));
    bytes.extend_from_slice(&[LeaseTime::CODE, 4, 0, 0, 14, 16]);
    bytes.extend_from_slice(&[PAD, PAD, end]);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.options.len(), 2);
    assert_eq!(packet.options.get(LeaseTime), Some(3600));
    let pads: Vec<_> = packet
        .options
        .iter_wire()
        .filter(|o| o.code == PAD)
        .map(|o| o.offset.unwrap())
        .collect();
    assert_eq!(pads.len(), 1002);
    assert_eq!(pads[0], 243, "the first pad follows option 53 at 240");
    assert_eq!(pads[999], 1242);
    assert_eq!(pads[1000], 1249, "after option 51 at 1243");
    assert_eq!(packet.encode(Encoding::Exact), bytes);
    assert_eq!(
        packet.encode(Encoding::Padded),
        bytes,
        "the padded form keeps interior padding too"
    );
}

#[test]
fn decoded_options_know_their_offsets_and_set_ones_do_not() {
    let mut request = Packet::new(MessageType::Request);
    request
        .options
        .set(ServerIdentifier, std::net::Ipv4Addr::new(198, 18, 0, 1));
    let mut decoded = Packet::decode(&request.encode(Encoding::Padded)).unwrap();
    let offsets: Vec<_> = decoded.options.iter().map(|o| (o.code, o.offset)).collect();
    assert_eq!(
        offsets,
        [
            (DhcpMessageType::CODE, Some(240)),
            (ServerIdentifier::CODE, Some(243))
        ]
    );
    decoded.options.set(LeaseTime, 60);
    assert_eq!(decoded.options.iter().last().unwrap().offset, None);
}

#[test]
fn edits_to_a_decoded_packet_keep_its_wire_record() {
    let mut bytes = Packet::new(MessageType::Discover).encode(Encoding::Exact);
    bytes.resize(400, 0x11);
    let request = Packet::decode(&bytes).unwrap();
    let mut edited = request.clone();
    edited.xid = 7;
    let again = edited.encode(Encoding::Exact);
    assert_eq!(again.len(), 400);
    assert_eq!(&again[244..], &bytes[244..]);
    // A reply built from it starts fresh: the padded form, no sender bytes.
    let offer = respond(&request, MessageType::Offer);
    assert!(offer.options.after_end().is_empty());
    assert_eq!(offer.encode(Encoding::Padded).len(), MIN_PACKET_LEN);
    assert_eq!(
        offer.encode(Encoding::Exact).len(),
        offer.encoded_len(Encoding::Unpadded)
    );
}

/// A decoded list is read from its bytes until the first edit builds its index: the
/// two forms must give the same occurrences (padding runs, areas, offsets), compare
/// equal, and encode the same, on a packet with padding everywhere it can be: a run
/// of more than 255 PAD bytes, padding between options and before END in each area,
/// and an overloaded `file` and `sname`.
#[test]
fn a_list_with_an_option_removed_between_pads_equals_its_own_round_trip() {
    let mut bytes = Packet::new(MessageType::Request).encode(Encoding::Exact);
    bytes.pop(); // END
    bytes.extend_from_slice(&[PAD, PAD, 12, 1, b'h', PAD, PAD, PAD, END]);
    let mut packet = Packet::decode(&bytes).unwrap();
    packet.options.remove(12);
    // Two runs of padding side by side now, one run of five on the wire.
    let again = Packet::decode(&packet.encode(Encoding::Exact)).unwrap();
    assert_eq!(again, packet);
    assert_ne!(again, Packet::decode(&bytes).unwrap(), "the option is gone");
}

#[test]
fn a_decoded_list_reads_the_same_before_and_after_its_first_edit() {
    let mut bytes = Packet::new(MessageType::Request).encode(Encoding::Exact);
    bytes.pop(); // END
    bytes.extend_from_slice(&[52, 1, 3, PAD, 54, 4, 10, 0, 0, 1]);
    bytes.extend(std::iter::repeat_n(PAD, 300));
    bytes.extend_from_slice(&[61, 2, 1, 2, PAD, PAD, END, 0, 0, 7]);
    // `file` (offset 108): two routers, padding, END; `sname` (offset 44): an
    // option, padding, a second occurrence of the options field's 61, padding, no END.
    bytes[108..124].copy_from_slice(&[3, 4, 10, 0, 0, 1, PAD, 3, 4, 10, 0, 0, 2, PAD, PAD, END]);
    bytes[44..54].copy_from_slice(&[15, 2, b'a', b'b', PAD, PAD, 61, 2, 3, 4]);
    bytes[54..108].fill(PAD);
    let decoded = Packet::decode(&bytes).unwrap();
    let mut indexed = decoded.clone();
    indexed.options.retain(|_| true); // an edit that changes nothing

    let wire = |p: &Packet| {
        p.options
            .iter_wire()
            .map(|o| (o.code, o.area, o.data.to_vec(), o.offset))
            .collect::<Vec<_>>()
    };
    assert_eq!(wire(&decoded), wire(&indexed));
    assert_eq!(decoded, indexed);
    assert_eq!(decoded.options.len(), 8);
    assert_eq!(
        decoded.options.get_raw(3).as_deref(),
        Some(&[10, 0, 0, 1, 10, 0, 0, 2][..])
    );
    // Every code reads the same (joined across occurrences, absent, PAD, END).
    for code in 0..=255u8 {
        assert_eq!(
            decoded.options.get_raw(code),
            indexed.options.get_raw(code),
            "option {code}"
        );
    }
    assert_eq!(decoded.encode(Encoding::Exact), bytes);
    assert_eq!(indexed.encode(Encoding::Exact), bytes);
    assert_eq!(
        decoded.encode(Encoding::Padded),
        indexed.encode(Encoding::Padded)
    );
    let pads: Vec<_> = wire(&decoded)
        .into_iter()
        .filter(|o| o.0 == PAD)
        .map(|o| o.3.unwrap())
        .collect();
    assert_eq!(pads.len(), 1 + 300 + 2 + 1 + 2 + 56);
    assert!(pads.contains(&(108 + 6)) && pads.contains(&(44 + 4)) && pads.contains(&107));

    // And an edit after that reads back as expected.
    indexed.options.remove(3);
    assert!(indexed.options.get_raw(3).is_none());
    let again = Packet::decode(&indexed.encode(Encoding::Exact)).unwrap();
    let options = |p: &Packet| {
        p.options
            .iter()
            .map(|o| (o.code, o.data.to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(options(&again), options(&indexed));
}
