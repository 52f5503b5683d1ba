//! What the codec benchmarks share: the benchmark packets and one function per
//! measured operation, so criterion (`benches/benches/codec.rs`), the same-run ratio table
//! (`src/bin/codec_ratio.rs`), the instruction counter (`src/bin/codec_callgrind.rs`)
//! the allocation counter (`src/bin/codec_allocs.rs`) and the worst-case table
//! (`src/bin/codec_worst.rs`) all measure the same code.
//!

pub mod ratio;
use std::hint::black_box;
use std::path::PathBuf;

use dhcproto::v4::Message;
use dhcproto::{Decodable, Decoder, Encodable, Encoder};
use ex_dhcp::Encoding;
use ex_dhcp::Packet;

/// One benchmark packet: a short name for tables and command lines, and its bytes
/// (the UDP payload, starting at `op`).
#[derive(Debug, Clone)]
pub struct BenchPacket {
    /// Name used in criterion group ids, tables and the callgrind command line.
    pub name: String,
    /// The DHCP message as it came off the wire.
    pub bytes: Vec<u8>,
}

/// The benchmark crate's directory (`benches/`, beside the library).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The UDP payload of packet `index` of a shared fixture capture; panics with the
/// path when the fixture is missing, so a benchmark never runs on nothing.
fn capture_payload(file: &str, index: usize) -> Vec<u8> {
    let path = captures_dir().join(file);
    capture_payloads(&path)
        .into_iter()
        .nth(index)
        .unwrap_or_else(|| panic!("{} has no packet {index}", path.display()))
}

/// The repository's fixture captures (`tests/data/captures`).
fn captures_dir() -> PathBuf {
    root().join("../tests/data/captures")
}

/// Every UDP payload of a capture file, in capture order.
fn capture_payloads(path: &std::path::Path) -> Vec<Vec<u8>> {
    ex_dhcp::capture::read_file(path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
        .datagrams
        .into_iter()
        .map(|d| d.payload)
        .collect()
}

/// The Intel NUC's PXE DISCOVER (`tests/data/pxe_discover_nuc.bin`).
fn pxe_discover() -> Vec<u8> {
    let pxe = root().join("../tests/data/pxe_discover_nuc.bin");
    std::fs::read(&pxe).unwrap_or_else(|e| panic!("cannot read {}: {e}", pxe.display()))
}

/// The benchmark packets, in table order:
///
/// - `discover`: a plain client DISCOVER (packet 1 of DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap);
/// - `relay_discover`: a relayed DISCOVER with options 60, 43, 61, 57 and 82
///   (packet 1 of DHCP-O60-O43-O82.pcap);
/// - `offer_many`: the relayed OFFER with many options (packet 2 of DHCP-O60-O43-O82.pcap);
/// - `pxe_discover`: an Intel NUC's PXE DISCOVER (`tests/data/pxe_discover_nuc.bin`).
pub fn packets() -> Vec<BenchPacket> {
    vec![
        BenchPacket::new(
            "discover",
            capture_payload("DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap", 0),
        ),
        BenchPacket::new(
            "relay_discover",
            capture_payload("DHCP-O60-O43-O82.pcap", 0),
        ),
        BenchPacket::new("offer_many", capture_payload("DHCP-O60-O43-O82.pcap", 1)),
        BenchPacket::new("pxe_discover", pxe_discover()),
    ]
}

/// The worst-case set (issue 15): every packet of every fixture capture, named
/// `FILE_STEM#INDEX` (index from 0, files in name order), the NUC's PXE DISCOVER
/// (`pxe_nuc`), then the hand-built packets of [`hand_built`].
pub fn worst_case_packets() -> Vec<BenchPacket> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(captures_dir())
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", captures_dir().display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "pcap"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        for (index, bytes) in capture_payloads(&file).into_iter().enumerate() {
            all.push(BenchPacket::new(format!("{stem}#{index}"), bytes));
        }
    }
    all.push(BenchPacket::new("pxe_nuc", pxe_discover()));
    all.extend(hand_built());
    all
}

