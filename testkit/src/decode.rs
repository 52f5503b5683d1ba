//! Helpers shared by the decode tests: fixture payloads, hand-built packets, and an
//! independent reading of the option format to check the decoder against.

use ex_dhcp::options::Area;
use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE};
use ex_dhcp::{DecodeError, Encoding, Packet};

/// Offset of the first option, right after the magic cookie.
pub const OPTIONS_START: usize = HEADER_LEN + MAGIC_COOKIE.len();
/// Offset of the `sname` field (RFC 2131, figure 1).
pub const SNAME_START: usize = 44;
/// Offset of the `file` field.
pub const FILE_START: usize = 108;
pub const END: u8 = 255;
pub const PAD: u8 = 0;

/// A 240-byte BOOTREQUEST header for Ethernet with the magic cookie, and no options.
pub fn header() -> Vec<u8> {
    let mut bytes = vec![0; OPTIONS_START];
    bytes[0] = 1; // op: BOOTREQUEST
    bytes[1] = 1; // htype: Ethernet
    bytes[2] = 6; // hlen
    bytes[4..8].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    bytes[28..34].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
    bytes[HEADER_LEN..OPTIONS_START].copy_from_slice(&MAGIC_COOKIE);
    bytes
}

/// A header followed by `options` (raw bytes, END included if wanted).
pub fn packet_with_options(options: &[u8]) -> Vec<u8> {
    let mut bytes = header();
    bytes.extend_from_slice(options);
    bytes
}

/// How the option format reads one area, worked out here without the library:
/// the non-PAD options in order, or where the area breaks the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Walk {
    /// Every option (code, value) up to END or the end of the area, PADs left out.
    Options(Vec<(u8, Vec<u8>)>),
    /// A code with no length byte after it, at this packet offset.
    MissingLength { offset: usize, code: u8 },
    /// A length running past the end of the area.
    Overrun {
        offset: usize,
        code: u8,
        len: u8,
        available: usize,
    },
}

impl Walk {
    /// What decoding must give when `area` reads this way: the options as
    /// [`option_pairs`] lists them, or the error naming `area`.
    pub fn expected(self, area: Area) -> Result<Vec<(u8, Vec<u8>)>, DecodeError> {
        match self {
            Walk::Options(options) => Ok(options),
            Walk::MissingLength { offset, code } => {
                Err(DecodeError::MissingOptionLength { area, offset, code })
            }
            Walk::Overrun {
                offset,
                code,
                len,
                available,
            } => Err(DecodeError::OptionOverrun {
                area,
                offset,
                code,
                len,
                available,
            }),
        }
    }
}

/// A decoded packet's options as (code, value), in order.
pub fn option_pairs(packet: &Packet) -> Vec<(u8, Vec<u8>)> {
    packet
        .options
        .iter()
        .map(|o| (o.code, o.data.to_vec()))
        .collect()
}

/// Reads `area`, which starts at packet offset `base`.
pub fn walk(area: &[u8], base: usize) -> Walk {
    let mut options = Vec::new();
    let mut at = 0;
    while at < area.len() {
        let code = area[at];
        if code == END {
            break;
        }
        if code == PAD {
            at += 1;
            continue;
        }
        if at + 1 == area.len() {
            return Walk::MissingLength {
                offset: base + at,
                code,
            };
        }
        let len = area[at + 1];
        let available = area.len() - (at + 2);
        if usize::from(len) > available {
            return Walk::Overrun {
                offset: base + at,
                code,
                len,
                available,
            };
        }
        options.push((code, area[at + 2..at + 2 + usize::from(len)].to_vec()));
        at += 2 + usize::from(len);
    }
    Walk::Options(options)
}

/// Encodes unpadded, decodes, and checks the packet came back and re-encodes to the
/// same bytes; returns the unpadded encoding.
pub fn assert_round_trip(packet: &Packet) -> Vec<u8> {
    let expected = packet.clone();
    let mut bytes = vec![0; packet.encoded_len(Encoding::Unpadded)];
    let len = packet
        .encode_to(&mut bytes, Encoding::Unpadded)
        .expect("buffer sized by encoded_len(Unpadded)");
    assert_eq!(len, bytes.len());
    let again = Packet::decode(&bytes).expect("an encoded packet decodes");
    assert_eq!(again, expected, "decode(encode(p)) == p");
    let padded = packet.encode(Encoding::Padded);
    assert_eq!(&padded[..len], &bytes[..]);
    assert!(padded[len..].iter().all(|&b| b == 0));
    let padded_again = Packet::decode(&padded).expect("a padded packet decodes");
    assert_eq!(padded_again, expected);
    assert_eq!(again.encode(Encoding::Padded), padded, "encoding is stable");
    bytes
}

/// A small deterministic generator (xorshift64*), so "random" cases are the same
/// on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}
