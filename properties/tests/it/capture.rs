//! The reader's contract: no input makes it panic, and whatever it returns
//! is consistent with its counters.

use ex_dhcp::capture::{datagrams, read_datagrams};
use proptest::prelude::*;

const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];
const LINK_TYPES: [u32; 8] = [0, 1, 101, 108, 113, 228, 276, 189];

/// A valid little-endian pcap global header for the given link type.
fn pcap_header(magic: [u8; 4], link_type: u32) -> Vec<u8> {
    let big = magic[0] == 0xa1;
    let u16 = |v: u16| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32 = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut header = magic.to_vec();
    header.extend_from_slice(&u16(2));
    header.extend_from_slice(&u16(4));
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&u32(65_535));
    header.extend_from_slice(&u32(link_type));
    header
}

/// A record whose length fields match its data, so the data is dissected.
fn record(big: bool, data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).unwrap();
    let u32 = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut record = vec![0; 8];
    record.extend_from_slice(&u32(len));
    record.extend_from_slice(&u32(len));
    record.extend_from_slice(data);
    record
}

/// A pcapng section header and an interface of the given link type.
fn pcapng_header(link_type: u16) -> Vec<u8> {
    let mut file = vec![
        0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
    ];
    file.extend_from_slice(&[0xff; 8]);
    file.extend_from_slice(&[28, 0, 0, 0]);
    file.extend_from_slice(&[1, 0, 0, 0, 20, 0, 0, 0]);
    file.extend_from_slice(&link_type.to_le_bytes());
    file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 20, 0, 0, 0]);
    file
}

/// Reads everything and checks the counters add up; panics propagate.
fn read_all(bytes: &[u8]) {
    if let Ok(capture) = read_datagrams(bytes) {
        let stats = capture.stats;
        assert_eq!(stats.datagrams, capture.datagrams.len());
        assert!(stats.frames >= stats.datagrams);
        assert!(capture.datagrams.iter().all(|d| d.payload.len() <= 65_507));
    }
    if let Ok(reader) = datagrams(bytes) {
        assert!(reader.filter(Result::is_err).count() <= 1);
    }
}

/// An IPv4/UDP-looking packet with arbitrary fields, to reach deep paths.
fn ipv4_udp_like() -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..16,
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        prop::collection::vec(any::<u8>(), 0..80),
    )
        .prop_map(|(ihl, total, fragment, udp_len, rest)| {
            let mut packet = vec![0x40 | ihl, 0];
            packet.extend_from_slice(&total.to_be_bytes());
            packet.extend_from_slice(&[0, 0]);
            packet.extend_from_slice(&fragment.to_be_bytes());
            packet.extend_from_slice(&[64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0, 67, 0, 68]);
            packet.extend_from_slice(&udp_len.to_be_bytes());
            packet.extend_from_slice(&rest);
            packet
        })
}

/// A block with consistent framing around an arbitrary body, so the body
/// parsers (interface options, packet fields) see the bytes.
fn framed_block(block_type: u32, mut body: Vec<u8>) -> Vec<u8> {
    body.resize(body.len().next_multiple_of(4), 0);
    let len = u32::try_from(body.len() + 12).unwrap().to_le_bytes();
    let mut block = block_type.to_le_bytes().to_vec();
    block.extend_from_slice(&len);
    block.extend_from_slice(&body);
    block.extend_from_slice(&len);
    block
}

#[test]
fn the_prefixes_used_below_are_valid_captures() {
    for link_type in LINK_TYPES {
        let pcapng = pcapng_header(u16::try_from(link_type).unwrap());
        assert!(read_datagrams(&pcapng).is_ok(), "pcapng {link_type}");
        for magic in PCAP_MAGICS {
            let pcap = pcap_header(magic, link_type);
            assert_eq!(
                read_datagrams(&pcap).is_ok(),
                link_type != 189,
                "pcap {link_type}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        read_all(&bytes);
    }

    #[test]
    fn pcap_header_then_arbitrary_bytes_never_panic(
        magic in prop::sample::select(PCAP_MAGICS.to_vec()),
        link_type in prop::sample::select(LINK_TYPES.to_vec()),
        rest in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = pcap_header(magic, link_type);
        bytes.extend_from_slice(&rest);
        read_all(&bytes);
    }

    #[test]
    fn pcap_header_then_arbitrary_records_never_panic(
        magic in prop::sample::select(PCAP_MAGICS.to_vec()),
        link_type in prop::sample::select(LINK_TYPES.to_vec()),
        frames in prop::collection::vec(
            prop_oneof![prop::collection::vec(any::<u8>(), 0..128), ipv4_udp_like()],
            0..8,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = pcap_header(magic, link_type);
        for frame in &frames {
            bytes.extend_from_slice(&record(magic[0] == 0xa1, frame));
        }
        read_all(&bytes);
        // The same file cut anywhere must not panic either.
        read_all(&bytes[..cut.index(bytes.len() + 1)]);
    }

    #[test]
    fn pcapng_header_then_arbitrary_blocks_never_panic(
        link_type in prop::sample::select(LINK_TYPES.to_vec()),
        rest in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = pcapng_header(u16::try_from(link_type).unwrap());
        bytes.extend_from_slice(&rest);
        read_all(&bytes);
    }

    #[test]
    fn raw_ipv4_headers_with_arbitrary_fields_never_panic(packet in ipv4_udp_like()) {
        let mut bytes = pcap_header(PCAP_MAGICS[0], 228);
        bytes.extend_from_slice(&record(false, &packet));
        read_all(&bytes);
    }

    #[test]
    fn pcapng_well_framed_blocks_with_arbitrary_bodies_never_panic(
        link_type in prop::sample::select(LINK_TYPES.to_vec()),
        blocks in prop::collection::vec(
            (
                prop_oneof![Just(1u32), Just(2), Just(3), Just(6), any::<u32>()],
                prop::collection::vec(any::<u8>(), 0..96),
            ),
            0..6,
        ),
    ) {
        let mut bytes = pcapng_header(u16::try_from(link_type).unwrap());
        for (block_type, body) in blocks {
            bytes.extend_from_slice(&framed_block(block_type, body));
        }
        read_all(&bytes);
    }
}
