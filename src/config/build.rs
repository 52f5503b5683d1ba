//! From the file's tables to the library's types, each problem reported where it
//! is written: the engine is built once here, so that what it would refuse (a range
//! off its subnet, overlapping subnets, an address reserved twice) is found before
//! anything is opened or bound.

use std::net::Ipv4Addr;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use crate::lease::{
    Host, LeaseEngine, Pool, PoolError, ServiceConfig, Settings, SubnetConfig, SubnetError,
};

use super::error::{ConfigError, Source};
use super::file::{DaemonTable, File, HostTable, ServiceTable, StoreTable, SubnetTable};
use super::options::{encode, Place};
use super::values::{AddressRange, Span, Text};
use super::{DaemonConfig, ServerConfig, StoreConfig};

/// The longest `commit-delay`: the store worker waits at most a second
/// ([`WorkerConfig::commit_delay`](crate::lease::WorkerConfig::commit_delay)).
const MAX_COMMIT_DELAY: Duration = Duration::from_secs(1);

pub(super) fn build(text: &str, path: &Path) -> Result<ServerConfig, ConfigError> {
    let source = Source { path, text };
    let file: File = toml::from_str(text).map_err(|error| source.toml(&error))?;
    let settings = settings(&file, &source)?;
    let shared = encode(&file.server.options, Place::Subnet, &source)?;
    let mut subnets = Vec::with_capacity(file.subnet.len());
    for table in &file.subnet {
        subnets.push(subnet(table, &settings, &shared, &source)?);
    }
    let (store, store_at) = store(file.store.as_ref(), &source)?;
    let mut config = ServerConfig {
        path: path.to_owned(),
        settings,
        subnets,
        hosts: Vec::new(),
        host_at: Vec::new(),
        service: service(&file.service, &source)?,
        store,
        store_at,
        daemon: daemon(&file.daemon, &source)?,
    };
    let mut engine = check_subnets(&config, &file.subnet, &source)?;
    for table in &file.host {
        let host = host(table.get_ref(), &source)?;
        if config.hosts.iter().any(|other| other.mac() == host.mac()) {
            let mac = &table.get_ref().mac;
            return Err(source.invalid(mac.span(), format!("host {} is written twice", host.mac())));
        }
        if let Err(error) = engine.add_host(host.clone()) {
            return Err(source.invalid(table.span(), host_problem(&host, &error)));
        }
        config.hosts.push(host);
        config.host_at.push(source.position(table.span().start));
    }
    Ok(config)
}

/// The engine of a configuration already checked by [`build`].
pub(super) fn engine(config: &ServerConfig) -> Result<LeaseEngine, ConfigError> {
    let mut engine = LeaseEngine::with_subnets(config.settings.clone(), config.subnets.clone())
        .map_err(|error| unplaced(config, error))?;
    for host in &config.hosts {
        engine
            .add_host(host.clone())
            .map_err(|error| unplaced(config, host_problem(host, &error)))?;
    }
    Ok(engine)
}

/// An error [`build`] would have found first: at the file's start.
fn unplaced(config: &ServerConfig, problem: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        path: config.path.clone(),
        line: 1,
        column: 1,
        problem: problem.to_string(),
    }
}

fn host_problem(host: &Host, error: &PoolError) -> String {
    match (error, host.addr()) {
        (PoolError::OffSubnet(addr), _) => {
            format!("host {}: {addr} is on none of the subnets", host.mac())
        }
        (error, _) => format!("host {}: {error}", host.mac()),
    }
}

fn settings(file: &File, source: &Source<'_>) -> Result<Settings, ConfigError> {
    let server = &file.server;
    // The engine's mask is its first subnet's; each subnet's clients get their own.
    let mask = file
        .subnet
        .first()
        .map(|table| table.get_ref().network.get_ref().0.mask())
        .ok_or_else(|| {
            source.invalid(
                0..0,
                "no [[subnet]]: a server needs at least one subnet to lease from",
            )
        })?;
    let mut settings = Settings::new(server.id, mask);
    settings.routers = server.routers.clone();
    settings.dns = server.dns.clone();
    settings.domain = server.domain.clone();
    if let Some(secs) = server.lease_time {
        settings.lease_secs = secs.0;
    }
    if let Some(secs) = server.offer_time {
        settings.offer_secs = secs.0;
    }
    if let Some(secs) = server.decline_time {
        settings.decline_secs = secs.0;
    }
    settings.rapid_commit = server.rapid_commit;
    settings.allow_relays = server.allow_relays;
    settings.max_offers = server.max_offers.map(|n| n.0);
    settings.max_offers_per_relay = server.max_offers_per_relay.map(|n| n.0);
    if let Some(share) = server.share {
        settings.share = share.0 .0;
    }
    settings.answer_subnet = server.answer_subnet;
    Ok(settings)
}

