//! The addresses a server may give out: one subnet, a dynamic range and static
//! reservations by MAC address.
//!
//! The subnet is the range's: the server itself may sit on it (clients on its own
//! link) or on another one, reached through a relay agent whose `giaddr` is on it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

/// An Ethernet MAC address.
pub type Mac = [u8; 6];

/// Why a pool cannot be built from the given settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// The range ends before it starts.
    EmptyRange,
    /// A reservation or the range's end is not on the subnet of the range's start.
    OffSubnet(Ipv4Addr),
    /// The range covers the server's own address, the network or the broadcast address.
    Unusable(Ipv4Addr),
    /// The address is already reserved for another MAC address.
    ReservedTwice(Ipv4Addr),
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
        }
    }
}

impl std::error::Error for PoolError {}

/// An IPv4 subnet: an address on it and its mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The network address: the subnet's first address.
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.network)
    }

    /// The subnet mask.
    pub fn mask(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.mask)
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
}

/// The addresses a server gives out.
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
/// let printer = [2, 0, 0, 0, 0, 9];
/// pool.reserve(printer, Ipv4Addr::new(10, 99, 0, 9))?;
/// assert_eq!(pool.capacity(), 52);
/// assert!(!pool.assignable(Ipv4Addr::new(10, 99, 0, 9), None));
/// # Ok::<(), ex_dhcp::lease::PoolError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    subnet: Subnet,
    server: Ipv4Addr,
    first: u32,
    last: u32,
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
        let subnet = Subnet::new(first, mask);
        if u32::from(first) > u32::from(last) {
            return Err(PoolError::EmptyRange);
        }
        let mut pool = Pool {
            subnet,
            server,
            first: first.into(),
            last: last.into(),
            reservations: BTreeMap::new(),
            reserved: BTreeMap::new(),
        };
        for address in [first, last] {
            pool.check(address)?;
        }
        if pool.in_range(server) {
            return Err(PoolError::Unusable(server));
        }
        for (mac, address) in reservations {
            pool.reserve(mac, address)?;
        }
        Ok(pool)
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
    /// returned. The address may be inside the range or anywhere else on the subnet.
    ///
    /// A client that holds the address now keeps it until its lease ends: its renewals
    /// are refused (NAK) from then on, and the MAC's client gets it when it is free.
    pub fn reserve(&mut self, mac: Mac, address: Ipv4Addr) -> Result<Option<Ipv4Addr>, PoolError> {
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
    pub fn unreserve(&mut self, mac: Mac) -> Option<Ipv4Addr> {
        let address = self.reservations.remove(&mac)?;
        self.reserved.remove(&address);
        Some(address)
    }

    /// Every reservation: MAC and address.
    pub fn reservations(&self) -> impl Iterator<Item = (Mac, Ipv4Addr)> + '_ {
        self.reservations.iter().map(|(m, a)| (*m, *a))
    }

    /// The range's first and last addresses.
    pub fn range(&self) -> (Ipv4Addr, Ipv4Addr) {
        (self.first.into(), self.last.into())
    }

    /// The subnet the pool leases on.
    pub fn subnet(&self) -> Subnet {
        self.subnet
    }

    /// True when the server is on the pool's subnet, so clients on its own link (no
    /// relay) get addresses from it.
    pub fn serves_own_link(&self) -> bool {
        self.subnet.contains(self.server)
    }

    /// The number of dynamic addresses plus reservations outside the range: the most
    /// clients that can hold an address at once.
    pub fn capacity(&self) -> usize {
        let range = (self.last - self.first) as usize + 1;
        let outside = self.reserved.keys().filter(|a| !self.in_range(**a)).count();
        range + outside
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

    /// The dynamic addresses, lowest first, reserved ones left out.
    pub fn dynamic(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        (self.first..=self.last)
            .map(Ipv4Addr::from)
            .filter(|a| !self.is_reserved(*a) && *a != self.server)
    }

    /// True when `address` is in the dynamic range (reserved or not).
    pub fn in_range(&self, address: Ipv4Addr) -> bool {
        (self.first..=self.last).contains(&u32::from(address))
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
    const MAC: Mac = [2, 0, 0, 0, 0, 1];

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
        assert!(!pool.assignable(reserved, Some([2, 0, 0, 0, 0, 2])));
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
