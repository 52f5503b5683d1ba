//! The addresses a server may give out on one subnet: one or more dynamic ranges and
//! static reservations by MAC address.
//!
//! The subnet is the ranges': the server itself may sit on it (clients on its own
//! link) or on another one, reached through a relay agent whose `giaddr` is on it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

pub use crate::packet::Mac;

/// Why a pool cannot be built from the given settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolError {
    /// The range ends before it starts.
    EmptyRange,
    /// A reservation or a range's end is not on the subnet of the first range's start.
    OffSubnet(Ipv4Addr),
    /// The range covers the server's own address, the network or the broadcast address.
    Unusable(Ipv4Addr),
    /// The address is already reserved for another MAC address.
    ReservedTwice(Ipv4Addr),
    /// Two ranges of the pool share this address.
    Overlap(Ipv4Addr),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::EmptyRange => f.write_str("the range ends before it starts"),
            PoolError::OffSubnet(a) => write!(f, "{a} is not on the range's subnet"),
            PoolError::Unusable(a) => {
                write!(f, "{a} is the server, network or broadcast address")
            }
            PoolError::ReservedTwice(a) => write!(f, "{a} is already reserved for another MAC"),
            PoolError::Overlap(a) => write!(f, "{a} is in two ranges of the pool"),
        }
    }
}

impl std::error::Error for PoolError {}

/// An IPv4 subnet: a network address and its mask, written `198.18.0.0/24`.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::Subnet;
///
/// let lab: Subnet = "198.18.7.0/24".parse()?;
/// assert!(lab.contains(Ipv4Addr::new(198, 18, 7, 42)));
/// assert_eq!(lab.mask(), Ipv4Addr::new(255, 255, 255, 0));
/// assert_eq!(lab.broadcast(), Ipv4Addr::new(198, 18, 7, 255));
/// assert_eq!(Subnet::new(Ipv4Addr::new(198, 18, 7, 42), lab.mask()), lab);
/// assert_eq!(lab.to_string(), "198.18.7.0/24");
/// assert!("198.18.7.0/33".parse::<Subnet>().is_err());
/// # Ok::<(), ex_dhcp::lease::SubnetParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subnet {
    network: u32,
    mask: u32,
}

impl Subnet {
    /// The subnet `address` is on, with `mask`.
    pub fn new(address: Ipv4Addr, mask: Ipv4Addr) -> Self {
        let mask = u32::from(mask);
        Subnet {
            network: u32::from(address) & mask,
            mask,
        }
    }

    /// The subnet `address` is on, with a mask of `prefix_len` leading ones; `None`
    /// above 32.
    pub fn with_prefix(address: Ipv4Addr, prefix_len: u8) -> Option<Self> {
        let mask = match prefix_len {
            0 => 0,
            1..=32 => u32::MAX << (32 - prefix_len),
            _ => return None,
        };
        Some(Subnet::new(address, mask.into()))
    }

    /// True when `address` is on this subnet.
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        u32::from(address) & self.mask == self.network
    }

    /// True for the network and broadcast addresses, which no host may use.
    pub fn is_network_or_broadcast(&self, address: Ipv4Addr) -> bool {
        let host = u32::from(address) & !self.mask;
        host == 0 || host == !self.mask
    }

    /// The network address: the subnet's first.
    pub fn network(&self) -> Ipv4Addr {
        self.network.into()
    }

    /// The subnet mask (option 1).
    pub fn mask(&self) -> Ipv4Addr {
        self.mask.into()
    }

    /// The broadcast address: the subnet's last.
    pub fn broadcast(&self) -> Ipv4Addr {
        (self.network | !self.mask).into()
    }

    /// The number of leading ones of the mask (its prefix length when it has no
    /// holes, as every mask [`FromStr`] reads has).
    pub fn prefix_len(&self) -> u8 {
        self.mask.leading_ones() as u8
    }
}

