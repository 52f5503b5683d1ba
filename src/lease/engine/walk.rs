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
    /// segment, in walk order, its lowest address and the next one to try (the
    /// addresses above it in the segment are known); a segment walked to its end is
    /// dropped.
    elsewhere: VecDeque<(u32, u32)>,
    /// How many lost races moved the walk of a server without a share.
    jumps: u64,
    /// Where the current upward run of the walk started: the part's start, or the
    /// point of the last move.
    run_start: u32,
}

impl Walk {
    /// The walk of `first..=last` for the server with `share` of it.
    pub(super) fn new(first: Ipv4Addr, last: Ipv4Addr, share: Share) -> Self {
        let (first, last) = (u32::from(first), u32::from(last));
        let part = share
            .part(first.into(), last.into())
            .map(|(start, end)| (u32::from(start), u32::from(end)));
        let (cursor, elsewhere) = match part {
            Some((start, end)) => {
                let below = (start > first).then(|| (first, start - 1));
                let above = (end < last).then_some((end + 1, last));
                (start, below.into_iter().chain(above).collect())
            }
            None => (first, VecDeque::from([(first, last)])),
        };
        Walk {
            cursor,
            part,
            elsewhere,
            jumps: 0,
            run_start: cursor,
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
    /// own servers walk them upwards, so the two meet only when a part is full.
    /// Amortized O(1), as each segment's cursor only moves down.
    pub(super) fn next_untouched_elsewhere(
        &mut self,
        table: &LeaseTable,
        pool: &Pool,
    ) -> Option<Ipv4Addr> {
        while let Some(&(low, next)) = self.elsewhere.front() {
            let found = table
                .last_untouched_from(Ipv4Addr::from(next))
                .map(u32::from)
                .filter(|addr| *addr >= low);
            match found {
                Some(addr) => {
                    self.elsewhere[0].1 = addr;
                    if !pool.is_reserved(Ipv4Addr::from(addr)) {
                        return Some(Ipv4Addr::from(addr));
                    }
                    if addr > low {
                        self.elsewhere[0].1 = addr - 1;
                        continue;
                    }
                    self.elsewhere.pop_front();
                }
                None => {
                    self.elsewhere.pop_front();
                }
            }
        }
        None
    }

    /// True when the walk has gone past `addr`, an address of its range: it will not
    /// be found untouched again.
    pub(super) fn passed(&self, addr: u32) -> bool {
        if self
            .elsewhere
            .iter()
            .any(|(low, next)| (*low..=*next).contains(&addr))
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
            self.elsewhere.push_back((self.cursor, to - 1));
        }
        self.cursor = to;
        self.run_start = to;
    }
}
