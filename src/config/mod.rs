//! A lease server's configuration from a TOML file: settings, subnets with their
//! ranges and options, hosts, the store, the service's limits and the daemon's own
//! settings, read into what [`LeaseService`] and [`Server`](crate::Server) take
//! (feature `config`, off by default: it brings `serde` and `toml`).
//!
//! ```no_run
//! use ex_dhcp::config::ServerConfig;
//! use ex_dhcp::Server;
//!
//! let config = ServerConfig::load("/etc/ex_dhcp/lease_server.toml")?;
//! let service = config.service()?; // engine, hosts, limits, and the store opened
//! let server = Server::start(config.server_config(), service)?;
//! // Later, on SIGHUP: read it again and apply it on the handler thread.
//! let reloaded = ServerConfig::load("/etc/ex_dhcp/lease_server.toml")?;
//! let (previous, next) = (config.clone(), reloaded.clone());
//! let applied = server.handle().call(move |service| next.apply(&previous, service))??;
//! for key in reloaded.restart_needed(&config) {
//!     eprintln!("{key} changed: it applies at the next start");
//! }
//! # let _ = applied;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The file
//!
//! ```toml
//! [server]
//! id = "198.18.0.1"                   # option 54, required
//! lease-time = "1h"                   # seconds, or a number with ms, s, m, h or d
//! routers = ["198.18.0.1"]            # every subnet's, unless it says otherwise
//! dns = ["198.18.0.1"]
//! domain = "lab.example"
//!
//! [[subnet]]
//! network = "198.18.0.0/24"
//! ranges = ["198.18.0.100-198.18.0.199"]
//! options = { ntp-servers = ["198.18.0.1"] }  # by name, or by code: 42 = [...]
//!
//! [[host]]
//! mac = "02:00:00:00:00:07"
//! address = "198.18.0.7"
//!
//! [store]
//! lease-file = "/var/lib/ex_dhcp/leases"
//! ```
//!
//! The tables and keys (every key but `[server] id` and a subnet's `network` and
//! `ranges` may be left out; a key the list does not name is an error):
//!
//! - `[server]`: `id`, `routers`, `dns`, `domain`, `lease-time`, `offer-time`,
//!   `decline-time`, `rapid-commit`, `allow-relays`, `max-offers`,
//!   `max-offers-per-relay`, `share` (`"K/N"`), `answer-subnet`, `options` (sent to
//!   every subnet's clients that ask for them): [`Settings`].
//! - `[[subnet]]`, one or more: `network`, `ranges`, `routers`, `dns`, `domain`,
//!   `lease-time`, `options`, `relays` (giaddrs of relay agents not on the subnet),
//!   `interfaces`, `shared-network`: [`SubnetConfig`].
//! - `[[host]]`: `mac`, `address`, `hostname`, `boot-file`, `next-server`, `options`
//!   (sent in every reply to it): [`Host`].
//! - `[store]`, one of: `lease-file`, `database` (a libpq connection string; feature
//!   `postgres`), `database-file` (a file holding one). Relative paths are from the
//!   configuration file's directory. None: leases in memory only.
//! - `[service]`: `commit-delay` (at most 1 s), `max-held`, `max-reply-age`,
//!   `commit-deadline`, `shutdown-deadline`, `lookup-rate`, `compact-after`,
//!   `verdict-ttl`, `admission-timeout`, `max-admissions`: [`ServiceConfig`].
//! - `[daemon]`: `bind`, `interface`, `port` (6767 by default; 67 for real clients),
//!   `client-port`, `broadcast`, `user`, `stats-every`, `log`, `metrics` (an address
//!   and port for HTTP metrics, `"127.0.0.1:9267"`), `control` (the control socket's
//!   path; relative paths are from the file's directory): [`DaemonConfig`].
//!
//! Options are keyed by code (`42`) or by name from [`options::name`](crate::options::name)
//! (`ntp-servers`, `"ntp servers"`: any case, `-` or `_` for spaces). A value is
//! written for the option's type: an address or a list of addresses as strings,
//! numbers as integers, text as a string, flags as booleans, option 119 as a list of
//! names, option 121 as a list of `{ network = "10.0.0.0/8", router = "198.18.0.1" }`;
//! any option also as its bytes, `{ hex = "01 04 0a0b0c0d" }`; an option the library
//! has no type for takes a string or hex. Options the server writes itself (1, 51,
//! 54, 58, 59...; 3, 6 and 15 have keys of their own) are refused, saying what sets
//! them.
//!
//! # Errors
//!
//! [`ServerConfig::load`] reads the whole file, checks it as the engine would (ranges
//! on their subnet, subnets that do not overlap, hosts on a subnet and not reserved
//! twice), and opens nothing: a [`ConfigError`] names the file, line and column.
//! [`ServerConfig::service`] then opens the store.
//!
//! # Reloading
//!
//! [`ServerConfig::apply`] applies a new file to a running service, on its handler
//! thread ([`Handle::call`](crate::server::Handle::call)): the settings, subnets, options,
//! limits and hosts change at once, every lease is kept (a subnet that is gone takes
//! its leases with it: its clients are refused when they renew, see
//! [`LeaseEngine::reconfigure`]), and requests in flight are not dropped.
//! [`ServerConfig::restart_needed`] names what changed that cannot change without a
//! restart: the daemon's sockets and user, the store, the commit delay.

