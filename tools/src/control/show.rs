//! `lease_ctl`'s output for people: tables of leases and hosts, the statistics as
//! lines, the configuration as indented `key: value` lines. Scripts take `--json`,
//! the protocol's own result, instead.

use std::fmt::Write;

use serde_json::Value;

use super::protocol::{HostInfo, Lease, LeaseState};

/// A table: a header and rows of cells, columns as wide as their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (index, cell) in cells.enumerate() {
            if index + 1 == widths.len() {
                out.push_str(cell);
            } else {
                let _ = write!(out, "{cell:<width$}  ", width = widths[index]);
            }
        }
        text.push_str(out.trim_end());
        text.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    text
}

/// How far `until` is from `now`, for people: `in 59m 58s`, `3h 2m ago`.
pub fn relative(until: u64, now: u64) -> String {
    let span = |secs: u64| {
        let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
        match (d, h, m) {
            (0, 0, 0) => format!("{s}s"),
            (0, 0, _) => format!("{m}m {s}s"),
            (0, _, _) => format!("{h}h {m}m"),
            _ => format!("{d}d {h}h"),
        }
    };
    if until >= now {
        format!("in {}", span(until - now))
    } else {
        format!("{} ago", span(now - until))
    }
}

/// Leases as a table: address, state, client, subnet, and when the state ends.
pub fn leases(leases: &[Lease], now: u64) -> String {
    if leases.is_empty() {
        return "no leases\n".into();
    }
    let rows: Vec<Vec<String>> = leases
        .iter()
        .map(|lease| {
            let client = lease
                .mac
                .clone()
                .or_else(|| lease.client.clone())
                .unwrap_or_else(|| "-".into());
            let when = match lease.state {
                LeaseState::Free => format!("free since {}", relative(lease.until, now)),
                _ => format!("ends {}", relative(lease.until, now)),
            };
            vec![
                lease.address.to_string(),
                lease.state.name().to_owned(),
                client,
                lease.subnet.clone(),
                when,
            ]
        })
        .collect();
    table(&["ADDRESS", "STATE", "CLIENT", "SUBNET", "WHEN"], &rows)
}

/// Hosts as a table, then the reservations made at start-up without a host.
pub fn hosts(hosts: &[HostInfo], reservations: &[(String, String)]) -> String {
    let dash = |text: Option<String>| text.unwrap_or_else(|| "-".into());
    let mut rows: Vec<Vec<String>> = hosts
        .iter()
        .map(|host| {
            vec![
                host.mac.clone(),
                dash(host.address.map(|a| a.to_string())),
                dash(host.hostname.clone()),
                dash(host.boot_file.clone()),
                dash(host.next_server.map(|a| a.to_string())),
                "host".into(),
            ]
        })
        .collect();
    rows.extend(reservations.iter().map(|(mac, address)| {
        vec![
            mac.clone(),
            address.clone(),
            "-".into(),
            "-".into(),
            "-".into(),
            "--reserve".into(),
        ]
    }));
    if rows.is_empty() {
        return "no hosts\n".into();
    }
    table(
        &[
            "MAC",
            "ADDRESS",
            "HOSTNAME",
            "BOOT-FILE",
            "NEXT-SERVER",
            "FROM",
        ],
        &rows,
    )
}

/// The statistics: the two summary lines, the pools, and every other metric that is
/// not zero (a histogram as its count and sum).
pub fn stats(result: &Value) -> String {
    let mut text = String::new();
    let line = |key| result.get(key).and_then(Value::as_str).unwrap_or("");
    let _ = writeln!(text, "server: {}", line("server"));
    let _ = writeln!(text, "lease service: {}", line("service"));
    let metrics = result
        .get("metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let gauge = |name: &str, subnet: &str, state: Option<&str>| {
        metrics
            .iter()
            .find(|m| {
                m["name"] == name
                    && m["labels"]["subnet"] == subnet
                    && state.is_none_or(|s| m["labels"]["state"] == s)
            })
            .map_or_else(|| "-".to_owned(), |m| m["value"].to_string())
    };
    let subnets: Vec<&str> = metrics
        .iter()
        .filter(|m| m["name"] == "ex_dhcp_pool_size_addresses")
        .filter_map(|m| m["labels"]["subnet"].as_str())
        .collect();
    let rows: Vec<Vec<String>> = subnets
        .iter()
        .map(|subnet| {
            let used = "ex_dhcp_pool_used_addresses";
            vec![
                (*subnet).to_owned(),
                gauge("ex_dhcp_pool_size_addresses", subnet, None),
                gauge(used, subnet, Some("bound")),
                gauge(used, subnet, Some("offered")),
                gauge(used, subnet, Some("declined")),
                gauge("ex_dhcp_pool_free_addresses", subnet, None),
            ]
        })
        .collect();
    text.push('\n');
    text.push_str(&table(
        &["SUBNET", "SIZE", "BOUND", "OFFERED", "DECLINED", "FREE"],
        &rows,
    ));
    text.push('\n');
    let mut rows = Vec::new();
    for metric in &metrics {
        let name = metric["name"].as_str().unwrap_or_default();
        if name.starts_with("ex_dhcp_pool_") {
            continue;
        }
        let value = &metric["value"];
        let shown = match value.get("count") {
            Some(count) if count != 0 => format!("count {count}, sum {}", value["sum"]),
            Some(_) => continue,
            None if value == 0 || value == 0.0 => continue,
            None => value.to_string(),
        };
        let labels: Vec<String> = metric["labels"]
            .as_object()
            .map(|labels| {
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let series = if labels.is_empty() {
            name.to_owned()
        } else {
            format!("{name}{{{}}}", labels.join(","))
        };
        rows.push(vec![series, shown]);
    }
    text.push_str(&table(&["METRIC (not zero)", "VALUE"], &rows));
    text
}

/// Nested JSON as indented `key: value` lines.
pub fn indented(value: &Value) -> String {
    let mut text = String::new();
    write_indented(&mut text, value, 0);
    text
}

fn write_indented(text: &mut String, value: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::Object(_) => {
                        let _ = writeln!(text, "{pad}{key}:");
                        write_indented(text, value, depth + 1);
                    }
                    Value::Array(items) if items.iter().any(|i| i.is_object()) => {
                        let _ = writeln!(text, "{pad}{key}:");
                        for item in items {
                            let _ = writeln!(text, "{pad}  -");
                            write_indented(text, item, depth + 2);
                        }
                    }
                    _ => {
                        let _ = writeln!(text, "{pad}{key}: {}", scalar(value));
                    }
                }
            }
        }
        other => {
            let _ = writeln!(text, "{pad}{}", scalar(other));
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "-".into(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_line_up_and_times_read_as_spans() {
        let text = table(
            &["ADDRESS", "STATE"],
            &[
                vec!["198.18.0.100".into(), "bound".into()],
                vec!["198.18.0.7".into(), "declined".into()],
            ],
        );
        assert_eq!(
            text,
            "ADDRESS       STATE\n198.18.0.100  bound\n198.18.0.7    declined\n"
        );
        assert_eq!(relative(1000 + 3599, 1000), "in 59m 59s");
        assert_eq!(relative(1000, 1000 + 7300), "2h 1m ago");
        assert_eq!(relative(0, 3 * 86_400 + 3600), "3d 1h ago");
    }
}