impl fmt::Display for Subnet {
    /// `network/prefix`; a mask with holes (which only [`Subnet::new`] can make) is
    /// written out: `10.0.0.0/255.0.255.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mask.leading_ones() + self.mask.trailing_zeros() == 32 {
            write!(f, "{}/{}", self.network(), self.prefix_len())
        } else {
            write!(f, "{}/{}", self.network(), self.mask())
        }
    }
}

/// Text that is not a subnet ([`Subnet`]'s `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubnetParseError {
    /// No `/` between the address and the prefix length.
    NoPrefix,
    /// The part before `/` is not an IPv4 address.
    Address,
    /// The prefix length is not a number from 0 to 32.
    PrefixLen,
}

impl fmt::Display for SubnetParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubnetParseError::NoPrefix => "a subnet is written ADDRESS/PREFIX, e.g. 198.18.0.0/24",
            SubnetParseError::Address => "the subnet's address is not an IPv4 address",
            SubnetParseError::PrefixLen => "the prefix length must be a number from 0 to 32",
        })
    }
}

impl std::error::Error for SubnetParseError {}

impl FromStr for Subnet {
    type Err = SubnetParseError;

    /// `ADDRESS/PREFIX` (`198.18.0.0/24`); host bits in the address are cleared
    /// (`198.18.0.1/24` is `198.18.0.0/24`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = text.split_once('/').ok_or(SubnetParseError::NoPrefix)?;
        let address: Ipv4Addr = address.parse().map_err(|_| SubnetParseError::Address)?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SubnetParseError::PrefixLen);
        }
        let prefix: u8 = prefix.parse().map_err(|_| SubnetParseError::PrefixLen)?;
        Subnet::with_prefix(address, prefix).ok_or(SubnetParseError::PrefixLen)
    }
}

/// The addresses a server gives out on one subnet.
///
/// ```
/// use std::collections::BTreeMap;
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::Pool;
///
/// let mut pool = Pool::new(
///     Ipv4Addr::new(10, 99, 0, 1),
///     Ipv4Addr::new(255, 255, 255, 0),
///     Ipv4Addr::new(10, 99, 0, 100),
///     Ipv4Addr::new(10, 99, 0, 150),
///     BTreeMap::new(),
/// )?;
/// pool.add_range(Ipv4Addr::new(10, 99, 0, 200), Ipv4Addr::new(10, 99, 0, 209))?;
/// let printer = [2, 0, 0, 0, 0, 9];
/// pool.reserve(printer, Ipv4Addr::new(10, 99, 0, 9))?;
/// assert_eq!(pool.capacity(), 62);
/// assert!(!pool.assignable(Ipv4Addr::new(10, 99, 0, 9), None));
/// assert!(pool.in_range(Ipv4Addr::new(10, 99, 0, 205)));
/// # Ok::<(), ex_dhcp::lease::PoolError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    subnet: Subnet,
    server: Ipv4Addr,
    /// The dynamic ranges, first and last address, in the order added.
    ranges: Vec<(u32, u32)>,
    reservations: BTreeMap<Mac, Ipv4Addr>,
    /// The same reservations by address, so a lookup is O(log n) on the DISCOVER path.
    reserved: BTreeMap<Ipv4Addr, Mac>,
}

impl Pool {
    /// A pool for the range `first..=last`, plus reservations.
    ///
    /// Every address must be on `first`'s subnet; none may be the server itself or
    /// the subnet's network and broadcast addresses. The server need not be on that
    /// subnet: a relay agent brings it clients from a subnet it is not on.
    pub fn new(
        server: Ipv4Addr,
        mask: Ipv4Addr,
        first: Ipv4Addr,
        last: Ipv4Addr,
        reservations: BTreeMap<Mac, Ipv4Addr>,
    ) -> Result<Self, PoolError> {
        let mut pool = Pool {
            subnet: Subnet::new(first, mask),
            server,
            ranges: Vec::new(),
            reservations: BTreeMap::new(),
            reserved: BTreeMap::new(),
        };
        pool.add_range(first, last)?;
        for (mac, address) in reservations {
            pool.reserve(mac, address)?;
        }
        Ok(pool)
    }