fn subnet(
    table: &Spanned<SubnetTable>,
    settings: &Settings,
    shared: &[(u8, Vec<u8>)],
    source: &Source<'_>,
) -> Result<SubnetConfig, ConfigError> {
    let written = table.get_ref();
    let network = written.network.get_ref().0;
    let ranges = written.ranges.get_ref();
    let Some(first) = ranges.first() else {
        return Err(source.invalid(
            written.ranges.span(),
            format!("{network} has no range: write at least one, \"FIRST-LAST\""),
        ));
    };
    let range_error = |range: &Spanned<_>, error: PoolError| {
        let (first, last) = range_of(range);
        let problem = match error {
            PoolError::OffSubnet(addr) => format!("{addr} is not on the subnet {network}"),
            error => error.to_string(),
        };
        source.invalid(range.span(), format!("range {first}-{last}: {problem}"))
    };
    let (start, end) = range_of(first);
    if !network.contains(start) {
        return Err(source.invalid(
            first.span(),
            format!("range {start}-{end}: {start} is not on the subnet {network}"),
        ));
    }
    let mut pool = Pool::new(
        settings.server_id,
        network.mask(),
        start,
        end,
        Default::default(),
    )
    .map_err(|error| range_error(first, error))?;
    for range in &ranges[1..] {
        let (start, end) = range_of(range);
        pool.add_range(start, end)
            .map_err(|error| range_error(range, error))?;
    }
    let mut config = SubnetConfig::new(pool);
    if let Some(routers) = &written.routers {
        config = config.routers(routers.clone());
    }
    if let Some(dns) = &written.dns {
        config = config.dns(dns.clone());
    }
    if let Some(domain) = &written.domain {
        config = config.domain(domain.clone());
    }
    if let Some(secs) = written.lease_time {
        config = config.lease_time(secs.0);
    }
    let own = encode(&written.options, Place::Subnet, source)?;
    for (code, value) in shared.iter().chain(&own) {
        config = config.raw_option(*code, value);
    }
    for relay in &written.relays {
        config = config.relay(*relay);
    }
    for interface in &written.interfaces {
        config = config.interface(interface.clone());
    }
    if let Some(name) = &written.shared_network {
        config = config.shared_network(name.clone());
    }
    Ok(config)
}

fn range_of(range: &Spanned<Text<AddressRange>>) -> (Ipv4Addr, Ipv4Addr) {
    let range = range.get_ref().0;
    (range.first, range.last)
}

/// The engine of the subnets, or the error the engine gives, at the subnet it is
/// about.
fn check_subnets(
    config: &ServerConfig,
    tables: &[Spanned<SubnetTable>],
    source: &Source<'_>,
) -> Result<LeaseEngine, ConfigError> {
    LeaseEngine::with_subnets(config.settings.clone(), config.subnets.clone()).map_err(|error| {
        let at = |index: usize| tables.get(index).map_or(0..0, Spanned::span);
        let span: Range<usize> = match &error {
            SubnetError::Overlap(_, second) => at(second.index()),
            SubnetError::RelayTwice(relay) => at(last_naming(tables, |t| t.relays.contains(relay))),
            SubnetError::InterfaceTwice(name) => {
                at(last_naming(tables, |t| t.interfaces.contains(name)))
            }
            _ => 0..0,
        };
        let problem = match &error {
            SubnetError::Overlap(first, second) => format!(
                "subnet {} overlaps subnet {}",
                config.subnets[second.index()].pool().subnet(),
                config.subnets[first.index()].pool().subnet()
            ),
            other => other.to_string(),
        };
        source.invalid(span, problem)
    })
}

fn last_naming(tables: &[Spanned<SubnetTable>], names: impl Fn(&SubnetTable) -> bool) -> usize {
    tables
        .iter()
        .rposition(|table| names(table.get_ref()))
        .unwrap_or(0)
}

