//! BusyBox `udhcpc`, a real DHCP client, against the `lease_server` example.
//!
//! The standard lab (`tests/interop/lab.rs`): two network namespaces joined by a veth
//! pair, the server at 198.18.0.1/24 on port 67 bound to its veth end, the client on
//! the other. A udhcpc script appends each event and its variables to a file the test
//! polls. The server's lease file shows each step. Needs root, `ip` and busybox:
//! without them the test fails, saying which is missing (CI installs them in
//! `.ci/run`).

use std::path::Path;
use std::time::Duration;

use crate::support::events::Event;
use crate::support::lab::{assert_standard_lease, Lab, LEASE_SECS};
use crate::support::tools::UDHCPC;
use crate::support::{read, wait_for};

/// Long enough for udhcpc's five discovers one second apart, with margin.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// The udhcpc script: configures the address (renewals are unicast from it) and
/// appends one `|`-separated line per event.
const SCRIPT: &str = r#"#!/bin/sh
case "$1" in
    bound|renew) busybox ifconfig "$interface" "$ip" netmask "$subnet" ;;
    deconfig) busybox ifconfig "$interface" 0.0.0.0 ;;
esac
echo "event=$1|ip=$ip|subnet=$subnet|router=$router|dns=$dns|lease=$lease|domain=$domain|serverid=$serverid" >> "$EVENTS"
"#;

/// The lease file's `bound` records for `ip`, as (client, until).
fn bound_records(lease_file: &Path, ip: &str) -> Vec<(String, u64)> {
    read(lease_file)
        .lines()
        .filter_map(|l| match l.split(' ').collect::<Vec<_>>()[..] {
            ["bound", key, addr, until] if addr == ip => {
                Some((key.to_owned(), until.parse().expect("until")))
            }
            _ => None,
        })
        .collect()
}

/// The standard lab with udhcpc's script, the server started.
fn lab(case: &str) -> Lab {
    let mut lab = Lab::new(&[UDHCPC], case);
    lab.write_script(SCRIPT);
    lab.start_server("server-1.log");
    lab
}

/// Waits for the first lease and checks every setting udhcpc reports.
fn first_lease(lab: &mut Lab) -> Event {
    lab.start_udhcpc("5", &[]);
    let bound = lab.wait_event("bound", 1, STEP_TIMEOUT);
    let ip = assert_standard_lease(&bound, "subnet", "router");
    let records = bound_records(&lab.lease_file(), &ip.to_string());
    assert_eq!(records.len(), 1, "one bound record after the first lease");
    bound
}

/// SIGUSR1: udhcpc renews (unicast); the ACK keeps the address and the server
/// writes the extended lease.
fn renew(lab: &mut Lab, ip: &str, records_before: usize) {
    lab.client().signal("USR1");
    let renew = lab.wait_event("renew", 1, STEP_TIMEOUT);
    assert_eq!(renew.get("ip"), ip, "the renewal keeps the address");
    assert_eq!(renew.get("lease"), LEASE_SECS);
    wait_for("the renewal in the lease file", STEP_TIMEOUT, || {
        (bound_records(&lab.lease_file(), ip).len() > records_before).then_some(())
    });
}

/// SIGUSR2: udhcpc releases; the server writes the release.
fn release(lab: &mut Lab, ip: &str) {
    lab.client().signal("USR2");
    lab.wait_event("deconfig", 2, STEP_TIMEOUT);
    let released = format!(" {ip}");
    wait_for("the release in the lease file", STEP_TIMEOUT, || {
        read(&lab.lease_file())
            .lines()
            .any(|l| l.starts_with("released ") && l.ends_with(&released))
            .then_some(())
    });
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn udhcpc_leases_renews_and_releases() {
    let mut lab = lab("a");
    let bound = first_lease(&mut lab);
    let ip = bound.get("ip").to_owned();
    renew(&mut lab, &ip, 1);
    release(&mut lab, &ip);
    lab.assert_server_running();
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn a_lease_survives_a_server_killed_with_sigkill() {
    let mut lab = lab("b");
    let bound = first_lease(&mut lab);
    let ip = bound.get("ip").to_owned();
    lab.server.as_mut().unwrap().kill();
    lab.start_server("server-2.log");
    // The restart compacted the file to the one live lease; the renewal adds one.
    assert_eq!(bound_records(&lab.lease_file(), &ip).len(), 1);
    renew(&mut lab, &ip, 1);
}
