//! The lease engine: RFC 2131 section 4.3 for the subnets a server serves, a request
//! and the time in, a reply (or silence) and the lease changes to persist out. No I/O
//! here.
//!
//! The parts, each in its file:
//! - [`select`]: which subnet a request is for (relay, option 118, option 82.5,
//!   `ciaddr`, interface, the server's own subnet), and the shared networks;
//! - [`rules`]: the message rules: what a DISCOVER, a REQUEST in each client state, a
//!   DECLINE, a RELEASE, an INFORM and a BOOTP request get;
//! - [`scope`]: one subnet's state (its table and its ranges' walks) and the choice of
//!   a free address there;
//! - [`walk`]: the allocator's walk over a range for addresses no client has had,
//!   which keeps servers that share a range apart (below).
//!
//! # Several servers on one range
//!
//! Servers that share one store (a database) and one range do not see one
//! another's offers, and learn one another's leases only at start-up, from a
//! refused commit ([`LeaseEngine::conflict`]) or from a lookup. Allocating the
//! same way, they would offer the same fresh addresses in step, and the loser of
//! every race NAKs. So each server takes new addresses from its own part of each
//! range first ([`Settings::share`], `--share K/N`): its part upwards, then its own
//! expired leases (oldest first), and only then the other parts, downwards from
//! their far end, where their servers come last. Two servers then meet only when
//! the pool is nearly full, and a DISCOVER still costs O(log n): one cursor per
//! walk that never moves back. A client that returns gets its old address first,
//! whichever part it is in, and every server answers for the whole range.
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
//! ([`Share::WHOLE`]) a server alone takes the whole range. Servers given the whole
//! range without shares race at first (safely: the store refuses the second
//! commit, the client is NAKed and starts over), and a race lost in a server's
//! current run moves its walk to a point of the rest of the range derived from its
//! server identifier, the skipped addresses left for later (walked downwards). Two
//! servers that lose races at once move to different points; meeting the other's
//! block again moves a server past it. The moves are a heuristic that needs no
//! configuration, for when the range is large next to the clients; in a crowded
//! range the pair still loses races (simulated, 1,000 addresses, group commits of
//! 16: 286 lost races to bind 400 clients, 736 to bind 900;
//! `without_shares_a_crowded_range_still_loses_races_and_binds_everyone`). Shares
//! leave nothing to chance: none lost in the same runs.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::options::{ClientIdentifier, DhcpOption};
use crate::Packet;

use crate::lease::event::{LeaseEvent, LeaseEventKind};
use crate::lease::host::Host;
use crate::lease::pool::{Mac, Pool, PoolError};
use crate::lease::settings::Settings;
use crate::lease::subnet::{SubnetConfig, SubnetId};
use crate::lease::table::{ClientKey, Counts, Entry, LeaseTable, Secs, State};

mod limit;
mod rules;
mod scope;
mod select;
mod walk;

pub use limit::RateLimited;

pub use select::SubnetError;

use scope::Scope;
use select::Selector;

/// The end of a BOOTP binding: never. BOOTP clients neither renew nor release, so
/// their address stays theirs until an operator releases it.
pub const BOOTP_FOREVER: Secs = Secs::MAX;

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

impl Change {
    /// The address the change is about.
    pub fn addr(&self) -> Ipv4Addr {
        match self {
            Change::Bound { addr, .. }
            | Change::Released { addr, .. }
            | Change::Declined { addr, .. } => *addr,
        }
    }
}

/// What handling one request produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The reply, if the request gets one.
    pub reply: Option<Packet>,
    /// The changes to write down before the reply goes out.
    pub changes: Vec<Change>,
    /// What the changes mean, once they are durable.
    pub events: Vec<LeaseEvent>,
    /// The subnet the request was answered or changed a lease in; `None` when it
    /// was ignored.
    pub subnet: Option<SubnetId>,
    /// Per change, the client's entry it replaced, for [`LeaseEngine::undo`].
    pub(crate) before: Vec<Option<Entry>>,
}

/// What the engine counted that an operator wants to see: the answers to a flood.
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
    /// Requests ignored because no configured subnet is theirs.
    pub no_subnet: u64,
    /// Races lost to another server ([`LeaseEngine::conflict`]).
    pub lost_races: u64,
    /// Quarantines lifted early to make room for a new DECLINE's
    /// ([`Settings::max_declined`]).
    pub quarantines_lifted: u64,
}

