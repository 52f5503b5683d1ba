//! MAC addresses as users type them on a command line: `send --mac` and
//! `lease_server --reserve MAC=ADDR` read them the same way. Each tool words its
//! own error, naming its flag.

/// Six bytes of two hex digits each, separated by `:` or `-` (`02:00:00:00:00:01`,
/// `02-00-00-00-00-01`; either case); `None` for anything else.
pub fn parse(text: &str) -> Option<[u8; 6]> {
    let bytes: Vec<u8> = text
        .split([':', '-'])
        .map(super::hex::byte)
        .collect::<Option<_>>()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn six_pairs_of_hex_digits_separated_by_colons_or_dashes() {
        let mac = Some([0x02, 0, 0, 0xab, 0xcd, 0x0a]);
        assert_eq!(parse("02:00:00:ab:cd:0a"), mac);
        assert_eq!(parse("02-00-00-ab-cd-0a"), mac);
        assert_eq!(parse("02:00:00:AB:Cd:0A"), mac);
        assert_eq!(parse("02:00-00:ab-cd:0a"), mac, "the separators may mix");
    }

    #[test]
    fn anything_else_is_not_a_mac() {
        for text in [
            "",
            "02:00",
            "02:00:00:00:00",
            "02:00:00:00:00:01:02",
            "02:00:00:00:00:01:",
            ":02:00:00:00:00:01",
            "2:00:00:00:00:01",
            "002:00:00:00:00:01",
            "0g:00:00:00:00:01",
            "02.00.00.00.00.01",
            "020000000001",
            " 02:00:00:00:00:01",
            "é:00:00:00:00:01",
            "+2:00:00:00:00:01",
            "02:00:00:00:00:+1",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
