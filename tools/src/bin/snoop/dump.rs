//! Text for the log: a decoded packet, or a hex dump of what is not DHCP.

use std::fmt::Write;

use ex_dhcp::Packet;

use crate::listen::Received;

const BYTES_PER_LINE: usize = 16;
/// Printable ASCII, shown as itself in the right-hand column.
const PRINTABLE: std::ops::RangeInclusive<u8> = b' '..=b'~';

/// A multi-line description of one datagram, numbered `index`.
pub fn describe(index: u64, received: &Received) -> String {
    let mut text = format!(
        "#{index} {} -> {}, {} bytes: ",
        received.from,
        received.to,
        received.bytes.len()
    );
    match Packet::decode(&received.bytes) {
        Ok(packet) => {
            let _ = write!(text, "{packet}");
        }
        Err(error) => {
            let _ = writeln!(text, "not DHCP ({error})");
            text.push_str(&hex_dump(&received.bytes));
        }
    }
    text.truncate(text.trim_end().len());
    text
}

/// Offset, sixteen bytes in hex, and the same bytes as ASCII, per line.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut text = String::new();
    for (line, chunk) in bytes.chunks(BYTES_PER_LINE).enumerate() {
        let _ = write!(text, "  {:04x} ", line * BYTES_PER_LINE);
        for byte in chunk {
            let _ = write!(text, " {byte:02x}");
        }
        let padding = (BYTES_PER_LINE - chunk.len()) * 3;
        let _ = write!(text, "{:padding$}  ", "");
        text.extend(chunk.iter().map(|&byte| {
            if PRINTABLE.contains(&byte) {
                char::from(byte)
            } else {
                '.'
            }
        }));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_shows_offsets_hex_and_ascii() {
        let dump = hex_dump(b"hello, DHCP world!");
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("  0000  68 65 6c 6c 6f"));
        assert!(lines[0].ends_with("hello, DHCP worl"));
        assert!(lines[1].starts_with("  0010  64 21"));
        assert!(lines[1].ends_with("d!"));
    }
}
