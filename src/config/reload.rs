//! Applying a new configuration to a running lease service, and telling what cannot
//! change without a restart.

use crate::lease::{Hooks, LeaseService, Subnet};

use super::{ConfigError, ServerConfig};

/// What [`ServerConfig::apply`] changed in a running service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// The subnets that are gone: their leases went with them, and their clients are
    /// refused when they renew.
    pub removed: Vec<Subnet>,
    /// The leases and offers those subnets held.
    pub dropped: usize,
    /// The hosts of the new file, added or replaced.
    pub hosts: usize,
    /// The hosts of the previous file that the new one no longer has, removed.
    pub hosts_removed: usize,
}

impl ServerConfig {
    /// The keys that differ from `running` (the configuration the program started
    /// with) and cannot change without a restart: the daemon's socket, interface and
    /// user (`daemon.bind`, `daemon.interface`, `daemon.port`, `daemon.client-port`,
    /// `daemon.broadcast`, `daemon.user`), `daemon.stats-every`, `daemon.metrics`,
    /// `daemon.control`, the `store`, and
    /// `service.commit-delay` (the store worker's, set when it starts). `daemon.log`
    /// is the program's to apply.
    pub fn restart_needed(&self, running: &ServerConfig) -> Vec<&'static str> {
        let (new, old) = (&self.daemon, &running.daemon);
        [
            ("daemon.bind", new.bind != old.bind),
            ("daemon.interface", new.interface != old.interface),
            ("daemon.port", new.port != old.port),
            ("daemon.client-port", new.client_port != old.client_port),
            ("daemon.broadcast", new.broadcast != old.broadcast),
            ("daemon.user", new.user != old.user),
            ("daemon.stats-every", new.stats_every != old.stats_every),
            ("daemon.metrics", new.metrics != old.metrics),
            ("daemon.control", new.control != old.control),
            ("store", self.store != running.store),
            (
                "service.commit-delay",
                self.service.commit_delay != running.service.commit_delay,
            ),
        ]
        .into_iter()
        .filter_map(|(key, changed)| changed.then_some(key))
        .collect()
    }

    /// Applies this configuration to `service`, which runs `previous` (the one it
    /// started with, or the last applied): the settings, subnets and their options,
    /// and the service's limits ([`LeaseService::reconfigure`]), and the hosts: those
    /// of `previous` are replaced by this file's, and hosts added while serving under
    /// other MAC addresses are kept. Every lease is kept, except those of a subnet
    /// that is gone (reported in [`Applied`]). Run it on the handler thread, through
    /// [`Handle::call`](crate::server::Handle::call).
    ///
    /// Refused, changing nothing, when a host added while serving holds an address
    /// this file reserves for another MAC address. What [`restart_needed`](Self::restart_needed)
    /// names is left as it is.
    pub fn apply<H: Hooks>(
        &self,
        previous: &ServerConfig,
        service: &mut LeaseService<H>,
    ) -> Result<Applied, ConfigError> {
        let from_a_file = |mac| {
            previous.hosts.iter().any(|h| h.mac() == mac)
                || self.hosts.iter().any(|h| h.mac() == mac)
        };
        for added in service.engine().hosts().filter(|h| !from_a_file(h.mac())) {
            let Some(addr) = added.addr() else { continue };
            if let Some(index) = self.hosts.iter().position(|h| h.addr() == Some(addr)) {
                let (line, column) = self.host_at[index];
                return Err(ConfigError::Invalid {
                    path: self.path.clone(),
                    line,
                    column,
                    problem: format!(
                        "host {}: {addr} is reserved for {}, a host added while serving: \
                         remove that host first",
                        self.hosts[index].mac(),
                        added.mac()
                    ),
                });
            }
        }
        let removed: Vec<_> = previous
            .hosts
            .iter()
            .filter_map(|host| service.remove_host(host.mac()))
            .collect();
        let report = match service.reconfigure(
            self.settings.clone(),
            self.subnets.clone(),
            self.service.clone(),
        ) {
            Ok(report) => report,
            Err(error) => {
                for host in removed {
                    let _ = service.add_host(host);
                }
                return Err(ConfigError::Invalid {
                    path: self.path.clone(),
                    line: 1,
                    column: 1,
                    problem: error.to_string(),
                });
            }
        };
        let hosts_removed = removed
            .iter()
            .filter(|old| !self.hosts.iter().any(|h| h.mac() == old.mac()))
            .count();
        for host in &self.hosts {
            if let Err(error) = service.add_host(host.clone()) {
                log::warn!("host {}: not added: {error}", host.mac());
            }
        }
        Ok(Applied {
            removed: report.removed,
            dropped: report.dropped,
            hosts: self.hosts.len(),
            hosts_removed,
        })
    }
}
