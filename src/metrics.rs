//! A server's counters as a list of metrics: name, help, labels and value, the shape
//! Prometheus, OpenTelemetry, StatsD and the rest all take, so that exporting them to
//! whatever a deployment runs is a loop over a list. This module has no dependency:
//! the text format, the HTTP endpoint and the push are the exporter's (the tools'
//! `lease_server --metrics` serves them with the Prometheus client crate).
//!
//! ```
//! use ex_dhcp::metrics::Value;
//! use ex_dhcp::ServerStats;
//!
//! // From a running server: `server.handle().stats().metrics()`, and for a lease
//! // service `handle.call(|service| service.metrics(now))`.
//! for metric in ServerStats::default().metrics() {
//!     let labels: Vec<String> = metric.labels.iter().map(|l| format!("{}={}", l.name, l.value)).collect();
//!     if let Value::Counter(value) = metric.value {
//!         println!("{} {} {value}", metric.name, labels.join(","));
//!     }
//! }
//! ```
//!
//! # The names are stable
//!
//! They follow Prometheus' conventions: a `ex_dhcp_` prefix, base units in the name
//! (`_seconds`), `_total` on counters, one name per thing measured and labels for its
//! parts (so that a sum over a label means something). A name, its kind and its
//! labels do not change within a major version; new metrics may be added.
//!
//! From `ServerStats::metrics` (feature `server`):
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `ex_dhcp_datagrams_received_total` | counter | | datagrams read from the sockets |
//! | `ex_dhcp_datagrams_malformed_total` | counter | | of those, not DHCP |
//! | `ex_dhcp_datagrams_dropped_total` | counter | `reason`: `queue_full`, `stopped` | datagrams never handled |
//! | `ex_dhcp_receive_errors_total` | counter | | failed socket reads |
//! | `ex_dhcp_packets_received_total` | counter | `type`: `DHCPDISCOVER` ... `DHCPACTIVELEASEQUERY`, `other` | packets given to the handler, by message type (`other`: BOOTP and unknown types) |
//! | `ex_dhcp_packets_sent_total` | counter | `type`, as above | replies sent, by message type |
//! | `ex_dhcp_send_failures_total` | counter | | replies that could not be sent |
//! | `ex_dhcp_replies_trimmed_total` | counter | | replies that lost options to fit |
//! | `ex_dhcp_deferred_replies_total` | counter | | requests the handler set aside to answer later |
//! | `ex_dhcp_deferred_replies_settled_total` | counter | `outcome`: `answered`, `abandoned` | of those, answered or dropped unanswered |
//! | `ex_dhcp_deferred_replies_outstanding` | gauge | | of those, not settled yet |
//! | `ex_dhcp_tap_dropped_total` | counter | | datagrams the tap did not write |
//!
//! From `lease::ServiceStats::metrics` (features `lease` and `server`; the lease
//! service and its engine):
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `ex_dhcp_lease_store_up` | gauge | | 1 when the store answers, else 0 |
//! | `ex_dhcp_lease_store_state` | gauge | `state`: `up`, `journaling`, `down`, `unloaded` | 1 for the store's state, 0 for the others |
//! | `ex_dhcp_lease_store_commits_total` | counter | | batches the store made durable |
//! | `ex_dhcp_lease_store_commit_duration_seconds` | histogram | | how long each commit took |
//! | `ex_dhcp_lease_store_batch_changes` | histogram | | changes per committed batch |
//! | `ex_dhcp_lease_store_changes_total` | counter | | lease changes made durable |
//! | `ex_dhcp_lease_store_journaled_total` | counter | | changes kept in the journal during an outage |
//! | `ex_dhcp_lease_store_conflicts_total` | counter | | changes refused: another server got there first |
//! | `ex_dhcp_lease_store_contended_total` | counter | | changes the store could not settle |
//! | `ex_dhcp_lease_store_revoked_total` | counter | | leases taken back after an outage |
//! | `ex_dhcp_lease_store_lookups_total` | counter | | store lookups for other servers' clients |
//! | `ex_dhcp_lease_store_stray_records_total` | counter | | records at start-up on no subnet |
//! | `ex_dhcp_lease_claim_held` | gauge | | 1 while this server holds its share's claim |
//! | `ex_dhcp_lease_held_replies` | gauge | | replies waiting for their lease to be durable |
//! | `ex_dhcp_lease_admissions_pending` | gauge | | requests waiting for an admission verdict |
//! | `ex_dhcp_lease_admissions_deferred_total` | counter | | requests held for a verdict |
//! | `ex_dhcp_lease_requests_unanswered_total` | counter | `reason`: `no_address`, `no_subnet`, `backlog`, `throttled`, `stale`, `lookup_budget`, `denied`, `admission_duplicate`, `admission_timeout` | requests left without an answer, by why |
//! | `ex_dhcp_lease_offers_withdrawn_total` | counter | | offers withdrawn to make room |
//! | `ex_dhcp_lease_declines_ignored_total` | counter | | DECLINEs from clients without the address |
//! | `ex_dhcp_lease_lost_races_total` | counter | | addresses another server leased first |
//!
//! From `lease::LeaseEngine::pool_metrics` (feature `lease`), per subnet (label `subnet`, e.g. `198.18.0.0/24`), walking the lease tables: for a
//! scrape, not for every packet:
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `ex_dhcp_pool_size_addresses` | gauge | `subnet` | addresses to lease (ranges, and fixed addresses outside them) |
//! | `ex_dhcp_pool_used_addresses` | gauge | `subnet`, `state`: `offered`, `bound`, `declined` | addresses held |
//! | `ex_dhcp_pool_free_addresses` | gauge | `subnet` | size less the addresses held |

