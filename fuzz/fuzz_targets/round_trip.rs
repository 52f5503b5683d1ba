//! Decode, encode, decode again: whatever decodes must encode to bytes that decode to
//! the same packet, padded or not, and encoding that packet must give the same bytes.
//! A decoded list and the same list once indexed by an edit must agree.
#![no_main]

use ex_dhcp::{Encoding, Packet};
use ex_dhcp::wire::{MIN_PACKET_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(first) = Packet::decode(bytes) else {
        return;
    };
    let expected = first.clone();

    // Unpadded: exactly up to and including END.
    let mut unpadded = vec![0; first.encoded_len(Encoding::Unpadded)];
    let len = first
        .encode_to(&mut unpadded, Encoding::Unpadded)
        .expect("buffer of encoded_len(Unpadded) bytes is enough");
    assert_eq!(
        len,
        unpadded.len(),
        "encode_to(Unpadded) fills the unpadded length"
    );
    let second = Packet::decode(&unpadded).expect("an encoded packet decodes");
    assert_eq!(second, expected, "decode(encode(p)) == p (unpadded)");

    // Padded to the BOOTP minimum, through both padded entry points.
    let padded = first.encode(Encoding::Padded);
    assert_eq!(padded.len(), first.encoded_len(Encoding::Padded));
    assert!(padded.len() >= MIN_PACKET_LEN);
    assert_eq!(&padded[..len], &unpadded[..], "padding only appends");
    assert!(padded[len..].iter().all(|&b| b == 0), "padding is zeros");
    let mut buf = vec![0xa5; padded.len() + 7];
    let written = first.encode_to(&mut buf, Encoding::Padded).expect("buffer is large enough");
    assert_eq!(&buf[..written], &padded[..]);
    let third = Packet::decode(&padded).expect("a padded packet decodes");
    assert_eq!(third, expected, "decode(encode(p)) == p (padded)");

    // Stable: the re-decoded packet encodes to the very same bytes.
    let mut again = vec![0; second.encoded_len(Encoding::Unpadded)];
    second
        .encode_to(&mut again, Encoding::Unpadded)
        .expect("buffer of encoded_len(Unpadded) bytes is enough");
    assert_eq!(again, unpadded, "encode(decode(encode(p))) == encode(p)");

    // A decoded list is read from its bytes until an edit builds its index: the
    // indexed form holds the same occurrences (padding and offsets included) and
    // encodes to the same bytes, in both forms.
    let mut indexed = first.clone();
    indexed.options.retain(|_| true);
    assert_eq!(indexed, first, "indexing a decoded list changes nothing");
    assert!(
        indexed.options.iter_wire().eq(first.options.iter_wire()),
        "same occurrences, offsets and padding once indexed"
    );
    assert_eq!(indexed.encode(Encoding::Exact), first.encode(Encoding::Exact), "exact form once indexed");
    assert_eq!(indexed.encode(Encoding::Padded), padded, "padded form once indexed");

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
        assert!(first.encode_to(&mut short, Encoding::Unpadded).is_err());
    }
});
