//! The malformed-input corpus: one named, deterministic case per way a datagram can be
//! broken, each asserting the outcome the decode contract (src/packet/decode.rs) promises.
//!
//! Offsets in errors are from the start of the packet, for options in `file` and
//! `sname` too.

use ex_dhcp::options::{Area, OVERLOAD};
use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE};
use ex_dhcp::{DecodeError, Encoding, MessageType, Packet};
use ex_dhcp_testkit::decode::{
    assert_round_trip, header, option_pairs, packet_with_options, walk, Rng, FILE_START,
    OPTIONS_START, SNAME_START,
};

const END: u8 = 255;
const PAD: u8 = 0;
const MESSAGE_TYPE: u8 = 53;
const HOST_NAME: u8 = 12;

/// (code, area, value) of every option, PADs left out.
fn listed(packet: &Packet) -> Vec<(u8, Area, Vec<u8>)> {
    packet
        .options
        .iter()
        .map(|o| (o.code, o.area, o.data.to_vec()))
        .collect()
}

// Too short for the header or the cookie.

#[test]
fn empty_datagram_is_too_short() {
    assert_eq!(Packet::decode(&[]), Err(DecodeError::TooShort { len: 0 }));
}

#[test]
fn one_byte_is_too_short() {
    assert_eq!(Packet::decode(&[1]), Err(DecodeError::TooShort { len: 1 }));
}

#[test]
fn one_byte_short_of_the_header_is_too_short() {
    let bytes = &header()[..HEADER_LEN - 1];
    assert_eq!(bytes.len(), 235);
    assert_eq!(
        Packet::decode(bytes),
        Err(DecodeError::TooShort { len: 235 })
    );
}

#[test]
fn header_with_part_of_a_cookie_misses_the_cookie() {
    let bytes = &header()[..HEADER_LEN + 2];
    assert_eq!(
        Packet::decode(bytes),
        Err(DecodeError::MissingMagicCookie { len: 238 })
    );
}

#[test]
fn header_alone_is_plain_bootp_with_no_vendor_area() {
    let bytes = &header()[..HEADER_LEN];
    let packet = Packet::decode(bytes).unwrap();
    assert_eq!(packet.message_type(), None);
    assert_eq!(packet.encode(Encoding::Exact), bytes);
}

#[test]
fn three_cookie_bytes_miss_the_cookie() {
    let bytes = &header()[..HEADER_LEN + 3];
    assert_eq!(
        Packet::decode(bytes),
        Err(DecodeError::MissingMagicCookie { len: 239 })
    );
    assert_eq!(
        Packet::decode(bytes).unwrap_err().to_string(),
        "packet of 239 bytes ends before the magic cookie at offset 236"
    );
}

#[test]
fn header_and_cookie_alone_decode_with_no_options() {
    let bytes = header();
    assert_eq!(bytes.len(), 240);
    let packet = Packet::decode(&bytes).expect("a missing END ends the options");
    assert!(packet.options.is_empty());
    assert_eq!(packet.message_type(), None);
    assert_eq!(packet.xid, 0x1234_5678);
    assert_eq!(
        packet.mac().map(<[u8; 6]>::from),
        Some([0x02, 0, 0, 0, 0, 0x01])
    );
    let encoded = assert_round_trip(&packet);
    assert_eq!(encoded, packet_with_options(&[END]), "END is added");
}

#[test]
fn cookie_then_end_decodes_with_no_options() {
    let bytes = packet_with_options(&[END]);
    assert_eq!(bytes.len(), 241);
    let packet = Packet::decode(&bytes).unwrap();
    assert!(packet.options.is_empty());
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn cookie_then_a_lone_option_code_misses_its_length() {
    let bytes = packet_with_options(&[MESSAGE_TYPE]);
    assert_eq!(bytes.len(), 241);
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::MissingOptionLength {
            area: Area::Options,
            offset: 240,
            code: MESSAGE_TYPE,
        })
    );
}

// Not DHCP.