/// Packets built here for the shapes the captures lack, the worst cases of issue 15:
///
/// - `short_1opt`: a 244-byte DISCOVER with option 53 only, no padding;
/// - `short_3opt`: a 260-byte REQUEST with options 53, 50 and 54;
/// - `pad_heavy`: 576 bytes, option 53 then 332 PAD bytes then END;
/// - `overloaded`: 300 bytes, option 52 = 3 in the options field, `file` and `sname`
///   full of options (21 routers, 10 DNS servers);
/// - `bootp_plain`: a plain BOOTP request (RFC 951), 300 bytes, no magic cookie.
///   dhcproto 0.14 does not check the cookie and reads the zeros as 60 PAD options.
pub fn hand_built() -> Vec<BenchPacket> {
    let mut pad_heavy = vec![53, 1, 1];
    pad_heavy.resize(576 - 240 - 1, 0);
    pad_heavy.push(255);

    let mut overloaded = with_header(&[53, 1, 5, 52, 1, 3, 54, 4, 10, 0, 0, 1, 255]);
    let mut file = Vec::new();
    while file.len() + 6 < 128 {
        file.extend_from_slice(&[3, 4, 10, 0, 0, 1]);
    }
    file.push(255);
    overloaded[108..108 + file.len()].copy_from_slice(&file);
    let mut sname = Vec::new();
    while sname.len() + 6 < 64 {
        sname.extend_from_slice(&[6, 4, 10, 0, 0, 2]);
    }
    sname.push(255);
    overloaded[44..44 + sname.len()].copy_from_slice(&sname);
    overloaded.resize(300, 0);

    let mut bootp = vec![0; 300];
    bootp[..5].copy_from_slice(&[1, 1, 6, 0, 9]);

    vec![
        BenchPacket::new("short_1opt", with_header(&[53, 1, 1, 255])),
        BenchPacket::new(
            "short_3opt",
            with_header(&[53, 1, 3, 50, 4, 10, 0, 0, 5, 54, 4, 10, 0, 0, 1, 255]),
        ),
        BenchPacket::new("pad_heavy", with_header(&pad_heavy)),
        BenchPacket::new("overloaded", overloaded),
        BenchPacket::new("bootp_plain", bootp),
    ]
}

/// A BOOTREQUEST header (Ethernet, xid 7), the magic cookie, then `options`.
fn with_header(options: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0; 236];
    bytes[..5].copy_from_slice(&[1, 1, 6, 0, 7]);
    bytes.extend_from_slice(&ex_dhcp::wire::MAGIC_COOKIE);
    bytes.extend_from_slice(options);
    bytes
}

impl BenchPacket {
    /// A packet called `name`.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> BenchPacket {
        BenchPacket {
            name: name.into(),
            bytes,
        }
    }
}

/// The packet called `name`, from [`packets`] or [`worst_case_packets`], or a panic
/// listing the names there are.
pub fn packet(name: &str) -> BenchPacket {
    let all: Vec<_> = packets().into_iter().chain(worst_case_packets()).collect();
    let names: Vec<_> = all.iter().map(|p| p.name.clone()).collect();
    all.into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("unknown packet {name:?}; one of {names:?}"))
}

/// A buffer big enough for any encoded benchmark packet (an Ethernet MTU).
pub const BUF_LEN: usize = 1500;

/// Everything one packet's measurements need, decoded and allocated up front so that
/// each operation below measures only its own work.
#[derive(Debug)]
pub struct Fixture {
    /// The packet's wire bytes.
    pub bytes: Vec<u8>,
    /// ex_dhcp's decoded packet: the source for encoding and the target for `decode_from`.
    pub ex: Packet,
    /// dhcproto's decoded message: the source for encoding; `None` for a packet
    /// dhcproto cannot decode (plain BOOTP), whose dhcproto side is not measured.
    pub dhcproto: Option<Message>,
    /// ex_dhcp's reused output buffer.
    pub ex_buf: Vec<u8>,
    /// dhcproto's reused output vector (cleared, capacity kept, before each encode).
    pub dhcproto_buf: Vec<u8>,
}