mod build;
mod error;
mod file;
mod options;
mod reload;
mod values;

use std::fmt;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::lease::{
    Host, LeaseEngine, LeaseService, ServiceConfig, ServiceError, Settings, SubnetConfig,
};
use crate::Config;

pub use error::ConfigError;
pub use reload::Applied;

/// How often a server started with [`ServerConfig::server_config`] ticks: the lease
/// service reclaims expired offers and leases, and releases replies that waited too
/// long, on each tick.
pub const TICK: Duration = Duration::from_secs(1);

/// A lease server's whole configuration, read from a TOML file and checked (see the
/// [module docs](self) for the format).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    path: PathBuf,
    settings: Settings,
    subnets: Vec<SubnetConfig>,
    hosts: Vec<Host>,
    /// Where each host is written, for an error applying it.
    host_at: Vec<(usize, usize)>,
    service: ServiceConfig,
    store: StoreConfig,
    /// Where `[store]` is written, for an error opening it.
    store_at: (usize, usize),
    daemon: DaemonConfig,
}

/// Where the leases are kept (`[store]`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreConfig {
    /// No store: leases live in memory and are lost at a restart.
    Memory,
    /// A lease file ([`LeaseService::with_lease_file`]).
    LeaseFile(PathBuf),
    /// A PostgreSQL database, by its connection string (feature `postgres`).
    Database(String),
    /// A PostgreSQL database whose connection string is in this file, so that `ps`
    /// and the configuration file do not show its password.
    DatabaseFile(PathBuf),
}

impl fmt::Debug for StoreConfig {
    /// A connection string may hold a password: it shows as `(hidden)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreConfig::Memory => f.write_str("Memory"),
            StoreConfig::LeaseFile(path) => f.debug_tuple("LeaseFile").field(path).finish(),
            StoreConfig::Database(_) => f.debug_tuple("Database").field(&"(hidden)").finish(),
            StoreConfig::DatabaseFile(path) => f.debug_tuple("DatabaseFile").field(path).finish(),
        }
    }
}

/// How a program that serves the configuration runs (`[daemon]`): its socket, the
/// user it becomes once the socket is bound, how often it logs statistics and how
/// much it logs. The socket's part is [`ServerConfig::server_config`]; the rest is for
/// the program to honour.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DaemonConfig {
    /// The local address to listen on (0.0.0.0, every address, by default).
    pub bind: Ipv4Addr,
    /// The interface to answer on (`SO_BINDTODEVICE`), if any.
    pub interface: Option<String>,
    /// The port to listen on ([`DEFAULT_PORT`](crate::server::DEFAULT_PORT) by default).
    pub port: u16,
    /// The port replies go to ([`CLIENT_PORT`](crate::server::CLIENT_PORT) by default).
    pub client_port: u16,
    /// Where broadcast replies go (255.255.255.255 by default).
    pub broadcast: Ipv4Addr,
    /// The user to become once the socket is bound.
    pub user: Option<String>,
    /// How often to log the statistics.
    pub stats_every: Option<Duration>,
    /// How much to log.
    pub log: Option<log::LevelFilter>,
    /// Where to serve metrics over HTTP (`/metrics`, `/health`), if anywhere.
    pub metrics: Option<std::net::SocketAddr>,
    /// The control socket's path (a Unix socket, mode 0600), if any.
    pub control: Option<PathBuf>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            bind: Ipv4Addr::UNSPECIFIED,
            interface: None,
            port: crate::server::DEFAULT_PORT,
            client_port: crate::server::CLIENT_PORT,
            broadcast: Ipv4Addr::BROADCAST,
            user: None,
            stats_every: None,
            log: None,
            metrics: None,
            control: None,
        }
    }
}

