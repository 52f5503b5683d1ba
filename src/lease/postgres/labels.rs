//! Which subnet a row belongs to: the `subnet` label every row of the lease table
//! carries, by which the database keeps one bound lease per client in a subnet.
//!
//! A row's label is the longest-prefix subnet of those the server was given
//! ([`LeaseStore::subnets`](crate::lease::LeaseStore::subnets)) that holds its
//! address; an address in none of them, and every address when none were given,
//! is labelled `0.0.0.0/0`: the rest of the IPv4 space is one subnet. A mask is
//! taken by its leading one bits (a non-contiguous mask is not a subnet a DHCP
//! client can use).

use std::net::Ipv4Addr;

use crate::lease::pool::Subnet;

/// The label of an address in no configured subnet: the whole IPv4 space.
pub(super) const EVERYWHERE: &str = "0.0.0.0/0";

/// The subnets rows are labelled with, longest prefix first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Labels {
    /// (network, prefix length), longest prefix first, then by network.
    nets: Vec<(u32, u32)>,
}

/// The mask of a prefix length (0 to 32).
fn prefix_mask(prefix: u32) -> u32 {
    u32::MAX.checked_shl(32 - prefix).unwrap_or(0)
}

impl Labels {
    /// The labels of `subnets`; none: one label, [`EVERYWHERE`].
    pub(super) fn new(subnets: &[Subnet]) -> Labels {
        let mut nets: Vec<(u32, u32)> = subnets
            .iter()
            .map(|subnet| {
                let prefix = u32::from(subnet.mask()).leading_ones();
                (u32::from(subnet.network()) & prefix_mask(prefix), prefix)
            })
            .collect();
        nets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        nets.dedup();
        Labels { nets }
    }

    /// The label of `addr`, as PostgreSQL writes a `cidr` (`198.18.0.0/24`).
    pub(super) fn of(&self, addr: Ipv4Addr) -> String {
        let addr = u32::from(addr);
        self.nets
            .iter()
            .find(|(network, prefix)| addr & prefix_mask(*prefix) == *network)
            .map_or_else(|| EVERYWHERE.to_owned(), |net| cidr(*net))
    }

    /// Every configured subnet as a `cidr`, longest prefix first (what SQL that
    /// labels rows itself is given).
    pub(super) fn networks(&self) -> Vec<String> {
        self.nets.iter().map(|net| cidr(*net)).collect()
    }
}

fn cidr((network, prefix): (u32, u32)) -> String {
    format!("{}/{prefix}", Ipv4Addr::from(network))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(network: [u8; 4], mask: [u8; 4]) -> Subnet {
        Subnet::new(Ipv4Addr::from(network), Ipv4Addr::from(mask))
    }

    #[test]
    fn without_subnets_every_address_is_one_subnet() {
        let labels = Labels::new(&[]);
        assert_eq!(labels.of(Ipv4Addr::new(198, 18, 0, 7)), "0.0.0.0/0");
        assert_eq!(labels.of(Ipv4Addr::BROADCAST), "0.0.0.0/0");
        assert!(labels.networks().is_empty());
    }

    #[test]
    fn the_longest_prefix_that_holds_the_address_labels_it() {
        let labels = Labels::new(&[
            subnet([198, 18, 0, 0], [255, 254, 0, 0]),
            subnet([198, 18, 5, 9], [255, 255, 255, 0]),
            subnet([198, 18, 5, 0], [255, 255, 255, 0]),
        ]);
        assert_eq!(
            labels.networks(),
            ["198.18.5.0/24", "198.18.0.0/15"],
            "the network part only, once, longest first"
        );
        assert_eq!(labels.of(Ipv4Addr::new(198, 18, 5, 200)), "198.18.5.0/24");
        assert_eq!(labels.of(Ipv4Addr::new(198, 19, 0, 1)), "198.18.0.0/15");
        assert_eq!(labels.of(Ipv4Addr::new(10, 0, 0, 1)), "0.0.0.0/0");
    }

    #[test]
    fn a_mask_counts_by_its_leading_ones() {
        let odd = Labels::new(&[subnet([198, 18, 1, 1], [255, 255, 0, 255])]);
        assert_eq!(odd.networks(), ["198.18.0.0/16"]);
        let host = Labels::new(&[subnet([198, 18, 1, 1], [255, 255, 255, 255])]);
        assert_eq!(host.of(Ipv4Addr::new(198, 18, 1, 1)), "198.18.1.1/32");
        assert_eq!(host.of(Ipv4Addr::new(198, 18, 1, 2)), "0.0.0.0/0");
        let all = Labels::new(&[subnet([198, 18, 1, 1], [0, 0, 0, 0])]);
        assert_eq!(all.of(Ipv4Addr::new(203, 0, 113, 1)), "0.0.0.0/0");
    }
}
