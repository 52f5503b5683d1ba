//! Property tests for the decode contract: no input makes `Packet::decode` panic,
//! errors match the format, and whatever decodes survives a round trip.
//!
//! Case counts are kept small so the suite stays fast; the fuzz targets in fuzz/ run
//! the same checks for minutes at a time.

use std::sync::OnceLock;

use ex_dhcp::options::Area;
use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE};
use ex_dhcp::{DecodeError, Encoding, Packet};
use ex_dhcp_testkit::decode::{assert_round_trip, header, option_pairs, walk, OPTIONS_START};
use ex_dhcp_testkit::fixture_payloads;
use proptest::prelude::*;

/// Decodes and, when that works, exercises what a handler or log line would.
fn decode_and_use(bytes: &[u8]) -> Result<Packet, DecodeError> {
    let result = Packet::decode(bytes);
    match &result {
        Ok(packet) => {
            let _ = packet.to_string();
            let _ = packet.options.iter().count();
            let _ = packet.message_type();
            let _ = packet.hardware_addr();
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
    result
}

/// The fixture payloads, read once for all cases.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static PAYLOADS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PAYLOADS.get_or_init(fixture_payloads)
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit { at: usize, bit: u8 },
    Truncate { to: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Overwrite { at: usize, byte: u8 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Positions are taken modulo the packet length when applied.
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        any::<usize>().prop_map(|to| Mutation::Truncate { to }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Overwrite { at, byte }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len().max(1);
    match mutation {
        Mutation::FlipBit { at, bit } => {
            if let Some(byte) = bytes.get_mut(at % len) {
                *byte ^= 1 << bit;
            }
        }
        Mutation::Truncate { to } => bytes.truncate(to % len),
        Mutation::Insert { at, bytes: new } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        Mutation::Overwrite { at, byte } => {
            if let Some(old) = bytes.get_mut(at % len) {
                *old = *byte;
            }
        }
    }
}

/// The error the header checks must give for `bytes`, if any. A vendor area of zeros
/// (or none) after the header is plain BOOTP (RFC 951), which decodes.
fn header_error(bytes: &[u8]) -> Option<DecodeError> {
    if bytes.len() < HEADER_LEN {
        Some(DecodeError::TooShort { len: bytes.len() })
    } else if bytes[HEADER_LEN..].iter().all(|&b| b == 0) {
        None
    } else if bytes.len() < OPTIONS_START {
        Some(DecodeError::MissingMagicCookie { len: bytes.len() })
    } else if bytes[HEADER_LEN..OPTIONS_START] != MAGIC_COOKIE {
        let mut found = [0; 4];
        found.copy_from_slice(&bytes[HEADER_LEN..OPTIONS_START]);
        Some(DecodeError::BadMagicCookie { found })
    } else {
        None
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_fail_at_the_header_as_the_format_says(
        mut bytes in prop::collection::vec(any::<u8>(), 0..600),
        with_cookie in any::<bool>(),
    ) {
        // Half the cases get past the cookie, so the option errors are reached too.
        if with_cookie && bytes.len() >= OPTIONS_START {
            bytes[HEADER_LEN..OPTIONS_START].copy_from_slice(&MAGIC_COOKIE);
        }
        let result = decode_and_use(&bytes);
        match header_error(&bytes) {
            Some(expected) => prop_assert_eq!(result, Err(expected)),
            None => {
                // Past the header only option errors are possible.
                if let Err(error) = result {
                    let is_option_error = matches!(
                        error,
                        DecodeError::MissingOptionLength { .. } | DecodeError::OptionOverrun { .. }
                    );
                    prop_assert!(is_option_error, "{:?}", error);
                }
            }
        }
    }

    #[test]
    fn arbitrary_options_after_a_valid_header_decode_as_the_format_says(
        options in prop::collection::vec(any::<u8>(), 0..1500),
        xid in any::<u32>(),
    ) {
        let mut bytes = header();
        bytes[4..8].copy_from_slice(&xid.to_be_bytes());
        bytes.extend_from_slice(&options);
        let result = decode_and_use(&bytes);
        // sname and file are zero here, so even if option 52 overloads them they hold
        // only PADs: the options field alone decides the outcome.
        let expected = walk(&options, OPTIONS_START).expected(Area::Options);
        prop_assert_eq!(result.as_ref().map(option_pairs).map_err(|e| *e), expected);
        if let Ok(packet) = &result {
            prop_assert_eq!(packet.xid, xid);
            assert_round_trip(packet);
        }
    }

    #[test]
    fn mutated_fixture_packets_never_panic_and_round_trip_when_they_decode(
        index in 0..16usize,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (name, original) = &fixtures()[index];
        let mut bytes = original.clone();
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        let result = decode_and_use(&bytes);
        if let Some(expected) = header_error(&bytes) {
            prop_assert_eq!(result, Err(expected), "{}", name);
        } else if let Ok(packet) = result {
            assert_round_trip(&packet);
            prop_assert_eq!(packet.encode(Encoding::Exact), bytes, "{}: exact form", name);
        }
    }
}

#[test]
fn every_fixture_decodes_and_round_trips() {
    for (name, bytes) in fixtures() {
        let packet = Packet::decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(packet.message_type().is_some(), "{name} is DHCP");
        let encoded = assert_round_trip(&packet);
        // The fixture README allows the padding after END to differ.
        assert_eq!(encoded[..], bytes[..encoded.len()], "{name}");
        assert!(
            bytes[encoded.len()..].iter().all(|&b| b == 0),
            "{name}: only zeros after END"
        );
    }
}
