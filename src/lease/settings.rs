//! A lease engine's settings: its identity, the defaults of what clients are told,
//! and the switches that change protocol behaviour.

use std::net::Ipv4Addr;

/// The lease engine's settings: its identity, the client configuration it hands out
/// (every subnet's, unless its [`SubnetConfig`](super::SubnetConfig) says otherwise),
/// and the switches that change protocol behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The server's address: option 54 in every reply.
    pub server_id: Ipv4Addr,
    /// The subnet mask of [`LeaseEngine::new`](super::LeaseEngine::new)'s pool, as
    /// the pool was made with; option 1 is always the mask of the client's subnet.
    pub mask: Ipv4Addr,
    /// Routers (option 3).
    pub routers: Vec<Ipv4Addr>,
    /// DNS servers (option 6).
    pub dns: Vec<Ipv4Addr>,
    /// DNS domain (option 15).
    pub domain: Option<String>,
    /// Lease time in seconds (option 51).
    pub lease_secs: u32,
    /// How long an offered address is held for the client.
    pub offer_secs: u32,
    /// How long a declined address is kept from everyone.
    pub decline_secs: u32,
    /// Answer a DISCOVER carrying option 80 with an ACK (RFC 4039).
    pub rapid_commit: bool,
    /// Answer packets relayed by a relay agent (giaddr set).
    pub allow_relays: bool,
    /// The most offers held at once; `None` is half the pool. At the limit a new
    /// client's DISCOVER withdraws the oldest offer, so a flood of DISCOVERs from
    /// random MAC addresses holds at most this many addresses and never starves the
    /// rest of the pool.
    pub max_offers: Option<usize>,
    /// The most addresses of a subnet set aside after DECLINEs at once; `None` is a
    /// quarter of the subnet's pool. At the limit, a new DECLINE lifts the quarantine
    /// that ends first (counted in [`EngineStats::quarantines_lifted`] and logged once
    /// a minute): a loop of DORA-then-DECLINE from random MAC addresses, which a real
    /// conflict never produces, holds at most this many addresses back, not the whole
    /// pool for [`decline_secs`](Self::decline_secs).
    ///
    /// [`EngineStats::quarantines_lifted`]: super::EngineStats::quarantines_lifted
    pub max_declined: Option<usize>,
    /// The most offers held at once for clients behind one relay agent (by giaddr;
    /// the server's own link counts as one); `None`, the default, sets no limit. At
    /// the limit a DISCOVER through that relay withdraws the relay's oldest offer, so
    /// a flood on one link leaves the offers of clients on other links alone.
    pub max_offers_per_relay: Option<usize>,
    /// Which part of the range this server takes new addresses from first, when
    /// several servers allocate from one range in one shared store (a database):
    /// [`Share::WHOLE`], the default, for a server alone. See [`Share`].
    pub share: Share,
    /// Renew and rebind, besides range addresses and reservations, a lease of any
    /// other address of the subnet that the client holds here (a lease learnt from
    /// a shared store: another server's). For servers with disjoint ranges on one
    /// database, so that each takes over the other's clients when it fails (RFC 2131
    /// section 4.4.5). Off, the default, such a client gets silence while its
    /// lease lasts (neither ours to extend nor to refuse), and a NAK after; new
    /// addresses come from the range either way.
    pub answer_subnet: bool,
}

/// A server's part of a range that `count` servers allocate from, each configured
/// with the whole range and one shared store: the `index`-th of `count` equal,
/// contiguous parts (`index` from 0).
///
/// A server gives a new client an address from its own part first, walking it
/// upwards, so servers that share a range do not offer one another's fresh leases
/// (which the store would refuse: a NAK). Once its part has no address left that it
/// has not given out, it reuses its expired leases (oldest first), and only then
/// takes addresses from the other parts, walking them downwards from the range's
/// end, where their own servers come last. Every server still answers for the
/// whole range: a client of another server that renews or rebinds here keeps its
/// address. Without shares ([`Share::WHOLE`] on every server) a lost race moves a
/// server's walk elsewhere in the range instead: a heuristic (see the notes of
/// [`LeaseEngine`](crate::lease::LeaseEngine)'s module).
///
/// ```
/// use ex_dhcp::lease::Share;
///
/// let second = Share::new(1, 2).expect("the second of two");
/// assert_eq!((second.index(), second.count()), (1, 2));
/// assert_eq!(second.to_string(), "2/2", "written one-based, as the flag takes it");
/// assert!(Share::new(2, 2).is_none());
/// assert_eq!(Share::default(), Share::WHOLE);
/// let (first, last) = ("10.0.0.0".parse()?, "10.0.0.9".parse()?);
/// assert_eq!(second.part(first, last), Some(("10.0.0.5".parse()?, last)));
/// # Ok::<(), std::net::AddrParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Share {
    index: u32,
    count: u32,
}

impl Share {
    /// The whole range: the server is alone on it.
    pub const WHOLE: Share = Share { index: 0, count: 1 };

    /// The `index`-th part (from 0) of `count`; `None` unless `index < count`.
    pub fn new(index: u32, count: u32) -> Option<Share> {
        (index < count).then_some(Share { index, count })
    }

    /// Which part, from 0.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// How many parts.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// This share's part of the range `first..=last`: its first and last address;
    /// `None` when it is empty (more parts than addresses). Parts differ in size by
    /// at most one address.
    pub fn part(&self, first: Ipv4Addr, last: Ipv4Addr) -> Option<(Ipv4Addr, Ipv4Addr)> {
        let (first, last) = (u64::from(u32::from(first)), u64::from(u32::from(last)));
        let size = last.checked_sub(first)? + 1;
        let at = |k: u32| first + size * u64::from(k) / u64::from(self.count);
        let (start, end) = (at(self.index), at(self.index + 1));
        // Both are at most last + 1, and start < end: they fit in 32 bits.
        (start < end).then(|| {
            (
                Ipv4Addr::from(start as u32),
                Ipv4Addr::from((end - 1) as u32),
            )
        })
    }
}

impl Default for Share {
    fn default() -> Self {
        Share::WHOLE
    }
}

impl std::fmt::Display for Share {
    /// `K/N`, one-based: `2/2` is the second of two.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// Default lease time: one hour.
pub const DEFAULT_LEASE_SECS: u32 = 3600;
/// Default time an offer is held: long enough for a client to pick among offers.
pub const DEFAULT_OFFER_SECS: u32 = 30;
/// Default quarantine of a declined address.
pub const DEFAULT_DECLINE_SECS: u32 = 600;

impl Settings {
    /// Settings for a server at `server_id` with `mask` and the defaults for the rest.
    pub fn new(server_id: Ipv4Addr, mask: Ipv4Addr) -> Self {
        Settings {
            server_id,
            mask,
            routers: Vec::new(),
            dns: Vec::new(),
            domain: None,
            lease_secs: DEFAULT_LEASE_SECS,
            offer_secs: DEFAULT_OFFER_SECS,
            decline_secs: DEFAULT_DECLINE_SECS,
            rapid_commit: false,
            allow_relays: false,
            max_offers: None,
            max_declined: None,
            max_offers_per_relay: None,
            share: Share::WHOLE,
            answer_subnet: false,
        }
    }
}
