//! Counts heap allocations per codec operation, for ex_dhcp and dhcproto.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --bin codec_allocs
//! ```
//!
//! A counting global allocator wraps the system one; each operation runs 100 times
//! after one warm-up call, and the table shows allocations (and bytes asked for) per
//! call. The warm-up matters for reused storage: `decode_from` and the encoders only
//! grow their buffers the first time. The last rows decode a 4-byte datagram, which
//! must be refused without allocating.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use std::hint::black_box;

use ex_dhcp::Packet;
use ex_dhcp_benches as support;

use support::Fixture;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting every allocation and reallocation.
struct Counting;

// SAFETY: every call is passed unchanged to `System`, which upholds the contract;
// the counters are plain atomics and allocate nothing. Implementing `GlobalAlloc`
// is unsafe by definition, and counting allocations needs a global allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CALLS: u64 = 100;

/// One measured operation on a fixture.
type Op = fn(&mut Fixture);

/// Allocations and bytes per call of `op`, after one warm-up call.
fn count(fixture: &mut Fixture, op: Op) -> (f64, f64) {
    op(fixture);
    let (a0, b0) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    for _ in 0..CALLS {
        op(fixture);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - a0;
    let bytes = BYTES.load(Ordering::Relaxed) - b0;
    (
        allocations as f64 / CALLS as f64,
        bytes as f64 / CALLS as f64,
    )
}

fn main() {
    let ops: [(&str, Op); 5] = [
        ("ex_dhcp decode (fresh)", |f| drop(f.ex_decode())),
        ("ex_dhcp decode_from (reused)", |f| f.ex_decode_from()),
        ("ex_dhcp encode_to", |f| {
            f.ex_encode_to();
        }),
        ("dhcproto decode", |f| drop(f.dhcproto_decode())),
        ("dhcproto encode (reused Vec)", |f| {
            f.dhcproto_encode();
        }),
    ];
    println!(
        "{:<16} {:<30} {:>12} {:>12}",
        "packet", "operation", "allocs/call", "bytes/call"
    );
    for packet in support::packets() {
        let mut fixture = Fixture::new(&packet);
        for (name, op) in ops {
            let (allocations, bytes) = count(&mut fixture, op);
            println!(
                "{:<16} {:<30} {:>12.1} {:>12.0}",
                packet.name, name, allocations, bytes
            );
        }
    }
    // Input shorter than the header is refused before anything is allocated, into a
    // new packet or a reused one (the fixture's packet is only the reused target).
    let mut fixture = Fixture::new(&support::packets()[0]);
    let refused: [(&str, Op); 2] = [
        ("ex_dhcp decode (refused)", |_| {
            assert!(black_box(Packet::decode(black_box(&FOUR_BYTES))).is_err());
        }),
        ("ex_dhcp decode_from (refused)", |f| {
            assert!(black_box(f.ex.decode_from(black_box(&FOUR_BYTES))).is_err());
        }),
    ];
    for (name, op) in refused {
        let (allocations, bytes) = count(&mut fixture, op);
        // The contract (tests/allocations asserts it too): nothing is allocated.
        assert_eq!(allocations, 0.0, "{name} allocated");
        println!(
            "{:<16} {:<30} {:>12.1} {:>12.0}",
            "4_bytes", name, allocations, bytes
        );
    }
}

/// A datagram of four bytes: far shorter than the 236-byte header.
const FOUR_BYTES: [u8; 4] = [1, 1, 6, 0];
