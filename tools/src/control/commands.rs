//! What each control command does to a running lease service: everything that reads
//! or changes the lease tables runs on the handler thread, through
//! `Handle::call_timeout` (the tables are never shared with this thread), and comes
//! back as JSON.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ex_dhcp::lease::{
    secs, ClientKey, Entry, Hooks, Host, LeaseEngine, LeaseService, Secs, State, Subnet,
};
use ex_dhcp::metrics::{Metric, Value as MetricValue};
use ex_dhcp::{Handle, Mac};
use serde_json::{json, Value};

use crate::lease_server::reload::Reloader;

use super::protocol::{Command, HostInfo, Lease, LeaseState};

/// How long a command waits for the handler thread: a busy server answers in
/// milliseconds; past this it is stuck, and saying so beats hanging.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What the control socket knows besides the server: how it was configured.
#[derive(Debug, Clone, Default)]
pub struct Operated {
    /// The configuration file it was started from, which `reload` reads again.
    pub reloader: Option<Arc<Reloader>>,
    /// Where its leases are kept, for `config`: `lease file PATH`, `database`, `memory`.
    pub store: String,
    /// The metrics endpoint's address, for `config`.
    pub metrics: Option<std::net::SocketAddr>,
    /// The control socket's path, for `config`.
    pub control: Option<PathBuf>,
}

/// Runs `command` against the server behind `handle`.
pub fn run<H: Hooks>(
    command: Command,
    handle: &Handle<LeaseService<H>>,
    operated: &Operated,
) -> Result<Value, String> {
    match command {
        Command::Leases { subnet, state } => {
            let subnet = match subnet {
                Some(text) => Some(
                    text.parse::<Subnet>()
                        .map_err(|e| format!("subnet {text:?}: {e}"))?,
                ),
                None => None,
            };
            let leases = call(handle, move |service| {
                let now = secs(SystemTime::now());
                let mut leases = all_leases(service.engine(), now);
                leases.retain(|lease| {
                    subnet.is_none_or(|s| lease.subnet == s.to_string())
                        && state.is_none_or(|s| lease.state == s)
                });
                leases
            })?;
            Ok(json!({ "leases": leases }))
        }
        Command::Find { address, client } => {
            let leases = match (address, client) {
                (Some(address), None) => call(handle, move |service| {
                    let now = secs(SystemTime::now());
                    find_address(service.engine(), address, now)
                        .into_iter()
                        .collect::<Vec<_>>()
                })?,
                (None, Some(client)) => {
                    let wanted = Client::parse(&client)?;
                    call(handle, move |service| {
                        let now = secs(SystemTime::now());
                        let mut leases = all_leases(service.engine(), now);
                        leases.retain(|lease| wanted.matches(lease));
                        leases
                    })?
                }
                _ => return Err("find takes an address or a client, one of the two".into()),
            };
            Ok(json!({ "leases": leases }))
        }
        Command::Release { address } => {
            let released = call(handle, move |service| {
                let now = secs(SystemTime::now());
                let before = find_address(service.engine(), address, now);
                match before {
                    Some(lease) if service.release(address, now) => Ok(lease),
                    _ => Err(format!(
                        "{address} is not held (not offered, leased or declined): nothing to release"
                    )),
                }
            })??;
            Ok(json!({ "released": released }))
        }
        Command::Hosts => call(handle, |service| hosts(service.engine())),
        Command::Reserve { host, force } => {
            let wanted = build_host(&host)?;
            let (added, replaced) = call(handle, move |service| {
                let now = secs(SystemTime::now());
                if let Some(addr) = wanted.addr() {
                    let holder = find_address(service.engine(), addr, now)
                        .filter(|lease| {
                            matches!(lease.state, LeaseState::Offered | LeaseState::Bound)
                        })
                        .filter(|lease| lease.mac.as_deref() != Some(&wanted.mac().to_string()));
                    if let (Some(lease), false) = (holder, force) {
                        return Err(format!(
                            "{addr} is {} to {} until {}: reserving it for {} takes it from \
                             that client at its next renewal; ask again with force to do so",
                            if lease.state == LeaseState::Bound {
                                "leased"
                            } else {
                                "offered"
                            },
                            lease.client.as_deref().unwrap_or("a client"),
                            lease.until,
                            wanted.mac()
                        ));
                    }
                }
                let added = host_info(&wanted);
                service
                    .add_host(wanted)
                    .map(|replaced| (added, replaced.as_ref().map(host_info)))
                    .map_err(|error| error.to_string())
            })??;
            Ok(json!({ "host": added, "replaced": replaced }))
        }
        Command::Unreserve { mac } => {
            let mac: Mac = mac
                .parse()
                .map_err(|e| format!("{mac:?} is not a MAC address: {e}"))?;
            let removed = call(handle, move |service| {
                if let Some(host) = service.remove_host(mac) {
                    return Ok(host_info(&host));
                }
                let flag = service
                    .engine()
                    .subnets()
                    .any(|(_, s)| s.pool().reservation(Some(mac)).is_some());
                Err(if flag {
                    format!(
                        "{mac} has no host, only a reservation given at start-up (--reserve): \
                         it goes with a restart without it"
                    )
                } else {
                    format!("{mac} has no host")
                })
            })??;
            Ok(json!({ "removed": removed }))
        }
        Command::Stats => {
            let server = handle.stats();
            let (service_metrics, line) = call(handle, |service| {
                let now = secs(SystemTime::now());
                (service.metrics(now), service.stats().to_string())
            })?;
            let mut metrics = server.metrics();
            metrics.extend(service_metrics);
            Ok(json!({
                "server": server.to_string(),
                "service": line,
                "metrics": metrics.iter().map(metric_json).collect::<Vec<_>>(),
            }))
        }
        Command::Config => {
            let mut running = call(handle, |service| config(service))?;
            running["file"] = json!(operated
                .reloader
                .as_ref()
                .map(|r| r.path().display().to_string()));
            running["store"] = json!(operated.store);
            running["metrics"] = json!(operated.metrics.map(|a| a.to_string()));
            running["control"] = json!(operated.control.as_ref().map(|p| p.display().to_string()));
            Ok(running)
        }
        Command::Reload => {
            let Some(reloader) = &operated.reloader else {
                return Err(
                    "nothing to reload: the server was started with flags, not --config".into(),
                );
            };
            let reloaded = reloader.reload(handle).map_err(|error| {
                format!("reload refused, the running configuration is kept: {error}")
            })?;
            let applied = &reloaded.applied;
            Ok(json!({
                "file": reloader.path().display().to_string(),
                "hosts": applied.hosts,
                "hosts_removed": applied.hosts_removed,
                "subnets_removed": applied.removed.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "leases_dropped": applied.dropped,
                "restart_needed": reloaded.restart_needed,
            }))
        }
    }
}

