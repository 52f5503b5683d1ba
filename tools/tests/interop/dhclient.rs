//! ISC `dhclient`, the reference DHCP client, against the `lease_server` example.
//!
//! The standard lab (`tests/interop/lab.rs`): two network namespaces joined by a veth
//! pair. dhclient runs in the foreground with its own configuration, lease file, DUID
//! file and hook script, all in the test's temporary directory: the script logs each
//! event and sets the address with `ip` inside the client namespace, never touching the
//! host's `/etc/resolv.conf` the way `/sbin/dhclient-script` would. Three runs: the
//! first leases (DISCOVER, OFFER, REQUEST, ACK), the second starts from dhclient's
//! lease file and confirms the address (INIT-REBOOT: a REQUEST with option 50, ACKed),
//! the third (`-r`) releases it. The server's lease file shows each step.

use std::net::Ipv4Addr;
use std::process::ExitStatus;
use std::time::Duration;

use crate::support::lab::{
    assert_standard_lease, Lab, DNS, DOMAIN, LEASE_SECS, MASK, PREFIX, SERVER_IP,
};
use crate::support::lease_server::Record;
use crate::support::tools::DHCLIENT;
use crate::support::{read, wait_for, Proc};

/// The client's MAC address, so the server's key for it is known: `hw:1:<mac>`.
const CLIENT_MAC: &str = "02:00:00:00:dc:01";
const CLIENT_KEY: &str = "hw:1:02000000dc01";
/// dhclient retries every few seconds; a lease on a quiet veth takes about one.
const STEP_TIMEOUT: Duration = Duration::from_secs(15);

/// The hook script: one `|`-separated line per event, then the address set or
/// removed with `ip`, inside the client namespace only.
const SCRIPT: &str = r#"#!/bin/sh
echo "event=$reason|ip=$new_ip_address|mask=$new_subnet_mask|routers=$new_routers|dns=$new_domain_name_servers|domain=$new_domain_name|lease=$new_dhcp_lease_time|serverid=$new_dhcp_server_identifier|old_ip=$old_ip_address" >> "$EVENTS"
case "$reason" in
    BOUND|RENEW|REBIND|REBOOT)
        ip -4 addr flush dev "$interface"
        ip -4 addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
    EXPIRE|FAIL|RELEASE|STOP)
        ip -4 addr flush dev "$interface" ;;
esac
exit 0
"#;

/// dhclient's configuration: just the options to ask for (no host defaults).
const CONFIG: &str = "request subnet-mask, routers, domain-name-servers, domain-name, \
                      dhcp-lease-time;\n";

/// The standard lab with dhclient's MAC address, script, configuration and lease
/// file, the server started.
fn lab() -> Lab {
    let mut lab = Lab::new(&[DHCLIENT], "dc");
    lab.client_ns
        .ip(&["link", "set", &lab.client_if, "address", CLIENT_MAC]);
    lab.write_script(SCRIPT);
    std::fs::write(lab.path("dhclient.conf"), CONFIG).unwrap();
    // dhclient insists that its lease file exists.
    std::fs::write(lab.path("dhclient.leases"), "").unwrap();
    lab.start_server("server.log");
    lab
}

/// dhclient in the client namespace, everything it writes in the temporary
/// directory, with `extra` flags; output to `log`.
fn dhclient(lab: &Lab, extra: &[&str], log: &str) -> Proc {
    let mut command = lab.client_ns.command("dhclient".as_ref());
    command.args(["-4", "-d", "-v", "--no-pid"]).args(extra);
    for (flag, file) in [
        ("-cf", "dhclient.conf"),
        ("-lf", "dhclient.leases"),
        ("-df", "dhclient.duid"),
        ("-sf", "script"),
    ] {
        command.arg(flag).arg(lab.path(file));
    }
    // dhclient gives its script a clean environment, plus what `-e` sets.
    let events = lab.path("events");
    command
        .arg("-e")
        .arg(format!("EVENTS={}", events.display()));
    command.arg(&lab.client_if);
    Proc::spawn("dhclient", command, &lab.path(log))
}

