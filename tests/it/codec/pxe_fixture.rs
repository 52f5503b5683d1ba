//! The PXE DISCOVER fixture (`tests/data/pxe_discover_nuc.bin`) holds what its README
//! says, decodes, and encodes back byte for byte. The codec benchmarks use it too.

use ex_dhcp::{Encoding, MessageType, Op, Packet};

const PXE_DISCOVER: &[u8] = include_bytes!("../../data/pxe_discover_nuc.bin");

#[test]
fn pxe_discover_fixture_decodes_to_the_documented_fields() {
    let packet = Packet::decode(PXE_DISCOVER).expect("fixture decodes");
    assert_eq!(packet.op, Op::Request);
    assert_eq!(
        packet.mac().map(<[u8; 6]>::from),
        Some([0xf4, 0x4d, 0x30, 0x6c, 0x93, 0xb2])
    );
    assert_eq!(packet.xid, 205_646_044);
    assert_eq!(packet.secs, 28);
    assert!(packet.broadcast());
    assert_eq!(packet.message_type(), Some(MessageType::Discover));

    let options: Vec<(u8, &[u8])> = packet.options.iter().map(|o| (o.code, o.data)).collect();
    let expected: [(u8, &[u8]); 7] = [
        (53, &[1]),
        (57, &1472u16.to_be_bytes()),
        (93, &[0x00, 0x07]),
        (94, &[0x01, 0x03, 0x10]),
        (
            97,
            &[
                0x00, 0xee, 0xc3, 0x5c, 0xc2, 0xfc, 0xb7, 0xfd, 0x15, 0xaa, 0x7c, 0xf4, 0x4d, 0x30,
                0x6c, 0x93, 0xb2,
            ],
        ),
        (60, b"PXEClient:Arch:00007:UNDI:003016"),
        (
            55,
            &[
                1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58,
                59, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135,
            ],
        ),
    ];
    assert_eq!(options, expected);
}

#[test]
fn pxe_discover_fixture_round_trips_byte_for_byte() {
    let packet = Packet::decode(PXE_DISCOVER).expect("fixture decodes");
    // 347 bytes, over the 300-byte minimum, so encoding adds no padding.
    assert_eq!(packet.encode(Encoding::Padded), PXE_DISCOVER);
}