#[test]
fn bootp_without_cookie_decodes_as_plain_bootp() {
    // A plain BOOTP request: vendor area of zeros where the cookie would be.
    let mut bytes = header();
    bytes[HEADER_LEN..].fill(0);
    bytes.resize(300, 0);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.message_type(), None);
    assert_eq!(
        packet.options.vendor_area(),
        ex_dhcp::options::VendorArea::Zeros
    );
    assert_eq!(packet.encode(Encoding::Exact), bytes);
}

#[test]
fn wrong_cookie_is_reported_as_found() {
    let mut bytes = packet_with_options(&[END]);
    bytes[HEADER_LEN + 3] = 98;
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::BadMagicCookie {
            found: [99, 130, 83, 98]
        })
    );
    assert_eq!(
        Packet::decode(&bytes).unwrap_err().to_string(),
        "bad magic cookie 63 82 53 62 at offset 236 (not DHCP)"
    );
}

// Options that break the format.

#[test]
fn option_running_past_the_end_names_offset_and_code() {
    let bytes = packet_with_options(&[MESSAGE_TYPE, 1, 1, HOST_NAME, 10, b'p', b'c']);
    let error = Packet::decode(&bytes).unwrap_err();
    assert_eq!(
        error,
        DecodeError::OptionOverrun {
            area: Area::Options,
            offset: 243,
            code: HOST_NAME,
            len: 10,
            available: 2,
        }
    );
    assert_eq!(
        error.to_string(),
        "option 12 (host name) at offset 243 (options field) says 10 bytes but only 2 remain"
    );
}

#[test]
fn option_length_one_past_the_end_is_an_overrun() {
    let bytes = packet_with_options(&[HOST_NAME, 3, b'p', b'c']);
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::OptionOverrun {
            area: Area::Options,
            offset: OPTIONS_START,
            code: HOST_NAME,
            len: 3,
            available: 2,
        })
    );
}

#[test]
fn option_filling_the_datagram_exactly_decodes_without_end() {
    let bytes = packet_with_options(&[HOST_NAME, 2, b'p', b'c']);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(
        listed(&packet),
        [(HOST_NAME, Area::Options, b"pc".to_vec())]
    );
}

#[test]
fn option_code_as_last_byte_misses_its_length() {
    let bytes = packet_with_options(&[MESSAGE_TYPE, 1, 1, 224]);
    let error = Packet::decode(&bytes).unwrap_err();
    assert_eq!(
        error,
        DecodeError::MissingOptionLength {
            area: Area::Options,
            offset: 243,
            code: 224,
        }
    );
    assert_eq!(
        error.to_string(),
        "option 224 has no length byte at offset 243 (options field)"
    );
}

// PAD and END.

#[test]
fn pad_storm_then_end_keeps_every_pad() {
    let mut options = vec![PAD; 10_000];
    options.push(END);
    let bytes = packet_with_options(&options);
    let packet = Packet::decode(&bytes).unwrap();
    assert!(packet.options.is_empty(), "PADs are not options");
    assert_eq!(packet.options.iter().count(), 0);
    assert_eq!(packet.encoded_len(Encoding::Unpadded), bytes.len());
    assert_eq!(
        assert_round_trip(&packet),
        bytes,
        "the PADs are written back"
    );
}

#[test]
fn pads_without_end_run_to_the_end_of_the_datagram() {
    let bytes = packet_with_options(&[PAD; 60]);
    let packet = Packet::decode(&bytes).unwrap();
    assert!(packet.options.is_empty());
    let mut expected = bytes.clone();
    expected.push(END);
    assert_eq!(assert_round_trip(&packet), expected);
}

#[test]
fn bytes_after_end_are_ignored_as_padding() {
    let mut options = vec![MESSAGE_TYPE, 1, 1, END];
    // Garbage that would be an overrun if it were read.
    options.extend_from_slice(&[HOST_NAME, 200, 0xde, 0xad, 0xbe, 0xef]);
    let bytes = packet_with_options(&options);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(listed(&packet), [(MESSAGE_TYPE, Area::Options, vec![1])]);
    let encoded = assert_round_trip(&packet);
    assert_eq!(encoded, packet_with_options(&[MESSAGE_TYPE, 1, 1, END]));
    assert!(packet.encode(Encoding::Padded)[OPTIONS_START + 4..]
        .iter()
        .all(|&b| b == 0));
}

// Option overload (52).

