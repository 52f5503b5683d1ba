//! The lease engine's pools, and the lease service's counters, as metrics.

use crate::lease::{LeaseEngine, Secs};

use super::{as_gauge, Metric};

impl LeaseEngine {
    /// Each subnet's pool at `now` as metrics, under the stable names of
    /// [`crate::metrics`]: its size, the addresses held by state, and the addresses
    /// free, labelled with the subnet (`198.18.0.0/24`). It walks every lease table
    /// ([`LeaseTable::counts`](crate::lease::LeaseTable::counts)): call it for a
    /// scrape, not for every packet.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use ex_dhcp::lease::{LeaseEngine, Pool, Settings};
    /// use ex_dhcp::metrics;
    ///
    /// let ip = |text: &str| text.parse::<Ipv4Addr>().unwrap();
    /// let (server, mask) = (ip("198.18.0.1"), ip("255.255.255.0"));
    /// let pool = Pool::new(server, mask, ip("198.18.0.100"), ip("198.18.0.149"), Default::default())?;
    /// let engine = LeaseEngine::new(Settings::new(server, mask), pool);
    /// let list = engine.pool_metrics(1_700_000_000);
    /// let subnet = [("subnet", "198.18.0.0/24")];
    /// assert_eq!(metrics::gauge(&list, "ex_dhcp_pool_size_addresses", &subnet), Some(50.0));
    /// assert_eq!(metrics::gauge(&list, "ex_dhcp_pool_free_addresses", &subnet), Some(50.0));
    /// # Ok::<(), ex_dhcp::lease::PoolError>(())
    /// ```
    pub fn pool_metrics(&self, now: Secs) -> Vec<Metric> {
        let mut list = Vec::new();
        for (id, config) in self.subnets() {
            let subnet = config.pool().subnet().to_string();
            let size = config.pool().capacity() as u64;
            let counts = self.table_of(id).map(|t| t.counts(now)).unwrap_or_default();
            list.push(
                Metric::gauge(
                    "ex_dhcp_pool_size_addresses",
                    "Addresses a subnet leases: its ranges, and fixed addresses outside them.",
                    as_gauge(size),
                )
                .label("subnet", subnet.clone()),
            );
            let held = [
                ("offered", counts.offered),
                ("bound", counts.bound),
                ("declined", counts.quarantined),
            ];
            for (state, count) in held {
                list.push(
                    Metric::gauge(
                        "ex_dhcp_pool_used_addresses",
                        "Addresses of a subnet held now, by state.",
                        as_gauge(count as u64),
                    )
                    .label("subnet", subnet.clone())
                    .label("state", state),
                );
            }
            let used: u64 = held.iter().map(|(_, count)| *count as u64).sum();
            list.push(
                Metric::gauge(
                    "ex_dhcp_pool_free_addresses",
                    "Addresses of a subnet not held now: its size less those held.",
                    as_gauge(size.saturating_sub(used)),
                )
                .label("subnet", subnet),
            );
        }
        list
    }
}

#[cfg(feature = "server")]
mod service {
    use crate::lease::{Histogram, Hooks, LeaseService, Secs, ServiceStats, StoreState};
    use crate::metrics::{as_gauge, Buckets, Metric};

    /// Microseconds in a second, for the commit times' histogram.
    const MICROS: f64 = 1e6;

