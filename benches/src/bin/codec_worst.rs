//! Same-run ratios against dhcproto on the worst-case set of issue 15, with the
//! minimum, median and geometric mean of each operation.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --bin codec_worst -- [ROUNDS] [ITERS]
//! ```
//!
//! The set ([`ex_dhcp_benches::worst_case_packets`]): every packet of the fixture
//! captures, the NUC's PXE DISCOVER, and hand-built short (1 and 3 options),
//! pad-heavy (576 bytes), overloaded (`file` and `sname` full of options) and plain
//! BOOTP packets. For each packet and operation (fresh decode, decode into a reused
//! packet, `encode_to`), ROUNDS rounds (default 21) each time ITERS iterations
//! (default 2000) of ex_dhcp and of dhcproto, alternating which side goes first; the
//! ratio is the median over rounds of dhcproto time / ex_dhcp time (above 1: ex_dhcp
//! faster). A packet dhcproto cannot decode gets n/a and is left out of the
//! summary (dhcproto 0.14 does not check the magic cookie, so it "decodes" plain
//! BOOTP, reading the vendor area's zeros as PAD options). Targets: decode ≥ 3x,
//! encode ≥ 2x, on every packet.

use ex_dhcp_benches as support;

use support::ratio::{arg, interleaved, median, time, Pair, PAIRS};
use support::Fixture;

/// Medians of one operation on one packet: ex_dhcp ns, and dhcproto ns with the
/// ratio when dhcproto can decode the packet.
fn measure(
    pair: &Pair,
    fixture: &mut Fixture,
    rounds: u32,
    iters: u32,
) -> (f64, Option<(f64, f64)>) {
    if fixture.dhcproto.is_none() {
        time(pair.ex, fixture, iters);
        let mut ex: Vec<f64> = (0..rounds).map(|_| time(pair.ex, fixture, iters)).collect();
        return (median(&mut ex), None);
    }
    let (ex, other, ratio) = interleaved(pair, fixture, rounds, iters);
    (ex, Some((other, ratio)))
}

fn main() {
    let rounds = arg(1, 21);
    let iters = arg(2, 2000);
    let packets = support::worst_case_packets();
    println!(
        "codec_worst: {} packets, {rounds} rounds x {iters} iterations per side, interleaved; medians; \
         size_of::<Packet>() = {} bytes",
        packets.len(),
        std::mem::size_of::<ex_dhcp::Packet>()
    );
    println!(
        "{:<36} {:>5} {:<12} {:>10} {:>11} {:>8} {:>4}",
        "packet", "bytes", "operation", "ex_dhcp ns", "dhcproto ns", "ratio", "met"
    );
    // Per operation: (ratio, packet name) for every packet dhcproto decodes.
    let mut ratios: Vec<Vec<(f64, String)>> = vec![Vec::new(); PAIRS.len()];
    for packet in &packets {
        let mut fixture = Fixture::new(packet);
        for (index, pair) in PAIRS.iter().enumerate() {
            let (ex, other) = measure(pair, &mut fixture, rounds, iters);
            let (dhcproto, ratio, met) = match other {
                Some((ns, ratio)) => {
                    ratios[index].push((ratio, packet.name.clone()));
                    let met = if ratio >= pair.target { "yes" } else { "NO" };
                    (format!("{ns:.1}"), format!("{ratio:.2}x"), met)
                }
                None => ("n/a".into(), "n/a".into(), "n/a"),
            };
            println!(
                "{:<36} {:>5} {:<12} {:>10.1} {:>11} {:>8} {:>4}",
                packet.name,
                packet.bytes.len(),
                pair.name,
                ex,
                dhcproto,
                ratio,
                met
            );
        }
    }
    println!();
    println!(
        "{:<12} {:>8} {:>8} {:>8} {:>7} {:>8}  worst packet",
        "operation", "min", "median", "geomean", "target", "missed"
    );
    for (pair, ratios) in PAIRS.iter().zip(&mut ratios) {
        ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut values: Vec<f64> = ratios.iter().map(|r| r.0).collect();
        let geomean = (values.iter().map(|r| r.ln()).sum::<f64>() / values.len() as f64).exp();
        let missed = values.iter().filter(|r| **r < pair.target).count();
        println!(
            "{:<12} {:>7.2}x {:>7.2}x {:>7.2}x {:>6.1}x {:>5}/{:<2}  {}",
            pair.name,
            ratios[0].0,
            median(&mut values),
            geomean,
            pair.target,
            missed,
            ratios.len(),
            ratios[0].1
        );
    }
}
