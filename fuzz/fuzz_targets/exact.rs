//! The exact form: whatever decodes, strictly or leniently, plain BOOTP included,
//! encodes back with `Encoding::Exact` to the very bytes it came from; and the padded form
//! of that packet decodes strictly, to the same packet when nothing was cut.
#![no_main]

use ex_dhcp::Packet;
use ex_dhcp::Encoding;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(lenient) = Packet::decode_lenient(bytes) else {
        return;
    };
    let packet = &lenient.packet;
    assert_eq!(packet.encode(Encoding::Exact), bytes, "decode_lenient then encode(Exact)");
    assert_eq!(packet.encoded_len(Encoding::Exact), bytes.len());

    let mut buf = vec![0x5a; bytes.len() + 1];
    let len = packet
        .encode_to(&mut buf, Encoding::Exact)
        .expect("encoded_len(Exact) bytes are enough");
    assert_eq!(&buf[..len], bytes, "encode_to(Exact)");
    if len > 0 {
        assert!(packet.encode_to(&mut buf[..len - 1], Encoding::Exact).is_err());
    }

    if lenient.is_whole() {
        let strict = Packet::decode(bytes).expect("whole, so strict decodes too");
        assert_eq!(strict.encode(Encoding::Exact), bytes, "decode then encode(Exact)");
        let mut reused = Packet::default();
        reused.options.set_raw(224, &[1, 2, 3]);
        reused.decode_from(bytes).expect("decodes again");
        assert_eq!(reused.encode(Encoding::Exact), bytes, "decode_from then encode(Exact)");
    }

    // The padded form drops what followed END and adds END and padding, nothing else,
    // so it always decodes strictly; a packet that was whole comes back equal.
    let padded = packet.encode(Encoding::Padded);
    let again = Packet::decode(&padded).expect("the padded form decodes");
    assert_eq!(again.encode(Encoding::Padded), padded, "the padded form is stable");
    if lenient.is_whole() {
        assert_eq!(&again, packet, "decode(encode(p)) == p");
    } else {
        assert_eq!(again.options, packet.options, "the whole options survive the padded form");
    }
});