/// Where the engine may make new bindings and extend leases: what a lease service
/// tells it about its store ([`LeaseEngine::set_allocation`]).
///
/// While a store shared with other servers cannot be reached, a binding the store
/// has not seen is safe only where no other server allocates: this server's own part
/// of the ranges ([`Settings::share`]), while its claim on it is known to be live
/// (the other servers leave a claimed part alone, see
/// [`LeaseEngine::set_claimed`]). A lease elsewhere is then kept for what is left of
/// it (an ACK that extends nothing), never extended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Allocation {
    /// New bindings and extensions anywhere but other servers' claimed parts: the
    /// store is reachable.
    #[default]
    Everywhere,
    /// New bindings and extensions only in this server's own part of the ranges.
    OwnShare,
    /// No new binding and no extension: leases are kept for what is left of them.
    Nowhere,
}

/// What [`LeaseEngine::reconfigure`] did besides applying the new configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconfigured {
    /// The subnets that are gone.
    pub removed: Vec<crate::lease::Subnet>,
    /// The entries (leases and offers, live or not) they held, dropped with them.
    pub dropped: usize,
}

/// What the caller knows of a request besides its bytes: the interface it came in
/// on, and choices its own code made ([`LeaseEngine::handle_with`]).
///
/// ```
/// use ex_dhcp::lease::{Hints, Host};
///
/// let host = Host::new([2, 0, 0, 0, 0, 7]).hostname("bench-7");
/// let hints = Hints::new().interface("eth1").host(&host);
/// assert_eq!(hints.interface, Some("eth1"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Hints<'a> {
    /// The interface the request came in on, for subnets chosen by interface
    /// ([`SubnetConfig::interface`]).
    pub interface: Option<&'a str>,
    /// The subnet to handle the request in, instead of the one the engine would
    /// choose.
    pub subnet: Option<SubnetId>,
    /// The client's data, instead of (not merged with) a host the engine knows
    /// ([`LeaseEngine::add_host`]). Its fixed address must be free for the client
    /// and on the request's subnet (or shared network), else the client gets an
    /// address from the pool; keep such addresses outside the ranges, or add the host
    /// to the engine, so that no other client is given them.
    pub host: Option<&'a Host>,
}

impl<'a> Hints<'a> {
    /// No hints: the engine decides everything.
    pub fn new() -> Self {
        Hints::default()
    }

    /// The receiving interface.
    #[must_use]
    pub fn interface(mut self, name: &'a str) -> Self {
        self.interface = Some(name);
        self
    }

    /// The subnet to use.
    #[must_use]
    pub fn subnet(mut self, subnet: SubnetId) -> Self {
        self.subnet = Some(subnet);
        self
    }

    /// The client's host data.
    #[must_use]
    pub fn host(mut self, host: &'a Host) -> Self {
        self.host = Some(host);
        self
    }
}

