//! The lease table: which client holds which address, in which state, until when.
//!
//! It knows nothing of packets or files: the protocol logic decides, the table
//! records. Every address has at most one entry and every client at most one, so the
//! table never grows beyond the pool, whatever clients send.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// Seconds since the Unix epoch: lease times survive a restart, so they are wall-clock.
pub type Secs = u64;

/// Who a lease belongs to: the client identifier (option 61) when the client sends
/// one, else its hardware address (RFC 2131, section 4.2).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientKey {
    /// The client identifier's bytes, type byte included.
    Id(Vec<u8>),
    /// The hardware type and the meaningful bytes of `chaddr`.
    Hw(u8, Vec<u8>),
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, &'static str> {
    if text.is_empty() || text.len() % 2 != 0 {
        return Err("hex must have an even, non-zero number of digits");
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
    /// Not held: the client had it last, and gets it again if it is still free.
    Free,
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
            State::Free => false,
        }
    }

    /// True when the address is leased (not merely offered) at `now`.
    pub fn bound(&self, now: Secs) -> bool {
        matches!(self.state, State::Bound(until) if until > now)
    }
}

/// Every client's address, and the addresses set aside after a DECLINE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseTable {
    by_key: BTreeMap<ClientKey, Entry>,
    by_addr: BTreeMap<Ipv4Addr, ClientKey>,
    quarantine: BTreeMap<Ipv4Addr, Secs>,
}

impl LeaseTable {
    /// An empty table.
    pub fn new() -> Self {
        LeaseTable::default()
    }

    /// The client's entry, held or not.
    pub fn get(&self, key: &ClientKey) -> Option<&Entry> {
        self.by_key.get(key)
    }

    /// The client whose entry names `addr`, held or not.
    #[cfg(test)]
    pub fn holder(&self, addr: Ipv4Addr) -> Option<&ClientKey> {
        self.by_addr.get(&addr)
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
        !self.by_addr.contains_key(&addr)
    }

    /// Records `key` with `addr` in `state`, replacing the client's earlier entry (one
    /// address per client) and any other client's free entry for `addr`.
    pub fn set(&mut self, key: ClientKey, addr: Ipv4Addr, state: State) {
        self.remove(&key);
        if let Some(previous) = self.by_addr.remove(&addr) {
            self.by_key.remove(&previous);
        }
        self.quarantine.remove(&addr);
        self.by_addr.insert(addr, key.clone());
        self.by_key.insert(key, Entry { addr, state });
    }

    /// Forgets the client's entry; returns it.
    pub fn remove(&mut self, key: &ClientKey) -> Option<Entry> {
        let entry = self.by_key.remove(key)?;
        self.by_addr.remove(&entry.addr);
        Some(entry)
    }

    /// Marks the client's entry free: the address is no longer held, but remembered.
    pub fn free(&mut self, key: &ClientKey) {
        if let Some(entry) = self.by_key.get_mut(key) {
            entry.state = State::Free;
        }
    }

    /// Sets `addr` aside until `until` (after a DECLINE), forgetting who had it.
    pub fn quarantine(&mut self, addr: Ipv4Addr, until: Secs) {
        if let Some(key) = self.by_addr.get(&addr).cloned() {
            self.remove(&key);
        }
        self.quarantine.insert(addr, until);
    }

    /// Frees what has expired at `now`: offers, leases and quarantines. Returns the
    /// addresses that went back to the pool.
    pub fn reclaim(&mut self, now: Secs) -> Vec<Ipv4Addr> {
        let mut reclaimed = Vec::new();
        for entry in self.by_key.values_mut() {
            if entry.state != State::Free && !entry.held(now) {
                entry.state = State::Free;
                reclaimed.push(entry.addr);
            }
        }
        self.quarantine.retain(|addr, until| {
            let keep = *until > now;
            if !keep {
                reclaimed.push(*addr);
            }
            keep
        });
        reclaimed
    }

    /// Every entry, by client.
    pub fn entries(&self) -> impl Iterator<Item = (&ClientKey, &Entry)> {
        self.by_key.iter()
    }

    /// The addresses set aside, with the end of their quarantine.
    pub fn quarantined(&self) -> impl Iterator<Item = (Ipv4Addr, Secs)> + '_ {
        self.quarantine.iter().map(|(a, until)| (*a, *until))
    }

    /// The number of addresses held (offered or leased) at `now`.
    #[cfg(test)]
    pub fn held_count(&self, now: Secs) -> usize {
        self.by_key.values().filter(|e| e.held(now)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
    const B: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 101);

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
    fn a_client_holds_at_most_one_address() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Bound(100));
        table.set(key(1), B, State::Bound(100));
        assert_eq!(table.get(&key(1)).unwrap().addr, B);
        assert_eq!(table.holder(A), None);
        assert_eq!(table.held_count(0), 1);
    }

    #[test]
    fn a_held_address_is_not_available_to_others() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Offered(10));
        assert!(!table.available(A, &key(2), 5));
        assert!(table.available(A, &key(1), 5));
        assert!(table.available(A, &key(2), 10), "the offer has expired");
    }

    #[test]
    fn reclaim_frees_expired_offers_and_leases_but_remembers_them() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Offered(10));
        table.set(key(2), B, State::Bound(20));
        assert_eq!(table.reclaim(15), vec![A]);
        assert_eq!(table.get(&key(1)).unwrap().state, State::Free);
        assert_eq!(table.reclaim(20), vec![B]);
        assert!(!table.untouched(A), "the old client is remembered");
    }

    #[test]
    fn quarantine_keeps_an_address_from_everyone_until_it_ends() {
        let mut table = LeaseTable::new();
        table.set(key(1), A, State::Bound(100));
        table.quarantine(A, 50);
        assert_eq!(table.get(&key(1)), None);
        assert!(!table.available(A, &key(1), 10));
        assert_eq!(table.reclaim(50), vec![A]);
        assert!(table.available(A, &key(2), 50));
    }
}
