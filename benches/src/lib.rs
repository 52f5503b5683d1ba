//! What the codec benchmarks share: the benchmark packets and one function per
//! measured operation, so criterion (`benches/benches/codec.rs`), the same-run ratio table
//! (`src/bin/codec_ratio.rs`), the instruction counter (`src/bin/codec_callgrind.rs`)
//! and the allocation counter (`src/bin/codec_allocs.rs`) all measure the same code.
//!

use std::hint::black_box;
use std::path::PathBuf;

use dhcproto::v4::Message;
use dhcproto::{Decodable, Decoder, Encodable, Encoder};
use ex_dhcp::Packet;

/// One benchmark packet: a short name for tables and command lines, and its bytes
/// (the UDP payload, starting at `op`).
#[derive(Debug, Clone)]
pub struct BenchPacket {
    /// Name used in criterion group ids, tables and the callgrind command line.
    pub name: &'static str,
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
    let path = root().join("../tests/data/captures").join(file);
    let capture = ex_dhcp::capture::read_file(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    capture
        .datagrams
        .into_iter()
        .nth(index)
        .unwrap_or_else(|| panic!("{} has no packet {index}", path.display()))
        .payload
}

/// The benchmark packets, in table order:
///
/// - `discover`: a plain client DISCOVER (packet 1 of DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap);
/// - `relay_discover`: a relayed DISCOVER with options 60, 43, 61, 57 and 82
///   (packet 1 of DHCP-O60-O43-O82.pcap);
/// - `offer_many`: the relayed OFFER with many options (packet 2 of DHCP-O60-O43-O82.pcap);
/// - `pxe_discover`: an Intel NUC's PXE DISCOVER (`tests/data/pxe_discover_nuc.bin`).
pub fn packets() -> Vec<BenchPacket> {
    let pxe = root().join("../tests/data/pxe_discover_nuc.bin");
    vec![
        BenchPacket {
            name: "discover",
            bytes: capture_payload("DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap", 0),
        },
        BenchPacket {
            name: "relay_discover",
            bytes: capture_payload("DHCP-O60-O43-O82.pcap", 0),
        },
        BenchPacket {
            name: "offer_many",
            bytes: capture_payload("DHCP-O60-O43-O82.pcap", 1),
        },
        BenchPacket {
            name: "pxe_discover",
            bytes: std::fs::read(&pxe)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", pxe.display())),
        },
    ]
}

/// The packet called `name`, or a panic listing the names there are.
pub fn packet(name: &str) -> BenchPacket {
    let all = packets();
    let names: Vec<_> = all.iter().map(|p| p.name).collect();
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
    /// dhcproto's decoded message: the source for encoding.
    pub dhcproto: Message,
    /// ex_dhcp's reused output buffer.
    pub ex_buf: Vec<u8>,
    /// dhcproto's reused output vector (cleared, capacity kept, before each encode).
    pub dhcproto_buf: Vec<u8>,
}

impl Fixture {
    /// Decodes `packet` with both libraries and checks that both encode it back to
    /// its own bytes (ex_dhcp exactly; dhcproto to the same length), so a benchmark
    /// never times a failing path.
    pub fn new(packet: &BenchPacket) -> Fixture {
        let bytes = packet.bytes.clone();
        let ex = Packet::decode(&bytes)
            .unwrap_or_else(|e| panic!("ex_dhcp cannot decode {}: {e}", packet.name));
        let dhcproto = Message::decode(&mut Decoder::new(&bytes))
            .unwrap_or_else(|e| panic!("dhcproto cannot decode {}: {e}", packet.name));
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
        fixture.dhcproto_encode();
        assert!(
            !fixture.dhcproto_buf.is_empty(),
            "dhcproto encoded {} to nothing",
            packet.name
        );
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

    /// ex_dhcp: `encode_to` into the reused buffer (padded to 300 bytes, as sent);
    /// returns the length.
    #[inline(never)]
    pub fn ex_encode_to(&mut self) -> usize {
        let len = black_box(&self.ex)
            .encode_to(&mut self.ex_buf)
            .expect("fits");
        black_box(&self.ex_buf);
        len
    }

    /// dhcproto: encode into the reused vector through an `Encoder`; returns the length.
    #[inline(never)]
    pub fn dhcproto_encode(&mut self) -> usize {
        self.dhcproto_buf.clear();
        black_box(&self.dhcproto)
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
