//! The protocol, RFC 2131 section 4.3, for one subnet: a request and the time in,
//! a reply (or silence) and the lease changes to persist out. No I/O here.

use std::net::Ipv4Addr;

use crate::options::{ClientIdentifier, DhcpOption, RequestedIpAddress, ServerIdentifier};
use crate::{respond, MessageType, Op, Packet};
use log::{debug, info, warn};

use crate::lease::pool::Pool;
use crate::lease::settings::{Settings, RAPID_COMMIT};
use crate::lease::table::{ClientKey, LeaseTable, Secs, State};

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

/// A DHCP server's state: settings, pool and leases.
#[derive(Debug, Clone)]
pub struct LeaseServer {
    settings: Settings,
    pool: Pool,
    table: LeaseTable,
}

/// The key a request's lease is filed under: option 61 when present, else `chaddr`.
pub fn client_key(request: &Packet) -> ClientKey {
    // Raw bytes: the key must be exactly what the client sent, whatever its form.
    match request.options.get_raw(ClientIdentifier::CODE) {
        Some(id) if !id.is_empty() => ClientKey::Id(id.into_owned()),
        _ => ClientKey::Hw(request.htype, request.hardware_addr().to_vec()),
    }
}

impl LeaseServer {
    /// A server with an empty lease table.
    pub fn new(settings: Settings, pool: Pool) -> Self {
        LeaseServer {
            settings,
            pool,
            table: LeaseTable::new(),
        }
    }

    /// The lease table.
    #[cfg(test)]
    pub fn table(&self) -> &LeaseTable {
        &self.table
    }

    /// Applies a change to the table: how a server replays its lease file, and how it
    /// records its own changes, so both give the same table.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Bound { key, addr, until } => {
                self.table.set(key.clone(), *addr, State::Bound(*until));
            }
            Change::Released { key, addr } => {
                if self.table.get(key).is_some_and(|e| e.addr == *addr) {
                    self.table.free(key);
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
        self.forget_hardware_key(request, &key);
        match request.message_type() {
            Some(MessageType::Discover) => self.discover(request, key, now),
            Some(MessageType::Request) => self.request(request, key, now),
            Some(MessageType::Decline) => self.decline(request, &key, now),
            Some(MessageType::Release) => self.release(request, &key),
            Some(MessageType::Inform) => self.inform(request),
            _ => ignore("not a message type a server answers"),
        }
    }

    /// A client that now sends a client identifier takes over what it held by
    /// `chaddr` (one client, one lease), unless it already has an entry under its
    /// identifier: a firmware without option 61 and the OS after it with one keep the
    /// same address, and an INIT-REBOOT under the new key is answered at once.
    fn forget_hardware_key(&mut self, request: &Packet, key: &ClientKey) {
        if let ClientKey::Id(_) = key {
            let hw = ClientKey::Hw(request.htype, request.hardware_addr().to_vec());
            let Some(entry) = self.table.remove(&hw) else {
                return;
            };
            if self.table.get(key).is_none() {
                debug!("{hw} now identifies as {key}; its entry moves with it");
                self.table.set(key.clone(), entry.addr, entry.state);
            } else {
                debug!("{hw} now identifies as {key}; its old entry is dropped");
            }
        }
    }

    fn discover(&mut self, request: &Packet, key: ClientKey, now: Secs) -> Outcome {
        let Some(addr) = self.choose(request, &key, now) else {
            warn!("no free address for {key}: the pool is exhausted");
            return Outcome::default();
        };
        if self.settings.rapid_commit && request.options.contains(RAPID_COMMIT) {
            let change = self.bind(key, addr, now);
            let reply = self
                .lease_reply(request, MessageType::Ack, addr)
                .with_raw_option(RAPID_COMMIT, &[]);
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
            self.table.set(key, addr, State::Offered(until));
        }
        reply(self.lease_reply(request, MessageType::Offer, addr))
    }

    /// Picks the address to offer, in RFC 2131 section 4.3.1's order: the client's
    /// reservation, its current or last address, the address it asks for, then a free
    /// one, preferring addresses no client has had.
    fn choose(&self, request: &Packet, key: &ClientKey, now: Secs) -> Option<Ipv4Addr> {
        let mac = request.mac();
        let usable = |addr: Ipv4Addr| {
            self.pool.assignable(addr, mac) && self.table.available(addr, key, now)
        };
        if let Some(reserved) = self.pool.reservation(mac) {
            return usable(reserved).then_some(reserved);
        }
        let previous = self.table.get(key).map(|e| e.addr);
        let requested = request.options.get(RequestedIpAddress);
        previous
            .into_iter()
            .chain(requested)
            .find(|a| usable(*a))
            .or_else(|| {
                self.pool
                    .dynamic()
                    .find(|a| self.table.untouched(*a) && usable(*a))
            })
            .or_else(|| self.pool.dynamic().find(|a| usable(*a)))
    }

    fn request(&mut self, request: &Packet, key: ClientKey, now: Secs) -> Outcome {
        let server_id = request.options.get(ServerIdentifier);
        let requested = request.options.get(RequestedIpAddress);
        let ciaddr = request.ciaddr;
        match (server_id, requested) {
            (Some(id), _) if id != self.settings.server_id => {
                // SELECTING, another server chosen: our offer is void (RFC 2131 4.3.2).
                if self.table.get(&key).is_some_and(|e| !e.bound(now)) {
                    self.table.free(&key);
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
        let theirs = self.table.get(&key).is_some_and(|e| e.addr == addr);
        if !theirs
            || !self.pool.assignable(addr, request.mac())
            || !self.table.available(addr, &key, now)
        {
            return self.nak(request, state);
        }
        let change = self.bind(key, addr, now);
        Outcome {
            reply: Some(self.lease_reply(request, MessageType::Ack, addr)),
            changes: vec![change],
        }
    }

    fn decline(&mut self, request: &Packet, key: &ClientKey, now: Secs) -> Outcome {
        if !self.addressed_to_us(request) {
            return ignore("DECLINE for another server");
        }
        let Some(addr) = request.options.get(RequestedIpAddress) else {
            return ignore("DECLINE without option 50");
        };
        if self.table.get(key).map(|e| e.addr) != Some(addr) {
            return ignore("DECLINE of an address the client does not hold");
        }
        let change = Change::Declined {
            addr,
            until: now + u64::from(self.settings.decline_secs),
        };
        self.apply(&change);
        warn!("{key} declined {addr}: it is set aside");
        changed(change)
    }

    fn release(&mut self, request: &Packet, key: &ClientKey) -> Outcome {
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
        self.apply(&change);
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
        self.apply(&change);
        change
    }

    /// DECLINE and RELEASE must name us in option 54 when they name anyone.
    fn addressed_to_us(&self, request: &Packet) -> bool {
        request
            .options
            .get(ServerIdentifier)
            .map_or(true, |id| id == self.settings.server_id)
    }

    fn start(&self, request: &Packet, message_type: MessageType) -> Packet {
        respond(request, message_type).with_option(ServerIdentifier, self.settings.server_id)
    }

    fn lease_reply(&self, request: &Packet, message_type: MessageType, addr: Ipv4Addr) -> Packet {
        let reply = self.start(request, message_type).with_yiaddr(addr);
        self.settings.configure(reply, request, true)
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
