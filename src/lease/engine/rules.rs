//! The message rules of RFC 2131 section 4.3: what each request gets, once its
//! subnet is known. Addresses come from the subnets' scopes; this file decides
//! which one a client may have and what the reply says.

use std::net::Ipv4Addr;

use log::{debug, info, warn};

use crate::options::{DhcpOption, RapidCommit, RequestedIpAddress, ServerIdentifier, VendorArea};
use crate::{respond, respond_bootp, MessageType, Op, Packet};

use crate::lease::event::{LeaseEvent, LeaseEventKind};
use crate::lease::host::Host;
use crate::lease::pool::Mac;
use crate::lease::settings::Settings;
use crate::lease::subnet::SubnetId;
use crate::lease::table::{ClientKey, Entry, Secs, State};

use super::limit::RateLimited;
use super::scope::Scope;
use super::LOG_INTERVAL_SECS;
use super::{
    client_key, Allocation, Change, EngineStats, Hints, LeaseEngine, Outcome, BOOTP_FOREVER,
};

/// One request being handled: the engine's parts it may change, and what is known
/// of the request.
struct Rules<'a> {
    settings: &'a Settings,
    scopes: &'a mut [Scope],
    stats: &'a mut EngineStats,
    ignored_decline_log: &'a mut RateLimited,
    lifted_quarantine_log: &'a mut RateLimited,
    request: &'a Packet,
    key: ClientKey,
    mac: Option<Mac>,
    host: Option<&'a Host>,
    now: Secs,
    /// The request's subnet.
    subnet: usize,
    /// The subnets of its link: the request's first, then its shared network.
    link: &'a [usize],
    /// Where new bindings and extensions may be made now.
    allocation: Allocation,
    /// The parts of the ranges other servers hold a claim on.
    claimed: &'a [u32],
}

pub(super) fn handle(
    engine: &mut LeaseEngine,
    request: &Packet,
    hints: &Hints<'_>,
    now: Secs,
) -> Outcome {
    if request.op != Op::Request {
        return ignore("not a BOOTREQUEST");
    }
    let LeaseEngine {
        settings,
        scopes,
        selector,
        hosts,
        stats,
        ignored_decline_log,
        lifted_quarantine_log,
        allocation,
        claimed,
    } = engine;
    if request.giaddr != Ipv4Addr::UNSPECIFIED && !settings.allow_relays {
        return ignore("relayed (giaddr set) and relays are not allowed");
    }
    let subnet = match hints.subnet {
        Some(id) if id.0 < scopes.len() => id.0,
        Some(id) => return ignore(&format!("{id} does not exist")),
        None => match selector.select(request, hints.interface, settings.allow_relays) {
            Ok((subnet, why)) => {
                debug!("{} by {why}", SubnetId(subnet));
                subnet
            }
            Err(why) => {
                stats.no_subnet += 1;
                return ignore(why);
            }
        },
    };
    let mac = request.mac();
    let host = hints.host.or_else(|| mac.and_then(|m| hosts.get(&m)));
    let mut rules = Rules {
        settings,
        scopes,
        stats,
        ignored_decline_log,
        lifted_quarantine_log,
        request,
        key: client_key(request),
        mac,
        host,
        now,
        subnet,
        link: selector.link(subnet),
        allocation: *allocation,
        claimed,
    };
    rules.forget_hardware_key();
    let mut outcome = match request.message_type() {
        Some(MessageType::Discover) => rules.discover(),
        Some(MessageType::Request) => rules.request_message(),
        Some(MessageType::Decline) => rules.decline(),
        Some(MessageType::Release) => rules.client_release(),
        Some(MessageType::Inform) => rules.inform(),
        None if request.message_type_checked() == Ok(None) => rules.bootp(),
        _ => ignore("not a message type a server answers"),
    };
    if outcome.reply.is_some() || !outcome.changes.is_empty() {
        outcome.subnet = outcome.subnet.or(Some(SubnetId(subnet)));
    }
    outcome
}