#[cfg(feature = "lease")]
mod lease;
#[cfg(feature = "server")]
mod server;

/// What a metric measures, in Prometheus' terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A count that only grows (from the server's start).
    Counter,
    /// A number that goes up and down: how many now.
    Gauge,
    /// Observations counted into buckets by their size, with their sum.
    Histogram,
}

/// A label: one dimension of a metric, such as a message type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// Its name (`type`, `reason`, `subnet`).
    pub name: &'static str,
    /// Its value (`DHCPDISCOVER`, `queue_full`, `198.18.0.0/24`).
    pub value: String,
}

/// A histogram's buckets: cumulative counts at or below each upper bound, the total
/// count and the sum, as Prometheus histograms have them.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    /// Upper bound and the number of observations at or below it, bounds ascending.
    /// Observations above the last bound are counted in `count` alone (Prometheus'
    /// `+Inf` bucket).
    pub bounds: Vec<(f64, u64)>,
    /// How many observations.
    pub count: u64,
    /// Their sum, in the metric's unit.
    pub sum: f64,
}

/// A metric's value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A counter's count.
    Counter(u64),
    /// A gauge's value.
    Gauge(f64),
    /// A histogram's buckets.
    Histogram(Buckets),
}

/// One metric: a name, what it means, its labels and its value. Metrics of one name
/// come one after the other in a list, each with its own labels.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Metric {
    /// Its name, stable (see the [module docs](self)).
    pub name: &'static str,
    /// One sentence on what it measures.
    pub help: &'static str,
    /// Its labels, in a fixed order.
    pub labels: Vec<Label>,
    /// Its value.
    pub value: Value,
}

impl Metric {
    /// A counter.
    pub fn counter(name: &'static str, help: &'static str, value: u64) -> Metric {
        Metric::new(name, help, Value::Counter(value))
    }

    /// A gauge.
    pub fn gauge(name: &'static str, help: &'static str, value: f64) -> Metric {
        Metric::new(name, help, Value::Gauge(value))
    }

    /// A histogram.
    pub fn histogram(name: &'static str, help: &'static str, buckets: Buckets) -> Metric {
        Metric::new(name, help, Value::Histogram(buckets))
    }

    fn new(name: &'static str, help: &'static str, value: Value) -> Metric {
        Metric {
            name,
            help,
            labels: Vec::new(),
            value,
        }
    }

    /// The same metric with one more label.
    #[must_use]
    pub fn label(mut self, name: &'static str, value: impl Into<String>) -> Metric {
        self.labels.push(Label {
            name,
            value: value.into(),
        });
        self
    }

    /// What it measures.
    pub fn kind(&self) -> Kind {
        match self.value {
            Value::Counter(_) => Kind::Counter,
            Value::Gauge(_) => Kind::Gauge,
            Value::Histogram(_) => Kind::Histogram,
        }
    }

