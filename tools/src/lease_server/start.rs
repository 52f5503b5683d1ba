//! How the daemons start their lease service from the command line: the engine's
//! subnets from the ranges, the store from the store flags, the server's sockets.
//! Everything else is the library's [`LeaseService`].

use std::error::Error;
use std::net::Ipv4Addr;
use std::time::Duration;

use ex_dhcp::lease::{Hooks, LeaseEngine, LeaseService, Pool, ServiceConfig, Subnet, SubnetConfig};
use ex_dhcp::Config;
use log::info;

use super::args::Args;

/// How often expired offers, leases and quarantines are reclaimed.
pub const TICK: Duration = Duration::from_secs(1);

/// The library server's configuration for these arguments: address and port,
/// interface (the server answers only there), reply routing overrides and the tick.
pub fn server_config(args: &Args) -> Config {
    let config = Config::default()
        .bind_ip(args.bind)
        .port(args.port)
        .client_port(args.client_port)
        .broadcast_addr(args.broadcast)
        .tick(TICK);
    match &args.interface {
        Some(device) => config.bind_device(device.clone()),
        None => config,
    }
}

/// The engine: a subnet for each subnet the ranges are on (with `--mask`), in the
/// order first named, its ranges in the order given; each reservation on the subnet
/// its address is on.
pub fn engine(args: &Args) -> Result<LeaseEngine, Box<dyn Error>> {
    let settings = &args.settings;
    let mut grouped: Vec<(Subnet, Vec<(Ipv4Addr, Ipv4Addr)>)> = Vec::new();
    for &(first, last) in &args.ranges {
        let subnet = Subnet::new(first, settings.mask);
        match grouped.iter_mut().find(|(s, _)| *s == subnet) {
            Some((_, ranges)) => ranges.push((first, last)),
            None => grouped.push((subnet, vec![(first, last)])),
        }
    }
    let mut subnets = Vec::with_capacity(grouped.len());
    for (_, ranges) in grouped {
        let (first, last) = ranges[0];
        let mut pool = Pool::new(
            settings.server_id,
            settings.mask,
            first,
            last,
            Default::default(),
        )
        .map_err(|e| format!("--range {first}-{last}: {e}"))?;
        for &(first, last) in &ranges[1..] {
            pool.add_range(first, last)
                .map_err(|e| format!("--range {first}-{last}: {e}"))?;
        }
        subnets.push(SubnetConfig::new(pool));
    }
    let mut engine = LeaseEngine::with_subnets(settings.clone(), subnets)?;
    for (mac, addr) in &args.reservations {
        engine
            .reserve(*mac, *addr)
            .map_err(|e| format!("--reserve {mac}={addr}: {e}"))?;
    }
    for (id, subnet) in engine.subnets() {
        info!(
            "{id}: {} addresses to lease on {}",
            subnet.pool().capacity(),
            subnet.pool().subnet()
        );
    }
    Ok(engine)
}

/// The service's limits and timings from the flags.
pub fn service_config(args: &Args) -> ServiceConfig {
    ServiceConfig::default()
        .commit_delay(args.commit_delay)
        .lookup_rate(args.lookup_rate)
}

/// The lease service with `hooks` and the store the flags name: the lease file
/// (locked, replayed, compacted), the database (feature `postgres`), or none
/// (leases in memory only).
pub fn service<H: Hooks>(args: &Args, hooks: H) -> Result<LeaseService<H>, Box<dyn Error>> {
    let service = LeaseService::new(engine(args)?)
        .with_config(service_config(args))
        .with_hooks(hooks);
    if let Some(path) = &args.lease_file {
        let service = service.with_lease_file(path)?;
        if let Some(user) = &args.user {
            give_to(user, path)?;
        }
        return Ok(service);
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = &args.database {
        let store = ex_dhcp::lease::PgStore::connect(url.as_str())?;
        return Ok(service.with_store(Box::new(store))?);
    }
    Ok(service)
}

/// With `--user`, the lease file (which start-up compacted as root) and its lock
/// go to the user the server will run as, before it drops root.
pub fn give_to(user: &str, path: &std::path::Path) -> Result<(), Box<dyn Error>> {
    #[cfg(unix)]
    {
        let (uid, gid) = crate::privileges::account(user)?;
        ex_dhcp::lease::LeaseFile::set_owner(path, uid, gid)?;
    }
    #[cfg(not(unix))]
    let _ = (user, path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease_server::args::{parse, Args};

    fn args(line: &str) -> Args {
        parse(&mut crate::cli::args::Args::split(line)).unwrap()
    }

    #[test]
    fn the_server_is_bound_to_the_interface_it_was_given() {
        let config = server_config(&args(
            "--server 198.18.0.1 --interface veth-s --port 67 --range 198.18.0.100-198.18.0.150",
        ));
        assert_eq!(config.sockets()[0].device.as_deref(), Some("veth-s"));
        assert_eq!(config.sockets()[0].addr.port(), 67);
        let config = server_config(&args(
            "--server 198.18.0.1 --range 198.18.0.100-198.18.0.150",
        ));
        assert_eq!(config.sockets()[0].device, None);
    }

    #[test]
    fn ranges_on_other_subnets_are_subnets_of_their_own() {
        let engine = engine(&args(
            "--server 198.18.0.1 --range 198.18.1.100-198.18.1.150 \
             --range 198.18.2.10-198.18.2.20 --range 198.18.1.200-198.18.1.209 \
             --reserve 02:00:00:00:00:01=198.18.2.5",
        ))
        .unwrap();
        let subnets: Vec<(String, usize)> = engine
            .subnets()
            .map(|(_, s)| (s.pool().subnet().to_string(), s.pool().capacity()))
            .collect();
        assert_eq!(
            subnets,
            [
                ("198.18.1.0/24".to_owned(), 61),
                ("198.18.2.0/24".to_owned(), 12)
            ]
        );
    }

    #[test]
    fn a_reservation_on_no_subnet_names_the_flag() {
        let error = engine(&args(
            "--server 198.18.0.1 --range 198.18.1.100-198.18.1.150 \
             --reserve 02:00:00:00:00:01=10.0.0.5",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("--reserve 02:00:00:00:00:01=10.0.0.5"),
            "{error}"
        );
    }

    #[test]
    fn loopback_overrides_reach_the_routing() {
        let config = server_config(&args(
            "--server 198.18.0.1 --client-port 6868 --broadcast 127.0.0.1 \
             --range 198.18.0.100-198.18.0.150",
        ));
        assert_eq!(config.routing().client_port, 6868);
        assert_eq!(config.routing().broadcast, Ipv4Addr::LOCALHOST);
        assert_eq!(config.get_tick(), Some(TICK));
        assert_eq!(config.sockets()[0].addr.ip(), &Ipv4Addr::UNSPECIFIED);
        let config = server_config(&args(
            "--server 198.18.0.1 --bind 127.0.0.1 --range 198.18.0.100-198.18.0.150",
        ));
        assert_eq!(config.sockets()[0].addr.ip(), &Ipv4Addr::LOCALHOST);
    }
}
