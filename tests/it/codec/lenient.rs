//! Lenient decode: an option that runs past the end of its area is cut, the whole
//! options before it are kept (as Kea does), and the cut is reported. Strict decode
//! stays the default and still fails on the same bytes.

use std::net::Ipv4Addr;

use ex_dhcp::options::{Area, DhcpOption, HostName, OptionOverload, ServerIdentifier, OVERLOAD};
use ex_dhcp::wire::HEADER_LEN;
use ex_dhcp::{DecodeError, Encoding, MessageType, Packet};

const FILE_START: usize = 108;
const FILE_LEN: usize = 128;

fn ack_with_server_id() -> Vec<u8> {
    let mut packet = Packet::new(MessageType::Ack);
    packet
        .options
        .set(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 1));
    let mut bytes = packet.encode(Encoding::Exact);
    assert_eq!(bytes.pop(), Some(255));
    bytes
}

#[test]
fn an_overrunning_last_option_is_cut_and_the_options_before_it_kept() {
    let mut bytes = ack_with_server_id();
    let cut_at = bytes.len();
    bytes.extend_from_slice(&[HostName::CODE, 20, b'h', b'o', b's', b't']);

    let strict = Packet::decode(&bytes).unwrap_err();
    assert_eq!(
        strict,
        DecodeError::OptionOverrun {
            area: Area::Options,
            offset: cut_at,
            code: HostName::CODE,
            len: 20,
            available: 4
        }
    );

    let lenient = Packet::decode_lenient(&bytes).unwrap();
    assert!(!lenient.is_whole());
    let packet = &lenient.packet;
    assert_eq!(packet.message_type(), Some(MessageType::Ack));
    assert_eq!(
        packet.options.get(ServerIdentifier),
        Some(Ipv4Addr::new(198, 18, 0, 1))
    );
    assert!(!packet.options.contains(HostName::CODE));
    assert!(!packet.options.has_end());
    let [cut] = lenient.truncated[..] else {
        panic!("one cut: {:?}", lenient.truncated)
    };
    assert_eq!(
        (cut.area, cut.offset, cut.code, cut.dropped),
        (Area::Options, cut_at, HostName::CODE, 6)
    );
    assert_eq!(cut.error, strict);
    assert_eq!(
        cut.to_string(),
        format!("option 12 (host name) at offset {cut_at} (options) cut: 6 bytes dropped")
    );
    assert_eq!(
        packet.encode(Encoding::Exact),
        bytes,
        "the cut bytes are kept for the exact form"
    );
    let padded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(&padded, packet, "the padded form drops them and adds END");
}

#[test]
fn a_code_with_no_length_byte_is_cut_too() {
    let mut bytes = ack_with_server_id();
    bytes.push(HostName::CODE);
    assert!(matches!(
        Packet::decode(&bytes),
        Err(DecodeError::MissingOptionLength { .. })
    ));
    let lenient = Packet::decode_lenient(&bytes).unwrap();
    assert_eq!(lenient.truncated.len(), 1);
    assert_eq!(lenient.truncated[0].dropped, 1);
    assert_eq!(lenient.packet.options.len(), 2);
    assert_eq!(lenient.packet.encode(Encoding::Exact), bytes);
}

#[test]
fn a_whole_packet_decodes_the_same_leniently_and_strictly() {
    let mut bytes = ack_with_server_id();
    bytes.push(255);
    bytes.resize(300, 0);
    let lenient = Packet::decode_lenient(&bytes).unwrap();
    assert!(lenient.is_whole());
    assert_eq!(lenient.packet, Packet::decode(&bytes).unwrap());
    assert_eq!(lenient.packet.encode(Encoding::Exact), bytes);
}

#[test]
fn a_cut_in_an_overloaded_file_keeps_the_options_field_and_the_file_options_before_it() {
    let mut bytes = ack_with_server_id();
    bytes.extend_from_slice(&[OVERLOAD, 1, 1, 255]);
    bytes[FILE_START..FILE_START + 8].copy_from_slice(&[
        HostName::CODE,
        2,
        b'o',
        b'k',
        15,
        200,
        b'x',
        b'y',
    ]);
    let lenient = Packet::decode_lenient(&bytes).unwrap();
    assert_eq!(lenient.packet.options.get(HostName).as_deref(), Some("ok"));
    assert_eq!(lenient.packet.options.get(OptionOverload), Some(1.into()));
    let cut = lenient.truncated[0];
    assert_eq!(
        (cut.area, cut.offset, cut.code),
        (Area::File, FILE_START + 4, 15)
    );
    assert_eq!(cut.dropped, FILE_LEN - 4);
    assert_eq!(lenient.packet.encode(Encoding::Exact), bytes);
    assert!(Packet::decode(&bytes).is_err());
}

/// Found by the `exact` fuzz target in its first seconds: a lenient cut in an
/// overloaded `file` left the cut option in the padded form, which then failed a
/// strict decode. The padded form writes END after the whole options of the field.
#[test]
fn the_padded_form_of_a_packet_cut_in_file_decodes_strictly() {
    let mut bytes = ack_with_server_id();
    bytes.extend_from_slice(&[OVERLOAD, 1, 1, 255]);
    bytes[FILE_START..FILE_START + 7].copy_from_slice(&[
        HostName::CODE,
        2,
        b'o',
        b'k',
        99,
        130,
        83,
    ]);
    let lenient = Packet::decode_lenient(&bytes).unwrap();
    assert_eq!(lenient.truncated[0].code, 99);
    let padded = lenient.packet.encode(Encoding::Padded);
    assert_eq!(padded[FILE_START + 4], 255, "END after the whole options");
    let again = Packet::decode(&padded).unwrap();
    assert_eq!(again.options, lenient.packet.options);
    assert_eq!(
        lenient.packet.encode(Encoding::Exact),
        bytes,
        "the exact form keeps the cut bytes"
    );
}

#[test]
fn header_errors_are_still_errors() {
    assert_eq!(
        Packet::decode_lenient(&[0; 10]).unwrap_err(),
        DecodeError::TooShort { len: 10 }
    );
    let mut bytes = vec![0; HEADER_LEN];
    bytes.extend_from_slice(b"nope");
    assert!(matches!(
        Packet::decode_lenient(&bytes),
        Err(DecodeError::BadMagicCookie { .. })
    ));
}
