//! A real Prometheus scraping `lease_server --metrics` under load from Kea's
//! `perfdhcp`, and the counters read back through Prometheus' own HTTP query API.
//!
//! The topology is the perfdhcp test's (two namespaces on 198.18.4.0/22, perfdhcp as
//! a relay agent). Prometheus runs in the server's namespace and scrapes
//! 127.0.0.1:9267 every second. While perfdhcp sends, what Prometheus holds lags the
//! server by up to one scrape interval (a second: about 200 DISCOVERs at this
//! rate), so the comparison is made once the load has ended and a scrape has come
//! after it: then Prometheus' values must equal the server's own `/metrics` exactly,
//! and those must equal what perfdhcp counted (every DISCOVER and REQUEST it sent
//! reached the server over the veth pair; every OFFER and ACK it received the
//! server sent, and the server may have sent a few that came after perfdhcp stopped
//! listening). `promtool check metrics` (Prometheus' linter) must pass on the text.
//! About 20 s in all.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::lab::Lab;
use crate::support::lease_server;
use crate::support::tools::{BUSYBOX_WGET, PERFDHCP, PROMETHEUS};
use crate::support::{read, wait_for, Netns, Proc};

const SERVER_IP: &str = "198.18.4.1";
const CLIENT_IP: &str = "198.18.4.2";
const METRICS: &str = "127.0.0.1:9267";
const PROMETHEUS_ADDR: &str = "127.0.0.1:9090";
const CLIENTS: &str = "500";
const RATE: &str = "200";
const PERIOD_SECS: &str = "5";
const RUN_TIMEOUT: Duration = Duration::from_secs(25);
/// Prometheus takes a few seconds to start and scrape once.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(30);

