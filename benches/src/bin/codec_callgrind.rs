//! Runs one codec operation N times, for counting instructions with callgrind.
//!
//! ```text
//! cargo build --release -p ex_dhcp-benches --bin codec_callgrind
//! valgrind --tool=callgrind --callgrind-out-file=cg.out \
//!     target/release/codec_callgrind ex decode pxe_discover 1000
//! ```
//!
//! LIBRARY is `ex` or `dhcproto`; OPERATION is `decode` or `encode`, plus
//! `decode_from` for ex (decoding into a reused packet); PACKET is one of
//! `discover`, `relay_discover`, `offer_many`, `pxe_discover` or a packet of
//! the worst-case set (`codec_worst` lists them). Setup (reading the
//! fixture, decoding it once with each library) is the same whatever N is, so
//! `(I(N) - I(0)) / N` is the instruction count of one operation; `benches/callgrind.sh`
//! does that for every combination.

use ex_dhcp_benches as support;

use support::Fixture;

const USAGE: &str = "usage: codec_callgrind ex|dhcproto decode|decode_from|encode PACKET N";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [library, operation, packet, n] = args.as_slice() else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect(USAGE);
    let mut fixture = Fixture::new(&support::packet(packet));
    let op: fn(&mut Fixture) = match (library.as_str(), operation.as_str()) {
        ("ex", "decode") => |f| drop(f.ex_decode()),
        ("ex", "decode_from") => |f| f.ex_decode_from(),
        ("ex", "encode") => |f| {
            f.ex_encode_to();
        },
        ("dhcproto", "decode") => |f| drop(f.dhcproto_decode()),
        ("dhcproto", "encode") => |f| {
            f.dhcproto_encode();
        },
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    for _ in 0..n {
        op(&mut fixture);
    }
}
