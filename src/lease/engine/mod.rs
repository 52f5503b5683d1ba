//! The protocol, RFC 2131 section 4.3, for one subnet: a request and the time in,
//! a reply (or silence) and the lease changes to persist out. No I/O here.
//!
//! # Several servers on one range
//!
//! Servers that share one store (a database) and one range do not see one
//! another's offers, and learn one another's leases only at start-up, from a
//! refused commit ([`LeaseEngine::conflict`]) or from a lookup. Allocating the
//! same way, they would offer the same fresh addresses in step, and the loser of
//! every race NAKs. So each server takes new addresses from its own part of the
//! range first ([`Settings::share`], `--share K/N`): its part upwards, then its own
//! expired leases (oldest first), and only then the other parts, downwards from
//! their far end, where their servers come last. Two servers then meet only when
//! the pool is nearly full, and a DISCOVER still costs O(log n): one cursor per
//! walk that never moves back. A client that returns gets its old address first, as
//! before, whichever part it is in, and every server answers for the whole range.
//!
//! Why not the alternatives:
//! - Starting each new client's search at a hash of its identity (as dnsmasq does,
//!   without a shared store) spreads addresses, but a server that does not know
//!   the other's leases then lands on one with a probability equal to the other's
//!   share of the pool (a tenth of the REQUESTs at 10% occupancy), and the search
//!   from a random start walks runs of known addresses instead of an amortized
//!   cursor: cost grows with occupancy.
//! - Asking the store for a free address per DISCOVER would make the DISCOVER
//!   path wait for the database, which the design keeps off the handler thread.
//!
//! The share is explicit configuration, not guessed: with the default
//! ([`Share::WHOLE`]) a server alone behaves exactly as before. Servers given the
//! whole range without shares race at first (safely: the store refuses the second
//! commit, the client is NAKed and starts over), and a race lost in a server's
//! current run moves its walk to a point of the rest of the range derived from its
//! server identifier, the skipped addresses left for later (walked downwards). Two
//! servers that lose races at once move to different points; meeting the other's
//! block again moves a server past it. Turning to the range's end instead was
//! tried first: in the simulation (`tests/it/lease/shared.rs`) and in the
//! benchmark rig both servers turned and raced on. The moves are a heuristic that
//! needs no configuration, for when the range is large next to the clients; in a
//! crowded range the pair still loses races (simulated, 1,000 addresses, group
//! commits of 16: 286 lost races to bind 400 clients, 736 to bind 900;
//! `without_shares_a_crowded_range_still_loses_races_and_binds_everyone`). Shares
//! leave nothing to chance: none lost in the same runs.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use crate::options::VendorArea;
use crate::options::{ClientIdentifier, DhcpOption, RequestedIpAddress, ServerIdentifier};
use crate::{respond, respond_bootp, MessageType, Op, Packet};
use log::{debug, info, warn};

use crate::lease::pool::{Mac, Pool, PoolError};
use crate::lease::settings::{Settings, Share};
use crate::lease::table::{ClientKey, Counts, LeaseTable, Secs, State};
use crate::options::RapidCommit;

mod limit;

pub use limit::RateLimited;

/// The end of a BOOTP binding: never. BOOTP clients neither renew nor release, so
/// their address stays theirs until an operator releases it.
pub const BOOTP_FOREVER: Secs = Secs::MAX;

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

/// How often at most a full pool, or DECLINEs that are ignored, are logged: a flood
/// must not turn into a log line per packet.
pub const LOG_INTERVAL_SECS: Secs = 60;

/// A change to the lease table that must survive a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The client leases the address until then.
    Bound {
        /// The client.
        key: ClientKey,
        /// Its address.
        addr: Ipv4Addr,
        /// The end of the lease.
        until: Secs,
    },
    /// The client gave the address back.
    Released {
        /// The client.
        key: ClientKey,
        /// The address it gave back.
        addr: Ipv4Addr,
    },
    /// A client found the address in use; nobody gets it until then.
    Declined {
        /// The address.
        addr: Ipv4Addr,
        /// The end of the quarantine.
        until: Secs,
    },
}

/// What handling one request produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The reply, if the request gets one.
    pub reply: Option<Packet>,
    /// The changes to write down before the reply goes out.
    pub changes: Vec<Change>,
}

