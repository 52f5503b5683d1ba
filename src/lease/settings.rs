//! What a lease server tells its clients, and the options it builds from that.

use std::net::Ipv4Addr;

use crate::options::{
    DhcpOption, DomainName, DomainNameServer, LeaseTime, ParameterRequestList, RebindingTime,
    RenewalTime, Router, SubnetMask,
};
use crate::Packet;

/// The options sent when the client sends no parameter request list (55).
const DEFAULT_PARAMETERS: [u8; 3] = [Router::CODE, DomainNameServer::CODE, DomainName::CODE];

/// T1 is half the lease, T2 seven eighths (RFC 2131, section 4.4.5): as fractions.
const T1_FRACTION: (u32, u32) = (1, 2);
const T2_FRACTION: (u32, u32) = (7, 8);

/// The lease server's settings: its identity, the client configuration it hands out,
/// and the switches that change protocol behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The server's address: option 54 in every reply.
    pub server_id: Ipv4Addr,
    /// The subnet mask (option 1).
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
    /// The most offers held at once for clients behind one relay agent (by giaddr;
    /// the server's own link counts as one); `None`, the default, sets no limit. At
    /// the limit a DISCOVER through that relay withdraws the relay's oldest offer, so
    /// a flood on one link leaves the offers of clients on other links alone.
    pub max_offers_per_relay: Option<usize>,
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
            max_offers_per_relay: None,
        }
    }

    /// Adds the client configuration to `reply`: mask, the options the client asked
    /// for (in its order), and with `leased`, the lease time with T1 and T2.
    ///
    /// An ACK to an INFORM passes `leased = false`: it must not carry a lease time.
    pub fn configure(&self, mut reply: Packet, request: &Packet, leased: bool) -> Packet {
        reply.options.set(SubnetMask, self.mask);
        if leased {
            let secs = self.lease_secs;
            reply.options.set(LeaseTime, secs);
            reply.options.set(RenewalTime, fraction(secs, T1_FRACTION));
            reply
                .options
                .set(RebindingTime, fraction(secs, T2_FRACTION));
        }
        let wanted = request
            .options
            .get(ParameterRequestList)
            .map(|list| list.0)
            .unwrap_or_else(|| DEFAULT_PARAMETERS.to_vec());
        for code in wanted {
            match code {
                Router::CODE if !self.routers.is_empty() => {
                    reply.options.set(Router, self.routers.clone());
                }
                DomainNameServer::CODE if !self.dns.is_empty() => {
                    reply.options.set(DomainNameServer, self.dns.clone());
                }
                DomainName::CODE => {
                    if let Some(domain) = &self.domain {
                        reply.options.set(DomainName, domain.clone());
                    }
                }
                _ => {}
            }
        }
        reply
    }
}

fn fraction(secs: u32, (num, den): (u32, u32)) -> u32 {
    // u64 so a lease near u32::MAX does not overflow before the division.
    (u64::from(secs) * u64::from(num) / u64::from(den)) as u32
}