/// Runs `f` on the handler thread.
fn call<H, R, F>(handle: &Handle<LeaseService<H>>, f: F) -> Result<R, String>
where
    H: Hooks,
    F: FnOnce(&mut LeaseService<H>) -> R + Send + 'static,
    R: Send + 'static,
{
    handle
        .call_timeout(CALL_TIMEOUT, f)
        .map_err(|error| format!("the server did not answer: {error}"))
}

/// Every entry of every table, and the quarantined addresses, subnet by subnet.
fn all_leases(engine: &LeaseEngine, now: Secs) -> Vec<Lease> {
    let mut leases = Vec::new();
    for (id, config) in engine.subnets() {
        let subnet = config.pool().subnet().to_string();
        let Some(table) = engine.table_of(id) else {
            continue;
        };
        leases.extend(
            table
                .entries()
                .map(|(key, entry)| lease(&subnet, key, entry, now)),
        );
        leases.extend(
            table
                .quarantined()
                .filter(|(_, until)| *until > now)
                .map(|(address, until)| declined(&subnet, address, until)),
        );
    }
    leases.sort_by_key(|lease| lease.address);
    leases
}

/// The entry naming `address`: a client's, or a quarantine.
fn find_address(engine: &LeaseEngine, address: Ipv4Addr, now: Secs) -> Option<Lease> {
    let id = engine.subnet_of(address)?;
    let subnet = engine.subnet(id)?.pool().subnet().to_string();
    if let Some(until) = engine
        .table_of(id)
        .and_then(|table| table.quarantined_until(address))
        .filter(|until| *until > now)
    {
        return Some(declined(&subnet, address, until));
    }
    let (_, key, entry) = engine.find(address)?;
    Some(lease(&subnet, key, entry, now))
}

fn lease(subnet: &str, key: &ClientKey, entry: &Entry, now: Secs) -> Lease {
    let (state, until) = match entry.state {
        State::Offered(until) if until > now => (LeaseState::Offered, until),
        State::Bound(until) if until > now => (LeaseState::Bound, until),
        State::Offered(until) | State::Bound(until) | State::Free(until) => {
            (LeaseState::Free, until)
        }
    };
    Lease {
        address: entry.addr,
        subnet: subnet.to_owned(),
        state,
        client: Some(key.to_string()),
        mac: key.mac().map(|mac| mac.to_string()),
        until,
    }
}

fn declined(subnet: &str, address: Ipv4Addr, until: Secs) -> Lease {
    Lease {
        address,
        subnet: subnet.to_owned(),
        state: LeaseState::Declined,
        client: None,
        mac: None,
        until,
    }
}

/// A client as `find` is given it: a MAC address (any key that says it), or a key.
enum Client {
    Mac(String),
    Key(String),
}

impl Client {
    fn parse(text: &str) -> Result<Client, String> {
        if let Ok(mac) = text.parse::<Mac>() {
            return Ok(Client::Mac(mac.to_string()));
        }
        match text.parse::<ClientKey>() {
            Ok(key) => Ok(Client::Key(key.to_string())),
            Err(problem) => Err(format!(
                "{text:?} is neither a MAC address nor a client key (id:HEX, hw:TYPE:HEX): {problem}"
            )),
        }
    }

