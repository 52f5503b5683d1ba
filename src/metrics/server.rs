//! The server's counters as metrics.

use crate::server::ServerStats;
use crate::MessageType;

use super::{as_gauge, Metric};

/// The label value of packets without a known message type (BOOTP, unknown values).
const OTHER: &str = "other";

impl ServerStats {
    /// The counters as metrics, under the stable names of [`crate::metrics`]: what came
    /// in, by message type, what went out, by message type, and every loss by reason.
    ///
    /// ```
    /// use ex_dhcp::metrics;
    ///
    /// let list = ex_dhcp::ServerStats::default().metrics();
    /// let discovers = metrics::counter(&list, "ex_dhcp_packets_received_total",
    ///                                  &[("type", "DHCPDISCOVER")]);
    /// assert_eq!(discovers, Some(0));
    /// ```
    pub fn metrics(&self) -> Vec<Metric> {
        let mut list = vec![
            Metric::counter(
                "ex_dhcp_datagrams_received_total",
                "Datagrams read from the server's sockets.",
                self.received,
            ),
            Metric::counter(
                "ex_dhcp_datagrams_malformed_total",
                "Datagrams received that did not decode as DHCP.",
                self.malformed,
            ),
        ];
        let dropped = "Datagrams received but never handled, by reason.";
        for (reason, value) in [
            ("queue_full", self.dropped_full),
            ("stopped", self.dropped_stopped),
        ] {
            list.push(
                Metric::counter("ex_dhcp_datagrams_dropped_total", dropped, value)
                    .label("reason", reason),
            );
        }
        list.push(Metric::counter(
            "ex_dhcp_receive_errors_total",
            "Socket reads that failed.",
            self.receive_errors,
        ));
        by_type(
            &mut list,
            "ex_dhcp_packets_received_total",
            "Packets given to the handler, by DHCP message type (other: BOOTP and unknown types).",
            |kind| self.handled(kind),
        );
        by_type(
            &mut list,
            "ex_dhcp_packets_sent_total",
            "Replies sent, by DHCP message type (other: BOOTP replies).",
            |kind| self.sent_of_type(kind),
        );
        list.push(Metric::counter(
            "ex_dhcp_send_failures_total",
            "Replies that could not be sent.",
            self.send_failures,
        ));
        list.push(Metric::counter(
            "ex_dhcp_replies_trimmed_total",
            "Replies that lost options to fit the client's maximum message size.",
            self.trimmed,
        ));
        list.push(Metric::counter(
            "ex_dhcp_deferred_replies_total",
            "Requests the handler set aside to answer later.",
            self.deferred,
        ));
        let settled = "Deferred requests answered, or dropped without an answer.";
        for (outcome, value) in [
            ("answered", self.deferred_answered),
            ("abandoned", self.deferred_abandoned),
        ] {
            list.push(
                Metric::counter("ex_dhcp_deferred_replies_settled_total", settled, value)
                    .label("outcome", outcome),
            );
        }
        list.push(Metric::gauge(
            "ex_dhcp_deferred_replies_outstanding",
            "Deferred requests neither answered nor abandoned yet.",
            as_gauge(self.deferred_outstanding()),
        ));
        list.push(Metric::counter(
            "ex_dhcp_tap_dropped_total",
            "Datagrams the tap did not write.",
            self.tap_dropped,
        ));
        list
    }
}

/// One counter per message type, 1 to 18 in order, then the packets without one.
fn by_type(
    list: &mut Vec<Metric>,
    name: &'static str,
    help: &'static str,
    count: impl Fn(Option<MessageType>) -> u64,
) {
    for &kind in MessageType::ALL {
        let label = kind.name().expect("every known type has a name");
        list.push(Metric::counter(name, help, count(Some(kind))).label("type", label));
    }
    list.push(Metric::counter(name, help, count(None)).label("type", OTHER));
}

#[cfg(test)]
mod tests {
    use crate::metrics::{counter, Kind};
    use crate::ServerStats;

    #[test]
    fn every_message_type_has_a_series_and_unknown_ones_are_other() {
        let list = ServerStats::default().metrics();
        let received: Vec<_> = list
            .iter()
            .filter(|m| m.name == "ex_dhcp_packets_received_total")
            .map(|m| m.label_value("type").unwrap().to_owned())
            .collect();
        assert_eq!(received.len(), 19);
        assert_eq!(received[0], "DHCPDISCOVER");
        assert_eq!(received[2], "DHCPREQUEST");
        assert_eq!(received[18], "other");
        assert!(list.iter().all(|m| m.kind() != Kind::Histogram));
        assert_eq!(
            counter(&list, "ex_dhcp_packets_sent_total", &[("type", "DHCPACK")]),
            Some(0)
        );
    }
}
