//! The allocator's walk over one range for addresses no client has had: this
//! server's part of the range upwards, then the other parts downwards.
//!
//! A walk only finds addresses the table has never recorded; an address that was
//! had and freed comes back through the table's oldest-free-first index instead.
//! Both are O(log n) per address: the walk's cursors only move one way, so each
//! known address is stepped over once.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use log::{debug, info};

use crate::lease::pool::Pool;
use crate::lease::settings::Share;
use crate::lease::table::LeaseTable;

/// The shortest rest of the range a lost race moves a server without a share
/// within: below it, the server walks on.
const MIN_JUMP: u32 = 64;

/// A 64-bit mix (splitmix64's finalizer): spreads a server's jump points.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A stretch of the range outside this server's part, walked downwards.
#[derive(Debug, Clone, Copy)]
struct Segment {
    low: u32,
    next: u32,
    /// The index of the share whose part it is (`None`: a stretch left behind by a
    /// move of a server without a share).
    part: Option<u32>,
}

/// One range's walk for never-used addresses.
#[derive(Debug, Clone)]
pub(super) struct Walk {
    /// The next address of this server's part of the range ([`Share`]) to try that
    /// may never have been given out: from the part's start to it, every address is
    /// known to the table (or reserved), so new clients cost O(1).
    cursor: u32,
    /// The first and last addresses of this server's part; `None` when it is empty.
    part: Option<(u32, u32)>,
    /// The rest of the range, walked downwards once the part is used up: per
    /// segment, in walk order, its lowest address, the next one to try (the
    /// addresses above it in the segment are known) and the other server's part it
    /// lies in, if any; a segment walked to its end is dropped.
    elsewhere: VecDeque<Segment>,
    /// How many lost races moved the walk of a server without a share.
    jumps: u64,
    /// Where the current upward run of the walk started: the part's start, or the
    /// point of the last move.
    run_start: u32,
    /// The range's first and last addresses.
    first: u32,
    last: u32,
}

impl Walk {
    /// The walk of `first..=last` for the server with `share` of it.
    pub(super) fn new(first: Ipv4Addr, last: Ipv4Addr, share: Share) -> Self {
        let part_of = |index: u32| {
            Share::new(index, share.count())
                .and_then(|s| s.part(first, last))
                .map(|(start, end)| (u32::from(start), u32::from(end)))
        };
        let (first, last) = (u32::from(first), u32::from(last));
        let part = part_of(share.index());
        // The other parts, in walk order: those below this part from the nearest
        // down, then those above from the range's end down; each walked downwards.
        let below = (0..share.index()).rev();
        let above = (share.index() + 1..share.count()).rev();
        let others = below.chain(above).filter_map(|index| {
            part_of(index).map(|(start, end)| Segment {
                low: start,
                next: end,
                part: Some(index),
            })
        });
        let (cursor, elsewhere) = match part {
            Some((start, _)) => (start, others.collect()),
            None => (
                first,
                VecDeque::from([Segment {
                    low: first,
                    next: last,
                    part: None,
                }]),
            ),
        };
        Walk {
            cursor,
            part,
            elsewhere,
            jumps: 0,
            run_start: cursor,
            first,
            last,
        }
    }

    /// The next address of this server's part no client has had, moving the cursor
    /// past the ones clients have had: amortized O(1), as the cursor never moves back.
    pub(super) fn next_untouched(&mut self, table: &LeaseTable, pool: &Pool) -> Option<Ipv4Addr> {
        let (_, last) = self.part?;
        while self.cursor <= last {
            // After a restart the known addresses form long runs: walking them in the
            // index's order is a few ns each, once.
            let addr = table.first_untouched_from(Ipv4Addr::from(self.cursor))?;
            self.cursor = u32::from(addr);
            if self.cursor > last {
                return None;
            }
            if !pool.is_reserved(addr) {
                return Some(addr);
            }
            self.cursor = self.cursor.checked_add(1)?;
        }
        None
    }

