//! Decode, encode, decode again: whatever decodes must encode to bytes that decode to
//! the same packet, padded or not, and encoding that packet must give the same bytes.
#![no_main]

use ex_dhcp::{Packet, MIN_PACKET_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(first) = Packet::decode(bytes) else {
        return;
    };
    let expected = comparable(&first);

    // Unpadded: exactly up to and including END.
    let mut unpadded = vec![0; first.encoded_len_unpadded()];
    let len = first
        .encode_to_min_len(&mut unpadded, 0)
        .expect("buffer of encoded_len_unpadded() bytes is enough");
    assert_eq!(
        len,
        unpadded.len(),
        "encode_to_min_len(_, 0) fills the unpadded length"
    );
    let second = Packet::decode(&unpadded).expect("an encoded packet decodes");
    assert_eq!(
        comparable(&second),
        expected,
        "decode(encode(p)) == p (unpadded)"
    );

    // Padded to the BOOTP minimum, through both padded entry points.
    let padded = first.encode();
    assert_eq!(padded.len(), first.encoded_len());
    assert!(padded.len() >= MIN_PACKET_LEN);
    assert_eq!(&padded[..len], &unpadded[..], "padding only appends");
    assert!(padded[len..].iter().all(|&b| b == 0), "padding is zeros");
    let mut buf = vec![0xa5; padded.len() + 7];
    let written = first.encode_to(&mut buf).expect("buffer is large enough");
    assert_eq!(&buf[..written], &padded[..]);
    let third = Packet::decode(&padded).expect("a padded packet decodes");
    assert_eq!(
        comparable(&third),
        expected,
        "decode(encode(p)) == p (padded)"
    );

    // Stable: the re-decoded packet encodes to the very same bytes.
    let mut again = vec![0; second.encoded_len_unpadded()];
    second
        .encode_to_min_len(&mut again, 0)
        .expect("buffer of encoded_len_unpadded() bytes is enough");
    assert_eq!(again, unpadded, "encode(decode(encode(p))) == encode(p)");

    // decode_from into a packet that already holds something gives the same result.
    let mut reused = third;
    reused.options.set_raw(224, &[1, 2, 3]);
    reused
        .decode_from(bytes)
        .expect("decoded once, decodes again");
    assert_eq!(
        reused, first,
        "decode_from reuses storage without leftovers"
    );

    // A buffer one byte short is refused, not overrun.
    if len > 0 {
        let mut short = vec![0; len - 1];
        assert!(first.encode_to_min_len(&mut short, 0).is_err());
    }
});

/// The packet as round trips compare it: as it is.
#[cfg(not(feature = "mask-overload-tail"))]
fn comparable(packet: &Packet) -> Packet {
    packet.clone()
}

/// Known bug, masked so the fuzzer can look past it (see fuzz/README.md): bytes after
/// END in an overloaded `file` or `sname` field are kept by decode but zeroed by encode,
/// so both sides of a comparison get them zeroed. Remove once the codec keeps them.
#[cfg(feature = "mask-overload-tail")]
fn comparable(packet: &Packet) -> Packet {
    use ex_dhcp::options::{Area, OVERLOAD};

    let mut packet = packet.clone();
    let overload = packet
        .options
        .iter()
        .find(|o| o.code == OVERLOAD && o.area == Area::Options)
        .and_then(|o| o.data.first().copied());
    if matches!(overload, Some(1 | 3)) {
        zero_after_end(&mut packet.file);
    }
    if matches!(overload, Some(2 | 3)) {
        zero_after_end(&mut packet.sname);
    }
    packet
}

#[cfg(feature = "mask-overload-tail")]
fn zero_after_end(field: &mut [u8]) {
    use ex_dhcp::options::{END, PAD};

    let mut at = 0;
    while let Some(&code) = field.get(at) {
        match code {
            END => {
                field[at + 1..].fill(0);
                return;
            }
            PAD => at += 1,
            _ => at += 2 + usize::from(field.get(at + 1).copied().unwrap_or(0)),
        }
    }
}
