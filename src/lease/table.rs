//! The lease table: which client holds which address, in which state, until when.
//!
//! It knows nothing of packets or files: the protocol logic decides, the table
//! records. Every address has at most one entry and every client at most one, so the
//! table never grows beyond the pool, whatever clients send.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::packet::Mac;

/// Seconds since the Unix epoch: lease times survive a restart, so they are wall-clock.
pub type Secs = u64;

/// `at` in [`Secs`]: what a handler passes the lease engine as `now`, from
/// `Context::system_time` (feature `server`). A time before the epoch (a
/// clock set wrong) counts as the epoch itself, 0, rather than failing: leases
/// recorded earlier still look held then, and leases granted then end in 1970, so
/// they expire as soon as the clock is right again.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
///
/// assert_eq!(ex_dhcp::lease::secs(UNIX_EPOCH + Duration::from_millis(1_500)), 1);
/// assert_eq!(ex_dhcp::lease::secs(UNIX_EPOCH - Duration::from_secs(1)), 0);
/// ```
pub fn secs(at: SystemTime) -> Secs {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Who a lease belongs to: the client identifier (option 61) when the client sends
/// one, else its hardware address (RFC 2131, section 4.2).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientKey {
    /// The client identifier's bytes, type byte included.
    Id(Vec<u8>),
    /// The hardware type and the meaningful bytes of `chaddr`.
    Hw(u8, Vec<u8>),
}

impl ClientKey {
    /// The client's Ethernet MAC address, when the key says it: a hardware key of
    /// type 1 and six bytes, or a client identifier of type 1 and six bytes (what most
    /// clients send as option 61).
    ///
    /// ```
    /// use ex_dhcp::lease::ClientKey;
    ///
    /// let mac = "02:00:00:00:00:07".parse()?;
    /// assert_eq!(ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 7]).mac(), Some(mac));
    /// assert_eq!(ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 7]).mac(), Some(mac));
    /// assert_eq!(ClientKey::Id(vec![0xff, 1, 2, 3]).mac(), None);
    /// # Ok::<(), ex_dhcp::MacParseError>(())
    /// ```
    pub fn mac(&self) -> Option<Mac> {
        let bytes = match self {
            ClientKey::Hw(1, bytes) => bytes.as_slice(),
            ClientKey::Id(id) => id.strip_prefix(&[1])?,
            ClientKey::Hw(..) => return None,
        };
        <[u8; 6]>::try_from(bytes).ok().map(Mac::new)
    }
}

const ID_PREFIX: &str = "id:";
const HW_PREFIX: &str = "hw:";

impl fmt::Display for ClientKey {
    /// `id:<hex>` or `hw:<htype>:<hex>`, the form the lease file uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientKey::Id(id) => write!(f, "{ID_PREFIX}{}", hex(id)),
            ClientKey::Hw(htype, addr) => write!(f, "{HW_PREFIX}{htype}:{}", hex(addr)),
        }
    }
}

impl FromStr for ClientKey {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(id) = text.strip_prefix(ID_PREFIX) {
            return unhex(id).map(ClientKey::Id);
        }
        let rest = text
            .strip_prefix(HW_PREFIX)
            .ok_or("client key must start with id: or hw:")?;
        let (htype, addr) = rest.split_once(':').ok_or("hw key needs hw:<type>:<hex>")?;
        let htype = htype.parse().map_err(|_| "bad hardware type")?;
        Ok(ClientKey::Hw(htype, unhex(addr)?))
    }
}

/// Lowercase hex digits, written as they are formatted: a key is printed on every
/// ACK's log line and lease record, and this allocates nothing.
fn hex(bytes: &[u8]) -> impl fmt::Display + '_ {
    struct Hex<'a>(&'a [u8]);
    impl fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
        }
    }
    Hex(bytes)
}

