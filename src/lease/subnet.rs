//! One subnet a lease engine serves: its pool, what its clients are told, and how
//! requests find it (relays, interfaces, a shared network).

use std::fmt;
use std::net::Ipv4Addr;

use crate::options::{
    DhcpOption, DomainName, DomainNameServer, LeaseTime, OptionArg, Options, ParameterRequestList,
    RebindingTime, RenewalTime, Router, SubnetMask,
};
use crate::Packet;

use super::pool::Pool;
use super::settings::Settings;

/// The options sent when the client sends no parameter request list (55).
const DEFAULT_PARAMETERS: [u8; 3] = [Router::CODE, DomainNameServer::CODE, DomainName::CODE];

/// T1 is half the lease, T2 seven eighths (RFC 2131, section 4.4.5): as fractions.
const T1_FRACTION: (u32, u32) = (1, 2);
const T2_FRACTION: (u32, u32) = (7, 8);

/// Which subnet of a [`LeaseEngine`](super::LeaseEngine): its position in the
/// configuration, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubnetId(pub(crate) usize);

impl SubnetId {
    /// The subnet at `index` in the configuration, from 0 (a hook's choice, say); an
    /// engine ignores a request for a subnet it does not have.
    pub fn new(index: usize) -> Self {
        SubnetId(index)
    }

    /// Its position in the configuration, from 0.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for SubnetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subnet #{}", self.0)
    }
}

/// A subnet the engine serves: its [`Pool`] (ranges and reservations), what its
/// clients are told where it differs from the [`Settings`], and how requests find
/// it besides by address.
///
/// A request finds its subnet by, in order: RFC 3011's subnet selection (option
/// 118), RFC 3527's link selection (relay agent sub-option 5 of option 82), the
/// relay's `giaddr` (on the subnet, or named with [`SubnetConfig::relay`]), the
/// client's `ciaddr` (a RENEWING client), then the interface it came in on
/// ([`SubnetConfig::interface`]), then the subnet the server itself is on. Subnets
/// with the same [`shared_network`](SubnetConfig::shared_network) name are one
/// link: a new client gets an address from the first of them with one free.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Pool, SubnetConfig};
/// use ex_dhcp::options::NtpServers;
///
/// let ip = |text: &str| text.parse::<Ipv4Addr>().unwrap();
/// let pool = Pool::new(ip("198.18.0.1"), ip("255.255.255.0"), ip("198.18.7.100"),
///                      ip("198.18.7.199"), Default::default())?;
/// let building_7 = SubnetConfig::new(pool)
///     .routers(vec![ip("198.18.7.1")])
///     .lease_time(7200)
///     .option(NtpServers, vec![ip("198.18.7.1")])
///     .relay(ip("198.18.107.1"));
/// assert_eq!(building_7.pool().subnet().to_string(), "198.18.7.0/24");
/// # Ok::<(), ex_dhcp::lease::PoolError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetConfig {
    pool: Pool,
    routers: Option<Vec<Ipv4Addr>>,
    dns: Option<Vec<Ipv4Addr>>,
    domain: Option<String>,
    lease_secs: Option<u32>,
    options: Options,
    interfaces: Vec<String>,
    relays: Vec<Ipv4Addr>,
    shared_network: Option<String>,
}

impl SubnetConfig {
    /// The subnet of `pool`, its clients told what the engine's [`Settings`] say.
    pub fn new(pool: Pool) -> Self {
        SubnetConfig {
            pool,
            routers: None,
            dns: None,
            domain: None,
            lease_secs: None,
            options: Options::new(),
            interfaces: Vec::new(),
            relays: Vec::new(),
            shared_network: None,
        }
    }

    /// Routers (option 3) for this subnet's clients.
    #[must_use]
    pub fn routers(mut self, routers: Vec<Ipv4Addr>) -> Self {
        self.routers = Some(routers);
        self
    }

    /// DNS servers (option 6) for this subnet's clients.
    #[must_use]
    pub fn dns(mut self, servers: Vec<Ipv4Addr>) -> Self {
        self.dns = Some(servers);
        self
    }

    /// The DNS domain (option 15) for this subnet's clients.
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The lease time, in seconds (option 51), for this subnet's clients.
    #[must_use]
    pub fn lease_time(mut self, secs: u32) -> Self {
        self.lease_secs = Some(secs);
        self
    }