    impl ServiceStats {
        /// The counters as metrics, under the stable names of [`crate::metrics`]: the
        /// store (its state, commits and their duration and size, conflicts, lookups),
        /// held replies, admissions, and the requests left unanswered by reason.
        ///
        /// ```
        /// use ex_dhcp::lease::ServiceStats;
        /// use ex_dhcp::metrics;
        ///
        /// let list = ServiceStats::default().metrics();
        /// assert_eq!(metrics::gauge(&list, "ex_dhcp_lease_store_up", &[]), Some(1.0));
        /// assert_eq!(metrics::counter(&list, "ex_dhcp_lease_store_commits_total", &[]), Some(0));
        /// ```
        pub fn metrics(&self) -> Vec<Metric> {
            let mut list = vec![Metric::gauge(
                "ex_dhcp_lease_store_up",
                "1 when the lease store answers, else 0.",
                flag(self.store == StoreState::Up),
            )];
            for (state, name) in [
                (StoreState::Up, "up"),
                (StoreState::Journaling, "journaling"),
                (StoreState::Down, "down"),
                (StoreState::Unloaded, "unloaded"),
            ] {
                list.push(
                    Metric::gauge(
                        "ex_dhcp_lease_store_state",
                        "1 for the lease store's state (up, journaling, down, unloaded), 0 for the others.",
                        flag(self.store == state),
                    )
                    .label("state", name),
                );
            }
            let counters: [(&'static str, &'static str, u64); 8] = [
                (
                    "ex_dhcp_lease_store_commits_total",
                    "Batches of lease changes the store made durable.",
                    self.batches,
                ),
                (
                    "ex_dhcp_lease_store_changes_total",
                    "Lease changes the store made durable.",
                    self.changes,
                ),
                (
                    "ex_dhcp_lease_store_journaled_total",
                    "Lease changes kept in the local journal while the shared store was unreachable.",
                    self.journaled,
                ),
                (
                    "ex_dhcp_lease_store_conflicts_total",
                    "Lease changes a shared store refused because another server got there first.",
                    self.conflicts,
                ),
                (
                    "ex_dhcp_lease_store_contended_total",
                    "Lease changes a shared store could not settle.",
                    self.contended,
                ),
                (
                    "ex_dhcp_lease_store_revoked_total",
                    "Leases taken back when a journal was written to the shared store after an outage.",
                    self.revoked,
                ),
                (
                    "ex_dhcp_lease_store_lookups_total",
                    "Store lookups started for clients of other servers.",
                    self.lookups,
                ),
                (
                    "ex_dhcp_lease_store_stray_records_total",
                    "Records of the store at start-up whose address is on no subnet.",
                    self.stray_records,
                ),
            ];
            for (name, help, value) in counters {
                list.push(Metric::counter(name, help, value));
            }
            list.push(Metric::histogram(
                "ex_dhcp_lease_store_commit_duration_seconds",
                "How long the lease store's commits took.",
                buckets(&self.commit_micros, MICROS),
            ));
            list.push(Metric::histogram(
                "ex_dhcp_lease_store_batch_changes",
                "How many lease changes each committed batch held.",
                buckets(&self.batch_changes, 1.0),
            ));
            list.push(Metric::gauge(
                "ex_dhcp_lease_claim_held",
                "1 while this server holds its claim on its share of a shared store's ranges.",
                flag(self.claim_held),
            ));
            list.push(Metric::gauge(
                "ex_dhcp_lease_held_replies",
                "Replies held now until their lease is durable.",
                as_gauge(self.held as u64),
            ));
            list.push(Metric::gauge(
                "ex_dhcp_lease_admissions_pending",
                "Requests held now for an admission verdict.",
                as_gauge(self.pending_admissions as u64),
            ));
            list.push(Metric::counter(
                "ex_dhcp_lease_admissions_deferred_total",
                "Requests held for an admission verdict.",
                self.deferred_admissions,
            ));
            let unanswered = "Requests the lease service left without an answer, by reason.";
            for (reason, value) in [
                ("no_address", self.engine.unanswered_discovers),
                ("no_subnet", self.engine.no_subnet),
                ("backlog", self.backlog_drops),
                ("throttled", self.throttled_offers),
                ("stale", self.stale_replies),
                ("lookup_budget", self.lookups_dropped),
                ("denied", self.denied),
                ("admission_duplicate", self.duplicate_admissions),
                ("admission_timeout", self.dropped_admissions),
            ] {
                list.push(
                    Metric::counter("ex_dhcp_lease_requests_unanswered_total", unanswered, value)
                        .label("reason", reason),
                );
            }
            list.push(Metric::counter(
                "ex_dhcp_lease_offers_withdrawn_total",
                "Offers withdrawn, oldest first, to make room for another client.",
                self.engine.offers_withdrawn,
            ));
            list.push(Metric::counter(
                "ex_dhcp_lease_declines_ignored_total",
                "DECLINEs ignored: the client did not hold the address.",
                self.engine.declines_ignored,
            ));
            list.push(Metric::counter(
                "ex_dhcp_lease_lost_races_total",
                "Addresses another server sharing the store leased first.",
                self.engine.lost_races,
            ));
            list
        }
    }

    impl<H: Hooks> LeaseService<H> {
        /// The service's counters ([`ServiceStats::metrics`]) and its pools at `now`
        /// ([`LeaseEngine::pool_metrics`](crate::lease::LeaseEngine::pool_metrics), which
        /// walks the lease tables): on a running server, from the handler thread,
        /// `handle.call(move |service| service.metrics(now))`.
        pub fn metrics(&self, now: Secs) -> Vec<Metric> {
            let mut list = self.stats().metrics();
            list.extend(self.engine().pool_metrics(now));
            list
        }
    }

    fn flag(on: bool) -> f64 {
        if on {
            1.0
        } else {
            0.0
        }
    }

    /// A histogram's buckets, its bounds and sum divided by `unit` (a million turns
    /// microseconds into seconds).
    fn buckets<const N: usize>(histogram: &Histogram<N>, unit: f64) -> Buckets {
        Buckets {
            bounds: histogram
                .buckets()
                .map(|(bound, count)| (as_gauge(bound) / unit, count))
                .collect(),
            count: histogram.count(),
            sum: as_gauge(histogram.sum()) / unit,
        }
    }
}