    /// Adds the range `first..=last` on the pool's subnet: new clients get addresses
    /// from the ranges in the order they were added.
    pub fn add_range(&mut self, first: Ipv4Addr, last: Ipv4Addr) -> Result<(), PoolError> {
        if u32::from(first) > u32::from(last) {
            return Err(PoolError::EmptyRange);
        }
        for address in [first, last] {
            self.check(address)?;
        }
        let (low, high) = (u32::from(first), u32::from(last));
        if (low..=high).contains(&u32::from(self.server)) {
            return Err(PoolError::Unusable(self.server));
        }
        if let Some(&(other, _)) = self.ranges.iter().find(|(a, b)| *a <= high && low <= *b) {
            return Err(PoolError::Overlap(Ipv4Addr::from(other.max(low))));
        }
        self.ranges.push((low, high));
        Ok(())
    }

    fn check(&self, address: Ipv4Addr) -> Result<(), PoolError> {
        if !self.subnet.contains(address) {
            return Err(PoolError::OffSubnet(address));
        }
        if self.subnet.is_network_or_broadcast(address) || address == self.server {
            return Err(PoolError::Unusable(address));
        }
        Ok(())
    }

    /// Reserves `address` for `mac`, replacing the MAC's earlier reservation, which is
    /// returned. The address may be inside a range or anywhere else on the subnet.
    ///
    /// A client that holds the address now keeps it until its lease ends: its renewals
    /// are refused (NAK) from then on, and the MAC's client gets it when it is free.
    pub fn reserve(
        &mut self,
        mac: impl Into<Mac>,
        address: Ipv4Addr,
    ) -> Result<Option<Ipv4Addr>, PoolError> {
        let mac = mac.into();
        self.check(address)?;
        match self.reserved.get(&address) {
            Some(other) if *other != mac => return Err(PoolError::ReservedTwice(address)),
            _ => {}
        }
        let previous = self.reservations.insert(mac, address);
        if let Some(old) = previous {
            self.reserved.remove(&old);
        }
        self.reserved.insert(address, mac);
        Ok(previous)
    }

    /// Removes `mac`'s reservation; returns the address it had. A range address goes
    /// back to the dynamic pool.
    pub fn unreserve(&mut self, mac: impl Into<Mac>) -> Option<Ipv4Addr> {
        let mac = mac.into();
        let address = self.reservations.remove(&mac)?;
        self.reserved.remove(&address);
        Some(address)
    }