    /// Another option for this subnet's clients, sent when a client asks for it
    /// (in its parameter request list, option 55), as RFC 2131 section 4.3.1 has it.
    #[must_use]
    pub fn option<O: DhcpOption>(mut self, option: O, value: impl OptionArg<O::Value>) -> Self {
        self.options.set(option, value);
        self
    }

    /// [`option`](Self::option) with the value's bytes as they go on the wire.
    #[must_use]
    pub fn raw_option(mut self, code: u8, value: &[u8]) -> Self {
        self.options.set_raw(code, value);
        self
    }

    /// Clients that reach the server on interface `name` without a relay are on this
    /// subnet (for a server that listens on several interfaces).
    #[must_use]
    pub fn interface(mut self, name: impl Into<String>) -> Self {
        self.interfaces.push(name.into());
        self
    }

    /// Requests relayed by a relay agent at `giaddr` are for this subnet, although
    /// `giaddr` is not on it (a relay whose address is on a transfer network).
    #[must_use]
    pub fn relay(mut self, giaddr: Ipv4Addr) -> Self {
        self.relays.push(giaddr);
        self
    }

    /// This subnet shares its link with the other subnets of this name: a new client
    /// gets an address from the first of them (in configuration order) with one
    /// free.
    #[must_use]
    pub fn shared_network(mut self, name: impl Into<String>) -> Self {
        self.shared_network = Some(name.into());
        self
    }

    /// The pool: subnet, ranges and reservations.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn pool_mut(&mut self) -> &mut Pool {
        &mut self.pool
    }

    /// The interfaces named with [`interface`](Self::interface).
    pub fn interfaces(&self) -> &[String] {
        &self.interfaces
    }

    /// The relays named with [`relay`](Self::relay).
    pub fn relays(&self) -> &[Ipv4Addr] {
        &self.relays
    }

    /// The shared network's name, if any.
    pub fn shared_network_name(&self) -> Option<&str> {
        self.shared_network.as_deref()
    }

    /// The options added with [`option`](Self::option).
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The lease time for this subnet's clients: its own, else the settings'.
    pub fn lease_secs(&self, settings: &Settings) -> u32 {
        self.lease_secs.unwrap_or(settings.lease_secs)
    }

    /// Adds the client configuration to `reply`: the mask, the options the client
    /// asked for (in its order), and with `lease`, that lease time with T1 and T2 (an
    /// ACK to an INFORM passes `None`: it must not carry a lease time).
    pub(crate) fn configure(
        &self,
        settings: &Settings,
        reply: &mut Packet,
        request: &Packet,
        lease: Option<u32>,
    ) {
        reply.options.set(SubnetMask, self.pool.subnet().mask());
        if let Some(secs) = lease {
            reply.options.set(LeaseTime, secs);
            reply.options.set(RenewalTime, fraction(secs, T1_FRACTION));
            reply
                .options
                .set(RebindingTime, fraction(secs, T2_FRACTION));
        }
        let asked = request.options.get_raw(ParameterRequestList::CODE);
        let wanted: &[u8] = asked.as_deref().unwrap_or(&DEFAULT_PARAMETERS);
        let routers = self.routers.as_ref().unwrap_or(&settings.routers);
        let dns = self.dns.as_ref().unwrap_or(&settings.dns);
        let domain = self.domain.as_ref().or(settings.domain.as_ref());
        for &code in wanted {
            match code {
                Router::CODE if !routers.is_empty() => {
                    reply.options.set(Router, routers);
                }
                DomainNameServer::CODE if !dns.is_empty() => {
                    reply.options.set(DomainNameServer, dns);
                }
                DomainName::CODE => {
                    if let Some(domain) = domain {
                        reply.options.set(DomainName, domain);
                    }
                }
                code => {
                    if let Some(value) = self.options.get_raw(code) {
                        reply.options.set_raw(code, &value);
                    }
                }
            }
        }
    }
}

fn fraction(secs: u32, (num, den): (u32, u32)) -> u32 {
    // u64 so a lease near u32::MAX does not overflow before the division.
    (u64::from(secs) * u64::from(num) / u64::from(den)) as u32
}