fn host(table: &HostTable, source: &Source<'_>) -> Result<Host, ConfigError> {
    let mut host = Host::new(table.mac.get_ref().0);
    if let Some(addr) = table.address {
        host = host.address(addr);
    }
    if let Some(name) = &table.hostname {
        host = host.hostname(name.clone());
    }
    if let Some(file) = &table.boot_file {
        host = host.boot_file(file.clone());
    }
    if let Some(next) = table.next_server {
        host = host.next_server(next);
    }
    for (code, value) in encode(&table.options, Place::Host, source)? {
        host = host.raw_option(code, &value);
    }
    Ok(host)
}

fn store(
    table: Option<&Spanned<StoreTable>>,
    source: &Source<'_>,
) -> Result<(StoreConfig, (usize, usize)), ConfigError> {
    let Some(table) = table else {
        return Ok((StoreConfig::Memory, (1, 1)));
    };
    let written = table.get_ref();
    let at = source.position(table.span().start);
    let relative = |path: &Path| match source.path.parent() {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_owned(),
    };
    let mut chosen = Vec::new();
    if let Some(path) = &written.lease_file {
        chosen.push((
            path.span(),
            StoreConfig::LeaseFile(relative(path.get_ref())),
        ));
    }
    if let Some(url) = &written.database {
        chosen.push((
            url.span(),
            StoreConfig::Database(url.get_ref().trim().to_owned()),
        ));
    }
    if let Some(path) = &written.database_file {
        chosen.push((
            path.span(),
            StoreConfig::DatabaseFile(relative(path.get_ref())),
        ));
    }
    match chosen.len() {
        0 => Ok((StoreConfig::Memory, at)),
        1 => {
            let (span, store) = chosen.remove(0);
            let database = matches!(
                store,
                StoreConfig::Database(_) | StoreConfig::DatabaseFile(_)
            );
            if database && !cfg!(feature = "postgres") {
                return Err(source.invalid(
                    span,
                    "this build has no PostgreSQL store: build ex_dhcp with the feature \
                     postgres (lease_server: cargo build -p ex_dhcp-tools --features postgres)",
                ));
            }
            Ok((store, source.position(span.start)))
        }
        _ => Err(source.invalid(
            chosen[1].0.clone(),
            "[store] takes one of lease-file, database and database-file",
        )),
    }
}

fn service(table: &ServiceTable, source: &Source<'_>) -> Result<ServiceConfig, ConfigError> {
    let mut config = ServiceConfig::default();
    if let Some(delay) = &table.commit_delay {
        let Span(delay_value) = *delay.get_ref();
        if delay_value > MAX_COMMIT_DELAY {
            return Err(source.invalid(
                delay.span(),
                format!("commit-delay is at most 1s, not {delay_value:?}"),
            ));
        }
        config = config.commit_delay(delay_value);
    }
    if let Some(n) = table.max_held {
        config = config.max_held(n.0);
    }
    if let Some(Span(age)) = table.max_reply_age {
        config = config.max_reply_age(age);
    }
    if let Some(Span(deadline)) = table.commit_deadline {
        config = config.commit_deadline(deadline);
    }
    if let Some(Span(deadline)) = table.shutdown_deadline {
        config = config.shutdown_deadline(deadline);
    }
    if let Some(rate) = table.lookup_rate {
        config = config.lookup_rate(rate);
    }
    if let Some(changes) = table.compact_after {
        config = config.compact_after(changes);
    }
    if let Some(Span(ttl)) = table.verdict_ttl {
        config = config.verdict_ttl(ttl);
    }
    if let Some(Span(timeout)) = table.admission_timeout {
        config = config.admission_timeout(timeout);
    }
    if let Some(n) = table.max_admissions {
        config = config.max_admissions(n.0);
    }
    Ok(config)
}

fn daemon(table: &DaemonTable, source: &Source<'_>) -> Result<DaemonConfig, ConfigError> {
    let defaults = DaemonConfig::default();
    let stats_every = match &table.stats_every {
        Some(every) if every.get_ref().0.is_zero() => {
            return Err(source.invalid(every.span(), "stats-every must be more than 0"));
        }
        Some(every) => Some(every.get_ref().0),
        None => None,
    };
    Ok(DaemonConfig {
        bind: table.bind.unwrap_or(defaults.bind),
        interface: table.interface.clone(),
        port: table.port.unwrap_or(defaults.port),
        client_port: table.client_port.unwrap_or(defaults.client_port),
        broadcast: table.broadcast.unwrap_or(defaults.broadcast),
        user: table.user.clone(),
        stats_every,
        log: table.log.map(|level| level.0 .0),
    })
}
