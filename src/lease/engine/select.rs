//! Which subnet a request is for: indexes over the configured subnets, so that the
//! choice costs O(log n) in their number.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use crate::options::{DhcpOption, RelayAgentInformation, SubnetSelection};
use crate::Packet;

use crate::lease::subnet::{SubnetConfig, SubnetId};

/// Why a subnet configuration cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubnetError {
    /// No subnet was given.
    NoSubnets,
    /// Two subnets share addresses: the first address of the second one found
    /// inside the first.
    Overlap(SubnetId, SubnetId),
    /// A relay address names two subnets.
    RelayTwice(Ipv4Addr),
    /// An interface names two subnets that are not one shared network.
    InterfaceTwice(String),
}

impl std::fmt::Display for SubnetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubnetError::NoSubnets => f.write_str("no subnet to serve"),
            SubnetError::Overlap(a, b) => write!(f, "{a} and {b} overlap"),
            SubnetError::RelayTwice(relay) => write!(f, "relay {relay} is named by two subnets"),
            SubnetError::InterfaceTwice(name) => write!(
                f,
                "interface {name} is named by two subnets that are not one shared network"
            ),
        }
    }
}

impl std::error::Error for SubnetError {}

/// Where a request's subnet comes from, for the log.
pub(crate) type Why = &'static str;

/// The configured subnets, indexed by address, relay and interface.
#[derive(Debug, Clone, Default)]
pub(super) struct Selector {
    /// Network address to (broadcast address, subnet).
    by_network: BTreeMap<u32, (u32, usize)>,
    by_relay: HashMap<Ipv4Addr, usize>,
    by_interface: HashMap<String, usize>,
    /// The subnet the server's own address is on: clients on its own link.
    own: Option<usize>,
    /// Per subnet: the subnets of its link, itself first, then the rest of its
    /// shared network in configuration order.
    links: Vec<Vec<usize>>,
}

impl Selector {
    pub(super) fn new(subnets: &[SubnetConfig], server_id: Ipv4Addr) -> Result<Self, SubnetError> {
        if subnets.is_empty() {
            return Err(SubnetError::NoSubnets);
        }
        let mut selector = Selector::default();
        for (index, config) in subnets.iter().enumerate() {
            let subnet = config.pool().subnet();
            let (low, high) = (u32::from(subnet.network()), u32::from(subnet.broadcast()));
            if let Some(other) = selector.containing_range(low, high) {
                return Err(SubnetError::Overlap(SubnetId(other), SubnetId(index)));
            }
            selector.by_network.insert(low, (high, index));
            for relay in config.relays() {
                if selector.by_relay.insert(*relay, index).is_some() {
                    return Err(SubnetError::RelayTwice(*relay));
                }
            }
        }
        let mut networks: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, config) in subnets.iter().enumerate() {
            if let Some(name) = config.shared_network_name() {
                networks.entry(name).or_default().push(index);
            }
        }
        for (index, config) in subnets.iter().enumerate() {
            let mut link = vec![index];
            if let Some(name) = config.shared_network_name() {
                link.extend(networks[name].iter().filter(|other| **other != index));
            }
            for name in config.interfaces() {
                match selector.by_interface.get(name) {
                    Some(first) if !link.contains(first) => {
                        return Err(SubnetError::InterfaceTwice(name.clone()));
                    }
                    Some(_) => {}
                    None => {
                        selector.by_interface.insert(name.clone(), index);
                    }
                }
            }
            selector.links.push(link);
        }
        selector.own = selector.containing(server_id);
        Ok(selector)
    }

    /// True when some subnet is reached without a relay: the server's own, or one
    /// named by an interface.
    pub(super) fn serves_a_link(&self) -> bool {
        self.own.is_some() || !self.by_interface.is_empty()
    }

    /// A subnet with an address in `low..=high`, if any.
    fn containing_range(&self, low: u32, high: u32) -> Option<usize> {
        let below = self.by_network.range(..=high).next_back();
        below
            .filter(|(_, (broadcast, _))| *broadcast >= low)
            .map(|(_, (_, index))| *index)
    }

    /// The subnet `addr` is on.
    pub(super) fn containing(&self, addr: Ipv4Addr) -> Option<usize> {
        let addr = u32::from(addr);
        self.containing_range(addr, addr)
    }

    /// The subnets of `subnet`'s link: itself first, then the rest of its shared
    /// network.
    pub(super) fn link(&self, subnet: usize) -> &[usize] {
        &self.links[subnet]
    }

    /// The subnet a request is for, and why; `Err` with the reason to ignore it.
    /// `interface` is the one it came in on, when the server knows it.
    pub(super) fn select(
        &self,
        request: &Packet,
        interface: Option<&str>,
        allow_relays: bool,
    ) -> Result<(usize, Why), Why> {
        if let Some(addr) = request.options.get(SubnetSelection) {
            return self
                .containing(addr)
                .map(|s| (s, "subnet selection (option 118)"))
                .ok_or("option 118 names a subnet this server does not serve");
        }
        if request.giaddr != Ipv4Addr::UNSPECIFIED {
            if !allow_relays {
                return Err("relayed (giaddr set) and relays are not allowed");
            }
            if let Some(link) = link_selection(request) {
                return self
                    .containing(link)
                    .map(|s| (s, "link selection (option 82.5)"))
                    .ok_or("option 82.5 names a subnet this server does not serve");
            }
            return self
                .by_relay
                .get(&request.giaddr)
                .copied()
                .or_else(|| self.containing(request.giaddr))
                .map(|s| (s, "the relay's giaddr"))
                .ok_or("relayed from a subnet this server does not serve");
        }
        if request.ciaddr != Ipv4Addr::UNSPECIFIED {
            if let Some(subnet) = self.containing(request.ciaddr) {
                return Ok((subnet, "the client's ciaddr"));
            }
        }
        if let Some(subnet) = interface.and_then(|name| self.by_interface.get(name)) {
            return Ok((*subnet, "the receiving interface"));
        }
        if let Some(subnet) = self.own {
            return Ok((subnet, "the server's own subnet"));
        }
        if request.ciaddr != Ipv4Addr::UNSPECIFIED {
            // A RENEWING client reaches the server without a relay wherever it is:
            // the first subnet answers it (with a NAK if its address is elsewhere).
            return Ok((0, "the client's ciaddr"));
        }
        Err("from this server's own link, and no subnet is on it")
    }
}

/// RFC 3527: the link the relay says the client is on, in option 82's sub-option 5.
fn link_selection(request: &Packet) -> Option<Ipv4Addr> {
    if !request.options.contains(RelayAgentInformation::CODE) {
        return None;
    }
    request
        .options
        .get(RelayAgentInformation)
        .and_then(|info| info.link_selection())
}