/// The client namespace's IPv4 addresses on the client's interface.
fn client_addresses(lab: &Lab) -> String {
    let out = crate::support::run(
        "ip",
        &[
            "-n",
            lab.client_ns.name(),
            "-4",
            "-o",
            "addr",
            "show",
            "dev",
            &lab.client_if,
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// DISCOVER, OFFER, REQUEST, ACK: every setting reaches the script, the interface
/// and dhclient's own lease file.
fn first_lease(lab: &mut Lab) -> Ipv4Addr {
    lab.client = Some(dhclient(lab, &["-1"], "dhclient-1.log"));
    let bound = lab.wait_event("BOUND", 1, STEP_TIMEOUT);
    let ip = assert_standard_lease(&bound, "mask", "routers");
    let addresses = client_addresses(lab);
    assert!(
        addresses.contains(&format!("inet {ip}/{PREFIX}")),
        "{addresses}"
    );
    let leases = read(&lab.path("dhclient.leases"));
    for line in [
        format!("fixed-address {ip};"),
        format!("option subnet-mask {MASK};"),
        format!("option routers {SERVER_IP};"),
        format!("option domain-name-servers {DNS};"),
        format!("option domain-name \"{DOMAIN}\";"),
        format!("option dhcp-lease-time {LEASE_SECS};"),
        format!("option dhcp-server-identifier {SERVER_IP};"),
    ] {
        assert!(
            leases.contains(&line),
            "dhclient's lease file lacks {line}:\n{leases}"
        );
    }
    let bound = lab.wait_records("the lease in the lease file", 1, STEP_TIMEOUT, is_bound);
    assert_eq!(bound, vec![bound_record(ip, &bound)]);
    ip
}

/// A new dhclient with the lease file: INIT-REBOOT, a REQUEST for the address it
/// had, no DISCOVER, and an ACK for the same address.
fn reboot(lab: &mut Lab, ip: Ipv4Addr) {
    lab.client = Some(dhclient(lab, &["-1"], "dhclient-2.log"));
    let reboot = lab.wait_event("REBOOT", 1, STEP_TIMEOUT);
    assert_eq!(
        reboot.get("ip"),
        ip.to_string(),
        "INIT-REBOOT keeps the address"
    );
    assert_eq!(reboot.get("lease"), LEASE_SECS);
    let log = read(&lab.path("dhclient-2.log"));
    assert!(log.contains(&format!("DHCPREQUEST for {ip}")), "{log}");
    assert!(
        !log.contains("DHCPDISCOVER"),
        "INIT-REBOOT sends no DISCOVER:\n{log}"
    );
    let bound = lab.wait_records("the renewal in the lease file", 2, STEP_TIMEOUT, is_bound);
    assert_eq!(bound[1], bound_record(ip, &bound[1..]));
}

/// `dhclient -r`: a RELEASE, unicast to the server, which frees the lease.
fn release(lab: &mut Lab, ip: Ipv4Addr) {
    let mut release = dhclient(lab, &["-r"], "dhclient-release.log");
    let status: ExitStatus = release.wait_exit(STEP_TIMEOUT);
    assert!(status.success(), "dhclient -r: {status}");
    let event = lab.wait_event("RELEASE", 1, STEP_TIMEOUT);
    assert_eq!(event.get("old_ip"), ip.to_string());
    let log = read(&lab.path("dhclient-release.log"));
    assert!(log.contains(&format!("DHCPRELEASE of {ip}")), "{log}");
    lab.wait_records("the release in the lease file", 1, STEP_TIMEOUT, |r| {
        *r == Record::Released {
            client: CLIENT_KEY.to_owned(),
            addr: ip,
        }
    });
    wait_for("the address to be removed", STEP_TIMEOUT, || {
        (!client_addresses(lab).contains("inet ")).then_some(())
    });
}

fn is_bound(record: &Record) -> bool {
    matches!(record, Record::Bound { .. })
}

/// The bound record expected for `ip`, with the `until` the server wrote.
fn bound_record(ip: Ipv4Addr, found: &[Record]) -> Record {
    let until = match found.first() {
        Some(Record::Bound { until, .. }) => *until,
        other => panic!("no bound record: {other:?}"),
    };
    Record::Bound {
        client: CLIENT_KEY.to_owned(),
        addr: ip,
        until,
    }
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn dhclient_leases_reboots_and_releases() {
    let mut lab = lab();
    let ip = first_lease(&mut lab);
    // Gone without a word, as after a crash or reboot: the next run INIT-REBOOTs.
    lab.client.take().unwrap().kill();
    reboot(&mut lab, ip);
    lab.client.take().unwrap().kill();
    release(&mut lab, ip);
    lab.assert_server_running();
}