    /// The value of its label `name`, if it has one.
    pub fn label_value(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|label| label.name == name)
            .map(|label| label.value.as_str())
    }

    /// Whether it is named `name` and has every label of `labels` (and maybe more).
    ///
    /// ```
    /// use ex_dhcp::metrics::Metric;
    ///
    /// let metric = Metric::counter("ex_dhcp_packets_received_total", "Packets.", 3)
    ///     .label("type", "DHCPDISCOVER");
    /// assert!(metric.is("ex_dhcp_packets_received_total", &[("type", "DHCPDISCOVER")]));
    /// assert!(!metric.is("ex_dhcp_packets_received_total", &[("type", "DHCPREQUEST")]));
    /// ```
    pub fn is(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.name == name
            && labels
                .iter()
                .all(|(label, value)| self.label_value(label) == Some(*value))
    }
}

/// The counter named `name` with `labels` in `metrics`, if there is one: for tests and
/// status lines.
///
/// ```
/// use ex_dhcp::metrics;
///
/// let list = ex_dhcp::ServerStats::default().metrics();
/// assert_eq!(metrics::counter(&list, "ex_dhcp_datagrams_received_total", &[]), Some(0));
/// assert_eq!(metrics::counter(&list, "ex_dhcp_no_such_metric", &[]), None);
/// ```
pub fn counter(metrics: &[Metric], name: &str, labels: &[(&str, &str)]) -> Option<u64> {
    metrics
        .iter()
        .find(|metric| metric.is(name, labels))
        .and_then(|metric| match metric.value {
            Value::Counter(value) => Some(value),
            _ => None,
        })
}

/// The gauge named `name` with `labels` in `metrics`, if there is one.
pub fn gauge(metrics: &[Metric], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics
        .iter()
        .find(|metric| metric.is(name, labels))
        .and_then(|metric| match metric.value {
            Value::Gauge(value) => Some(value),
            _ => None,
        })
}

/// Converts an integer count to a gauge's value: exact below 2^53, far more than any
/// count here reaches.
#[cfg(any(feature = "server", feature = "lease"))]
#[allow(clippy::cast_precision_loss)]
pub(crate) fn as_gauge(value: u64) -> f64 {
    value as f64
}

#[cfg(all(test, feature = "server", feature = "lease"))]
mod tests {
    use std::collections::BTreeMap;
    use std::net::Ipv4Addr;

    use super::*;
    use crate::lease::{LeaseEngine, LeaseService, Pool, ServiceStats, Settings, StoreState};
    use crate::{MessageType, Packet, ServerStats};

    fn engine() -> LeaseEngine {
        let (server, mask) = (
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(255, 255, 255, 0),
        );
        let pool = Pool::new(
            server,
            mask,
            Ipv4Addr::new(198, 18, 0, 100),
            Ipv4Addr::new(198, 18, 0, 109),
            BTreeMap::new(),
        )
        .unwrap();
        LeaseEngine::new(Settings::new(server, mask), pool)
    }