/// A DHCP server's state: settings, subnets with their pools, hosts and leases.
///
/// Pure logic: every entry point takes the time (`now`, seconds since the Unix
/// epoch) and nothing reads a clock. [`handle`](LeaseEngine::handle) answers a
/// request; the other methods are the operator's: read the tables, find a lease,
/// [`release`](Self::release) an address, [`reserve`](Self::reserve) one, add a
/// [`Host`].
///
/// Choosing an address costs O(log n) in the table's size and O(log s) in the
/// number of subnets: the client's reservation, its previous address, the one it
/// asks for, then the next address no client has had (a cursor through each range),
/// then the address free the longest (expired leases are reused oldest first); in a
/// shared network, subnet after subnet. Offers are capped per subnet
/// ([`Settings::max_offers`], and optionally per relay,
/// [`Settings::max_offers_per_relay`]); at the cap, or when the pool is full, the
/// oldest offer is withdrawn so that a flood of DISCOVERs from random MAC addresses
/// cannot starve a real client.
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
/// assert_eq!(server.counts(now).offered, 1);
///
/// // The operator takes the address back: the change is for the lease file.
/// let change = server.release(offer.yiaddr, now + 1);
/// assert!(change.is_some());
/// assert_eq!(server.counts(now + 1).offered, 0);
/// # Ok::<(), ex_dhcp::lease::PoolError>(())
/// ```
///
/// Several subnets, behind relays:
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{LeaseEngine, Pool, Settings, SubnetConfig};
/// use ex_dhcp::{MessageType, Packet};
///
/// let ip = |text: &str| text.parse::<Ipv4Addr>().unwrap();
/// let server_id = ip("198.18.0.1");
/// let subnet = |first, last| -> Result<SubnetConfig, ex_dhcp::lease::PoolError> {
///     Ok(SubnetConfig::new(Pool::new(server_id, ip("255.255.255.0"), ip(first), ip(last),
///                                    Default::default())?))
/// };
/// let settings = Settings { allow_relays: true, ..Settings::new(server_id, ip("255.255.255.0")) };
/// let mut engine = LeaseEngine::with_subnets(settings, vec![
///     subnet("198.18.1.100", "198.18.1.199")?,
///     subnet("198.18.2.100", "198.18.2.199")?,
/// ])?;
///
/// let mut discover = Packet::new(MessageType::Discover);
/// discover.set_mac([2, 0, 0, 0, 0, 1]);
/// discover.giaddr = ip("198.18.2.1"); // through the relay of the second subnet
/// let offer = engine.handle(&discover, 1_700_000_000).reply.expect("an offer");
/// assert_eq!(offer.yiaddr, ip("198.18.2.100"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LeaseEngine {
    settings: Settings,
    scopes: Vec<Scope>,
    selector: Selector,
    hosts: BTreeMap<Mac, Host>,
    stats: EngineStats,
    ignored_decline_log: RateLimited,
    lifted_quarantine_log: RateLimited,
    allocation: Allocation,
    /// The parts of the ranges (by share index) other servers hold a claim on.
    claimed: Vec<u32>,
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
    /// A server of one subnet, `pool`'s, with an empty lease table.
    pub fn new(settings: Settings, pool: Pool) -> Self {
        LeaseEngine::with_subnets(settings, vec![SubnetConfig::new(pool)])
            .expect("one subnet is always a valid configuration")
    }

    /// A server of several subnets, with empty lease tables. Fails when two subnets
    /// overlap, or a relay or interface names two subnets.
    pub fn with_subnets(
        settings: Settings,
        subnets: Vec<SubnetConfig>,
    ) -> Result<Self, SubnetError> {
        let selector = Selector::new(&subnets, settings.server_id)?;
        if !settings.allow_relays && !selector.serves_a_link() {
            log::warn!(
                "no subnet is on the server's own link ({}) or names an interface, and \
                 relays are not allowed: only clients that renew by unicast are answered \
                 (allow relays: Settings::allow_relays, --allow-relays on)",
                settings.server_id
            );
        }
        let scopes = subnets
            .into_iter()
            .enumerate()
            .map(|(index, config)| Scope::new(SubnetId(index), config, &settings))
            .collect();
        Ok(LeaseEngine {
            settings,
            scopes,
            selector,
            hosts: BTreeMap::new(),
            stats: EngineStats::default(),
            ignored_decline_log: RateLimited::new(LOG_INTERVAL_SECS),
            lifted_quarantine_log: RateLimited::new(LOG_INTERVAL_SECS),
            allocation: Allocation::Everywhere,
            claimed: Vec::new(),
        })
    }

    /// Replaces the settings and the subnets while serving (a reload), keeping the
    /// leases: a subnet of the new configuration with the same network and mask as an
    /// old one takes over its lease table, whatever else changed (ranges, options,
    /// relays, reservations). The hosts added with [`add_host`](Self::add_host) are
    /// kept, their fixed addresses reserved again.
    ///
    /// A subnet that is gone takes its leases with it: they are dropped from the
    /// engine (reported in [`Reconfigured::dropped`], and a store's next compaction
    /// drops them), and a client that renews one is refused (NAK: its address is on
    /// no subnet this server serves), so it gets an address of its link's new subnet.
    /// On an error (subnets that overlap, a relay named twice) nothing changes.
    pub fn reconfigure(
        &mut self,
        settings: Settings,
        subnets: Vec<SubnetConfig>,
    ) -> Result<Reconfigured, SubnetError> {
        let selector = Selector::new(&subnets, settings.server_id)?;
        let mut old: Vec<Option<Scope>> = std::mem::take(&mut self.scopes)
            .into_iter()
            .map(Some)
            .collect();
        let mut scopes = Vec::with_capacity(subnets.len());
        for (index, config) in subnets.into_iter().enumerate() {
            let subnet = config.pool().subnet();
            let mut scope = Scope::new(SubnetId(index), config, &settings);
            let kept = old
                .iter_mut()
                .find(|s| s.as_ref().is_some_and(|s| s.pool().subnet() == subnet))
                .and_then(Option::take);
            if let Some(previous) = kept {
                scope.take_table(previous);
            }
            scopes.push(scope);
        }
        let mut report = Reconfigured::default();
        for gone in old.into_iter().flatten() {
            report.removed.push(gone.pool().subnet());
            report.dropped += gone.table.counts(0).bound + gone.table.counts(0).offered;
        }
        self.settings = settings;
        self.scopes = scopes;
        self.selector = selector;
        let hosts: Vec<Host> = self.hosts.values().cloned().collect();
        for host in hosts {
            if let Some(addr) = host.addr() {
                if let Err(error) = self.reserve(host.mac(), addr) {
                    log::warn!(
                        "host {}: its address {addr} is not reserved: {error}",
                        host.mac()
                    );
                }
            }
        }
        Ok(report)
    }

    /// Where new bindings and extensions may be made from now on (see
    /// [`Allocation`]).
    pub fn set_allocation(&mut self, allocation: Allocation) {
        if allocation != self.allocation {
            log::info!("allocation: {allocation:?} (was {:?})", self.allocation);
        }
        self.allocation = allocation;
    }

    /// Where new bindings and extensions may be made now.
    pub fn allocation(&self) -> Allocation {
        self.allocation
    }

    /// The parts of the ranges other servers sharing the store hold a claim on, by
    /// share index ([`Share::index`](crate::lease::Share::index)): new clients get
    /// no address there, fresh or reused, until the claim lapses; the clients who
    /// hold addresses there keep them.
    pub fn set_claimed(&mut self, shares: Vec<u32>) {
        self.claimed = shares;
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What the engine counted: unanswered DISCOVERs, withdrawn offers, ignored
    /// DECLINEs, requests for no subnet, lost races.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Every subnet, in configuration order.
    pub fn subnets(&self) -> impl Iterator<Item = (SubnetId, &SubnetConfig)> + '_ {
        self.scopes.iter().map(|scope| (scope.id, &scope.config))
    }

    /// One subnet's configuration.
    pub fn subnet(&self, id: SubnetId) -> Option<&SubnetConfig> {
        self.scopes.get(id.0).map(|scope| &scope.config)
    }

    /// The subnet `addr` is on, if the engine serves it.
    pub fn subnet_of(&self, addr: Ipv4Addr) -> Option<SubnetId> {
        self.selector.containing(addr).map(SubnetId)
    }

    /// The subnet the engine would handle `request` in, received on `interface`
    /// (see [`SubnetConfig`] for the order of the rules); `None` when it would
    /// ignore the request.
    pub fn select(&self, request: &Packet, interface: Option<&str>) -> Option<SubnetId> {
        self.selector
            .select(request, interface, self.settings.allow_relays)
            .ok()
            .map(|(index, _)| SubnetId(index))
    }

    /// The first subnet's lease table: the whole table of an engine made with
    /// [`new`](Self::new). List it, find a lease by address or client, count by state.
    pub fn table(&self) -> &LeaseTable {
        &self.scopes[0].table
    }

    /// One subnet's lease table.
    pub fn table_of(&self, id: SubnetId) -> Option<&LeaseTable> {
        self.scopes.get(id.0).map(|scope| &scope.table)
    }

    /// The first subnet's pool: the pool of an engine made with [`new`](Self::new).
    pub fn pool(&self) -> &Pool {
        self.scopes[0].pool()
    }

    /// How many addresses are offered, bound, free and quarantined at `now`, in
    /// every subnet. It walks the tables: for a control API or a status line.
    pub fn counts(&self, now: Secs) -> Counts {
        self.scopes
            .iter()
            .map(|scope| scope.table.counts(now))
            .fold(Counts::default(), |sum, counts| Counts {
                offered: sum.offered + counts.offered,
                bound: sum.bound + counts.bound,
                free: sum.free + counts.free,
                quarantined: sum.quarantined + counts.quarantined,
            })
    }

    /// The entry naming `addr`, with its subnet and client.
    pub fn find(&self, addr: Ipv4Addr) -> Option<(SubnetId, &ClientKey, &Entry)> {
        let scope = &self.scopes[self.selector.containing(addr)?];
        let (key, entry) = scope.table.get_addr(addr)?;
        Some((scope.id, key, entry))
    }

    /// The client's entries, one per subnet it has one in.
    pub fn find_client<'a>(
        &'a self,
        key: &'a ClientKey,
    ) -> impl Iterator<Item = (SubnetId, &'a Entry)> + 'a {
        self.scopes
            .iter()
            .filter_map(move |scope| scope.table.get(key).map(|entry| (scope.id, entry)))
    }

    /// Takes `addr` back at `now`, whoever holds it: an offer or lease ends, a
    /// quarantine is lifted. Returns the change to write down, or `None` when
    /// nothing held the address. A client whose lease is taken is refused (NAK) when
    /// it renews.
    pub fn release(&mut self, addr: Ipv4Addr, now: Secs) -> Option<Change> {
        let index = self.selector.containing(addr)?;
        self.scopes[index].release(addr, now)
    }

    /// Reserves `addr`, on one of the subnets, for `mac` from now on; returns the
    /// MAC's previous reservation on that subnet. Reservations are configuration,
    /// not lease changes: nothing to write down. A client holding `addr` keeps it
    /// until its lease ends, and is refused when it renews.
    pub fn reserve(
        &mut self,
        mac: impl Into<Mac>,
        addr: Ipv4Addr,
    ) -> Result<Option<Ipv4Addr>, PoolError> {
        let mac = mac.into();
        let index = self
            .selector
            .containing(addr)
            .ok_or(PoolError::OffSubnet(addr))?;
        let scope = &mut self.scopes[index];
        let previous = scope.config.pool_mut().reserve(mac, addr)?;
        if let Some(old) = previous.filter(|old| *old != addr) {
            scope.give_back(old);
        }
        Ok(previous)
    }

    /// Removes `mac`'s reservations; returns the address of the first, which goes
    /// back to the pool.
    pub fn unreserve(&mut self, mac: impl Into<Mac>) -> Option<Ipv4Addr> {
        let mac = mac.into();
        let mut first = None;
        for scope in &mut self.scopes {
            if let Some(addr) = scope.config.pool_mut().unreserve(mac) {
                scope.give_back(addr);
                first = first.or(Some(addr));
            }
        }
        first
    }

    /// Adds (or replaces) a host: its data goes into every reply to its MAC, and
    /// its fixed address, if it has one, is reserved for it on the subnet it is on.
    /// Returns the host it replaces. Fails, changing nothing, when the address is on
    /// no subnet or reserved for another MAC.
    pub fn add_host(&mut self, host: Host) -> Result<Option<Host>, PoolError> {
        let mac = host.mac();
        let previous_addr = self.hosts.get(&mac).and_then(Host::addr);
        if let Some(addr) = host.addr() {
            if previous_addr != Some(addr) {
                self.reserve(mac, addr)?;
            }
        } else if previous_addr.is_some() {
            self.unreserve(mac);
        }
        Ok(self.hosts.insert(mac, host))
    }

    /// Removes a host and its reservation; returns it.
    pub fn remove_host(&mut self, mac: impl Into<Mac>) -> Option<Host> {
        let host = self.hosts.remove(&mac.into())?;
        if host.addr().is_some() {
            self.unreserve(host.mac());
        }
        Some(host)
    }

    /// The host of `mac`, if one was added.
    pub fn host(&self, mac: Mac) -> Option<&Host> {
        self.hosts.get(&mac)
    }

    /// Every host, by MAC.
    pub fn hosts(&self) -> impl Iterator<Item = &Host> + '_ {
        self.hosts.values()
    }

    /// Applies a change to the table: how a server replays its lease store, and how
    /// it records its own changes, so both give the same table. Returns `false`, and
    /// changes nothing, for an address on none of the subnets (a record of another
    /// configuration: the caller warns about it).
    ///
    /// A replayed change carries no time of its own: an address it frees is taken as
    /// free since the epoch, first in line for reuse.
    pub fn apply(&mut self, change: &Change) -> bool {
        match self.selector.containing(change.addr()) {
            Some(index) => {
                self.scopes[index].record(change, 0);
                true
            }
            None => false,
        }
    }

    /// True when `addr` is one this server gives out: in a range or reserved on one of
    /// its subnets, or (with [`Settings::answer_subnet`]) any host address of one.
    pub fn serves_addr(&self, addr: Ipv4Addr) -> bool {
        self.selector.containing(addr).is_some_and(|index| {
            let pool = self.scopes[index].pool();
            pool.in_range(addr) || pool.is_reserved(addr) || self.settings.answer_subnet
        })
    }

    /// The live leases and quarantines at `now`, as the changes that rebuild them: what
    /// a compacted lease file holds.
    pub fn snapshot(&self, now: Secs) -> Vec<Change> {
        let mut live = Vec::new();
        for scope in &self.scopes {
            live.extend(
                scope
                    .table
                    .entries()
                    .filter_map(|(key, entry)| match entry.state {
                        State::Bound(until) if until > now => Some(Change::Bound {
                            key: key.clone(),
                            addr: entry.addr,
                            until,
                        }),
                        _ => None,
                    }),
            );
            live.extend(
                scope
                    .table
                    .quarantined()
                    .filter(|(_, until)| *until > now)
                    .map(|(addr, until)| Change::Declined { addr, until }),
            );
        }
        live
    }

    /// Frees expired offers, leases and quarantines; returns an
    /// [`Expired`](LeaseEventKind::Expired) event for each lease that ended.
    pub fn tick(&mut self, now: Secs) -> Vec<LeaseEvent> {
        let mut expired = Vec::new();
        for scope in &mut self.scopes {
            for reclaimed in scope.table.reclaim(now) {
                log::debug!("{} is free again", reclaimed.addr);
                if let Some(client) = reclaimed.lease_of {
                    expired.push(LeaseEvent::new(
                        LeaseEventKind::Expired,
                        scope.id,
                        reclaimed.addr,
                        Some(client),
                        None,
                    ));
                }
            }
        }
        expired
    }

    /// Handles one request received at `now`.
    pub fn handle(&mut self, request: &Packet, now: Secs) -> Outcome {
        self.handle_with(request, &Hints::default(), now)
    }

    /// Handles one request received at `now`, with what the caller knows besides
    /// the packet: the receiving interface, a subnet or host data of its choosing.
    pub fn handle_with(&mut self, request: &Packet, hints: &Hints<'_>, now: Secs) -> Outcome {
        rules::handle(self, request, hints, now)
    }

    /// Takes back a change the store refused or could not make durable (the engine
    /// recorded it when it answered): the client's entry goes back to `before`, what
    /// [`Outcome`] said it was, or is forgotten (its address free). Nothing happens
    /// when the entry has changed since (a later request of the client's).
    pub fn undo(&mut self, change: &Change, before: Option<&Entry>) {
        let Some(index) = self.selector.containing(change.addr()) else {
            return;
        };
        let table = &mut self.scopes[index].table;
        match change {
            Change::Bound { key, addr, until } => {
                let current = table.get(key);
                if current.is_none_or(|e| e.addr != *addr || e.state != State::Bound(*until)) {
                    return;
                }
                match before {
                    Some(entry) => table.set(key.clone(), entry.addr, entry.state, 0),
                    None => {
                        table.forget(key, 0);
                    }
                }
            }
            Change::Released { key, addr } => {
                let released = table
                    .get(key)
                    .is_some_and(|e| e.addr == *addr && matches!(e.state, State::Free(_)));
                if let (true, Some(entry)) = (released, before) {
                    table.set(key.clone(), entry.addr, entry.state, 0);
                }
            }
            // A quarantine the store did not take is kept: it only holds an address
            // back, which is always safe.
            Change::Declined { .. } => {}
        }
    }

    /// True when `addr` is in this server's own part of one of the ranges
    /// ([`Settings::share`]; every range address for a server alone).
    pub fn owns(&self, addr: Ipv4Addr) -> bool {
        self.selector
            .containing(addr)
            .is_some_and(|index| self.scopes[index].owns(addr))
    }

    /// True when this server may renew or rebind a lease of `addr` for the client
    /// with `mac`: a range address or its reservation; with
    /// [`Settings::answer_subnet`], also any host address of the subnet that is not
    /// the server's own nor reserved for another client (the lease itself must
    /// then be live in the table: learnt from a shared store).
    pub fn answers_for(&self, addr: Ipv4Addr, mac: Option<Mac>) -> bool {
        self.selector
            .containing(addr)
            .is_some_and(|index| self.scopes[index].answers_for(&self.settings, addr, mac))
    }

    /// A shared store refused `request`'s lease ([`Committed::Conflict`]: another
    /// server holds `addr` for `holder`, or the requesting client already holds
    /// `addr` there) at `now`: the table is corrected so this server does not offer
    /// `addr` again before the holder's lease ends (`until`, as the store reported
    /// it; when the store cannot tell, the end the refused lease would have had),
    /// held by `holder` if the store named it, else set aside; and the answer is a
    /// NAK, so the client starts over with a DISCOVER (and, when it holds `addr`,
    /// is offered that address).
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
        self.stats.lost_races += 1;
        rules::conflict(self, request, addr, holder, until, now)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_outage;
#[cfg(test)]
mod tests_subnets;
