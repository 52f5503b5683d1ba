//! Hex bytes as users type them on a command line (`send --mac`, `--client-id`,
//! `--option CODE=HEX`, `lease_server --reserve`).

/// Two ASCII hex digits, either case, as a byte; `None` for anything else (Rust's
/// `from_str_radix` alone would take a sign: `+a` as 10).
pub fn byte(pair: &str) -> Option<u8> {
    (pair.len() == 2 && pair.bytes().all(|digit| digit.is_ascii_hexdigit()))
        .then(|| u8::from_str_radix(pair, 16).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::byte;

    #[test]
    fn two_hex_digits_and_nothing_else() {
        assert_eq!(byte("0a"), Some(10));
        assert_eq!(byte("Ff"), Some(255));
        for text in ["", "a", "+a", "-1", "0x", "abc", "g0", "é"] {
            assert_eq!(byte(text), None, "{text:?}");
        }
    }
}