    /// The next address no client has had outside this server's part, walking the
    /// other parts downwards (from the range's end, and from below this part): their
    /// own servers walk them upwards, so the two meet only when a part is full. The
    /// parts `claimed` says another server holds a claim on are left alone (and walked
    /// later, once the claim lapses). Amortized O(1), as each segment's cursor only
    /// moves down.
    pub(super) fn next_untouched_elsewhere(
        &mut self,
        table: &LeaseTable,
        pool: &Pool,
        claimed: &[u32],
    ) -> Option<Ipv4Addr> {
        let mut i = 0;
        while let Some(&Segment { low, next, part }) = self.elsewhere.get(i) {
            if part.is_some_and(|part| claimed.contains(&part)) {
                i += 1;
                continue;
            }
            let found = table
                .last_untouched_from(Ipv4Addr::from(next))
                .map(u32::from)
                .filter(|addr| *addr >= low);
            match found {
                Some(addr) => {
                    self.elsewhere[i].next = addr;
                    if !pool.is_reserved(Ipv4Addr::from(addr)) {
                        return Some(Ipv4Addr::from(addr));
                    }
                    if addr > low {
                        self.elsewhere[i].next = addr - 1;
                        continue;
                    }
                    self.elsewhere.remove(i);
                }
                None => {
                    self.elsewhere.remove(i);
                }
            }
        }
        None
    }

    /// True when `addr` is in this server's own part of the range.
    pub(super) fn owns(&self, addr: Ipv4Addr) -> bool {
        let addr = u32::from(addr);
        self.part
            .is_some_and(|(start, end)| (start..=end).contains(&addr))
    }

    /// The index of the other server's part `addr` is in, if it is in one.
    pub(super) fn part_of(&self, addr: Ipv4Addr, share: Share) -> Option<u32> {
        if share.count() <= 1 {
            return None;
        }
        (0..share.count()).find(|index| {
            *index != share.index()
                && self
                    .range_part(*index, share)
                    .is_some_and(|(start, end)| (start..=end).contains(&u32::from(addr)))
        })
    }

    /// Part `index` of this walk's range, for a server with `share`.
    fn range_part(&self, index: u32, share: Share) -> Option<(u32, u32)> {
        Share::new(index, share.count())?
            .part(self.first.into(), self.last.into())
            .map(|(start, end)| (u32::from(start), u32::from(end)))
    }

    /// True when the walk has gone past `addr`, an address of its range: it will not
    /// be found untouched again.
    pub(super) fn passed(&self, addr: u32) -> bool {
        if self
            .elsewhere
            .iter()
            .any(|segment| (segment.low..=segment.next).contains(&addr))
        {
            return false;
        }
        if self
            .part
            .is_some_and(|(start, end)| (start..=end).contains(&addr))
        {
            return addr < self.cursor;
        }
        true
    }

    /// True when `addr` was found by the current upward run: a race lost there is
    /// news (the losses of offers made before the last move are old news).
    pub(super) fn in_current_run(&self, addr: Ipv4Addr) -> bool {
        (self.run_start..=self.cursor).contains(&u32::from(addr))
    }

    /// Another server allocates from this range (a lost race) and no server has a
    /// share: this walk moves to a point of what is left of its part, derived from
    /// `seed` (the server identifier) and the number of moves (so two servers moving
    /// at once part), and walks on upwards from there; the addresses skipped are
    /// walked later, downwards. Where the other server's block of leases is met
    /// again, the next lost race moves it past the block. Spans shorter than
    /// [`MIN_JUMP`] are walked on: there is no room to part.
    pub(super) fn jump(&mut self, seed: Ipv4Addr) {
        let Some((_, end)) = self.part else {
            return;
        };
        if self.cursor > end || end - self.cursor < MIN_JUMP {
            return;
        }
        self.jumps += 1;
        let span = u64::from(end - self.cursor) + 1;
        let seed = u64::from(u32::from(seed)) << 32 | self.jumps;
        let to = self.cursor + (mix(seed) % span) as u32;
        if self.jumps == 1 {
            info!(
                "another server allocates from this range (a lost race): new clients get \
                 addresses from {} up; give each server --share to avoid the races",
                Ipv4Addr::from(to)
            );
        } else {
            debug!(
                "another lost race: new clients from {} up",
                Ipv4Addr::from(to)
            );
        }
        if to > self.cursor {
            self.elsewhere.push_back(Segment {
                low: self.cursor,
                next: to - 1,
                part: None,
            });
        }
        self.cursor = to;
        self.run_start = to;
    }
}
