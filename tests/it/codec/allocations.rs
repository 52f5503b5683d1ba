//! The decoder's allocation contract, as the docs of `Options` and `Packet::decode`
//! state it: a fresh decode allocates at most once (the value buffer, only when the
//! options outgrow the 112 bytes kept inline), a datagram shorter than the header is
//! refused without allocating, and `decode_from` into a packet that has held as much
//! allocates nothing.
//!
//! Counted by a global allocator that counts per thread, so the tests running beside
//! these on other threads do not disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE};
use ex_dhcp::Packet;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting this thread's allocations and reallocations.
struct Counting;

fn count() {
    // `try_with`: an allocation while the thread is being torn down is not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call goes unchanged to `System`, which upholds the contract; the
// counter is a thread-local `Cell` with a const initialiser, which allocates nothing.
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

/// The allocations `f` makes on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
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

/// A packet with option 52 = 3 and `file` and `sname` full of routers and DNS servers.
fn overloaded() -> Vec<u8> {
    let mut bytes = discover(&[52, 1, 3], &[0; 40]);
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
        ("200 bytes", discover(&private_options(2, 96), &[]), 1),
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
        ("overloaded file and sname", overloaded(), 1),
    ];
    for (name, bytes, expected) in cases {
        let (packet, allocated) = allocations(|| Packet::decode(&bytes));
        let packet = packet.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(allocated, expected, "{name}: allocations of a fresh decode");
        assert_eq!(packet.encode_exact(), bytes, "{name}");
    }
}

#[test]
fn a_datagram_shorter_than_the_header_is_refused_without_allocating() {
    for len in [0, 4, HEADER_LEN - 1] {
        let bytes = vec![1; len];
        let (result, allocated) = allocations(|| Packet::decode(&bytes).map(drop));
        assert!(result.is_err(), "{len} bytes decoded");
        assert_eq!(allocated, 0, "{len} bytes");
    }
}

#[test]
fn decode_from_into_a_packet_that_held_as_much_allocates_nothing() {
    let large = discover(&private_options(3, 97), &[9; 40]);
    let mut packet = Packet::decode(&large).expect("decodes");
    for bytes in [discover(&[], &[]), overloaded(), large.clone()] {
        let (result, allocated) = allocations(|| packet.decode_from(&bytes));
        result.expect("decodes");
        assert_eq!(allocated, 0);
        assert_eq!(packet.encode_exact(), bytes);
    }
}