impl Fixture {
    /// Decodes `packet` with both libraries and checks that both encode it back
    /// (ex_dhcp exactly, and to the same bytes up to padding in the padded form that
    /// is measured; dhcproto to something), so a benchmark never times a failing
    /// path. A packet dhcproto cannot decode gets `dhcproto: None`.
    pub fn new(packet: &BenchPacket) -> Fixture {
        let bytes = packet.bytes.clone();
        let ex = Packet::decode(&bytes)
            .unwrap_or_else(|e| panic!("ex_dhcp cannot decode {}: {e}", packet.name));
        assert_eq!(
            ex.encode(Encoding::Exact),
            bytes,
            "ex_dhcp does not encode {} back exactly",
            packet.name
        );
        let dhcproto = Message::decode(&mut Decoder::new(&bytes)).ok();
        let mut fixture = Fixture {
            bytes,
            ex,
            dhcproto,
            ex_buf: vec![0; BUF_LEN],
            dhcproto_buf: Vec::with_capacity(BUF_LEN),
        };
        let len = fixture.ex_encode_to();
        assert!(
            same_up_to_padding(&fixture.ex_buf[..len], &fixture.bytes),
            "ex_dhcp does not encode {} back to its bytes",
            packet.name
        );
        if fixture.dhcproto.is_some() {
            fixture.dhcproto_encode();
            assert!(
                !fixture.dhcproto_buf.is_empty(),
                "dhcproto encoded {} to nothing",
                packet.name
            );
        }
        fixture
    }

    /// ex_dhcp: decode into a new [`Packet`] (fresh option storage each time).
    #[inline(never)]
    pub fn ex_decode(&self) -> Packet {
        Packet::decode(black_box(&self.bytes)).expect("decodes")
    }

    /// ex_dhcp: decode into the fixture's [`Packet`], reusing its option storage.
    #[inline(never)]
    pub fn ex_decode_from(&mut self) {
        self.ex
            .decode_from(black_box(&self.bytes))
            .expect("decodes");
        black_box(&self.ex);
    }

    /// dhcproto: `Message::decode` from a new `Decoder` (its only way).
    #[inline(never)]
    pub fn dhcproto_decode(&self) -> Message {
        Message::decode(&mut Decoder::new(black_box(&self.bytes))).expect("decodes")
    }

    /// ex_dhcp: `encode_to` with `Encoding::Padded` into the reused buffer (as sent);
    /// returns the length.
    #[inline(never)]
    pub fn ex_encode_to(&mut self) -> usize {
        let len = black_box(&self.ex)
            .encode_to(&mut self.ex_buf, Encoding::Padded)
            .expect("fits");
        black_box(&self.ex_buf);
        len
    }

    /// dhcproto: encode into the reused vector through an `Encoder`; returns the length.
    ///
    /// # Panics
    ///
    /// When dhcproto could not decode the packet (`dhcproto` is `None`).
    #[inline(never)]
    pub fn dhcproto_encode(&mut self) -> usize {
        self.dhcproto_buf.clear();
        black_box(&self.dhcproto)
            .as_ref()
            .expect("dhcproto decodes this packet")
            .encode(&mut Encoder::new(&mut self.dhcproto_buf))
            .expect("encodes");
        black_box(&self.dhcproto_buf);
        self.dhcproto_buf.len()
    }
}

/// True when `a` and `b` are equal once the shorter is extended with zeros (padding
/// after END differs between the captures and the 300-byte minimum).
fn same_up_to_padding(a: &[u8], b: &[u8]) -> bool {
    let common = a.len().min(b.len());
    a[..common] == b[..common]
        && a[common..].iter().all(|&x| x == 0)
        && b[common..].iter().all(|&x| x == 0)
}