/// A shared store refused a lease: see [`LeaseEngine::conflict`].
pub(super) fn conflict(
    engine: &mut LeaseEngine,
    request: &Packet,
    addr: Ipv4Addr,
    holder: Option<ClientKey>,
    until: Option<Secs>,
    now: Secs,
) -> Packet {
    let key = client_key(request);
    if let Some(index) = engine.selector.containing(addr) {
        let scope = &mut engine.scopes[index];
        let until =
            until.unwrap_or_else(|| now + u64::from(scope.config.lease_secs(&engine.settings)));
        scope.lost_race(addr, &engine.settings);
        if scope.table.get(&key).is_some_and(|e| e.addr == addr) {
            scope.table.forget(&key, 0);
        }
        match holder {
            Some(holder) => scope.table.set(holder, addr, State::Bound(until), 0),
            None => scope.table.quarantine(addr, until),
        }
    }
    info!("NAK to {key} (the shared store holds {addr} for a lease of its own)");
    nak_packet(&engine.settings, request)
}

impl Rules<'_> {
    fn scope(&self, index: usize) -> &Scope {
        &self.scopes[index]
    }

    /// The link's subnet `addr` is on.
    fn link_scope_of(&self, addr: Ipv4Addr) -> Option<usize> {
        self.link
            .iter()
            .copied()
            .find(|index| self.scopes[*index].pool().subnet().contains(addr))
    }

    /// The client's entry on its link, and the subnet it is in.
    fn entry(&self) -> Option<(usize, &Entry)> {
        self.link.iter().find_map(|index| {
            self.scopes[*index]
                .table
                .get(&self.key)
                .map(|entry| (*index, entry))
        })
    }

    /// The client's fixed address on its link: its host's, or a pool reservation.
    fn reserved(&self) -> Option<(usize, Ipv4Addr)> {
        if let Some(addr) = self.host.and_then(Host::addr) {
            if let Some(index) = self.link_scope_of(addr) {
                return Some((index, addr));
            }
        }
        self.link.iter().find_map(|index| {
            self.scopes[*index]
                .pool()
                .reservation(self.mac)
                .map(|addr| (*index, addr))
        })
    }

    /// True when the client may take `addr` on subnet `index` now.
    fn usable(&self, index: usize, addr: Ipv4Addr) -> bool {
        let scope = self.scope(index);
        let fixed = self.host.and_then(Host::addr) == Some(addr);
        let subnet = scope.pool().subnet();
        let assignable = scope.pool().assignable(addr, self.mac)
            || (fixed && !subnet.is_network_or_broadcast(addr) && addr != self.settings.server_id);
        assignable && scope.table.available(addr, &self.key, self.now)
    }

    /// True when the client holds a live lease of `addr` on subnet `index`.
    fn holds(&self, index: usize, addr: Ipv4Addr) -> bool {
        self.scope(index)
            .table
            .get(&self.key)
            .is_some_and(|e| e.addr == addr && e.bound(self.now))
    }

    /// True when a binding of `addr` on subnet `index` may be made (or extended)
    /// now: never in a part of a range another server holds a claim on (unless it is
    /// the client's own reservation), only in this server's own part while its store
    /// is unreachable ([`Allocation::OwnShare`]), and nowhere with
    /// [`Allocation::Nowhere`].
    fn may_bind(&self, index: usize, addr: Ipv4Addr) -> bool {
        let scope = self.scope(index);
        match self.allocation {
            Allocation::Everywhere => {
                let reserved = scope.pool().reservation(self.mac) == Some(addr)
                    || self.host.and_then(Host::addr) == Some(addr);
                reserved || !scope.claimed_by_other(addr, self.claimed, self.settings.share)
            }
            Allocation::OwnShare => scope.owns(addr),
            Allocation::Nowhere => false,
        }
    }

    /// True when `addr` may be offered to the client: it holds it, or may be given it.
    fn offerable(&self, index: usize, addr: Ipv4Addr) -> bool {
        self.usable(index, addr) && (self.holds(index, addr) || self.may_bind(index, addr))
    }

    /// A client that now sends a client identifier takes over what it held by
    /// `chaddr` (one client, one lease), unless it already has an entry under its
    /// identifier: a firmware without option 61 and the OS after it with one keep the
    /// same address, and an INIT-REBOOT under the new key is answered at once.
    fn forget_hardware_key(&mut self) {
        let ClientKey::Id(_) = &self.key else {
            return;
        };
        let hw = ClientKey::Hw(self.request.htype, self.request.hardware_addr().to_vec());
        for &index in self.link {
            let table = &mut self.scopes[index].table;
            let Some(entry) = table.forget(&hw, self.now) else {
                continue;
            };
            if table.get(&self.key).is_none() {
                debug!(
                    "{hw} now identifies as {}; its entry moves with it",
                    self.key
                );
                table.set(self.key.clone(), entry.addr, entry.state, self.now);
            } else {
                debug!(
                    "{hw} now identifies as {}; its old entry is dropped",
                    self.key
                );
            }
        }
    }

    fn discover(&mut self) -> Outcome {
        let now = self.now;
        // A client that holds an address or has a reservation needs no room made.
        let may_take_offer =
            self.entry().is_none_or(|(_, e)| !e.held(now)) && self.reserved().is_none();
        let relay = self.request.giaddr;
        if may_take_offer {
            let settings = self.settings;
            let scope = &mut self.scopes[self.subnet];
            if let Some(limit) = settings.max_offers_per_relay {
                if scope.table.outstanding_relay_offers(relay, now) >= limit.max(1)
                    && scope.withdraw_oldest_offer(
                        now,
                        Some(relay),
                        "the offers through its relay are at their limit",
                    )
                {
                    self.stats.offers_withdrawn += 1;
                }
            }
            let scope = &mut self.scopes[self.subnet];
            if scope.table.outstanding_offers(now) >= scope.max_offers(settings)
                && scope.withdraw_oldest_offer(now, None, "offers are at their limit")
            {
                self.stats.offers_withdrawn += 1;
            }
        }
        let mut chosen = self.choose();
        if chosen.is_none() && may_take_offer {
            let subnet = self.subnet;
            if self.scopes[subnet].withdraw_oldest_offer(now, None, "the pool is full") {
                self.stats.offers_withdrawn += 1;
                chosen = self.choose();
            }
        }
        let Some((index, addr)) = chosen else {
            self.stats.unanswered_discovers += 1;
            let scope = &mut self.scopes[self.subnet];
            if let Some(unanswered) = scope.full_pool_log.hit(now) {
                self.stats.full_pool_warnings += 1;
                let ranges: Vec<String> = scope
                    .pool()
                    .ranges()
                    .map(|(first, last)| format!("{first}-{last}"))
                    .collect();
                warn!(
                    "no free address for {}: the pool {} is exhausted (subnet {}; \
                     {unanswered} DISCOVERs unanswered since the last warning; at most one \
                     warning every {LOG_INTERVAL_SECS} s)",
                    self.key,
                    ranges.join(", "),
                    scope.pool().subnet(),
                );
            }
            return Outcome::default();
        };
        if self.settings.rapid_commit
            && self.request.options.contains(RapidCommit::CODE)
            && self.may_bind(index, addr)
        {
            let (changes, before, event) = self.bind(index, addr);
            let reply = self
                .lease_reply(index, MessageType::Ack, addr)
                .with_raw_option(RapidCommit::CODE, &[]);
            return Outcome {
                reply: Some(reply),
                changes,
                events: vec![event],
                subnet: Some(SubnetId(index)),
                before,
            };
        }
        // A client in INIT that holds a live lease of another address is moving (a new
        // reservation, a quarantined address): its old lease ends now.
        let (changes, before, already_bound) = self.release_others(index, addr);
        let scope = &mut self.scopes[index];
        if !already_bound {
            let until = now + u64::from(self.settings.offer_secs);
            // Offers are indexed by relay only when they are limited by relay.
            let by_relay = self.settings.max_offers_per_relay.map(|_| relay);
            scope
                .table
                .offer(self.key.clone(), addr, until, by_relay, now);
        }
        Outcome {
            reply: Some(self.lease_reply(index, MessageType::Offer, addr)),
            changes,
            subnet: Some(SubnetId(index)),
            before,
            ..Outcome::default()
        }
    }

    /// Picks the address to offer, in RFC 2131 section 4.3.1's order: the client's
    /// reservation, its current or last address, the address it asks for, then a free
    /// one from the subnets of its link in order (see [`Scope::free_address`]).
    fn choose(&mut self) -> Option<(usize, Ipv4Addr)> {
        if let Some((index, reserved)) = self.reserved() {
            if self.offerable(index, reserved) {
                return Some((index, reserved));
            }
            if self.host.and_then(Host::addr) != Some(reserved) {
                // A pool reservation that is not free: the client waits for it.
                return None;
            }
            warn!(
                "{reserved}, {}'s fixed address, is held by another client: a pool address \
                 instead",
                self.key
            );
        }
        let previous = self.entry().map(|(index, entry)| (index, entry.addr));
        let requested = self
            .request
            .options
            .get(RequestedIpAddress)
            .and_then(|addr| self.link_scope_of(addr).map(|index| (index, addr)));
        if let Some(found) = previous
            .into_iter()
            .chain(requested)
            .find(|(index, addr)| self.offerable(*index, *addr))
        {
            return Some(found);
        }
        let own_only = match self.allocation {
            Allocation::Everywhere => false,
            Allocation::OwnShare => true,
            Allocation::Nowhere => return None,
        };
        let (key, mac, now, share) = (self.key.clone(), self.mac, self.now, self.settings.share);
        for &index in self.link {
            let scope = &mut self.scopes[index];
            if let Some(addr) = scope.free_address(&key, mac, now, self.claimed, own_only, share) {
                return Some((index, addr));
            }
        }
        None
    }

    fn request_message(&mut self) -> Outcome {
        let server_id = self.request.options.get(ServerIdentifier);
        let requested = self.request.options.get(RequestedIpAddress);
        let ciaddr = self.request.ciaddr;
        let now = self.now;
        match (server_id, requested) {
            (Some(id), _) if id != self.settings.server_id => {
                // SELECTING, another server chosen: our offer is void (RFC 2131 4.3.2).
                for &index in self.link {
                    let table = &mut self.scopes[index].table;
                    if table.get(&self.key).is_some_and(|e| !e.bound(now)) {
                        table.free(&self.key, now);
                    }
                }
                ignore("the client chose another server")
            }
            (Some(_), Some(addr)) if ciaddr == Ipv4Addr::UNSPECIFIED => {
                self.confirm(addr, "SELECTING")
            }
            // Option 54 naming us with ciaddr set: a RENEWING client that names its
            // server although RFC 2131 4.3.2 says it must not. The server it names is
            // this one, so the lease is ours to extend; silence would only push the
            // client to REBINDING at T2.
            (Some(_), _) if ciaddr != Ipv4Addr::UNSPECIFIED => self.renew(),
            (Some(_), _) => ignore("SELECTING needs option 50"),
            (None, Some(addr)) if ciaddr == Ipv4Addr::UNSPECIFIED => {
                if self.link_scope_of(addr).is_none() {
                    return self.nak("INIT-REBOOT on the wrong network");
                }
                if self.entry().is_none() {
                    return ignore("INIT-REBOOT from a client with no record here");
                }
                self.confirm(addr, "INIT-REBOOT")
            }
            (None, _) if ciaddr != Ipv4Addr::UNSPECIFIED => self.renew(),
            (None, _) => ignore("REQUEST with neither option 50 nor ciaddr"),
        }
    }

    /// RENEWING or REBINDING: the client asks to keep `ciaddr` (RFC 2131 4.3.2).
    fn renew(&mut self) -> Outcome {
        let ciaddr = self.request.ciaddr;
        if self.link_scope_of(ciaddr).is_none() {
            return self.nak("RENEWING/REBINDING on the wrong network");
        }
        if self.entry().is_none() {
            // Another server may have leased it: a NAK would take it away.
            return ignore("RENEWING/REBINDING from a client with no record here");
        }
        self.confirm(ciaddr, "RENEWING/REBINDING")
    }

    /// ACKs `addr` when it is the client's entry and still free for it; NAKs otherwise.
    fn confirm(&mut self, addr: Ipv4Addr, state: &str) -> Outcome {
        let Some(index) = self.link_scope_of(addr) else {
            return self.nak(state);
        };
        let scope = self.scope(index);
        // The client's own lease of `addr`, if it has one, and whether it still runs.
        let lease = scope.table.get(&self.key).filter(|e| e.addr == addr);
        let (theirs, live) = (lease.is_some(), lease.is_some_and(|e| e.bound(self.now)));
        let fixed = self.host.and_then(Host::addr) == Some(addr);
        if live
            && !self.settings.answer_subnet
            && !fixed
            && !scope.pool().in_range(addr)
            && !scope.pool().is_reserved(addr)
        {
            // A live lease in another server's range (learnt from a shared store), or
            // in a range since narrowed: not ours to extend, nor to refuse while it
            // lasts (RFC 2131 4.3.2); once it has ended, a NAK as for any other.
            return ignore("the client's live lease is outside this server's range");
        }
        let assignable =
            self.usable(index, addr) || (live && scope.answers_for(self.settings, addr, self.mac));
        if !theirs || !assignable || !scope.table.available(addr, &self.key, self.now) {
            return self.nak(state);
        }
        if !self.may_bind(index, addr) {
            return self.keep_without_extension(index, addr);
        }
        let (changes, before, event) = self.bind(index, addr);
        Outcome {
            reply: Some(self.lease_reply(index, MessageType::Ack, addr)),
            changes,
            events: vec![event],
            subnet: Some(SubnetId(index)),
            before,
        }
    }

    /// The client's lease cannot be extended now (its store is unreachable, or the
    /// address is in another server's claimed part): an ACK for what is left of it,
    /// which changes nothing, while it lasts; silence after, since the lease is not
    /// this server's to refuse either.
    fn keep_without_extension(&self, index: usize, addr: Ipv4Addr) -> Outcome {
        let until = self
            .scope(index)
            .table
            .get(&self.key)
            .filter(|e| e.addr == addr)
            .and_then(|e| match e.state {
                State::Bound(until) if until > self.now => Some(until),
                _ => None,
            });
        let Some(until) = until else {
            return ignore("the lease cannot be extended now, and it has ended");
        };
        let left = u32::try_from(until - self.now).unwrap_or(u32::MAX);
        debug!(
            "{} keeps {addr} for its last {left} s: not extended now",
            self.key
        );
        Outcome {
            reply: Some(self.reply_with_lease(index, MessageType::Ack, addr, left)),
            subnet: Some(SubnetId(index)),
            ..Outcome::default()
        }
    }

    fn decline(&mut self) -> Outcome {
        if !self.addressed_to_us() {
            return ignore("DECLINE for another server");
        }
        let Some(addr) = self.request.options.get(RequestedIpAddress) else {
            return ignore("DECLINE without option 50");
        };
        let now = self.now;
        // Only a lease the client holds: a client declines after its ACK (RFC 2131
        // 4.4.1), and a DECLINE of anything else would let anyone set addresses aside.
        let index = self.link_scope_of(addr).filter(|index| {
            self.scopes[*index]
                .table
                .get(&self.key)
                .is_some_and(|e| e.addr == addr && e.bound(now))
        });
        let Some(index) = index else {
            self.stats.declines_ignored += 1;
            if let Some(count) = self.ignored_decline_log.hit(now) {
                warn!(
                    "{} declined {addr}, which it does not hold: ignored ({count} such \
                     DECLINEs since the last warning)",
                    self.key
                );
            }
            return ignore("DECLINE of an address the client does not hold bound");
        };
        let mut changes = Vec::with_capacity(1);
        let mut before = Vec::with_capacity(1);
        let limit = self
            .settings
            .max_declined
            .unwrap_or(self.scopes[index].pool().capacity() / 4)
            .max(1);
        if let Some((oldest, held)) = self.scopes[index].table.oldest_quarantine(now) {
            if held >= limit {
                let lifted = Change::Declined {
                    addr: oldest,
                    until: now,
                };
                self.scopes[index].record(&lifted, now);
                self.stats.quarantines_lifted += 1;
                if let Some(count) = self.lifted_quarantine_log.hit(now) {
                    warn!(
                        "{limit} addresses are set aside after DECLINEs: the quarantine of \
                         {oldest} is lifted for {addr} ({count} lifted since the last warning; \
                         a flood of DECLINEs from random MAC addresses looks like this)"
                    );
                }
                changes.push(lifted);
                before.push(None);
            }
        }
        let until = now + u64::from(self.settings.decline_secs);
        let change = Change::Declined { addr, until };
        before.push(self.scopes[index].table.get(&self.key).cloned());
        self.scopes[index].record(&change, now);
        warn!("{} declined {addr}: it is set aside", self.key);
        let event = LeaseEvent::new(
            LeaseEventKind::Declined,
            SubnetId(index),
            addr,
            Some(self.key.clone()),
            Some(until),
        );
        changes.push(change);
        Outcome {
            changes,
            before,
            events: vec![event],
            ..Outcome::default()
        }
    }

    fn client_release(&mut self) -> Outcome {
        if !self.addressed_to_us() {
            return ignore("RELEASE for another server");
        }
        let addr = self.request.ciaddr;
        let index = self
            .link_scope_of(addr)
            .filter(|index| self.scopes[*index].table.get(&self.key).map(|e| e.addr) == Some(addr));
        let Some(index) = index else {
            return ignore("RELEASE of an address the client does not hold");
        };
        let change = Change::Released {
            key: self.key.clone(),
            addr,
        };
        let before = self.scopes[index].table.get(&self.key).cloned();
        self.scopes[index].record(&change, self.now);
        info!("{} released {addr}", self.key);
        let event = LeaseEvent::new(
            LeaseEventKind::Released,
            SubnetId(index),
            addr,
            Some(self.key.clone()),
            None,
        );
        changed(change, before, event)
    }

    fn inform(&self) -> Outcome {
        // The client's own address says its subnet, when the engine serves it.
        let index = self
            .link_scope_of(self.request.ciaddr)
            .unwrap_or(self.subnet);
        let mut ack = self.start(MessageType::Ack);
        self.scope(index)
            .config
            .configure(self.settings, &mut ack, self.request, None);
        if let Some(host) = self.host {
            host.apply(&mut ack, self.request);
        }
        reply(ack)
    }

    /// A BOOTP request (no option 53, RFC 951/1542): a BOOTREPLY with an address and
    /// no DHCP options, and a binding that never expires (BOOTP clients neither renew
    /// nor release), as Kea and dnsmasq answer them. A client asking again gets the
    /// same address. `siaddr` is the server's address (RFC 951: the server to boot
    /// from, unless the client's host names another). The configuration (mask, router,
    /// DNS) travels as RFC 1048 vendor extensions only when the request carried the
    /// magic cookie: a plain RFC 951 client reads nothing there.
    fn bootp(&mut self) -> Outcome {
        let forever = self
            .entry()
            .filter(|(_, entry)| entry.state == State::Bound(BOOTP_FOREVER))
            .map(|(index, entry)| (index, entry.addr));
        let (index, addr) = match forever.or_else(|| self.choose()) {
            Some(found) => found,
            None => {
                self.stats.unanswered_discovers += 1;
                return ignore("BOOTP: the pool is exhausted");
            }
        };
        // A binding held for good needs no new record: it is durable already.
        let record = forever.is_none() || self.may_bind(index, addr);
        if forever.is_none() && !self.may_bind(index, addr) {
            return ignore("BOOTP: no new binding can be made now");
        }
        info!("{} (BOOTP) holds {addr} for good", self.key);
        let change = Change::Bound {
            key: self.key.clone(),
            addr,
            until: BOOTP_FOREVER,
        };
        let before = self.scopes[index].table.get(&self.key).cloned();
        self.scopes[index].record(&change, self.now);
        let (changes, before) = if record {
            (vec![change], vec![before])
        } else {
            (Vec::new(), Vec::new())
        };
        let mut reply = respond_bootp(self.request)
            .with_yiaddr(addr)
            .with_siaddr(self.settings.server_id);
        if self.request.options.vendor_area() == VendorArea::Options {
            self.scope(index)
                .config
                .configure(self.settings, &mut reply, self.request, None);
        }
        if let Some(host) = self.host {
            host.apply(&mut reply, self.request);
        }
        let event = LeaseEvent::new(
            LeaseEventKind::Bound,
            SubnetId(index),
            addr,
            Some(self.key.clone()),
            Some(BOOTP_FOREVER),
        );
        Outcome {
            reply: Some(reply),
            events: if changes.is_empty() {
                Vec::new()
            } else {
                vec![event]
            },
            changes,
            subnet: Some(SubnetId(index)),
            before,
        }
    }

    /// Leases `addr` on subnet `index` to the client: the changes to write down (its
    /// live lease of another address on its link released first, see
    /// [`release_others`](Self::release_others)) and the event.
    fn bind(
        &mut self,
        index: usize,
        addr: Ipv4Addr,
    ) -> (Vec<Change>, Vec<Option<Entry>>, LeaseEvent) {
        let now = self.now;
        let (mut changes, mut before, renewal) = self.release_others(index, addr);
        before.push(self.scopes[index].table.get(&self.key).cloned());
        let until = now + u64::from(self.scopes[index].config.lease_secs(self.settings));
        info!("{} leases {addr} until {until}", self.key);
        let change = Change::Bound {
            key: self.key.clone(),
            addr,
            until,
        };
        self.scopes[index].record(&change, now);
        changes.push(change);
        let kind = if renewal {
            LeaseEventKind::Renewed
        } else {
            LeaseEventKind::Bound
        };
        let event = LeaseEvent::new(
            kind,
            SubnetId(index),
            addr,
            Some(self.key.clone()),
            Some(until),
        );
        (changes, before, event)
    }

    /// Releases the client's live leases on its link other than `addr` on subnet
    /// `index`, which it is about to be offered or given: one client, one address, and
    /// a store shared with other servers sees this server move its own client (a
    /// `Released` before the new `Bound`). Returns the changes, and whether the client
    /// holds `addr` itself live (a renewal).
    fn release_others(
        &mut self,
        index: usize,
        addr: Ipv4Addr,
    ) -> (Vec<Change>, Vec<Option<Entry>>, bool) {
        let now = self.now;
        let mut changes = Vec::new();
        let mut before = Vec::new();
        let mut renewal = false;
        for &other in self.link {
            let Some(entry) = self.scopes[other].table.get(&self.key) else {
                continue;
            };
            if other == index && entry.addr == addr {
                renewal = entry.bound(now);
                continue;
            }
            if entry.bound(now) {
                let old = Change::Released {
                    key: self.key.clone(),
                    addr: entry.addr,
                };
                info!("{} moves from {}: released", self.key, entry.addr);
                before.push(Some(entry.clone()));
                self.scopes[other].record(&old, now);
                changes.push(old);
            }
        }
        (changes, before, renewal)
    }

    /// DECLINE and RELEASE must name us in option 54 when they name anyone.
    fn addressed_to_us(&self) -> bool {
        self.request
            .options
            .get(ServerIdentifier)
            .is_none_or(|id| id == self.settings.server_id)
    }

    fn start(&self, message_type: MessageType) -> Packet {
        respond(self.request, message_type).with_option(ServerIdentifier, self.settings.server_id)
    }

    fn lease_reply(&self, index: usize, message_type: MessageType, addr: Ipv4Addr) -> Packet {
        let secs = self.scope(index).config.lease_secs(self.settings);
        self.reply_with_lease(index, message_type, addr, secs)
    }

    /// A reply that gives `addr` for `secs` seconds.
    fn reply_with_lease(
        &self,
        index: usize,
        message_type: MessageType,
        addr: Ipv4Addr,
        secs: u32,
    ) -> Packet {
        let mut reply = self.start(message_type).with_yiaddr(addr);
        self.scope(index)
            .config
            .configure(self.settings, &mut reply, self.request, Some(secs));
        if let Some(host) = self.host {
            host.apply(&mut reply, self.request);
        }
        reply
    }

    fn nak(&self, state: &str) -> Outcome {
        info!("NAK to {} ({state})", self.key);
        reply(nak_packet(self.settings, self.request))
    }
}

fn nak_packet(settings: &Settings, request: &Packet) -> Packet {
    let relayed = request.giaddr != Ipv4Addr::UNSPECIFIED;
    // Through a relay the NAK must be broadcast on the client's subnet (RFC 2131 4.3.2).
    respond(request, MessageType::Nak)
        .with_option(ServerIdentifier, settings.server_id)
        .with_broadcast(relayed || request.broadcast())
}

fn ignore(why: &str) -> Outcome {
    debug!("no reply: {why}");
    Outcome::default()
}

fn reply(packet: Packet) -> Outcome {
    Outcome {
        reply: Some(packet),
        ..Outcome::default()
    }
}

fn changed(change: Change, before: Option<Entry>, event: LeaseEvent) -> Outcome {
    Outcome {
        changes: vec![change],
        before: vec![before],
        events: vec![event],
        ..Outcome::default()
    }
}