/// A packet whose options field says `file` and/or `sname` carry options.
fn overloaded(which: u8, sname: &[u8], file: &[u8]) -> Vec<u8> {
    let mut bytes = packet_with_options(&[OVERLOAD, 1, which, MESSAGE_TYPE, 1, 1, END]);
    bytes[SNAME_START..SNAME_START + sname.len()].copy_from_slice(sname);
    bytes[FILE_START..FILE_START + file.len()].copy_from_slice(file);
    bytes
}

#[test]
fn overload_pointing_at_garbage_in_file_names_the_file_field() {
    let bytes = overloaded(1, &[], &[HOST_NAME, 200, b'x']);
    let error = Packet::decode(&bytes).unwrap_err();
    assert_eq!(
        error,
        DecodeError::OptionOverrun {
            area: Area::File,
            offset: FILE_START,
            code: HOST_NAME,
            len: 200,
            available: 126,
        }
    );
    assert_eq!(
        error.to_string(),
        "option 12 (host name) at offset 108 (file field) says 200 bytes but only 126 remain"
    );
}

#[test]
fn overload_pointing_at_garbage_in_sname_names_the_sname_field() {
    let bytes = overloaded(2, &[3, 100], &[]);
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::OptionOverrun {
            area: Area::Sname,
            offset: SNAME_START,
            code: 3,
            len: 100,
            available: 62,
        })
    );
}

#[test]
fn option_code_in_the_last_byte_of_file_misses_its_length() {
    let mut file = [PAD; 128];
    file[127] = 7;
    let bytes = overloaded(1, &[], &file);
    assert_eq!(
        Packet::decode(&bytes),
        Err(DecodeError::MissingOptionLength {
            area: Area::File,
            offset: FILE_START + 127,
            code: 7,
        })
    );
}

