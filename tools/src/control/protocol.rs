//! The control socket's protocol, version [`VERSION`]: one JSON object a line each
//! way. A request names its version and its command; the answer is
//! `{"version":1,"ok":true,"result":...}` or `{"version":1,"ok":false,"error":"..."}`.
//! A connection may carry any number of requests, answered in order.
//!
//! ```text
//! {"version":1,"command":"leases","subnet":"198.18.0.0/24","state":"bound"}
//! {"version":1,"command":"find","address":"198.18.0.100"}
//! {"version":1,"command":"find","client":"02:00:00:00:00:01"}
//! {"version":1,"command":"release","address":"198.18.0.100"}
//! {"version":1,"command":"hosts"}
//! {"version":1,"command":"reserve","mac":"02:00:00:00:00:07","address":"198.18.0.7"}
//! {"version":1,"command":"unreserve","mac":"02:00:00:00:00:07"}
//! {"version":1,"command":"stats"}
//! {"version":1,"command":"config"}
//! {"version":1,"command":"reload"}
//! ```
//!
//! Fields may be added to results in a later version of the same number; a change
//! that breaks a reader takes a new number, and a server answers a version it does
//! not speak with an error naming the one it does.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const VERSION: u32 = 1;

/// The longest request line a server reads, in bytes.
pub const MAX_LINE: usize = 64 * 1024;

/// One request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The protocol version the client speaks.
    pub version: u32,
    /// What to do.
    #[serde(flatten)]
    pub command: Command,
}

impl Request {
    /// A request of this build's version.
    pub fn new(command: Command) -> Self {
        Request {
            version: VERSION,
            command,
        }
    }
}

/// The commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Command {
    /// Every lease, offer, remembered client and quarantined address; of one subnet
    /// (`198.18.0.0/24`) and in one state when given.
    Leases {
        /// Only this subnet's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subnet: Option<String>,
        /// Only those in this state.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<LeaseState>,
    },
    /// The entry of an address, or the entries of a client (a MAC address, or a
    /// client key as the lease file writes it: `id:01020000000001`, `hw:1:020000000001`).
    Find {
        /// The address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<Ipv4Addr>,
        /// The client.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<String>,
    },
    /// Takes an address back, whoever holds it; made durable like a client's RELEASE.
    Release {
        /// The address.
        address: Ipv4Addr,
    },
    /// The hosts and reservations.
    Hosts,
    /// Adds or replaces a host (a reservation when it has an address).
    Reserve {
        /// The host.
        #[serde(flatten)]
        host: HostInfo,
        /// Reserve an address another client holds now (it is refused when it renews).
        #[serde(default)]
        force: bool,
    },
    /// Removes a host and its reservation.
    Unreserve {
        /// Its MAC address.
        mac: String,
    },
    /// The server's and the lease service's metrics.
    Stats,
    /// The running configuration.
    Config,
    /// Reads the configuration file again and applies it, leases kept.
    Reload,
}

/// What a lease table entry means now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeaseState {
    /// Offered, not yet requested.
    Offered,
    /// Leased.
    Bound,
    /// Not held: released or expired, remembered for the client that had it.
    Free,
    /// Set aside after a DECLINE.
    Declined,
}

impl LeaseState {
    /// Every state, in the order tables list them.
    pub const ALL: [LeaseState; 4] = [
        LeaseState::Offered,
        LeaseState::Bound,
        LeaseState::Free,
        LeaseState::Declined,
    ];

    /// Its name in the protocol and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            LeaseState::Offered => "offered",
            LeaseState::Bound => "bound",
            LeaseState::Free => "free",
            LeaseState::Declined => "declined",
        }
    }
}

impl std::str::FromStr for LeaseState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        LeaseState::ALL
            .into_iter()
            .find(|state| state.name() == text)
            .ok_or_else(|| format!("a state is offered, bound, free or declined, not {text:?}"))
    }
}

/// One entry of a lease table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The address.
    pub address: Ipv4Addr,
    /// Its subnet, `198.18.0.0/24`.
    pub subnet: String,
    /// What it means now.
    pub state: LeaseState,
    /// The client, as the lease file writes it (none for a quarantined address).
    #[serde(default)]
    pub client: Option<String>,
    /// The client's MAC address, when its key says it.
    #[serde(default)]
    pub mac: Option<String>,
    /// Seconds since the Unix epoch: when the offer, lease or quarantine ends, or
    /// since when the address is free.
    pub until: u64,
}

/// A host: a client known by its MAC address, maybe with a fixed address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInfo {
    /// The MAC address.
    pub mac: String,
    /// Its fixed address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Ipv4Addr>,
    /// Its hostname (option 12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Its boot file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_file: Option<String>,
    /// Its next server (`siaddr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_server: Option<Ipv4Addr>,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The protocol version of the server.
    pub version: u32,
    /// Whether the command did what it was asked.
    pub ok: bool,
    /// What it found or did, when `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    /// Why not, when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Response {
    /// A success.
    pub fn ok(result: serde_json::Value) -> Self {
        Response {
            version: VERSION,
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// A refusal.
    pub fn error(error: impl Into<String>) -> Self {
        Response {
            version: VERSION,
            ok: false,
            result: None,
            error: Some(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_flat_json_object() {
        let request = Request::new(Command::Leases {
            subnet: Some("198.18.0.0/24".into()),
            state: Some(LeaseState::Bound),
        });
        let line = serde_json::to_string(&request).unwrap();
        assert_eq!(
            line,
            r#"{"version":1,"command":"leases","subnet":"198.18.0.0/24","state":"bound"}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&line).unwrap(), request);
        let reserve: Request = serde_json::from_str(
            r#"{"version":1,"command":"reserve","mac":"02:00:00:00:00:07","address":"198.18.0.7"}"#,
        )
        .unwrap();
        assert_eq!(
            reserve.command,
            Command::Reserve {
                host: HostInfo {
                    mac: "02:00:00:00:00:07".into(),
                    address: Some(Ipv4Addr::new(198, 18, 0, 7)),
                    ..HostInfo::default()
                },
                force: false
            }
        );
        let plain: Request = serde_json::from_str(r#"{"version":1,"command":"stats"}"#).unwrap();
        assert_eq!(plain.command, Command::Stats);
    }
}
