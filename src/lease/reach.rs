//! What a store shared by several servers says about being reachable, the claims
//! that keep the servers' shares apart, and the leases it took back after an outage.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::settings::Share;
use super::table::{ClientKey, Secs};

/// Whether a store can be reached, as it stood after its last call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reach {
    /// The store answered.
    #[default]
    Up,
    /// The store cannot be reached; a journaled store keeps changes in its journal
    /// meanwhile ([`Committed::Journaled`](super::Committed::Journaled)).
    Down,
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reach::Up => "up",
            Reach::Down => "down",
        })
    }
}

/// A server's claim on its share of the ranges in a store several servers share,
/// renewed while the server runs ([`LeaseStore::claim`](super::LeaseStore::claim)).
///
/// While the claim is live, and for `quiet` after it lapses, no other server gives
/// a new client an address from that share's part: the part is the claimer's alone,
/// so it may go on leasing from it even while it cannot reach the store (see the
/// lease service's outage rules).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claim {
    /// The claiming server (its server identifier, option 54).
    pub server_id: Ipv4Addr,
    /// Its share.
    pub share: Share,
    /// How long the claim lasts from each renewal.
    pub ttl: Duration,
    /// How long after the claim lapses the others still leave the part alone: the
    /// longest lease the claimer may have granted without the store knowing.
    pub quiet: Duration,
}

impl Claim {
    /// A claim of `share` by `server_id`, for `ttl`, with a `quiet` period after.
    pub fn new(server_id: Ipv4Addr, share: Share, ttl: Duration, quiet: Duration) -> Self {
        Claim {
            server_id,
            share,
            ttl,
            quiet,
        }
    }
}

/// What a store answered to a [`Claim`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// Whether the claim is this server's now; `false` when another server holds a
    /// live claim on the same share (two servers configured with one share).
    pub held: bool,
    /// The server holding the share when it is not this one.
    pub holder: Option<Ipv4Addr>,
    /// The shares (by index) other servers claim, live or within their quiet
    /// period: parts of the ranges this server gives no new client.
    pub others: Vec<u32>,
}

/// A lease a store took back when it wrote its journal into the shared store after
/// an outage: another server had given the address to another client meanwhile. The
/// client is refused (NAK) when it next asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revoked {
    /// The client whose lease was taken back.
    pub client: ClientKey,
    /// Its address.
    pub addr: Ipv4Addr,
    /// Who the store says holds it, if it can tell.
    pub holder: Option<ClientKey>,
    /// Until when, if it can tell.
    pub until: Option<Secs>,
}

impl Revoked {
    /// `client`'s lease of `addr`, taken back: the store gives it to `holder` until
    /// `until`.
    pub fn new(
        client: ClientKey,
        addr: Ipv4Addr,
        holder: Option<ClientKey>,
        until: Option<Secs>,
    ) -> Self {
        Revoked {
            client,
            addr,
            holder,
            until,
        }
    }
}
