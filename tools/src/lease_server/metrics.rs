//! `lease_server --metrics ADDR:PORT`: the library's metrics (`ex_dhcp::metrics`) in
//! Prometheus' text format at `/metrics`, and the server's health at `/health`, over
//! HTTP on a thread of its own.
//!
//! Each scrape reads the server's counters (`Handle::stats`, atomics) and asks the
//! handler thread for the lease service's (`Handle::call`: the lease tables are never
//! shared with this thread; the pools' counts walk them, once per scrape). The text
//! is written by the Prometheus project's own Rust client (`prometheus-client`,
//! `encoding::prometheus_text`): a [`Collector`] hands it the list at each scrape.
//!
//! `/health` answers 200 while the server serves with its lease store up, and 503
//! with a line saying why otherwise (the store journaling, down or not loaded yet, or
//! the server not answering), for a load balancer or `curl --fail`.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use ex_dhcp::lease::{secs, Hooks, LeaseService, StoreState};
use ex_dhcp::metrics::{Kind, Metric, Value};
use ex_dhcp::Handle;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{prometheus_text, DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::cli::logging;

/// How long a scrape waits for the handler thread before it reports the server as not
/// answering: well inside Prometheus' default scrape timeout of 10 s.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// The Content-Type of `/metrics` (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// The metrics the tools add to the library's: the log lines their logger dropped.
pub fn tool_metrics() -> Vec<Metric> {
    vec![Metric::counter(
        "ex_dhcp_log_lines_dropped_total",
        "Log lines dropped because the log's output did not keep up.",
        logging::dropped(),
    )]
}

/// The metrics endpoint, serving until [`MetricsEndpoint::stop`].
pub struct MetricsEndpoint {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// Why the endpoint did not start.
#[derive(Debug)]
pub struct BindError {
    addr: SocketAddr,
    problem: String,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "metrics endpoint {}: {}", self.addr, self.problem)
    }
}

impl std::error::Error for BindError {}

impl fmt::Debug for MetricsEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsEndpoint")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MetricsEndpoint {
    /// Listens on `addr` (port 0: any free port, see [`local_addr`](Self::local_addr))
    /// and serves the metrics of the server behind `handle`.
    pub fn start<H: Hooks>(
        addr: SocketAddr,
        handle: Handle<LeaseService<H>>,
    ) -> Result<MetricsEndpoint, BindError> {
        let fail = |problem: String| BindError { addr, problem };
        let server = tiny_http::Server::http(addr).map_err(|e| fail(e.to_string()))?;
        let bound = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| fail("not an IP address".into()))?;
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, stopping) = (Arc::clone(&server), Arc::clone(&stopping));
            thread::Builder::new()
                .name("metrics".into())
                .spawn(move || serve(&server, &handle, &stopping))
                .map_err(|e| fail(e.to_string()))?
        };
        Ok(MetricsEndpoint {
            server,
            addr: bound,
            stopping,
            thread,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and joins the thread.
    pub fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        let _ = self.thread.join();
    }
}

fn serve<H: Hooks>(
    server: &tiny_http::Server,
    handle: &Handle<LeaseService<H>>,
    stopping: &AtomicBool,
) {
    loop {
        let request = match server.recv() {
            Ok(request) => request,
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            Err(error) => {
                log::warn!("metrics endpoint: {error}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let (status, content_type, body) = answer(request.method(), request.url(), handle);
        let header =
            tiny_http::Header::from_bytes("Content-Type", content_type).expect("a valid header");
        let response = tiny_http::Response::from_string(body)
            .with_status_code(status)
            .with_header(header);
        if let Err(error) = request.respond(response) {
            log::debug!("metrics endpoint: the answer was not sent: {error}");
        }
    }
}

const PLAIN: &str = "text/plain; charset=utf-8";

/// The status, content type and body for a request.
fn answer<H: Hooks>(
    method: &tiny_http::Method,
    url: &str,
    handle: &Handle<LeaseService<H>>,
) -> (u16, &'static str, String) {
    if !matches!(method, tiny_http::Method::Get | tiny_http::Method::Head) {
        return (405, PLAIN, "only GET\n".into());
    }
    match url.split('?').next().unwrap_or_default() {
        "/metrics" => match scrape(handle) {
            Ok(text) => (200, CONTENT_TYPE, text),
            Err(problem) => (503, PLAIN, format!("{problem}\n")),
        },
        "/health" => health(handle),
        "/" => (
            200,
            PLAIN,
            "ex_dhcp lease_server: /metrics (Prometheus), /health\n".into(),
        ),
        _ => (404, PLAIN, "not found: /metrics or /health\n".into()),
    }
}

/// `/health`: 200 while serving with the store up, else 503 and why.
fn health<H: Hooks>(handle: &Handle<LeaseService<H>>) -> (u16, &'static str, String) {
    match handle.call_timeout(CALL_TIMEOUT, |service| service.stats().store) {
        Ok(StoreState::Up) => (200, PLAIN, "ok: serving, lease store up\n".into()),
        Ok(state) => (503, PLAIN, format!("unhealthy: lease store {state}\n")),
        Err(error) => (503, PLAIN, format!("unhealthy: not serving ({error})\n")),
    }
}

/// The whole text of a scrape.
pub fn scrape<H: Hooks>(handle: &Handle<LeaseService<H>>) -> Result<String, String> {
    let service = handle
        .call_timeout(CALL_TIMEOUT, |service| {
            service.metrics(secs(SystemTime::now()))
        })
        .map_err(|error| format!("the server does not answer: {error}"))?;
    let mut list = handle.stats().metrics();
    list.extend(service);
    list.extend(tool_metrics());
    encode(list)
}

/// `list` in the Prometheus text format.
pub fn encode(list: Vec<Metric>) -> Result<String, String> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshot(list)));
    let mut text = String::new();
    prometheus_text::encode(&mut text, &registry).map_err(|e| e.to_string())?;
    Ok(text)
}

