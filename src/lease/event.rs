//! What happened to a lease: the events a lease engine reports, for audit logs,
//! DNS updates and metrics.

use std::fmt;
use std::net::Ipv4Addr;

use super::subnet::SubnetId;
use super::table::{ClientKey, Secs};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LeaseEventKind {
    /// A client got an address it did not hold (an ACK, a rapid-commit ACK, a BOOTP
    /// reply).
    Bound,
    /// A client kept the address it held, for longer.
    Renewed,
    /// A client gave its address back (DHCPRELEASE), or the operator took it.
    Released,
    /// A lease ended without being renewed.
    Expired,
    /// A client found its address in use (DHCPDECLINE): the address is set aside.
    Declined,
    /// Another server got the address first (a shared store refused the lease): the
    /// client was refused.
    LostRace,
}

impl fmt::Display for LeaseEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LeaseEventKind::Bound => "bound",
            LeaseEventKind::Renewed => "renewed",
            LeaseEventKind::Released => "released",
            LeaseEventKind::Expired => "expired",
            LeaseEventKind::Declined => "declined",
            LeaseEventKind::LostRace => "lost race",
        })
    }
}

/// One change to a lease, as it happened.
///
/// A lease service reports `Bound`, `Renewed`, `Released` and `Declined` once the
/// change is durable (the ACK leaves at the same moment), `Expired` at the tick that
/// reclaims the address, and `LostRace` when a shared store refuses the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseEvent {
    /// What happened.
    pub kind: LeaseEventKind,
    /// The subnet of the address.
    pub subnet: SubnetId,
    /// The address.
    pub addr: Ipv4Addr,
    /// The client, when one is concerned (`None` for an operator's release of a
    /// quarantined address).
    pub client: Option<ClientKey>,
    /// The end of the lease or quarantine, for `Bound`, `Renewed` and `Declined`.
    pub until: Option<Secs>,
}

impl LeaseEvent {
    pub(crate) fn new(
        kind: LeaseEventKind,
        subnet: SubnetId,
        addr: Ipv4Addr,
        client: Option<ClientKey>,
        until: Option<Secs>,
    ) -> Self {
        LeaseEvent {
            kind,
            subnet,
            addr,
            client,
            until,
        }
    }
}

impl fmt::Display for LeaseEvent {
    /// `bound 198.18.0.100 to hw:1:020000000001 until 1700003600 (subnet #0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.addr)?;
        if let Some(client) = &self.client {
            write!(f, " to {client}")?;
        }
        if let Some(until) = self.until {
            write!(f, " until {until}")?;
        }
        write!(f, " ({})", self.subnet)
    }
}
