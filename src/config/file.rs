//! The file's shape, as serde reads it: one struct per table, every key known
//! (`deny_unknown_fields`), keys in kebab-case as the command line's flags are.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::lease::Subnet;
use crate::Mac;

use super::options::OptionTable;
use super::values::{AddressRange, Level, Positive, Seconds, ShareText, Span, Text};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct File {
    pub(super) server: ServerTable,
    #[serde(default)]
    pub(super) subnet: Vec<Spanned<SubnetTable>>,
    #[serde(default)]
    pub(super) host: Vec<Spanned<HostTable>>,
    #[serde(default)]
    pub(super) store: Option<Spanned<StoreTable>>,
    #[serde(default)]
    pub(super) service: ServiceTable,
    #[serde(default)]
    pub(super) daemon: DaemonTable,
}

/// `[server]`: the engine's settings, and the defaults of every subnet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ServerTable {
    pub(super) id: Ipv4Addr,
    #[serde(default)]
    pub(super) routers: Vec<Ipv4Addr>,
    #[serde(default)]
    pub(super) dns: Vec<Ipv4Addr>,
    pub(super) domain: Option<String>,
    pub(super) lease_time: Option<Seconds>,
    pub(super) offer_time: Option<Seconds>,
    pub(super) decline_time: Option<Seconds>,
    #[serde(default)]
    pub(super) rapid_commit: bool,
    #[serde(default)]
    pub(super) allow_relays: bool,
    pub(super) max_offers: Option<Positive>,
    pub(super) max_offers_per_relay: Option<Positive>,
    pub(super) share: Option<Text<ShareText>>,
    #[serde(default)]
    pub(super) answer_subnet: bool,
    #[serde(default)]
    pub(super) options: OptionTable,
}

/// `[[subnet]]`: one subnet, its ranges, and what its clients are told.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct SubnetTable {
    pub(super) network: Spanned<Text<Subnet>>,
    pub(super) ranges: Spanned<Vec<Spanned<Text<AddressRange>>>>,
    pub(super) routers: Option<Vec<Ipv4Addr>>,
    pub(super) dns: Option<Vec<Ipv4Addr>>,
    pub(super) domain: Option<String>,
    pub(super) lease_time: Option<Seconds>,
    #[serde(default)]
    pub(super) options: OptionTable,
    #[serde(default)]
    pub(super) relays: Vec<Ipv4Addr>,
    #[serde(default)]
    pub(super) interfaces: Vec<String>,
    pub(super) shared_network: Option<String>,
}

/// `[[host]]`: one client, by MAC address.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct HostTable {
    pub(super) mac: Spanned<Text<Mac>>,
    pub(super) address: Option<Ipv4Addr>,
    pub(super) hostname: Option<String>,
    pub(super) boot_file: Option<String>,
    pub(super) next_server: Option<Ipv4Addr>,
    #[serde(default)]
    pub(super) options: OptionTable,
}

/// `[store]`: where leases are kept; one key of the three at most.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct StoreTable {
    pub(super) lease_file: Option<Spanned<PathBuf>>,
    pub(super) database: Option<Spanned<String>>,
    pub(super) database_file: Option<Spanned<PathBuf>>,
}

/// `[service]`: the lease service's limits and timings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ServiceTable {
    pub(super) commit_delay: Option<Spanned<Span>>,
    pub(super) max_held: Option<Positive>,
    pub(super) max_reply_age: Option<Span>,
    pub(super) commit_deadline: Option<Span>,
    pub(super) shutdown_deadline: Option<Span>,
    pub(super) lookup_rate: Option<u32>,
    pub(super) compact_after: Option<u64>,
    pub(super) verdict_ttl: Option<Span>,
    pub(super) admission_timeout: Option<Span>,
    pub(super) max_admissions: Option<Positive>,
}

/// `[daemon]`: how a program serving this configuration runs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct DaemonTable {
    pub(super) bind: Option<Ipv4Addr>,
    pub(super) interface: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) client_port: Option<u16>,
    pub(super) broadcast: Option<Ipv4Addr>,
    pub(super) user: Option<String>,
    pub(super) stats_every: Option<Spanned<Span>>,
    pub(super) log: Option<Text<Level>>,
}