fn unhex(text: &str) -> Result<Vec<u8>, &'static str> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return Err("hex must have an even, non-zero number of digits");
    }
    // Checked first: `from_str_radix` would take a sign ("+a"), and a slice of two
    // bytes could cut a multi-byte character in two (a panic).
    if !text.bytes().all(|digit| digit.is_ascii_hexdigit()) {
        return Err("bad hex digit");
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| "bad hex digit"))
        .collect()
}

/// What an entry means for its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Offered and held for the client until then.
    Offered(Secs),
    /// Leased to the client until then.
    Bound(Secs),
    /// Not held since then (released, expired, or an offer the client did not take):
    /// the client had it last, and gets it again if it is still free.
    Free(Secs),
}

/// One client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The address.
    pub addr: Ipv4Addr,
    /// What the client may do with it.
    pub state: State,
}

impl Entry {
    /// True when the address is held (offered or leased) at `now`.
    pub fn held(&self, now: Secs) -> bool {
        match self.state {
            State::Offered(until) | State::Bound(until) => until > now,
            State::Free(_) => false,
        }
    }

    /// True when the address is leased (not merely offered) at `now`.
    pub fn bound(&self, now: Secs) -> bool {
        matches!(self.state, State::Bound(until) if until > now)
    }

    /// True when the address is offered (and not yet leased) at `now`.
    pub fn offered(&self, now: Secs) -> bool {
        matches!(self.state, State::Offered(until) if until > now)
    }

    /// When the address is (or was) free for others: the end of the offer or lease, or
    /// when it was freed.
    pub fn free_from(&self) -> Secs {
        match self.state {
            State::Offered(t) | State::Bound(t) | State::Free(t) => t,
        }
    }
}

/// An address [`LeaseTable::reclaim`] freed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reclaimed {
    pub(crate) addr: Ipv4Addr,
    /// The client whose lease of it ended; `None` for an offer or a quarantine.
    pub(crate) lease_of: Option<ClientKey>,
}

/// How many addresses are in each state at a given time ([`LeaseTable::counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Offered and held for a client that has not yet asked for it.
    pub offered: usize,
    /// Leased.
    pub bound: usize,
    /// Remembered for the client that had it last, but free for anyone.
    pub free: usize,
    /// Set aside after a DECLINE.
    pub quarantined: usize,
}

/// Every client's address, and the addresses set aside after a DECLINE.
///
/// Read it through [`LeaseEngine::table`](crate::lease::LeaseEngine::table); change it
/// through the [`LeaseEngine`](crate::lease::LeaseEngine), which keeps it consistent
/// with the pool and returns the [`Change`](crate::lease::Change) to write down.
///
/// Besides the entries it keeps three indexes ordered by time, so that choosing an
/// address, finding the oldest offer and reclaiming what expired cost O(log n)
/// whatever the table's size: every address it has ever recorded, by when it is (or
/// was) free for anyone; the held ones (offers, leases, quarantines) by when they end;
/// and the offers alone.
///
/// ```
/// # use std::collections::{BTreeMap, BTreeSet};
/// # use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Change, ClientKey, LeaseEngine, Pool, Settings, State};
///
/// let (server_id, mask) = (Ipv4Addr::new(10, 99, 0, 1), Ipv4Addr::new(255, 255, 255, 0));
/// let pool = Pool::new(server_id, mask, Ipv4Addr::new(10, 99, 0, 100),
///                      Ipv4Addr::new(10, 99, 0, 150), BTreeMap::new())?;
/// let mut server = LeaseEngine::new(Settings::new(server_id, mask), pool);
/// let client = ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]);
/// let addr = Ipv4Addr::new(10, 99, 0, 120);
/// server.apply(&Change::Bound { key: client.clone(), addr, until: 2_000 });
///
/// let table = server.table();
/// assert_eq!(table.get(&client).map(|e| e.addr), Some(addr));
/// let (holder, entry) = table.get_addr(addr).unwrap();
/// assert_eq!((holder, entry.state), (&client, State::Bound(2_000)));
/// assert_eq!(table.counts(1_000).bound, 1);
/// for (key, entry) in table.iter() {
///     println!("{} {key} {:?}", entry.addr, entry.state);
/// }
/// # Ok::<(), ex_dhcp::lease::PoolError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseTable {
    by_key: BTreeMap<ClientKey, Entry>,
    by_addr: BTreeMap<Ipv4Addr, ClientKey>,
    quarantine: BTreeMap<Ipv4Addr, Secs>,
    /// The same quarantines by when they end: the oldest first.
    quarantine_ends: BTreeSet<(Secs, Ipv4Addr)>,
    /// Every address recorded, by when it is or was free: its entry's
    /// [`Entry::free_from`], the end of its quarantine, or when it was forgotten; with
    /// a sequence number, so that within one second the earlier event comes first.
    free_from: BTreeMap<Ipv4Addr, Stamp>,
    /// The same, ordered by time: the reusable addresses, oldest first.
    by_time: BTreeSet<(Stamp, Ipv4Addr)>,
    /// Held addresses (offers, leases, quarantines) by when they end.
    expiry: BTreeSet<(Stamp, Ipv4Addr)>,
    /// Offers by when they end.
    offers: BTreeSet<(Stamp, Ipv4Addr)>,
    /// The same for each relay (giaddr; 0.0.0.0 for the server's own link), for the
    /// offers made through [`offer`](Self::offer).
    relay_offers: BTreeMap<Ipv4Addr, BTreeSet<(Stamp, Ipv4Addr)>>,
    /// The relay each of those offers went through.
    offer_relay: BTreeMap<Ipv4Addr, Ipv4Addr>,
    /// The next sequence number.
    sequence: u64,
}