    fn matches(&self, lease: &Lease) -> bool {
        match self {
            Client::Mac(mac) => lease.mac.as_deref() == Some(mac),
            Client::Key(key) => lease.client.as_deref() == Some(key),
        }
    }
}

fn build_host(info: &HostInfo) -> Result<Host, String> {
    let mac: Mac = info
        .mac
        .parse()
        .map_err(|e| format!("{:?} is not a MAC address: {e}", info.mac))?;
    let mut host = Host::new(mac);
    if let Some(address) = info.address {
        host = host.address(address);
    }
    if let Some(name) = &info.hostname {
        host = host.hostname(name.clone());
    }
    if let Some(file) = &info.boot_file {
        host = host.boot_file(file.clone());
    }
    if let Some(server) = info.next_server {
        host = host.next_server(server);
    }
    Ok(host)
}

fn host_info(host: &Host) -> HostInfo {
    HostInfo {
        mac: host.mac().to_string(),
        address: host.addr(),
        hostname: host.hostname_str().map(str::to_owned),
        boot_file: host.boot_file_str().map(str::to_owned),
        next_server: host.next_server_addr(),
    }
}

/// The hosts, and the reservations made without one (`--reserve`).
fn hosts(engine: &LeaseEngine) -> Value {
    let hosts: Vec<HostInfo> = engine.hosts().map(host_info).collect();
    let mut reservations = Vec::new();
    for (_, subnet) in engine.subnets() {
        for (mac, address) in subnet.pool().reservations() {
            if engine.host(mac).is_none() {
                reservations.push(json!({ "mac": mac.to_string(), "address": address }));
            }
        }
    }
    json!({ "hosts": hosts, "reservations": reservations })
}

/// The running configuration as the engine and the service hold it.
fn config<H: Hooks>(service: &LeaseService<H>) -> Value {
    let engine = service.engine();
    let settings = engine.settings();
    let subnets: Vec<Value> = engine
        .subnets()
        .map(|(_, subnet)| {
            let pool = subnet.pool();
            json!({
                "network": pool.subnet().to_string(),
                "ranges": pool.ranges().map(|(a, b)| format!("{a}-{b}")).collect::<Vec<_>>(),
                "size": pool.capacity(),
                "lease_time": subnet.lease_secs(settings),
                "relays": subnet.relays(),
                "interfaces": subnet.interfaces(),
                "shared_network": subnet.shared_network_name(),
                "options": options(subnet.options()),
            })
        })
        .collect();
    let limits = service.config();
    json!({
        "server": {
            "id": settings.server_id,
            "mask": settings.mask,
            "routers": settings.routers,
            "dns": settings.dns,
            "domain": settings.domain,
            "lease_time": settings.lease_secs,
            "offer_time": settings.offer_secs,
            "decline_time": settings.decline_secs,
            "rapid_commit": settings.rapid_commit,
            "allow_relays": settings.allow_relays,
            "max_offers": settings.max_offers,
            "max_offers_per_relay": settings.max_offers_per_relay,
            "share": settings.share.to_string(),
            "answer_subnet": settings.answer_subnet,
        },
        "subnets": subnets,
        "hosts": engine.hosts().count(),
        "service": {
            "commit_delay_ms": limits.commit_delay.as_millis() as u64,
            "max_held": limits.max_held,
            "max_reply_age_ms": limits.max_reply_age.as_millis() as u64,
            "commit_deadline_ms": limits.commit_deadline.as_millis() as u64,
            "lookup_rate": limits.lookup_rate,
        },
    })
}

fn options(options: &ex_dhcp::options::Options) -> Vec<Value> {
    options
        .iter()
        .map(|option| {
            let hex: String = option.data.iter().map(|b| format!("{b:02x}")).collect();
            json!({
                "code": option.code,
                "name": ex_dhcp::options::name(option.code),
                "hex": hex,
            })
        })
        .collect()
}

/// One metric: name, kind, labels and value (a histogram's buckets as `[le, count]`).
pub fn metric_json(metric: &Metric) -> Value {
    let labels: serde_json::Map<String, Value> = metric
        .labels
        .iter()
        .map(|label| (label.name.to_owned(), json!(label.value)))
        .collect();
    let value = match &metric.value {
        MetricValue::Counter(count) => json!(count),
        MetricValue::Gauge(value) => json!(value),
        MetricValue::Histogram(buckets) => json!({
            "buckets": buckets.bounds,
            "count": buckets.count,
            "sum": buckets.sum,
        }),
        _ => Value::Null,
    };
    json!({
        "name": metric.name,
        "kind": format!("{:?}", metric.kind()).to_lowercase(),
        "labels": labels,
        "value": value,
    })
}