/// What the server did that an operator wants counted: the answers to a flood.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineStats {
    /// DISCOVERs that got no offer: no address free, no offer to withdraw.
    pub unanswered_discovers: u64,
    /// Offers withdrawn (oldest first) to make room for another client.
    pub offers_withdrawn: u64,
    /// DECLINEs ignored: the client did not hold the address bound.
    pub declines_ignored: u64,
    /// Warnings logged about a full pool: at most one per [`LOG_INTERVAL_SECS`].
    pub full_pool_warnings: u64,
}

/// A DHCP server's state: settings, pool and leases.
///
/// Pure logic: every entry point takes the time (`now`, seconds since the Unix
/// epoch) and nothing reads a clock. [`handle`](LeaseEngine::handle) answers a
/// request; the other methods are the operator's: read the [`table`](Self::table),
/// [`release`](Self::release) an address, [`reserve`](Self::reserve) one.
///
/// Choosing an address costs O(log n) in the table's size: the client's reservation,
/// its previous address, the one it asks for, then the next address no client has
/// had (a cursor through the range), then the address free the longest (expired
/// leases are reused oldest first). Offers are capped ([`Settings::max_offers`], and
/// optionally per relay, [`Settings::max_offers_per_relay`]); at the cap, or when the
/// pool is full, the oldest offer is withdrawn so that a flood of DISCOVERs from
/// random MAC addresses cannot starve a real client.
///
/// ```
/// use std::collections::BTreeMap;
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{LeaseEngine, Pool, Settings};
/// use ex_dhcp::{MessageType, Packet};
///
/// let (server_id, mask) = (Ipv4Addr::new(10, 99, 0, 1), Ipv4Addr::new(255, 255, 255, 0));
/// let pool = Pool::new(server_id, mask, Ipv4Addr::new(10, 99, 0, 100),
///                      Ipv4Addr::new(10, 99, 0, 150), BTreeMap::new())?;
/// let mut server = LeaseEngine::new(Settings::new(server_id, mask), pool);
/// let now = 1_700_000_000;
///
/// let mut discover = Packet::new(MessageType::Discover);
/// discover.set_mac([2, 0, 0, 0, 0, 1]);
/// let offer = server.handle(&discover, now).reply.expect("an offer");
/// assert_eq!(offer.yiaddr, Ipv4Addr::new(10, 99, 0, 100));
/// assert_eq!(server.table().counts(now).offered, 1);
///
/// // The operator takes the address back: the change is for the lease file.
/// let change = server.release(offer.yiaddr, now + 1);
/// assert!(change.is_some());
/// assert_eq!(server.table().counts(now + 1).offered, 0);
/// # Ok::<(), ex_dhcp::lease::PoolError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LeaseEngine {
    settings: Settings,
    pool: Pool,
    table: LeaseTable,
    /// The next address of this server's part of the range ([`Settings::share`]) to
    /// try that may never have been given out: from the part's start to it, every
    /// address is known to the table (or reserved), so new clients cost O(1).
    cursor: u32,
    /// The first and last addresses of this server's part; `None` when it is empty.
    part: Option<(u32, u32)>,
    /// The rest of the range, walked downwards once the part is used up: per
    /// segment, in walk order, its lowest address and the next one to try (the
    /// addresses above it in the segment are known); a segment walked to its end is
    /// dropped.
    elsewhere: VecDeque<(u32, u32)>,
    /// How many lost races moved the walk of a server without a share (see
    /// [`conflict`](Self::conflict)).
    jumps: u64,
    /// Where the current upward run of the walk started: the part's start, or the
    /// point of the last move.
    run_start: u32,
    stats: EngineStats,
    full_pool_log: RateLimited,
    ignored_decline_log: RateLimited,
}

/// The key a request's lease is filed under: option 61 when present, else `chaddr`.
pub fn client_key(request: &Packet) -> ClientKey {
    // Raw bytes: the key must be exactly what the client sent, whatever its form.
    match request.options.get_raw(ClientIdentifier::CODE) {
        Some(id) if !id.is_empty() => ClientKey::Id(id.into_owned()),
        _ => ClientKey::Hw(request.htype, request.hardware_addr().to_vec()),
    }
}