/// A time and a sequence number: orders events of the same second as they happened.
type Stamp = (Secs, u64);

impl LeaseTable {
    /// An empty table.
    pub fn new() -> Self {
        LeaseTable::default()
    }

    /// The client's entry, held or not: find a lease by client.
    pub fn get(&self, key: &ClientKey) -> Option<&Entry> {
        self.by_key.get(key)
    }

    /// The client whose entry names `addr`, and the entry: find a lease by address.
    pub fn get_addr(&self, addr: Ipv4Addr) -> Option<(&ClientKey, &Entry)> {
        let key = self.by_addr.get(&addr)?;
        Some((key, &self.by_key[key]))
    }

    /// The client whose entry names `addr`, held or not.
    pub fn holder(&self, addr: Ipv4Addr) -> Option<&ClientKey> {
        self.by_addr.get(&addr)
    }

    /// The number of entries (clients with an address, held or remembered).
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// True when the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// True when `key` may take `addr` at `now`: not quarantined, and not held by
    /// another client.
    pub fn available(&self, addr: Ipv4Addr, key: &ClientKey, now: Secs) -> bool {
        if self.quarantine.get(&addr).is_some_and(|until| *until > now) {
            return false;
        }
        match self.by_addr.get(&addr) {
            None => true,
            Some(holder) if holder == key => true,
            Some(holder) => !self.by_key[holder].held(now),
        }
    }

    /// True when no client has ever been recorded with `addr` (preferred for new clients,
    /// so returning clients find their old address free, RFC 2131 section 4.3.1).
    pub fn untouched(&self, addr: Ipv4Addr) -> bool {
        !self.free_from.contains_key(&addr)
    }

    /// Every entry, in address order.
    pub fn iter(&self) -> impl Iterator<Item = (&ClientKey, &Entry)> {
        self.by_addr.values().map(|key| (key, &self.by_key[key]))
    }

    /// Every entry, in client order.
    pub fn entries(&self) -> impl Iterator<Item = (&ClientKey, &Entry)> {
        self.by_key.iter()
    }

