//! The demo's handler: hands out addresses from a small range of 198.18.0.0/24
//! (RFC 2544's benchmarking block, which no real network routes), one per client
//! hardware address.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use ex_dhcp::options::{
    LeaseTime, RebindingTime, RenewalTime, RequestedIpAddress, Router, ServerIdentifier, SubnetMask,
};
use ex_dhcp::{respond, Handler, MessageType, Packet, Reply, Source};

/// The server's own address, sent as its identifier (option 54) and router.
pub const SERVER_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The first address handed out.
pub const POOL_START: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);
/// How many addresses the pool holds.
pub const POOL_SIZE: u32 = 20;
const SUBNET_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const LEASE_SECONDS: u32 = 3600;
/// RFC 2131 section 4.4.5: T1 at half the lease, T2 at seven eighths.
const RENEWAL_SECONDS: u32 = LEASE_SECONDS / 2;
const REBINDING_SECONDS: u32 = LEASE_SECONDS / 8 * 7;

/// Where an address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Offered to a client that has not requested it yet.
    Offered,
    /// Acknowledged: the client uses it.
    Bound,
    /// Released by the client; free again, remembered for the summary.
    Released,
    /// A client found it in use on the network: never offered again.
    Declined,
}

/// One address of the pool and who has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub address: Ipv4Addr,
    pub hardware: Vec<u8>,
    pub state: State,
}

impl fmt::Display for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?} by ", self.address, self.state)?;
        write_mac(f, &self.hardware)
    }
}

/// Writes a hardware address as colon-separated hex.
pub fn write_mac(f: &mut fmt::Formatter<'_>, hardware: &[u8]) -> fmt::Result {
    for (i, byte) in hardware.iter().enumerate() {
        let separator = if i == 0 { "" } else { ":" };
        write!(f, "{separator}{byte:02x}")?;
    }
    Ok(())
}

/// The handler state: every address that was ever offered, by address.
#[derive(Debug, Default)]
pub struct Pool {
    leases: BTreeMap<Ipv4Addr, Lease>,
}

impl Pool {
    /// Every address offered so far, in address order.
    pub fn leases(&self) -> Vec<Lease> {
        self.leases.values().cloned().collect()
    }

    /// The address this client holds or was offered, else the first one nobody holds.
    fn pick(&self, hardware: &[u8]) -> Option<Ipv4Addr> {
        let held = self.leases.values().find(|lease| {
            lease.hardware == hardware && matches!(lease.state, State::Offered | State::Bound)
        });
        if let Some(lease) = held {
            return Some(lease.address);
        }
        (0..POOL_SIZE)
            .map(|offset| Ipv4Addr::from(u32::from(POOL_START) + offset))
            .find(|address| {
                self.leases
                    .get(address)
                    .is_none_or(|lease| lease.state == State::Released)
            })
    }

    fn set(&mut self, address: Ipv4Addr, hardware: &[u8], state: State) {
        let lease = Lease {
            address,
            hardware: hardware.to_vec(),
            state,
        };
        self.leases.insert(address, lease);
    }

    fn holder(&self, address: Ipv4Addr) -> Option<&Lease> {
        self.leases.get(&address)
    }
}

/// The options every OFFER and ACK carries.
fn configure(reply: Packet, address: Ipv4Addr) -> Packet {
    reply
        .with_yiaddr(address)
        .with_option(ServerIdentifier, SERVER_ID)
        .with_option(SubnetMask, SUBNET_MASK)
        .with_option(Router, vec![SERVER_ID])
        .with_option(LeaseTime, LEASE_SECONDS)
        .with_option(RenewalTime, RENEWAL_SECONDS)
        .with_option(RebindingTime, REBINDING_SECONDS)
}

impl Handler for Pool {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let hardware = packet.hardware_addr();
        let Some(address) = self.pick(hardware) else {
            log::warn!(
                "pool exhausted, DISCOVER xid {:#010x} unanswered",
                packet.xid
            );
            return Reply::None;
        };
        self.set(address, hardware, State::Offered);
        configure(respond(packet, MessageType::Offer), address).into()
    }

    fn request(&mut self, packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let server = packet.options.get(ServerIdentifier);
        if server.is_some_and(|server| server != SERVER_ID) {
            // The client chose another server's offer (RFC 2131 section 4.3.2).
            return Reply::None;
        }
        let wanted = packet
            .options
            .get(RequestedIpAddress)
            .unwrap_or(packet.ciaddr);
        let hardware = packet.hardware_addr();
        let ours = self.holder(wanted).is_some_and(|lease| {
            lease.hardware == hardware && matches!(lease.state, State::Offered | State::Bound)
        });
        if !ours {
            return respond(packet, MessageType::Nak)
                .with_option(ServerIdentifier, SERVER_ID)
                .into();
        }
        self.set(wanted, hardware, State::Bound);
        configure(respond(packet, MessageType::Ack), wanted).into()
    }

    fn decline(&mut self, packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        if let Some(address) = packet.options.get(RequestedIpAddress) {
            self.set(address, packet.hardware_addr(), State::Declined);
        }
        Reply::None
    }

    fn release(&mut self, packet: &Packet, _from: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let hardware = packet.hardware_addr();
        if self
            .holder(packet.ciaddr)
            .is_some_and(|lease| lease.hardware == hardware)
        {
            self.set(packet.ciaddr, hardware, State::Released);
        }
        Reply::None
    }
}