impl ServerConfig {
    /// Reads and checks the file at `path`; opens nothing and binds nothing.
    pub fn load(path: impl AsRef<Path>) -> Result<ServerConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        ServerConfig::parse(&text, path)
    }

    /// Reads and checks `text`, the contents of the file at `path` (which errors name,
    /// and relative store paths start from).
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<ServerConfig, ConfigError> {
        build::build(text, path.as_ref())
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The engine's settings (`[server]`).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The subnets, in the file's order (`[[subnet]]`), the server's options merged in.
    pub fn subnets(&self) -> &[SubnetConfig] {
        &self.subnets
    }

    /// The hosts, in the file's order (`[[host]]`).
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The lease service's limits and timings (`[service]`).
    pub fn service_config(&self) -> &ServiceConfig {
        &self.service
    }

    /// Where leases are kept (`[store]`).
    pub fn store(&self) -> &StoreConfig {
        &self.store
    }

    /// The daemon's own settings (`[daemon]`).
    pub fn daemon(&self) -> &DaemonConfig {
        &self.daemon
    }

    /// The engine: its settings, subnets and hosts, its lease tables empty.
    pub fn engine(&self) -> Result<LeaseEngine, ConfigError> {
        build::engine(self)
    }

    /// The lease service: the [`engine`](Self::engine), the limits, and the store
    /// opened (a lease file locked, replayed and compacted; a database connected and
    /// loaded). Add hooks with [`LeaseService::with_hooks`].
    pub fn service(&self) -> Result<LeaseService, ConfigError> {
        let service = LeaseService::new(self.engine()?).with_config(self.service.clone());
        let (line, column) = self.store_at;
        let failed = |error: ServiceError| ConfigError::Store {
            path: self.path.clone(),
            line,
            column,
            error,
        };
        match &self.store {
            StoreConfig::Memory => Ok(service),
            StoreConfig::LeaseFile(path) => service.with_lease_file(path).map_err(failed),
            #[cfg(feature = "postgres")]
            StoreConfig::Database(url) => {
                let store = crate::lease::PgStore::connect(url).map_err(|e| failed(e.into()))?;
                service.with_store(Box::new(store)).map_err(failed)
            }
            #[cfg(feature = "postgres")]
            StoreConfig::DatabaseFile(file) => {
                let url = std::fs::read_to_string(file).map_err(|error| ConfigError::Read {
                    path: file.clone(),
                    error,
                })?;
                let store =
                    crate::lease::PgStore::connect(url.trim()).map_err(|e| failed(e.into()))?;
                service.with_store(Box::new(store)).map_err(failed)
            }
            // `parse` refuses a database in a build without the feature.
            #[cfg(not(feature = "postgres"))]
            StoreConfig::Database(_) | StoreConfig::DatabaseFile(_) => Ok(service),
        }
    }

    /// The server's configuration from `[daemon]`: address and port, the interface
    /// (the server answers only there), where replies go, and a [`TICK`] for the
    /// lease service.
    pub fn server_config(&self) -> Config {
        let daemon = &self.daemon;
        let config = Config::default()
            .bind_ip(daemon.bind)
            .port(daemon.port)
            .client_port(daemon.client_port)
            .broadcast_addr(daemon.broadcast)
            .tick(TICK);
        match &daemon.interface {
            Some(device) => config.bind_device(device.clone()),
            None => config,
        }
    }
}