/// One scrape's metrics, handed to the client library's encoder.
#[derive(Debug)]
struct Snapshot(Vec<Metric>);

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        for family in self.0.chunk_by(|a, b| a.name == b.name) {
            let first = &family[0];
            let (name, kind) = match first.kind() {
                // The encoder adds `_total` to a counter's name itself.
                Kind::Counter => (
                    first.name.strip_suffix("_total").unwrap_or(first.name),
                    MetricType::Counter,
                ),
                Kind::Histogram => (first.name, MetricType::Histogram),
                _ => (first.name, MetricType::Gauge),
            };
            let mut metrics = encoder.encode_descriptor(name, first.help, None, kind)?;
            for metric in family {
                let labels: Vec<(&str, &str)> = metric
                    .labels
                    .iter()
                    .map(|label| (label.name, label.value.as_str()))
                    .collect();
                if labels.is_empty() {
                    value(&mut metrics, &metric.value)?;
                } else {
                    value(&mut metrics.encode_family(&labels)?, &metric.value)?;
                }
            }
        }
        Ok(())
    }
}

fn value(encoder: &mut MetricEncoder, value: &Value) -> Result<(), fmt::Error> {
    match value {
        Value::Counter(count) => encoder.encode_counter::<NoLabelSet, u64, u64>(count, None),
        Value::Gauge(gauge) => match whole(*gauge) {
            Some(integer) => encoder.encode_gauge(&integer),
            None => encoder.encode_gauge(gauge),
        },
        Value::Histogram(buckets) => {
            // The encoder takes each bucket's own count and adds them up.
            let mut below = 0;
            let own: Vec<(f64, u64)> = buckets
                .bounds
                .iter()
                .map(|&(bound, cumulative)| {
                    let count = cumulative - below;
                    below = cumulative;
                    (bound, count)
                })
                .collect();
            encoder.encode_histogram::<NoLabelSet>(buckets.sum, buckets.count, &own, None)
        }
        _ => Ok(()),
    }
}

/// A gauge that holds a whole number, as an integer: `3`, not `3.0`.
#[allow(clippy::cast_possible_truncation)]
fn whole(value: f64) -> Option<i64> {
    (value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ex_dhcp::metrics::Buckets;

    #[test]
    fn the_text_is_prometheus_format_with_one_header_per_name() {
        let list = vec![
            Metric::counter("ex_dhcp_packets_received_total", "Packets.", 7)
                .label("type", "DHCPDISCOVER"),
            Metric::counter("ex_dhcp_packets_received_total", "Packets.", 2)
                .label("type", "DHCPREQUEST"),
            Metric::gauge("ex_dhcp_lease_held_replies", "Held.", 3.0),
            Metric::histogram(
                "ex_dhcp_lease_store_batch_changes",
                "Sizes.",
                Buckets {
                    bounds: vec![(1.0, 2), (2.0, 5)],
                    count: 6,
                    sum: 12.0,
                },
            ),
        ];
        let text = encode(list).unwrap();
        assert_eq!(
            text,
            "# HELP ex_dhcp_packets_received_total Packets.\n\
             # TYPE ex_dhcp_packets_received_total counter\n\
             ex_dhcp_packets_received_total{type=\"DHCPDISCOVER\"} 7\n\
             ex_dhcp_packets_received_total{type=\"DHCPREQUEST\"} 2\n\
             # HELP ex_dhcp_lease_held_replies Held.\n\
             # TYPE ex_dhcp_lease_held_replies gauge\n\
             ex_dhcp_lease_held_replies 3\n\
             # HELP ex_dhcp_lease_store_batch_changes Sizes.\n\
             # TYPE ex_dhcp_lease_store_batch_changes histogram\n\
             ex_dhcp_lease_store_batch_changes_bucket{le=\"1\"} 2\n\
             ex_dhcp_lease_store_batch_changes_bucket{le=\"2\"} 5\n\
             ex_dhcp_lease_store_batch_changes_bucket{le=\"+Inf\"} 6\n\
             ex_dhcp_lease_store_batch_changes_sum 12.0\n\
             ex_dhcp_lease_store_batch_changes_count 6\n"
        );
    }
}
