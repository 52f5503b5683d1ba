//! The exact form: whatever decodes, strictly or leniently, plain BOOTP included,
//! encodes back with `encode_exact` to the very bytes it came from; and the reply form
//! of that packet decodes strictly, to the same packet when nothing was cut.
#![no_main]

use ex_dhcp::Packet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(lenient) = Packet::decode_lenient(bytes) else {
        return;
    };
    let packet = &lenient.packet;
    assert_eq!(packet.encode_exact(), bytes, "decode_lenient then encode_exact");
    assert_eq!(packet.encoded_len_exact(), bytes.len());

    let mut buf = vec![0x5a; bytes.len() + 1];
    let len = packet
        .encode_exact_to(&mut buf)
        .expect("encoded_len_exact() bytes are enough");
    assert_eq!(&buf[..len], bytes, "encode_exact_to");
    if len > 0 {
        assert!(packet.encode_exact_to(&mut buf[..len - 1]).is_err());
    }

    if lenient.is_whole() {
        let strict = Packet::decode(bytes).expect("whole, so strict decodes too");
        assert_eq!(strict.encode_exact(), bytes, "decode then encode_exact");
        let mut reused = Packet::default();
        reused.options.set_raw(224, &[1, 2, 3]);
        reused.decode_from(bytes).expect("decodes again");
        assert_eq!(reused.encode_exact(), bytes, "decode_from then encode_exact");
    }

    // The reply form drops what followed END and adds END and padding, nothing else,
    // so it always decodes strictly; a packet that was whole comes back equal.
    let reply_form = packet.encode();
    let again = Packet::decode(&reply_form).expect("the reply form decodes");
    assert_eq!(again.encode(), reply_form, "the reply form is stable");
    if lenient.is_whole() {
        assert_eq!(&again, packet, "decode(encode(p)) == p");
    } else {
        assert_eq!(again.options, packet.options, "the whole options survive the reply form");
    }
});
