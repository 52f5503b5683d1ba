//! Reloading `lease_server`'s configuration file while it serves: on SIGHUP, and for
//! any other caller (a control channel) through [`Reloader::reload`].
//!
//! The file is read and checked on the caller's thread; only applying it runs on the
//! handler thread, through `Handle::call` (the lease table is never shared). A file
//! that does not read, or that the running service refuses, changes nothing: the
//! server goes on with what it had. What cannot change without a restart (the
//! sockets, the user, the store, the commit delay, the log level) is named, and left
//! as it started.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ex_dhcp::config::{Applied, ConfigError, ServerConfig};
use ex_dhcp::lease::{Hooks, LeaseService};
use ex_dhcp::{CallError, Handle};

/// Reloads one configuration file into the server started from it. Shareable between
/// threads: reloads are applied one at a time.
#[derive(Debug)]
pub struct Reloader {
    path: PathBuf,
    /// What the server started with: what needs a restart is compared with it.
    started: ServerConfig,
    /// What the service runs now: the hosts a new file replaces are this one's.
    running: Mutex<ServerConfig>,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// What changed in the service.
    pub applied: Applied,
    /// Keys that changed and apply only at the next start.
    pub restart_needed: Vec<&'static str>,
}

/// Why a reload changed nothing.
#[derive(Debug)]
pub enum ReloadError {
    /// The file does not read, or the service refused it.
    Config(ConfigError),
    /// The server is not running any more.
    Server(CallError),
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadError::Config(error) => error.fmt(f),
            ReloadError::Server(error) => write!(f, "the server did not take it: {error}"),
        }
    }
}

impl std::error::Error for ReloadError {}

impl Reloader {
    /// A reloader for the server started from `started`, reading the file it was read
    /// from.
    pub fn new(started: ServerConfig) -> Self {
        Reloader {
            path: started.path().to_owned(),
            running: Mutex::new(started.clone()),
            started,
        }
    }

    /// The file it reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file again and applies it to `server`'s lease service, on the
    /// handler thread; on an error nothing changes.
    pub fn reload<H: Hooks>(
        &self,
        server: &Handle<LeaseService<H>>,
    ) -> Result<Reloaded, ReloadError> {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let new = ServerConfig::load(&self.path).map_err(ReloadError::Config)?;
        let (previous, next) = (running.clone(), new.clone());
        let applied = server
            .call(move |service| next.apply(&previous, service))
            .map_err(ReloadError::Server)?
            .map_err(ReloadError::Config)?;
        let mut restart_needed = new.restart_needed(&self.started);
        if new.daemon().log != self.started.daemon().log {
            restart_needed.push("daemon.log");
        }
        *running = new;
        Ok(Reloaded {
            applied,
            restart_needed,
        })
    }

    /// [`reload`](Self::reload), with what happened logged: what changed, what needs
    /// a restart, or the error and that the running configuration is kept.
    pub fn reload_logged<H: Hooks>(&self, server: &Handle<LeaseService<H>>) {
        let file = self.path.display();
        match self.reload(server) {
            Ok(reloaded) => {
                let applied = &reloaded.applied;
                log::info!(
                    "reloaded {file}: {} hosts, {} removed",
                    applied.hosts,
                    applied.hosts_removed
                );
                for subnet in &applied.removed {
                    log::warn!(
                        "reload: subnet {subnet} is gone, and its leases with it: its clients \
                         are refused (NAK) when they renew"
                    );
                }
                for key in &reloaded.restart_needed {
                    log::warn!(
                        "reload: {key} changed: it needs a restart, and keeps its value until then"
                    );
                }
            }
            Err(error) => log::error!("reload refused, the running configuration is kept: {error}"),
        }
    }
}