impl LeaseEngine {
    /// A server with an empty lease table.
    pub fn new(settings: Settings, pool: Pool) -> Self {
        let (first, last) = pool.range();
        let (first, last) = (u32::from(first), u32::from(last));
        let part = settings
            .share
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
        LeaseEngine {
            settings,
            pool,
            table: LeaseTable::new(),
            cursor,
            part,
            elsewhere,
            jumps: 0,
            run_start: cursor,
            stats: EngineStats::default(),
            full_pool_log: RateLimited::new(LOG_INTERVAL_SECS),
            ignored_decline_log: RateLimited::new(LOG_INTERVAL_SECS),
        }
    }

    /// The lease table: list it, find a lease by address or by client, count by state.
    pub fn table(&self) -> &LeaseTable {
        &self.table
    }

    /// The pool: range and reservations.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What the server counted: unanswered DISCOVERs, withdrawn offers, ignored DECLINEs.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// How many addresses are offered, bound, free and quarantined at `now`.
    pub fn counts(&self, now: Secs) -> Counts {
        self.table.counts(now)
    }

    /// Takes `addr` back at `now`, whoever holds it: an offer or lease ends, a
    /// quarantine is lifted. Returns the change to write to the lease file, or `None`
    /// when nothing held the address. A client whose lease is taken is refused (NAK)
    /// when it renews.
    pub fn release(&mut self, addr: Ipv4Addr, now: Secs) -> Option<Change> {
        if self.table.quarantined_until(addr).is_some_and(|u| u > now) {
            let change = Change::Declined { addr, until: now };
            self.record(&change, now);
            info!("quarantine of {addr} lifted by the operator");
            return Some(change);
        }
        let (key, entry) = self.table.get_addr(addr)?;
        if !entry.held(now) {
            return None;
        }
        let change = Change::Released {
            key: key.clone(),
            addr,
        };
        info!("{key} loses {addr}: released by the operator");
        self.record(&change, now);
        Some(change)
    }

    /// Reserves `addr` for `mac` from now on; returns the MAC's previous reservation.
    /// Reservations are configuration, not lease changes: nothing to write down. A
    /// client holding `addr` keeps it until its lease ends, and is refused when it
    /// renews.
    pub fn reserve(
        &mut self,
        mac: impl Into<Mac>,
        addr: Ipv4Addr,
    ) -> Result<Option<Ipv4Addr>, PoolError> {
        let previous = self.pool.reserve(mac, addr)?;
        if let Some(old) = previous.filter(|old| *old != addr) {
            self.give_back(old);
        }
        Ok(previous)
    }

    /// Removes `mac`'s reservation; returns its address, which goes back to the pool.
    pub fn unreserve(&mut self, mac: impl Into<Mac>) -> Option<Ipv4Addr> {
        let addr = self.pool.unreserve(mac)?;
        self.give_back(addr);
        Some(addr)
    }

    /// An address a cursor may have skipped while reserved becomes reusable.
    fn give_back(&mut self, addr: Ipv4Addr) {
        if self.pool.in_range(addr) && self.passed(u32::from(addr)) {
            self.table.remember_free(addr, 0);
        }
    }

