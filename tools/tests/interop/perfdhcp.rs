//! Load from a real tool: ISC Kea's `perfdhcp` against the `lease_server` example.
//!
//! Two namespaces on one /22 (198.18.4.0/22): the server at 198.18.4.1, perfdhcp at
//! 198.18.4.2. Given the server's address, perfdhcp acts as a relay agent: it sends
//! from port 67 with giaddr set to its own address and takes the replies there, so
//! the server runs with `--allow-relays on`. 500 simulated clients, DISCOVER at
//! 200 per second for 5 seconds, each OFFER followed by a REQUEST; then 2 seconds to
//! collect late replies. perfdhcp's report must show at least 95% of each exchange
//! answered, no lease rejected and no address given to two clients.

use std::path::Path;
use std::time::Duration;

use crate::support::lab::Lab;
use crate::support::lease_server;
use crate::support::read;
use crate::support::tools::PERFDHCP;
use crate::support::Proc;

const SERVER_IP: &str = "198.18.4.1";
const CLIENT_IP: &str = "198.18.4.2";
const PREFIX: &str = "22";
const MASK: &str = "255.255.252.0";
/// About 1000 addresses: more than the simulated clients, so none is refused.
const RANGE: &str = "198.18.4.10-198.18.7.250";
const CLIENTS: &str = "500";
const RATE: &str = "200";
const PERIOD_SECS: &str = "5";
/// How long perfdhcp waits for late replies once it stops sending, in microseconds.
const EXIT_WAIT_MICROS: &str = "2000000";
/// The run takes about 7 s; anything past this is a hang.
const RUN_TIMEOUT: Duration = Duration::from_secs(25);
/// The least share of each exchange that must be answered.
const MIN_ANSWERED: f64 = 0.95;
/// perfdhcp's exit status when some exchanges went unanswered (its man page).
const SOME_EXCHANGES_FAILED: i32 = 3;

/// One `***Statistics for: NAME***` section of perfdhcp's report.
#[derive(Debug, Default)]
struct Exchange {
    sent: u64,
    received: u64,
    rejected: u64,
    non_unique: u64,
}

/// The counters of the section named `name` (`DISCOVER-OFFER`, `REQUEST-ACK`).
fn exchange(report: &str, name: &str) -> Exchange {
    let header = format!("***Statistics for: {name}***");
    let section = report
        .split_once(&header)
        .unwrap_or_else(|| panic!("no {header} in perfdhcp's report:\n{report}"))
        .1;
    let section = section.split("***").next().unwrap_or_default();
    let mut counts = Exchange::default();
    for line in section.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = || value.trim().parse::<u64>().expect("a count");
        match key.trim() {
            "sent packets" => counts.sent = value(),
            "received packets" => counts.received = value(),
            "rejected leases" => counts.rejected = value(),
            "non unique addresses" => counts.non_unique = value(),
            _ => {}
        }
    }
    counts
}

fn check(report: &str, name: &str) -> Exchange {
    let counts = exchange(report, name);
    assert!(counts.sent > 0, "{name}: nothing sent\n{report}");
    let answered = counts.received as f64 / counts.sent as f64;
    assert!(
        answered >= MIN_ANSWERED,
        "{name}: {} of {} answered ({:.1}%)\n{report}",
        counts.received,
        counts.sent,
        answered * 100.0
    );
    assert_eq!(counts.rejected, 0, "{name}: rejected leases\n{report}");
    assert_eq!(
        counts.non_unique, 0,
        "{name}: an address given twice\n{report}"
    );
    counts
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn perfdhcp_completes_dora_at_200_per_second_with_few_drops() {
    let mut lab = Lab::with_server_address(&[PERFDHCP], "pf", &format!("{SERVER_IP}/{PREFIX}"));
    let client_cidr = format!("{CLIENT_IP}/{PREFIX}");
    lab.client_ns
        .ip(&["addr", "add", &client_cidr, "dev", &lab.client_if]);
    let options = [
        "--server",
        SERVER_IP,
        "--mask",
        MASK,
        "--range",
        RANGE,
        "--lease-time",
        "600",
        "--allow-relays",
        "on",
        "--log-level",
        "info",
    ];
    lab.start_server_with(&options, "server.log");

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
        EXIT_WAIT_MICROS,
    ]);
    command.args(["-l", &lab.client_if, SERVER_IP]);
    let log = lab.path("perfdhcp.log");
    let mut perfdhcp = Proc::spawn("perfdhcp", command, &log);
    let status = perfdhcp.wait_exit(RUN_TIMEOUT);
    let report = read(&log);
    assert!(
        status.success() || status.code() == Some(SOME_EXCHANGES_FAILED),
        "perfdhcp failed: {status}\n{report}"
    );

    let discover = check(&report, "DISCOVER-OFFER");
    let request = check(&report, "REQUEST-ACK");
    // At 200 per second for 5 seconds, most of the 1000 DISCOVERs should have gone.
    assert!(
        discover.sent >= 500,
        "only {} DISCOVERs sent\n{report}",
        discover.sent
    );
    assert!(request.received > 0);
    let bound = lease_server::bound(&lab.lease_file());
    assert!(
        bound.len() as u64 >= request.received,
        "{} ACKs but {} bound records",
        request.received,
        bound.len()
    );
    lab.assert_server_running();
    eprintln!("perfdhcp: DISCOVER-OFFER {discover:?}, REQUEST-ACK {request:?}");
}