    /// The addresses set aside, with the end of their quarantine.
    pub fn quarantined(&self) -> impl Iterator<Item = (Ipv4Addr, Secs)> + '_ {
        self.quarantine.iter().map(|(a, until)| (*a, *until))
    }

    /// The end of `addr`'s quarantine, if it was declined (the time may have passed).
    pub fn quarantined_until(&self, addr: Ipv4Addr) -> Option<Secs> {
        self.quarantine.get(&addr).copied()
    }

    /// How many addresses are offered, bound, free but remembered, and quarantined at
    /// `now`. It walks the table: for a control API or a status line, not per packet.
    pub fn counts(&self, now: Secs) -> Counts {
        let mut counts = Counts::default();
        for entry in self.by_key.values() {
            match entry.state {
                State::Offered(until) if until > now => counts.offered += 1,
                State::Bound(until) if until > now => counts.bound += 1,
                _ => counts.free += 1,
            }
        }
        counts.quarantined = self.quarantine.values().filter(|u| **u > now).count();
        counts
    }

    /// The first address from `start` on that the table has never recorded; `None`
    /// past 255.255.255.255.
    pub(crate) fn first_untouched_from(&self, start: Ipv4Addr) -> Option<Ipv4Addr> {
        let mut next = u32::from(start);
        for known in self.free_from.range(start..).map(|(a, _)| u32::from(*a)) {
            if known != next {
                break;
            }
            next = next.checked_add(1)?;
        }
        Some(Ipv4Addr::from(next))
    }

    /// The last address from `start` down that the table has never recorded; `None`
    /// below 0.0.0.0.
    pub(crate) fn last_untouched_from(&self, start: Ipv4Addr) -> Option<Ipv4Addr> {
        let mut next = u32::from(start);
        for known in self
            .free_from
            .range(..=start)
            .rev()
            .map(|(a, _)| u32::from(*a))
        {
            if known != next {
                break;
            }
            next = next.checked_sub(1)?;
        }
        Some(Ipv4Addr::from(next))
    }

    /// The addresses free for anyone at `now` that the table has recorded, those free
    /// the longest first (expired leases are reused oldest first). Reserved or
    /// out-of-range addresses are the caller's to skip.
    pub(crate) fn reusable(&self, now: Secs) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.by_time
            .range(..=((now, u64::MAX), Ipv4Addr::BROADCAST))
            .map(|(_, addr)| *addr)
    }

    /// The offers still held at `now`, oldest first.
    pub(crate) fn offers(&self, now: Secs) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.offers
            .range(((now.saturating_add(1), 0), Ipv4Addr::UNSPECIFIED)..)
            .map(|(_, addr)| *addr)
    }

    /// The offers made through `relay` still held at `now`, oldest first.
    pub(crate) fn relay_offers(
        &self,
        relay: Ipv4Addr,
        now: Secs,
    ) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.relay_offers
            .get(&relay)
            .into_iter()
            .flat_map(move |offers| {
                offers.range(((now.saturating_add(1), 0), Ipv4Addr::UNSPECIFIED)..)
            })
            .map(|(_, addr)| *addr)
    }

    /// The number of offers made through `relay` still held at `now`; drops the
    /// expired ones from the relay's index.
    pub(crate) fn outstanding_relay_offers(&mut self, relay: Ipv4Addr, now: Secs) -> usize {
        let Some(offers) = self.relay_offers.get_mut(&relay) else {
            return 0;
        };
        while let Some(&(stamp, addr)) = offers.first() {
            if stamp.0 > now {
                break;
            }
            offers.remove(&(stamp, addr));
        }
        offers.len()
    }

    /// Offers `addr` to `key` until `until`, counted for `relay` (giaddr) if given.
    pub(crate) fn offer(
        &mut self,
        key: ClientKey,
        addr: Ipv4Addr,
        until: Secs,
        relay: Option<Ipv4Addr>,
        now: Secs,
    ) {
        self.set(key, addr, State::Offered(until), now);
        let Some(relay) = relay else {
            return;
        };
        let stamp = self.free_from[&addr];
        self.offer_relay.insert(addr, relay);
        self.relay_offers
            .entry(relay)
            .or_default()
            .insert((stamp, addr));
    }

    /// The number of offers still held at `now`. O(expired offers) the first time
    /// after they expire, since it drops them from the index.
    pub(crate) fn outstanding_offers(&mut self, now: Secs) -> usize {
        while let Some(&(stamp, addr)) = self.offers.first() {
            if stamp.0 > now {
                break;
            }
            self.offers.remove(&(stamp, addr));
        }
        self.offers.len()
    }

    /// Records `key` with `addr` in `state`, replacing the client's earlier entry (one
    /// address per client) and any other client's free entry for `addr`.
    pub(crate) fn set(&mut self, key: ClientKey, addr: Ipv4Addr, state: State, now: Secs) {
        if let Some(old) = self.by_key.get(&key) {
            if old.addr != addr {
                self.forget(&key, now);
            }
        }
        if let Some(previous) = self.by_addr.remove(&addr) {
            self.by_key.remove(&previous);
        }
        self.clear_quarantine(addr);
        self.unindex(addr);
        let entry = Entry { addr, state };
        self.index(addr, entry.free_from(), Some(&state));
        self.by_addr.insert(addr, key.clone());
        self.by_key.insert(key, entry);
    }

    /// Forgets the client's entry and returns it; its address stays known, free since
    /// `now` at the latest.
    pub(crate) fn forget(&mut self, key: &ClientKey, now: Secs) -> Option<Entry> {
        let entry = self.by_key.remove(key)?;
        self.by_addr.remove(&entry.addr);
        self.unindex(entry.addr);
        self.index(entry.addr, entry.free_from().min(now), None);
        Some(entry)
    }

    /// Marks the client's entry free since `now` (or since it expired, if earlier): the
    /// address is no longer held, but remembered.
    pub(crate) fn free(&mut self, key: &ClientKey, now: Secs) {
        let Some(entry) = self.by_key.get(key) else {
            return;
        };
        let (addr, since) = (entry.addr, entry.free_from().min(now));
        self.unindex(addr);
        let state = State::Free(since);
        self.index(addr, since, Some(&state));
        self.by_key.get_mut(key).expect("looked up above").state = state;
    }

    /// Sets `addr` aside until `until` (after a DECLINE), forgetting who had it.
    pub(crate) fn quarantine(&mut self, addr: Ipv4Addr, until: Secs) {
        if let Some(key) = self.by_addr.remove(&addr) {
            self.by_key.remove(&key);
        }
        self.unindex(addr);
        self.clear_quarantine(addr);
        self.quarantine.insert(addr, until);
        self.quarantine_ends.insert((until, addr));
        let stamp = self.index(addr, until, None);
        self.expiry.insert((stamp, addr));
    }

    /// Makes `addr` known and free since `since` if it is not known: how an address
    /// skipped by the allocator (a reservation since removed) comes back to the pool.
    pub(crate) fn remember_free(&mut self, addr: Ipv4Addr, since: Secs) {
        if self.untouched(addr) {
            self.index(addr, since, None);
        }
    }

    /// Frees what has expired at `now`: offers, leases and quarantines. Returns the
    /// addresses that went back to the pool, in the order they expired, with the
    /// client whose lease (not offer) ended. O(expired) with the expiry index, not
    /// O(table).
    pub(crate) fn reclaim(&mut self, now: Secs) -> Vec<Reclaimed> {
        let mut reclaimed = Vec::new();
        while let Some(&(stamp, addr)) = self.expiry.first() {
            let until = stamp.0;
            if until > now {
                break;
            }
            self.expiry.remove(&(stamp, addr));
            self.offers.remove(&(stamp, addr));
            let mut lease_of = None;
            if self.quarantine.get(&addr) == Some(&until) {
                // Known and free since `until`: by_time already says so.
                self.clear_quarantine(addr);
            } else if let Some(key) = self.by_addr.get(&addr) {
                // Free since it expired: the same time, so by_time stays as it is.
                let entry = self.by_key.get_mut(key).expect("indexed");
                if matches!(entry.state, State::Bound(_)) {
                    lease_of = Some(key.clone());
                }
                entry.state = State::Free(until);
            }
            reclaimed.push(Reclaimed { addr, lease_of });
        }
        reclaimed
    }

    /// The live quarantine (at `now`) that ends first, and how many are live. Those
    /// ended since the last reclaim are few: counting them is cheap.
    pub(crate) fn oldest_quarantine(&self, now: Secs) -> Option<(Ipv4Addr, usize)> {
        let ended = self
            .quarantine_ends
            .range(..=(now, Ipv4Addr::BROADCAST))
            .count();
        let (_, addr) = self.quarantine_ends.iter().nth(ended)?;
        Some((*addr, self.quarantine.len() - ended))
    }

    fn clear_quarantine(&mut self, addr: Ipv4Addr) {
        if let Some(until) = self.quarantine.remove(&addr) {
            self.quarantine_ends.remove(&(until, addr));
        }
    }

    fn unindex(&mut self, addr: Ipv4Addr) {
        if let Some(t) = self.free_from.remove(&addr) {
            self.by_time.remove(&(t, addr));
            self.expiry.remove(&(t, addr));
            self.offers.remove(&(t, addr));
            if let Some(relay) = self.offer_relay.remove(&addr) {
                if let Some(offers) = self.relay_offers.get_mut(&relay) {
                    offers.remove(&(t, addr));
                    if offers.is_empty() {
                        self.relay_offers.remove(&relay);
                    }
                }
            }
        }
    }

    /// Indexes `addr` as free from `time`, and held until then for an offer or a lease.
    fn index(&mut self, addr: Ipv4Addr, time: Secs, state: Option<&State>) -> Stamp {
        let stamp = (time, self.sequence);
        self.sequence += 1;
        self.free_from.insert(addr, stamp);
        self.by_time.insert((stamp, addr));
        match state {
            Some(State::Offered(_)) => {
                self.expiry.insert((stamp, addr));
                self.offers.insert((stamp, addr));
            }
            Some(State::Bound(_)) => {
                self.expiry.insert((stamp, addr));
            }
            Some(State::Free(_)) | None => {}
        }
        stamp
    }

    /// Panics unless the entries and the indexes agree: for the randomized tests.
    #[cfg(test)]
    pub(crate) fn assert_consistent(&self) {
        assert_eq!(self.by_key.len(), self.by_addr.len());
        for (key, entry) in &self.by_key {
            assert_eq!(self.by_addr.get(&entry.addr), Some(key));
            assert!(!self.quarantine.contains_key(&entry.addr));
            let t = self.free_from[&entry.addr];
            assert_eq!(t.0, entry.free_from(), "{entry:?}");
            // Expired offers may have left the offer index already.
            if self.offers.contains(&(t, entry.addr)) {
                assert!(matches!(entry.state, State::Offered(_)), "{entry:?}");
            }
        }
        assert_eq!(self.quarantine.len(), self.quarantine_ends.len());
        for (addr, until) in &self.quarantine {
            assert!(self.quarantine_ends.contains(&(*until, *addr)));
            let t = self.free_from[addr];
            assert_eq!(t.0, *until);
            assert!(self.expiry.contains(&(t, *addr)));
        }
        assert_eq!(self.free_from.len(), self.by_time.len());
        for (addr, t) in &self.free_from {
            assert!(self.by_time.contains(&(*t, *addr)));
        }
        for (t, addr) in &self.expiry {
            assert_eq!(self.free_from.get(addr), Some(t));
        }
        for (relay, offers) in &self.relay_offers {
            for (t, addr) in offers {
                assert_eq!(self.offer_relay.get(addr), Some(relay));
                assert_eq!(self.free_from.get(addr), Some(t));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
    const B: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 101);

    fn addrs(reclaimed: Vec<Reclaimed>) -> Vec<Ipv4Addr> {
        reclaimed.into_iter().map(|r| r.addr).collect()
    }

    fn key(n: u8) -> ClientKey {
        ClientKey::Hw(1, vec![2, 0, 0, 0, 0, n])
    }

    #[test]
    fn client_keys_print_and_parse_back() {
        for k in [key(1), ClientKey::Id(vec![1, 0xf4, 0x4d])] {
            assert_eq!(k.to_string().parse::<ClientKey>(), Ok(k));
        }
        assert_eq!(key(1).to_string(), "hw:1:020000000001");
        assert!("xx:01".parse::<ClientKey>().is_err());
        assert!("id:0".parse::<ClientKey>().is_err());
    }

    #[test]
    fn client_key_hex_is_digits_only_and_never_panics() {
        for text in [
            "id:+a",
            "hw:1:02+a",
            "id:a\u{e9}0",
            "hw:1:\u{e9}",
            "id:\u{e9}\u{e9}",
        ] {
            assert_eq!(text.parse::<ClientKey>(), Err("bad hex digit"), "{text:?}");
        }
        assert!("id:".parse::<ClientKey>().is_err());
        assert!("id:abc".parse::<ClientKey>().is_err());
        assert_eq!(
            "id:0aFF".parse::<ClientKey>(),
            Ok(ClientKey::Id(vec![10, 255]))
        );
    }

    #[test]
    fn a_client_holds_at_most_one_address() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Bound(100), 0);
        table.set(key(1), B, State::Bound(100), 0);
        assert_eq!(table.get(&key(1)).unwrap().addr, B);
        assert_eq!(table.holder(A), None);
        assert_eq!(table.counts(0).offered + table.counts(0).bound, 1);
        table.assert_consistent();
    }

    #[test]
    fn a_held_address_is_not_available_to_others() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Offered(10), 0);
        assert!(!table.available(A, &key(2), 5));
        assert!(table.available(A, &key(1), 5));
        assert!(table.available(A, &key(2), 10), "the offer has expired");
    }

    #[test]
    fn reclaim_frees_expired_offers_and_leases_but_remembers_them() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Offered(10), 0);
        table.set(key(2), B, State::Bound(20), 0);
        assert_eq!(addrs(table.reclaim(15)), vec![A]);
        assert_eq!(table.get(&key(1)).unwrap().state, State::Free(10));
        assert_eq!(addrs(table.reclaim(20)), vec![B]);
        assert!(!table.untouched(A), "the old client is remembered");
    }

    #[test]
    fn quarantine_keeps_an_address_from_everyone_until_it_ends() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Bound(100), 0);
        table.quarantine(A, 50);
        assert_eq!(table.get(&key(1)), None);
        assert!(!table.available(A, &key(1), 10));
        assert_eq!(addrs(table.reclaim(50)), vec![A]);
        assert!(table.available(A, &key(2), 50));
        table.assert_consistent();
    }

    #[test]
    fn reusable_addresses_come_oldest_first_and_only_once_free() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Bound(30), 0);
        table.set(key(2), B, State::Bound(20), 0);
        assert_eq!(table.reusable(10).count(), 0, "both held");
        assert_eq!(table.reusable(30).collect::<Vec<_>>(), vec![B, A]);
        table.free(&key(1), 5);
        assert_eq!(table.reusable(10).collect::<Vec<_>>(), vec![A]);
        assert_eq!(table.get(&key(1)).unwrap().state, State::Free(5));
        table.assert_consistent();
    }

    #[test]
    fn offers_are_counted_until_they_end() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Offered(10), 0);
        table.set(key(2), B, State::Offered(20), 0);
        assert_eq!(table.offers(0).collect::<Vec<_>>(), vec![A, B]);
        assert_eq!(table.outstanding_offers(10), 1);
        table.set(key(2), B, State::Bound(100), 10);
        assert_eq!(table.outstanding_offers(10), 0);
        let counts = table.counts(10);
        assert_eq!((counts.offered, counts.bound, counts.free), (0, 1, 1));
        table.assert_consistent();
    }
}