/// GETs `url` from inside `ns` (BusyBox wget); `None` when it fails.
fn fetch(ns: &Netns, url: &str) -> Option<String> {
    let output = ns
        .command(Path::new("busybox"))
        .args(["wget", "-q", "-O", "-", url])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One value of an instant query to Prometheus' HTTP API, `/api/v1/query`; `None`
/// when Prometheus has no sample for it (yet).
fn query(ns: &Netns, expr: &str) -> Option<f64> {
    let encoded: String = expr
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let text = fetch(
        ns,
        &format!("http://{PROMETHEUS_ADDR}/api/v1/query?query={encoded}"),
    )?;
    let answer: Value = serde_json::from_str(&text).ok()?;
    assert_eq!(answer["status"], "success", "{expr}: {text}");
    let result = answer["data"]["result"].as_array()?;
    let sample = result.first()?;
    sample["value"][1].as_str()?.parse().ok()
}

/// The value of `series` (`name{labels}` as the text writes it) in a scrape.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

/// `sent packets` and `received packets` of perfdhcp's section `name`.
fn exchange(report: &str, name: &str) -> (f64, f64) {
    let header = format!("***Statistics for: {name}***");
    let section = report
        .split_once(&header)
        .unwrap_or_else(|| panic!("no {header}:\n{report}"))
        .1;
    let section = section.split("***").next().unwrap_or_default();
    let count = |key: &str| {
        section
            .lines()
            .find_map(|line| line.trim().strip_prefix(key)?.trim().strip_prefix(':'))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {name}:\n{report}"))
    };
    (count("sent packets"), count("received packets"))
}

#[test]
#[ignore = "needs root, network namespaces, perfdhcp and Prometheus: sudo .ci/interop prometheus"]
fn prometheus_scrapes_counters_that_match_what_perfdhcp_sent() {
    let mut lab = Lab::with_server_address(
        &[PERFDHCP, PROMETHEUS, BUSYBOX_WGET],
        "pm",
        &format!("{SERVER_IP}/22"),
    );
    lab.client_ns.ip(&[
        "addr",
        "add",
        &format!("{CLIENT_IP}/22"),
        "dev",
        &lab.client_if,
    ]);
    lab.start_server_with(
        &[
            "--server",
            SERVER_IP,
            "--mask",
            "255.255.252.0",
            "--range",
            "198.18.4.10-198.18.7.250",
            "--lease-time",
            "600",
            "--allow-relays",
            "on",
            "--metrics",
            METRICS,
        ],
        "server.log",
    );

    let config = lab.path("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
             scrape_configs:\n  - job_name: ex_dhcp\n    static_configs:\n      - targets: ['{METRICS}']\n"
        ),
    )
    .unwrap();
    let mut command = lab.server_ns.command(Path::new("prometheus"));
    command.args([
        &format!("--config.file={}", config.display()),
        &format!("--storage.tsdb.path={}", lab.path("tsdb").display()),
        &format!("--web.listen-address={PROMETHEUS_ADDR}"),
    ]);
    let mut prometheus = Proc::spawn("prometheus", command, &lab.path("prometheus.log"));
    wait_for("Prometheus to scrape lease_server", SCRAPE_TIMEOUT, || {
        prometheus.assert_running();
        (query(&lab.server_ns, "up{job=\"ex_dhcp\"}") == Some(1.0)).then_some(())
    });

    let mut command = lab.client_ns.command(Path::new("perfdhcp"));
    command.args([
        "-4",
        "-r",
        RATE,
        "-p",
        PERIOD_SECS,
        "-R",
        CLIENTS,
        "-W",
        "2000000",
    ]);
    command.args(["-l", &lab.client_if, SERVER_IP]);
    let log = lab.path("perfdhcp.log");
    let status = Proc::spawn("perfdhcp", command, &log).wait_exit(RUN_TIMEOUT);
    let report = read(&log);
    assert!(
        status.success() || status.code() == Some(3),
        "perfdhcp: {status}\n{report}"
    );
    let (discovers, offers) = exchange(&report, "DISCOVER-OFFER");
    let (requests, acks) = exchange(&report, "REQUEST-ACK");
    assert!(discovers >= 500.0 && acks > 0.0, "{report}");

    // The load is over: the server's counters stand still, and Prometheus catches up
    // at its next scrape.
    let scraped = fetch(&lab.server_ns, &format!("http://{METRICS}/metrics")).expect("/metrics");
    let received = |kind: &str| format!("ex_dhcp_packets_received_total{{type=\"{kind}\"}}");
    let sent = |kind: &str| format!("ex_dhcp_packets_sent_total{{type=\"{kind}\"}}");
    assert_eq!(
        sample(&scraped, &received("DHCPDISCOVER")),
        discovers,
        "{report}"
    );
    assert_eq!(
        sample(&scraped, &received("DHCPREQUEST")),
        requests,
        "{report}"
    );
    assert!(sample(&scraped, &sent("DHCPOFFER")) >= offers, "{report}");
    assert!(sample(&scraped, &sent("DHCPACK")) >= acks, "{report}");
    for series in [
        received("DHCPDISCOVER"),
        received("DHCPREQUEST"),
        sent("DHCPOFFER"),
        sent("DHCPACK"),
        "ex_dhcp_lease_store_changes_total".to_owned(),
        "ex_dhcp_pool_used_addresses{state=\"bound\"}".to_owned(),
    ] {
        let expected = sample(
            &scraped,
            &series.replace("{state", "{subnet=\"198.18.4.0/22\",state"),
        );
        wait_for(
            &format!("Prometheus to hold {series} = {expected}"),
            SCRAPE_TIMEOUT,
            || (query(&lab.server_ns, &series) == Some(expected)).then_some(()),
        );
    }
    // perfdhcp's 500 clients come back (1000 DISCOVERs): each ACK is a record, each
    // client one lease.
    let clients: std::collections::HashSet<String> = lease_server::bound(&lab.lease_file())
        .into_iter()
        .map(|(client, _)| client)
        .collect();
    let bound = clients.len() as f64;
    assert_eq!(
        query(
            &lab.server_ns,
            "ex_dhcp_pool_used_addresses{state=\"bound\"}"
        ),
        Some(bound),
        "the bound gauge counts the lease file's clients"
    );
    let commits = query(
        &lab.server_ns,
        "ex_dhcp_lease_store_commit_duration_seconds_count",
    );
    assert_eq!(
        commits,
        query(&lab.server_ns, "ex_dhcp_lease_store_commits_total")
    );
    assert_eq!(query(&lab.server_ns, "ex_dhcp_lease_store_up"), Some(1.0));

    // Prometheus' own linter on the exposition.
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    std::io::Write::write_all(lint.stdin.as_mut().unwrap(), scraped.as_bytes()).unwrap();
    drop(lint.stdin.take());
    let linted = lint.wait_with_output().unwrap();
    assert!(
        linted.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&linted.stdout),
        String::from_utf8_lossy(&linted.stderr)
    );
    lab.assert_server_running();
    eprintln!(
        "prometheus: DISCOVER {discovers} OFFER {offers} REQUEST {requests} ACK {acks}, \
         bound {bound}, commits {commits:?}"
    );
}
