//! Codec benchmarks: ex_dhcp against dhcproto on real packets (issue 7, codec part).
//!
//! Groups are `decode/<packet>` and `encode/<packet>`, each holding both libraries,
//! so the report shows them side by side. The packets are the four of
//! `support::packets()` and the hand-built worst cases of `support::hand_built()`
//! (short, pad-heavy, overloaded, plain BOOTP); `codec_worst` covers the whole
//! worst-case set in one run.
//!
//! ```text
//! cargo bench -p ex_dhcp-benches --bench codec                 # everything, under two minutes
//! cargo bench -p ex_dhcp-benches --bench codec -- decode/pxe   # one group
//! ```
//!
//! Wall-clock numbers on a shared machine are noisy; for same-run ratios use
//! `cargo run --release -p ex_dhcp-benches --bin codec_worst`, and for stable counts
//! `bash benches/callgrind.sh` (BENCHMARKS.md, "Method").

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use ex_dhcp_benches as support;

use support::Fixture;

/// The benchmark packets, then the hand-built worst cases.
fn all_packets() -> Vec<support::BenchPacket> {
    let mut all = support::packets();
    all.extend(support::hand_built());
    all
}

fn decode(c: &mut Criterion) {
    for packet in all_packets() {
        let mut fixture = Fixture::new(&packet);
        let mut group = c.benchmark_group(format!("decode/{}", packet.name));
        group.throughput(Throughput::Bytes(packet.bytes.len() as u64));
        group.bench_function("ex_dhcp/decode", |b| {
            b.iter(|| black_box(fixture.ex_decode()))
        });
        group.bench_function("ex_dhcp/decode_from", |b| {
            b.iter(|| fixture.ex_decode_from())
        });
        if fixture.dhcproto.is_some() {
            group.bench_function("dhcproto/decode", |b| {
                b.iter(|| black_box(fixture.dhcproto_decode()))
            });
        }
        group.finish();
    }
}

fn encode(c: &mut Criterion) {
    for packet in all_packets() {
        let mut fixture = Fixture::new(&packet);
        let mut group = c.benchmark_group(format!("encode/{}", packet.name));
        group.throughput(Throughput::Bytes(packet.bytes.len() as u64));
        group.bench_function("ex_dhcp/encode_to", |b| b.iter(|| fixture.ex_encode_to()));
        if fixture.dhcproto.is_some() {
            group.bench_function("dhcproto/encode", |b| b.iter(|| fixture.dhcproto_encode()));
        }
        group.finish();
    }
}

/// Short runs: 45 benchmarks at about 3.5 s each keep the whole bench near 160 s.
/// Plots are off: nobody reads them here and they cost time.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = decode, encode
}
criterion_main!(benches);
