//! The decoder's allocation contract, as the docs of `Options` and `Packet::decode`
//! state it: a fresh decode allocates once at most (the value buffer, and only when
//! what the list keeps outgrows the 112 bytes kept inline), a datagram shorter than
//! the header is refused without allocating, and `decode_from` into a packet that
//! has held as much allocates nothing.
//!
//! A crate of its own, because counting needs a global allocator, which would
//! otherwise apply to every test beside these. It counts per thread, so the test
//! harness's other threads do not disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE};
use ex_dhcp::Encoding;
use ex_dhcp::Packet;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting this thread's allocations and reallocations.
struct Counting;

fn count() {
    ALLOCATIONS.with(|n| n.set(n.get() + 1));
}

// SAFETY: every call goes unchanged to `System`, which upholds the contract. The
// counter is a thread-local `Cell` with a const initialiser and no destructor; on
// targets with native thread-locals (Linux, where this runs) reaching it allocates
// nothing, so counting cannot recurse into the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's `layout` is passed on as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` and `layout` come from this allocator, that is from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as in `dealloc`; `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The allocations `f` makes on this thread; its result goes through `black_box`,
/// so the optimiser cannot drop an allocation whose buffer is never read.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = black_box(f());
    (value, ALLOCATIONS.with(Cell::get) - before)
}

/// A DHCPDISCOVER: header, cookie, option 53, then `options` (code, length, value
/// triples), END, then `after_end`.
fn discover(options: &[u8], after_end: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0; HEADER_LEN];
    bytes[..3].copy_from_slice(&[1, 1, 6]);
    bytes.extend_from_slice(&MAGIC_COOKIE);
    bytes.extend_from_slice(&[53, 1, 1]); // DHCPDISCOVER
    bytes.extend_from_slice(options);
    bytes.push(255);
    bytes.extend_from_slice(after_end);
    bytes
}

/// `count` options 224 of `len` bytes each.
fn private_options(count: usize, len: u8) -> Vec<u8> {
    (0..count)
        .flat_map(|_| {
            [224, len]
                .into_iter()
                .chain(std::iter::repeat_n(7, usize::from(len)))
        })
        .collect()
}

/// A packet with option 52 = 3 and `file` and `sname` full of routers and DNS
/// servers, then `after_end`.
fn overloaded(after_end: &[u8]) -> Vec<u8> {
    let mut bytes = discover(&[52, 1, 3], after_end);
    let mut file: Vec<u8> = [3, 4, 198, 18, 0, 1].repeat(20);
    file.push(255);
    bytes[108..108 + file.len()].copy_from_slice(&file);
    let mut sname: Vec<u8> = [6, 4, 198, 18, 0, 2].repeat(10);
    sname.push(255);
    bytes[44..44 + sname.len()].copy_from_slice(&sname);
    bytes
}

#[test]
fn a_fresh_decode_allocates_nothing_while_the_options_fit_inline_and_once_beyond() {
    let cases = [
        ("one option", discover(&[], &[]), 0),
        ("zeros after END", discover(&[], &[0; 60]), 0),
        // 3 + 107 = 110 bytes of options: a PXE DISCOVER's size.
        ("110 bytes", discover(&private_options(1, 105), &[]), 0),
        (
            "199 bytes and one byte after END",
            discover(&private_options(2, 96), &[7]),
            1,
        ),
        (
            "199 bytes and 1000 zeros after END",
            discover(&private_options(2, 96), &[0; 1000]),
            1,
        ),
        (
            "300 bytes and bytes after END",
            discover(&private_options(3, 97), &[9; 40]),
            1,
        ),
        (
            "a short list and 200 bytes after END",
            discover(&[], &[9; 200]),
            1,
        ),
        // `file` and `sname` are kept whole (192 bytes): an overloaded packet allocates.
        ("overloaded file and sname", overloaded(&[0; 40]), 1),
        ("overloaded, bytes after END", overloaded(&[9; 40]), 1),
    ];
    for (name, bytes, expected) in cases {
        let (packet, allocated) = allocations(|| Packet::decode(&bytes));
        let packet = packet.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(allocated, expected, "{name}: allocations of a fresh decode");
        assert_eq!(packet.encode(Encoding::Exact), bytes, "{name}");
    }
}

#[test]
fn a_datagram_shorter_than_the_header_is_refused_without_allocating() {
    for len in [0, 4, HEADER_LEN - 1] {
        let bytes = vec![1; len];
        let (result, allocated) = allocations(|| Packet::decode(black_box(&bytes)));
        assert!(result.is_err(), "{len} bytes decoded");
        assert_eq!(allocated, 0, "{len} bytes");
    }
}

#[test]
fn decode_from_into_a_packet_that_held_as_much_allocates_nothing() {
    let large = discover(&private_options(3, 97), &[9; 40]);
    let mut packet = Packet::decode(&large).expect("decodes");
    let zero_padded = discover(&private_options(3, 97), &[0; 2000]);
    for bytes in [
        discover(&[], &[]),
        overloaded(&[9; 40]),
        zero_padded,
        large.clone(),
    ] {
        let (result, allocated) = allocations(|| packet.decode_from(&bytes));
        result.expect("decodes");
        assert_eq!(allocated, 0);
        assert_eq!(packet.encode(Encoding::Exact), bytes);
    }
}