    /// True when the walk for never-used addresses has gone past `addr`, a range
    /// address: it will not be found untouched again.
    fn passed(&self, addr: u32) -> bool {
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

    /// Applies a change to the table: how a server replays its lease file, and how it
    /// records its own changes, so both give the same table.
    ///
    /// A replayed change carries no time of its own: an address it frees is taken as
    /// free since the epoch, first in line for reuse.
    pub fn apply(&mut self, change: &Change) {
        self.record(change, 0);
    }

    fn record(&mut self, change: &Change, now: Secs) {
        match change {
            Change::Bound { key, addr, until } => {
                self.table
                    .set(key.clone(), *addr, State::Bound(*until), now);
            }
            Change::Released { key, addr } => {
                if self.table.get(key).is_some_and(|e| e.addr == *addr) {
                    self.table.free(key, now);
                }
            }
            Change::Declined { addr, until } => self.table.quarantine(*addr, *until),
        }
    }

    /// The live leases and quarantines at `now`, as the changes that rebuild them: what
    /// a compacted lease file holds.
    pub fn snapshot(&self, now: Secs) -> Vec<Change> {
        let leases = self
            .table
            .entries()
            .filter_map(|(key, entry)| match entry.state {
                State::Bound(until) if until > now => Some(Change::Bound {
                    key: key.clone(),
                    addr: entry.addr,
                    until,
                }),
                _ => None,
            });
        let quarantines = self
            .table
            .quarantined()
            .filter(|(_, until)| *until > now)
            .map(|(addr, until)| Change::Declined { addr, until });
        leases.chain(quarantines).collect()
    }

    /// Frees expired offers, leases and quarantines; returns the addresses freed.
    pub fn tick(&mut self, now: Secs) -> Vec<Ipv4Addr> {
        self.table.reclaim(now)
    }

    /// Handles one request received at `now`.
    pub fn handle(&mut self, request: &Packet, now: Secs) -> Outcome {
        if request.op != Op::Request {
            return ignore("not a BOOTREQUEST");
        }
        if request.giaddr != Ipv4Addr::UNSPECIFIED {
            if !self.settings.allow_relays {
                return ignore("relayed (giaddr set) and relays are not allowed");
            }
            if !self.pool.subnet().contains(request.giaddr) {
                return ignore("relayed from a subnet this server does not serve");
            }
        } else if request.ciaddr == Ipv4Addr::UNSPECIFIED && !self.pool.serves_own_link() {
            // Neither relayed nor from a configured client: it is on the server's own
            // link, and the pool is on another subnet (RFC 2131, section 4.3.1).
            return ignore("from this server's own link, and the pool is on another subnet");
        }
        let key = client_key(request);
        self.forget_hardware_key(request, &key, now);
        match request.message_type() {
            Some(MessageType::Discover) => self.discover(request, key, now),
            Some(MessageType::Request) => self.request(request, key, now),
            Some(MessageType::Decline) => self.decline(request, &key, now),
            Some(MessageType::Release) => self.client_release(request, &key, now),
            Some(MessageType::Inform) => self.inform(request),
            None if request.message_type_checked() == Ok(None) => self.bootp(request, key, now),
            _ => ignore("not a message type a server answers"),
        }
    }

    /// A BOOTP request (no option 53, RFC 951/1542): a BOOTREPLY with an address and
    /// no DHCP options, and a binding that never expires (BOOTP clients neither renew
    /// nor release), as Kea and dnsmasq answer them. A client asking again gets the
    /// same address. The configuration (mask, router, DNS) travels as RFC 1048 vendor
    /// extensions only when the request carried the magic cookie: a plain RFC 951
    /// client reads nothing there.
    fn bootp(&mut self, request: &Packet, key: ClientKey, now: Secs) -> Outcome {
        let addr = match self.table.get(&key) {
            Some(entry) if entry.state == State::Bound(BOOTP_FOREVER) => entry.addr,
            _ => match self.choose(request, &key, now) {
                Some(addr) => addr,
                None => {
                    self.stats.unanswered_discovers += 1;
                    return ignore("BOOTP: the pool is exhausted");
                }
            },
        };
        info!("{key} (BOOTP) holds {addr} for good");
        let change = Change::Bound {
            key,
            addr,
            until: BOOTP_FOREVER,
        };
        self.record(&change, now);
        let mut reply = respond_bootp(request).with_yiaddr(addr);
        if request.options.vendor_area() == VendorArea::Options {
            reply = self.settings.configure(reply, request, false);
        }
        Outcome {
            reply: Some(reply),
            changes: vec![change],
        }
    }

    /// A client that now sends a client identifier takes over what it held by
    /// `chaddr` (one client, one lease), unless it already has an entry under its
    /// identifier: a firmware without option 61 and the OS after it with one keep the
    /// same address, and an INIT-REBOOT under the new key is answered at once.
    fn forget_hardware_key(&mut self, request: &Packet, key: &ClientKey, now: Secs) {
        if let ClientKey::Id(_) = key {
            let hw = ClientKey::Hw(request.htype, request.hardware_addr().to_vec());
            let Some(entry) = self.table.forget(&hw, now) else {
                return;
            };
            if self.table.get(key).is_none() {
                debug!("{hw} now identifies as {key}; its entry moves with it");
                self.table.set(key.clone(), entry.addr, entry.state, now);
            } else {
                debug!("{hw} now identifies as {key}; its old entry is dropped");
            }
        }
    }

    fn discover(&mut self, request: &Packet, key: ClientKey, now: Secs) -> Outcome {
        // A client that holds an address or has a reservation needs no room made.
        let may_take_offer = self.table.get(&key).is_none_or(|e| !e.held(now))
            && self.pool.reservation(request.mac()).is_none();
        let relay = request.giaddr;
        if may_take_offer {
            if let Some(limit) = self.settings.max_offers_per_relay {
                if self.table.outstanding_relay_offers(relay, now) >= limit.max(1) {
                    self.withdraw_oldest_offer(
                        now,
                        Some(relay),
                        "the offers through its relay are at their limit",
                    );
                }
            }
            if self.table.outstanding_offers(now) >= self.max_offers() {
                self.withdraw_oldest_offer(now, None, "offers are at their limit");
            }
        }
        let mut chosen = self.choose(request, &key, now);
        if chosen.is_none()
            && may_take_offer
            && self.withdraw_oldest_offer(now, None, "the pool is full")
        {
            chosen = self.choose(request, &key, now);
        }
        let Some(addr) = chosen else {
            self.stats.unanswered_discovers += 1;
            if let Some(unanswered) = self.full_pool_log.hit(now) {
                self.stats.full_pool_warnings += 1;
                let (first, last) = self.pool.range();
                warn!(
                    "no free address for {key}: the pool {first}-{last} is exhausted \
                     ({unanswered} DISCOVERs unanswered since the last warning; at most one \
                     warning every {LOG_INTERVAL_SECS} s)"
                );
            }
            return Outcome::default();
        };
        if self.settings.rapid_commit && request.options.contains(RapidCommit::CODE) {
            let change = self.bind(key, addr, now);
            let reply = self
                .lease_reply(request, MessageType::Ack, addr)
                .with_raw_option(RapidCommit::CODE, &[]);
            return Outcome {
                reply: Some(reply),
                changes: vec![change],
            };
        }
        let already_bound = self
            .table
            .get(&key)
            .is_some_and(|e| e.addr == addr && e.bound(now));
        if !already_bound {
            let until = now + u64::from(self.settings.offer_secs);
            // Offers are indexed by relay only when they are limited by relay.
            let by_relay = self.settings.max_offers_per_relay.map(|_| relay);
            self.table.offer(key, addr, until, by_relay, now);
        }
        reply(self.lease_reply(request, MessageType::Offer, addr))
    }

    /// The most offers held at once: the setting, else half the pool.
    fn max_offers(&self) -> usize {
        self.settings
            .max_offers
            .unwrap_or(self.pool.capacity() / 2)
            .max(1)
    }

    /// Withdraws the oldest offer still held, of all or through `relay` (its client
    /// keeps the address if it asks for it before anyone else gets it). False when
    /// there is none.
    fn withdraw_oldest_offer(&mut self, now: Secs, relay: Option<Ipv4Addr>, why: &str) -> bool {
        let oldest = match relay {
            Some(relay) => self.table.relay_offers(relay, now).next(),
            None => self.table.offers(now).next(),
        };
        let Some(addr) = oldest else {
            return false;
        };
        let key = self
            .table
            .holder(addr)
            .cloned()
            .expect("an offer has a client");
        debug!("offer of {addr} to {key} withdrawn: {why}");
        self.table.free(&key, now);
        self.stats.offers_withdrawn += 1;
        true
    }

    /// Picks the address to offer, in RFC 2131 section 4.3.1's order: the client's
    /// reservation, its current or last address, the address it asks for, then a free
    /// one, preferring addresses no client has had in this server's part of the range
    /// ([`Settings::share`]; the whole range for a server alone), then the one free
    /// the longest, then (several servers sharing the range) addresses no client has
    /// had in the other parts. O(log n): no scan of the range or the table.
    fn choose(&mut self, request: &Packet, key: &ClientKey, now: Secs) -> Option<Ipv4Addr> {
        let mac = request.mac();
        let usable = |server: &Self, addr: Ipv4Addr| {
            server.pool.assignable(addr, mac) && server.table.available(addr, key, now)
        };
        if let Some(reserved) = self.pool.reservation(mac) {
            return usable(self, reserved).then_some(reserved);
        }
        let previous = self.table.get(key).map(|e| e.addr);
        let requested = request.options.get(RequestedIpAddress);
        if let Some(addr) = previous
            .into_iter()
            .chain(requested)
            .find(|a| usable(self, *a))
        {
            return Some(addr);
        }
        if let Some(addr) = self.next_untouched() {
            return Some(addr);
        }
        // Reserved addresses (and any left from a wider range) are skipped: few.
        if let Some(addr) = self.table.reusable(now).find(|a| usable(self, *a)) {
            return Some(addr);
        }
        self.next_untouched_elsewhere()
    }

    /// The next address of this server's part of the range no client has had, moving
    /// the cursor past the ones clients have had: amortized O(1), as the cursor never
    /// moves back.
    fn next_untouched(&mut self) -> Option<Ipv4Addr> {
        let (_, last) = self.part?;
        while self.cursor <= last {
            // After a restart the known addresses form long runs: walking them in the
            // index's order is a few ns each, once.
            let addr = self
                .table
                .first_untouched_from(Ipv4Addr::from(self.cursor))?;
            self.cursor = u32::from(addr);
            if self.cursor > last {
                return None;
            }
            if !self.pool.is_reserved(addr) {
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
    fn next_untouched_elsewhere(&mut self) -> Option<Ipv4Addr> {
        while let Some(&(low, next)) = self.elsewhere.front() {
            let found = self
                .table
                .last_untouched_from(Ipv4Addr::from(next))
                .map(u32::from)
                .filter(|addr| *addr >= low);
            match found {
                Some(addr) => {
                    self.elsewhere[0].1 = addr;
                    if !self.pool.is_reserved(Ipv4Addr::from(addr)) {
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

    fn request(&mut self, request: &Packet, key: ClientKey, now: Secs) -> Outcome {
        let server_id = request.options.get(ServerIdentifier);
        let requested = request.options.get(RequestedIpAddress);
        let ciaddr = request.ciaddr;
        match (server_id, requested) {
            (Some(id), _) if id != self.settings.server_id => {
                // SELECTING, another server chosen: our offer is void (RFC 2131 4.3.2).
                if self.table.get(&key).is_some_and(|e| !e.bound(now)) {
                    self.table.free(&key, now);
                }
                ignore("the client chose another server")
            }
            (Some(_), Some(addr)) if ciaddr == Ipv4Addr::UNSPECIFIED => {
                self.confirm(request, key, addr, now, "SELECTING")
            }
            // Option 54 naming us with ciaddr set: a RENEWING client that names its
            // server although RFC 2131 4.3.2 says it must not. The server it names is
            // this one, so the lease is ours to extend; silence would only push the
            // client to REBINDING at T2.
            (Some(_), _) if ciaddr != Ipv4Addr::UNSPECIFIED => self.renew(request, key, now),
            (Some(_), _) => ignore("SELECTING needs option 50"),
            (None, Some(addr)) if ciaddr == Ipv4Addr::UNSPECIFIED => {
                if !self.pool.subnet().contains(addr) {
                    return self.nak(request, "INIT-REBOOT on the wrong network");
                }
                if self.table.get(&key).is_none() {
                    return ignore("INIT-REBOOT from a client with no record here");
                }
                self.confirm(request, key, addr, now, "INIT-REBOOT")
            }
            (None, _) if ciaddr != Ipv4Addr::UNSPECIFIED => self.renew(request, key, now),
            (None, _) => ignore("REQUEST with neither option 50 nor ciaddr"),
        }
    }

    /// RENEWING or REBINDING: the client asks to keep `ciaddr` (RFC 2131 4.3.2).
    fn renew(&mut self, request: &Packet, key: ClientKey, now: Secs) -> Outcome {
        let ciaddr = request.ciaddr;
        if !self.pool.subnet().contains(ciaddr) {
            return self.nak(request, "RENEWING/REBINDING on the wrong network");
        }
        if self.table.get(&key).is_none() {
            // Another server may have leased it: a NAK would take it away.
            return ignore("RENEWING/REBINDING from a client with no record here");
        }
        self.confirm(request, key, ciaddr, now, "RENEWING/REBINDING")
    }

    /// ACKs `addr` when it is the client's entry and still free for it; NAKs otherwise.
    fn confirm(
        &mut self,
        request: &Packet,
        key: ClientKey,
        addr: Ipv4Addr,
        now: Secs,
        state: &str,
    ) -> Outcome {
        // The client's own lease of `addr`, if it has one, and whether it still runs.
        let lease = self.table.get(&key).filter(|e| e.addr == addr);
        let (theirs, live) = (lease.is_some(), lease.is_some_and(|e| e.bound(now)));
        if live
            && !self.settings.answer_subnet
            && !self.pool.in_range(addr)
            && !self.pool.is_reserved(addr)
        {
            // A live lease in another server's range (learnt from a shared store), or
            // in a range since narrowed: not ours to extend, nor to refuse while it
            // lasts (RFC 2131 4.3.2); once it has ended, a NAK as for any other.
            return ignore("the client's live lease is outside this server's range");
        }
        let assignable = self.pool.assignable(addr, request.mac())
            || (live && self.answers_for(addr, request.mac()));
        if !theirs || !assignable || !self.table.available(addr, &key, now) {
            return self.nak(request, state);
        }
        let change = self.bind(key, addr, now);
        Outcome {
            reply: Some(self.lease_reply(request, MessageType::Ack, addr)),
            changes: vec![change],
        }
    }

    /// True when this server may renew or rebind a lease of `addr` for the client
    /// with `mac`: a range address or its reservation; with
    /// [`Settings::answer_subnet`], also any host address of the subnet that is not
    /// the server's own nor reserved for another client (the lease itself must
    /// then be live in the table: learnt from a shared store).
    pub fn answers_for(&self, addr: Ipv4Addr, mac: Option<Mac>) -> bool {
        if self.pool.assignable(addr, mac) {
            return true;
        }
        let subnet = self.pool.subnet();
        self.settings.answer_subnet
            && subnet.contains(addr)
            && !subnet.is_network_or_broadcast(addr)
            && addr != self.settings.server_id
            && !self.pool.is_reserved(addr)
    }

    fn decline(&mut self, request: &Packet, key: &ClientKey, now: Secs) -> Outcome {
        if !self.addressed_to_us(request) {
            return ignore("DECLINE for another server");
        }
        let Some(addr) = request.options.get(RequestedIpAddress) else {
            return ignore("DECLINE without option 50");
        };
        // Only a lease the client holds: a client declines after its ACK (RFC 2131
        // 4.4.1), and a DECLINE of anything else would let anyone set addresses aside.
        if !self
            .table
            .get(key)
            .is_some_and(|e| e.addr == addr && e.bound(now))
        {
            self.stats.declines_ignored += 1;
            if let Some(count) = self.ignored_decline_log.hit(now) {
                warn!(
                    "{key} declined {addr}, which it does not hold: ignored ({count} such \
                     DECLINEs since the last warning)"
                );
            }
            return ignore("DECLINE of an address the client does not hold bound");
        }
        let change = Change::Declined {
            addr,
            until: now + u64::from(self.settings.decline_secs),
        };
        self.record(&change, now);
        warn!("{key} declined {addr}: it is set aside");
        changed(change)
    }

    fn client_release(&mut self, request: &Packet, key: &ClientKey, now: Secs) -> Outcome {
        if !self.addressed_to_us(request) {
            return ignore("RELEASE for another server");
        }
        let addr = request.ciaddr;
        if self.table.get(key).map(|e| e.addr) != Some(addr) {
            return ignore("RELEASE of an address the client does not hold");
        }
        let change = Change::Released {
            key: key.clone(),
            addr,
        };
        self.record(&change, now);
        info!("{key} released {addr}");
        changed(change)
    }

    fn inform(&self, request: &Packet) -> Outcome {
        let ack = self.start(request, MessageType::Ack);
        reply(self.settings.configure(ack, request, false))
    }

    fn bind(&mut self, key: ClientKey, addr: Ipv4Addr, now: Secs) -> Change {
        let until = now + u64::from(self.settings.lease_secs);
        info!("{key} leases {addr} until {until}");
        let change = Change::Bound { key, addr, until };
        self.record(&change, now);
        change
    }

    /// DECLINE and RELEASE must name us in option 54 when they name anyone.
    fn addressed_to_us(&self, request: &Packet) -> bool {
        request
            .options
            .get(ServerIdentifier)
            .is_none_or(|id| id == self.settings.server_id)
    }

    fn start(&self, request: &Packet, message_type: MessageType) -> Packet {
        respond(request, message_type).with_option(ServerIdentifier, self.settings.server_id)
    }

    fn lease_reply(&self, request: &Packet, message_type: MessageType, addr: Ipv4Addr) -> Packet {
        let reply = self.start(request, message_type).with_yiaddr(addr);
        self.settings.configure(reply, request, true)
    }

    /// A shared store refused `request`'s lease of `addr` ([`Committed::Conflict`]:
    /// another server took the address first) at `now`: the table is corrected so
    /// this server does not offer `addr` again before the winner's hold ends
    /// (`until`, as the store reported it; when the store cannot tell, the end the
    /// refused lease would have had), held by `holder` if the store named it, else
    /// set aside; and the answer is a NAK, so the client starts over with a
    /// DISCOVER.
    ///
    /// [`Committed::Conflict`]: crate::lease::Committed::Conflict
    pub fn conflict(
        &mut self,
        request: &Packet,
        addr: Ipv4Addr,
        holder: Option<ClientKey>,
        until: Option<Secs>,
        now: Secs,
    ) -> Packet {
        let until = until.unwrap_or_else(|| now + u64::from(self.settings.lease_secs));
        // Only a race lost in the current upward run moves it: the losses of
        // offers made before the last move are old news.
        let in_run = (self.run_start..=self.cursor).contains(&u32::from(addr));
        if self.settings.share == Share::WHOLE && in_run {
            self.jump();
        }
        let key = client_key(request);
        if self.table.get(&key).is_some_and(|e| e.addr == addr) {
            self.table.forget(&key, 0);
        }
        match holder {
            Some(holder) if holder != key => {
                self.table.set(holder, addr, State::Bound(until), 0);
            }
            _ => self.table.quarantine(addr, until),
        }
        let nak = self.nak(
            request,
            "the shared store gave the address to another client",
        );
        nak.reply.expect("a NAK is a reply")
    }

    /// Another server allocates from this range (a lost race) and no server has a
    /// share: this one moves its walk for never-used addresses to a point of what
    /// is left of it, derived from its server identifier and the number of moves
    /// (so two servers moving at once part), and walks on upwards from there; the
    /// addresses skipped are walked later, downwards. Where the other server's
    /// block of leases is met again, the next lost race moves it past the block.
    /// Spans shorter than [`MIN_JUMP`] are walked on: there is no room to part.
    fn jump(&mut self) {
        let Some((_, end)) = self.part else {
            return;
        };
        if self.cursor > end || end - self.cursor < MIN_JUMP {
            return;
        }
        self.jumps += 1;
        let span = u64::from(end - self.cursor) + 1;
        let seed = u64::from(u32::from(self.settings.server_id)) << 32 | self.jumps;
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

    fn nak(&self, request: &Packet, state: &str) -> Outcome {
        info!("NAK to {} ({state})", client_key(request));
        let relayed = request.giaddr != Ipv4Addr::UNSPECIFIED;
        // Through a relay the NAK must be broadcast on the client's subnet (RFC 2131 4.3.2).
        let nak = self
            .start(request, MessageType::Nak)
            .with_broadcast(relayed || request.broadcast());
        reply(nak)
    }
}

fn ignore(why: &str) -> Outcome {
    debug!("no reply: {why}");
    Outcome::default()
}

fn reply(packet: Packet) -> Outcome {
    Outcome {
        reply: Some(packet),
        changes: Vec::new(),
    }
}

fn changed(change: Change) -> Outcome {
    Outcome {
        reply: None,
        changes: vec![change],
    }
}

#[cfg(test)]
mod tests;