#[test]
fn overload_reads_file_before_sname_and_keeps_the_areas() {
    let bytes = overloaded(
        3,
        &[HOST_NAME, 2, b'h', b'1', END],
        &[15, 3, b'l', b'a', b'n', END],
    );
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(
        listed(&packet),
        [
            (OVERLOAD, Area::Options, vec![3]),
            (MESSAGE_TYPE, Area::Options, vec![1]),
            (15, Area::File, b"lan".to_vec()),
            (HOST_NAME, Area::Sname, b"h1".to_vec()),
        ]
    );
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn overload_inside_file_is_not_honoured_so_overload_cannot_loop() {
    // file says "sname too", sname says "file again", and sname is garbage that would
    // fail if it were read: only option 52 in the options field counts.
    let bytes = overloaded(1, &[OVERLOAD, 1, 1, HOST_NAME, 250], &[OVERLOAD, 1, 2, END]);
    let packet = Packet::decode(&bytes).expect("sname is not read");
    assert_eq!(
        listed(&packet),
        [
            (OVERLOAD, Area::Options, vec![1]),
            (MESSAGE_TYPE, Area::Options, vec![1]),
            (OVERLOAD, Area::File, vec![2]),
        ]
    );
    assert_eq!(&packet.sname[..5], &[OVERLOAD, 1, 1, HOST_NAME, 250]);
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn overload_in_file_alone_leaves_sname_as_text() {
    // The options field does not overload at all: file and sname are plain text even
    // though file holds what looks like option 52.
    let mut bytes = packet_with_options(&[MESSAGE_TYPE, 1, 1, END]);
    bytes[FILE_START..FILE_START + 3].copy_from_slice(&[OVERLOAD, 1, 3]);
    bytes[SNAME_START..SNAME_START + 2].copy_from_slice(&[HOST_NAME, 255]);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(listed(&packet), [(MESSAGE_TYPE, Area::Options, vec![1])]);
    assert_eq!(assert_round_trip(&packet), bytes);
}

// Size.

#[test]
fn two_hundred_fifty_five_options_of_255_bytes_decode_and_round_trip() {
    let mut options = Vec::new();
    for i in 0..255u8 {
        let code = i % 254 + 1; // 1..=254: never PAD or END
        options.push(code);
        options.push(255);
        options.extend(std::iter::repeat_n(i, 255));
    }
    options.push(END);
    let bytes = packet_with_options(&options);
    assert_eq!(bytes.len(), 240 + 255 * 257 + 1);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.options.len(), 255);
    for (i, option) in packet.options.iter().enumerate() {
        assert_eq!(usize::from(option.code), i % 254 + 1);
        assert_eq!(option.data, &[i as u8; 255][..]);
    }
    // Code 1 occurs twice (i = 0 and i = 254): typed reads join the occurrences.
    assert_eq!(packet.options.get_raw(1).unwrap().len(), 510);
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn sixty_four_kib_of_random_bytes_after_a_valid_header_decode_as_the_format_says() {
    for seed in 1..=8 {
        let mut options = vec![0; 65_535 - OPTIONS_START];
        Rng::new(seed).fill(&mut options);
        let bytes = packet_with_options(&options);
        let result = Packet::decode(&bytes);
        let expected = walk(&options, OPTIONS_START).expected(Area::Options);
        assert_eq!(
            result.as_ref().map(option_pairs).map_err(|e| *e),
            expected,
            "seed {seed}"
        );
        if let Ok(packet) = &result {
            assert_round_trip(packet);
        }
    }
}

// Header fields taken as they come.

#[test]
fn hlen_zero_is_kept_and_has_no_mac() {
    let mut bytes = packet_with_options(&[MESSAGE_TYPE, 1, 1, END]);
    bytes[2] = 0;
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.hlen, 0);
    assert_eq!(packet.mac(), None);
    assert_eq!(packet.hardware_addr(), &[] as &[u8]);
    assert_eq!(
        &packet.chaddr[..6],
        &[0x02, 0, 0, 0, 0, 0x01],
        "chaddr kept whole"
    );
    assert!(!packet.to_string().is_empty());
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn hlen_255_is_kept_and_hardware_addr_clamps_to_chaddr() {
    let mut bytes = packet_with_options(&[MESSAGE_TYPE, 1, 1, END]);
    bytes[2] = 255;
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.hlen, 255);
    assert_eq!(packet.mac(), None);
    assert_eq!(packet.hardware_addr(), &packet.chaddr[..]);
    assert_eq!(packet.hardware_addr().len(), 16);
    assert!(packet.to_string().contains("hlen 255"));
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn every_message_type_byte_decodes_losslessly_and_encodes_back() {
    for value in 0..=u8::MAX {
        let bytes = packet_with_options(&[MESSAGE_TYPE, 1, value, END]);
        let packet = Packet::decode(&bytes).unwrap();
        let kind = packet.message_type().expect("one byte is a message type");
        assert_eq!(u8::from(kind), value);
        match value {
            1..=18 => {
                assert!(MessageType::ALL.contains(&kind), "{value} is known");
                assert!(kind.name().is_some());
            }
            _ => assert_eq!(kind, MessageType::Unknown(value)),
        }
        assert_eq!(assert_round_trip(&packet), bytes, "message type {value}");
    }
}

#[test]
fn message_type_of_the_wrong_length_reads_as_none_but_is_kept() {
    let bytes = packet_with_options(&[MESSAGE_TYPE, 2, 1, 1, END]);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.message_type(), None);
    assert!(packet
        .options
        .try_get(ex_dhcp::options::DhcpMessageType)
        .is_err());
    assert_eq!(assert_round_trip(&packet), bytes);
}

#[test]
fn the_header_alone_is_read_from_fixed_offsets() {
    let mut bytes = packet_with_options(&[END]);
    bytes[..12].copy_from_slice(&[2, 6, 6, 3, 0xde, 0xad, 0xbe, 0xef, 0, 9, 0x80, 1]);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(u8::from(packet.op), 2);
    assert_eq!(packet.htype, 6);
    assert_eq!(packet.hops, 3);
    assert_eq!(packet.xid, 0xdead_beef);
    assert_eq!(packet.secs, 9);
    assert!(packet.broadcast());
    assert_eq!(packet.flags.0, 0x8001, "unknown flag bits are kept");
    assert_eq!(packet.mac(), None, "htype 6 is not Ethernet");
    assert_eq!(MAGIC_COOKIE, [99, 130, 83, 99]);
    assert_eq!(assert_round_trip(&packet), bytes);
}