    /// The names are a promise: a name that changes, or goes, fails here.
    #[test]
    fn the_names_are_the_documented_stable_ones() {
        let mut list = ServerStats::default().metrics();
        list.extend(LeaseService::new(engine()).metrics(1_700_000_000));
        let mut names: Vec<(&str, Kind)> = list.iter().map(|m| (m.name, m.kind())).collect();
        names.dedup();
        let (c, g, h) = (Kind::Counter, Kind::Gauge, Kind::Histogram);
        let expected = [
            ("ex_dhcp_datagrams_received_total", c),
            ("ex_dhcp_datagrams_malformed_total", c),
            ("ex_dhcp_datagrams_dropped_total", c),
            ("ex_dhcp_receive_errors_total", c),
            ("ex_dhcp_packets_received_total", c),
            ("ex_dhcp_packets_sent_total", c),
            ("ex_dhcp_send_failures_total", c),
            ("ex_dhcp_replies_trimmed_total", c),
            ("ex_dhcp_deferred_replies_total", c),
            ("ex_dhcp_deferred_replies_settled_total", c),
            ("ex_dhcp_deferred_replies_outstanding", g),
            ("ex_dhcp_tap_dropped_total", c),
            ("ex_dhcp_lease_store_up", g),
            ("ex_dhcp_lease_store_state", g),
            ("ex_dhcp_lease_store_commits_total", c),
            ("ex_dhcp_lease_store_changes_total", c),
            ("ex_dhcp_lease_store_journaled_total", c),
            ("ex_dhcp_lease_store_conflicts_total", c),
            ("ex_dhcp_lease_store_contended_total", c),
            ("ex_dhcp_lease_store_revoked_total", c),
            ("ex_dhcp_lease_store_lookups_total", c),
            ("ex_dhcp_lease_store_stray_records_total", c),
            ("ex_dhcp_lease_store_commit_duration_seconds", h),
            ("ex_dhcp_lease_store_batch_changes", h),
            ("ex_dhcp_lease_claim_held", g),
            ("ex_dhcp_lease_held_replies", g),
            ("ex_dhcp_lease_admissions_pending", g),
            ("ex_dhcp_lease_admissions_deferred_total", c),
            ("ex_dhcp_lease_requests_unanswered_total", c),
            ("ex_dhcp_lease_offers_withdrawn_total", c),
            ("ex_dhcp_lease_declines_ignored_total", c),
            ("ex_dhcp_lease_lost_races_total", c),
            ("ex_dhcp_pool_size_addresses", g),
            ("ex_dhcp_pool_used_addresses", g),
            ("ex_dhcp_pool_free_addresses", g),
        ];
        assert_eq!(names, expected);
        let docs = include_str!("metrics.rs");
        for (name, _) in expected {
            assert!(
                docs.contains(&format!("//! | `{name}` |")),
                "{name} is not in the table"
            );
        }
        for metric in &list {
            let counter = metric.kind() == Kind::Counter;
            assert_eq!(metric.name.ends_with("_total"), counter, "{}", metric.name);
            assert!(metric.help.ends_with('.'), "{}", metric.name);
        }
    }

    #[test]
    fn commit_times_are_in_seconds_with_cumulative_buckets() {
        let mut stats = ServiceStats::default();
        for micros in [50, 300, 300, 20_000_000] {
            stats.commit_micros.observe(micros);
        }
        stats.store = StoreState::Journaling;
        let list = stats.metrics();
        let histogram = list
            .iter()
            .find(|m| m.name == "ex_dhcp_lease_store_commit_duration_seconds")
            .unwrap();
        let Value::Histogram(buckets) = &histogram.value else {
            panic!("{histogram:?}");
        };
        assert_eq!(buckets.bounds[0], (0.0001, 1));
        assert_eq!(buckets.bounds[2], (0.0005, 3));
        assert_eq!(
            buckets.bounds.last(),
            Some(&(10.0, 3)),
            "one above every bound"
        );
        assert_eq!(buckets.count, 4);
        assert!((buckets.sum - 20.00065).abs() < 1e-9, "{}", buckets.sum);
        assert_eq!(gauge(&list, "ex_dhcp_lease_store_up", &[]), Some(0.0));
        let state = |s| gauge(&list, "ex_dhcp_lease_store_state", &[("state", s)]);
        assert_eq!((state("up"), state("journaling")), (Some(0.0), Some(1.0)));
    }

    #[test]
    fn a_pool_counts_what_is_offered_and_bound_and_what_is_left() {
        let mut engine = engine();
        let now = 1_700_000_000;
        for last in 1..=3 {
            let mut discover = Packet::new(MessageType::Discover);
            discover.set_mac([2, 0, 0, 0, 0, last]);
            assert!(engine.handle(&discover, now).reply.is_some());
        }
        let list = engine.pool_metrics(now);
        let subnet = ("subnet", "198.18.0.0/24");
        let used = |state| {
            gauge(
                &list,
                "ex_dhcp_pool_used_addresses",
                &[subnet, ("state", state)],
            )
        };
        assert_eq!(used("offered"), Some(3.0));
        assert_eq!(used("bound"), Some(0.0));
        assert_eq!(
            gauge(&list, "ex_dhcp_pool_size_addresses", &[subnet]),
            Some(10.0)
        );
        assert_eq!(
            gauge(&list, "ex_dhcp_pool_free_addresses", &[subnet]),
            Some(7.0)
        );
    }
}