    /// Every reservation: MAC and address.
    pub fn reservations(&self) -> impl Iterator<Item = (Mac, Ipv4Addr)> + '_ {
        self.reservations.iter().map(|(m, a)| (*m, *a))
    }

    /// The first range's first and last addresses.
    pub fn range(&self) -> (Ipv4Addr, Ipv4Addr) {
        let (first, last) = self.ranges[0];
        (first.into(), last.into())
    }

    /// Every range's first and last addresses, in the order they were added.
    pub fn ranges(&self) -> impl Iterator<Item = (Ipv4Addr, Ipv4Addr)> + '_ {
        self.ranges
            .iter()
            .map(|(a, b)| (Ipv4Addr::from(*a), Ipv4Addr::from(*b)))
    }

    /// The subnet the pool leases on.
    pub fn subnet(&self) -> Subnet {
        self.subnet
    }

    /// The server's address, as the pool was made with.
    pub fn server(&self) -> Ipv4Addr {
        self.server
    }

    /// True when the server is on the pool's subnet, so clients on its own link (no
    /// relay) get addresses from it.
    pub fn serves_own_link(&self) -> bool {
        self.subnet.contains(self.server)
    }

    /// The number of dynamic addresses plus reservations outside the ranges: the most
    /// clients that can hold an address at once.
    pub fn capacity(&self) -> usize {
        let ranges: usize = self.ranges.iter().map(|(a, b)| (b - a) as usize + 1).sum();
        let outside = self.reserved.keys().filter(|a| !self.in_range(**a)).count();
        ranges + outside
    }

    /// The address reserved for `mac`, if any.
    pub fn reservation(&self, mac: Option<Mac>) -> Option<Ipv4Addr> {
        mac.and_then(|m| self.reservations.get(&m).copied())
    }

    /// True when `address` may be given to the client with `mac`: its reservation, or a
    /// range address nobody has reserved.
    pub fn assignable(&self, address: Ipv4Addr, mac: Option<Mac>) -> bool {
        if self.reservation(mac) == Some(address) {
            return true;
        }
        self.in_range(address) && !self.is_reserved(address)
    }

    /// The dynamic addresses, range by range, reserved ones left out.
    pub fn dynamic(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.ranges
            .iter()
            .flat_map(|(a, b)| *a..=*b)
            .map(Ipv4Addr::from)
            .filter(|a| !self.is_reserved(*a) && *a != self.server)
    }

    /// True when `address` is in a dynamic range (reserved or not).
    pub fn in_range(&self, address: Ipv4Addr) -> bool {
        let address = u32::from(address);
        self.ranges
            .iter()
            .any(|(a, b)| (*a..=*b).contains(&address))
    }

    /// True when `address` is reserved for some MAC.
    pub fn is_reserved(&self, address: Ipv4Addr) -> bool {
        self.reserved.contains_key(&address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
    const MAC: Mac = Mac::new([2, 0, 0, 0, 0, 1]);

    fn pool(first: u8, last: u8, reserved: &[(Mac, u8)]) -> Result<Pool, PoolError> {
        let reservations = reserved
            .iter()
            .map(|(m, a)| (*m, Ipv4Addr::new(198, 18, 0, *a)))
            .collect();
        Pool::new(
            SERVER,
            MASK,
            Ipv4Addr::new(198, 18, 0, first),
            Ipv4Addr::new(198, 18, 0, last),
            reservations,
        )
    }

    #[test]
    fn range_addresses_are_assignable_to_anyone() {
        let pool = pool(100, 102, &[]).unwrap();
        assert_eq!(pool.dynamic().count(), 3);
        assert!(pool.assignable(Ipv4Addr::new(198, 18, 0, 101), None));
        assert!(!pool.assignable(Ipv4Addr::new(198, 18, 0, 103), None));
    }

    #[test]
    fn a_reserved_address_goes_only_to_its_mac() {
        let pool = pool(100, 102, &[(MAC, 101), (MAC, 101)]).unwrap();
        let reserved = Ipv4Addr::new(198, 18, 0, 101);
        assert!(!pool.assignable(reserved, Some(Mac::new([2, 0, 0, 0, 0, 2]))));
        assert!(pool.assignable(reserved, Some(MAC)));
        assert!(!pool.dynamic().any(|a| a == reserved));
    }

    #[test]
    fn a_reservation_outside_the_range_adds_capacity() {
        let pool = pool(100, 101, &[(MAC, 50)]).unwrap();
        assert_eq!(pool.capacity(), 3);
        assert!(pool.assignable(Ipv4Addr::new(198, 18, 0, 50), Some(MAC)));
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert_eq!(pool(102, 100, &[]), Err(PoolError::EmptyRange));
        assert_eq!(
            pool(0, 10, &[]),
            Err(PoolError::Unusable(Ipv4Addr::new(198, 18, 0, 0)))
        );
        assert_eq!(pool(1, 10, &[]), Err(PoolError::Unusable(SERVER)));
        let off = Pool::new(
            SERVER,
            MASK,
            Ipv4Addr::new(198, 19, 0, 1),
            Ipv4Addr::new(198, 19, 1, 2),
            BTreeMap::new(),
        );
        assert_eq!(off, Err(PoolError::OffSubnet(Ipv4Addr::new(198, 19, 1, 2))));
    }

    #[test]
    fn ranges_add_up_and_may_not_overlap() {
        let mut pool = pool(100, 109, &[]).unwrap();
        pool.add_range(
            Ipv4Addr::new(198, 18, 0, 200),
            Ipv4Addr::new(198, 18, 0, 204),
        )
        .unwrap();
        assert_eq!(pool.capacity(), 15);
        assert_eq!(pool.dynamic().count(), 15);
        assert!(pool.in_range(Ipv4Addr::new(198, 18, 0, 202)));
        assert!(!pool.in_range(Ipv4Addr::new(198, 18, 0, 150)));
        assert_eq!(
            pool.add_range(
                Ipv4Addr::new(198, 18, 0, 205),
                Ipv4Addr::new(198, 18, 0, 100)
            ),
            Err(PoolError::EmptyRange)
        );
        assert_eq!(
            pool.add_range(
                Ipv4Addr::new(198, 18, 0, 90),
                Ipv4Addr::new(198, 18, 0, 100)
            ),
            Err(PoolError::Overlap(Ipv4Addr::new(198, 18, 0, 100)))
        );
        assert_eq!(
            pool.add_range(Ipv4Addr::new(198, 18, 1, 1), Ipv4Addr::new(198, 18, 1, 5)),
            Err(PoolError::OffSubnet(Ipv4Addr::new(198, 18, 1, 1)))
        );
        assert_eq!(pool.ranges().count(), 2);
    }

    #[test]
    fn subnets_print_and_parse() {
        let subnet: Subnet = "198.18.0.77/24".parse().unwrap();
        assert_eq!(subnet.to_string(), "198.18.0.0/24");
        assert_eq!(subnet.prefix_len(), 24);
        assert_eq!(
            "0.0.0.0/0".parse::<Subnet>().unwrap().mask(),
            Ipv4Addr::UNSPECIFIED
        );
        assert_eq!(
            "10.0.0.1/32".parse::<Subnet>().unwrap().network(),
            Ipv4Addr::new(10, 0, 0, 1)
        );
        for bad in [
            "10.0.0.0",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/33",
            "x/8",
        ] {
            assert!(bad.parse::<Subnet>().is_err(), "{bad}");
        }
        let holes = Subnet::new(Ipv4Addr::new(10, 1, 2, 3), Ipv4Addr::new(255, 0, 255, 0));
        assert_eq!(holes.to_string(), "10.0.2.0/255.0.255.0");
    }

    #[test]
    fn reservations_change_while_serving() {
        let mut pool = pool(100, 102, &[]).unwrap();
        let addr = Ipv4Addr::new(198, 18, 0, 101);
        assert_eq!(pool.reserve(MAC, addr), Ok(None));
        assert!(!pool.assignable(addr, None));
        assert_eq!(
            pool.reserve([2, 0, 0, 0, 0, 2], addr),
            Err(PoolError::ReservedTwice(addr))
        );
        assert_eq!(pool.unreserve(MAC), Some(addr));
        assert!(pool.assignable(addr, None));
        assert_eq!(pool.reservations().count(), 0);
    }

    #[test]
    fn a_pool_may_be_on_a_subnet_the_server_is_not_on() {
        let relayed = Pool::new(
            SERVER,
            MASK,
            Ipv4Addr::new(198, 18, 1, 100),
            Ipv4Addr::new(198, 18, 1, 150),
            BTreeMap::new(),
        )
        .unwrap();
        assert!(relayed.subnet().contains(Ipv4Addr::new(198, 18, 1, 1)));
        assert!(!relayed.serves_own_link());
        assert!(pool(100, 102, &[]).unwrap().serves_own_link());
    }
}
