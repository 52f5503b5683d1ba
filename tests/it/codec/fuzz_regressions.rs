//! Inputs the fuzzer (fuzz/README.md) found, minimised, kept as named cases.

use ex_dhcp::options::{Area, OVERLOAD};
use ex_dhcp::Encoding;
use ex_dhcp::Packet;
use ex_dhcp_testkit::decode::{packet_with_options, FILE_START, SNAME_START};

const END: u8 = 255;

/// Found by `round_trip` after 2,120 runs (fuzz/artifacts/round_trip/crash-eaed46de...),
/// minimised by hand to option 52 = 1 and a `file` field of END plus one stray byte.
///
/// Decode keeps `file` byte for byte (stray byte included) and reads its options up to
/// END; encode rewrites an overloaded field from its options and zero-fills after END.
/// So decode(encode(p)) != p, against the `Packet` docs ("a decoded packet encodes
/// back to the bytes it came from").
#[test]
fn bytes_after_end_in_an_overloaded_file_survive_a_round_trip() {
    let mut bytes = packet_with_options(&[OVERLOAD, 1, 1, END]);
    bytes[FILE_START..FILE_START + 2].copy_from_slice(&[END, 0x01]);
    assert_eq!(bytes.len(), 244);

    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.file[1], 0x01, "decode keeps the raw field");
    assert!(packet.options.iter().all(|o| o.area == Area::Options));

    assert_eq!(
        packet.encode(Encoding::Padded)[..bytes.len()],
        bytes[..],
        "encode gives the bytes back"
    );
    assert_eq!(Packet::decode(&packet.encode(Encoding::Padded)), Ok(packet));
}

/// The same bug in `sname`.
#[test]
fn bytes_after_end_in_an_overloaded_sname_survive_a_round_trip() {
    let mut bytes = packet_with_options(&[OVERLOAD, 1, 2, END]);
    bytes[SNAME_START..SNAME_START + 3].copy_from_slice(&[0, END, b'x']);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.encode(Encoding::Padded)[..bytes.len()], bytes[..]);
    assert_eq!(Packet::decode(&packet.encode(Encoding::Padded)), Ok(packet));
}
