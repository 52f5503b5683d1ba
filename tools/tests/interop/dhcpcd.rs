//! dhcpcd, the client of many Linux distributions, against the `lease_server` example.
//!
//! The standard lab (`tests/interop/lab.rs`): two network namespaces joined by a veth
//! pair. dhcpcd keeps its DUID and leases in `/var/lib/dhcpcd` and its sockets in
//! `/run/dhcpcd`: it runs under `ip netns exec`, which gives it a mount namespace of
//! its own (slave to the host's, so nothing propagates back), where the test's
//! temporary directories are bound over both. Its configuration and hook script are the
//! test's too. With `duid` it sends an RFC 4361 client identifier (option 61: type 255,
//! IAID, DUID), which the server must key the lease on; with `release` it gives the
//! lease back when stopped with SIGTERM.

use std::time::Duration;

use crate::support::lab::{assert_standard_lease, Lab};
use crate::support::lease_server::{self, Record};
use crate::support::read;
use crate::support::tools::DHCPCD;
use crate::support::Proc;

/// dhcpcd's first DISCOVER goes out at once (`nodelay`); a lease takes about a second.
const STEP_TIMEOUT: Duration = Duration::from_secs(15);

/// The hook script: one `|`-separated line per event; dhcpcd configures the
/// interface itself, inside the client namespace.
const SCRIPT: &str = r#"#!/bin/sh
echo "event=$reason|ip=$new_ip_address|mask=$new_subnet_mask|routers=$new_routers|dns=$new_domain_name_servers|domain=$new_domain_name|lease=$new_dhcp_lease_time|serverid=$new_dhcp_server_identifier|clientid=$new_dhcp_client_identifier" >> "$EVENTS"
"#;

/// dhcpcd's configuration: a DUID-based client identifier, the options to ask for,
/// no ARP probe or IPv4LL (they only add seconds here), release on exit.
const CONFIG: &str = "\
duid
option subnet_mask, routers, domain_name_servers, domain_name
noarp
nodelay
noipv4ll
release
";

/// Binds the test's directories over dhcpcd's state directories, in the mount
/// namespace `ip netns exec` made for this process alone, then becomes dhcpcd.
const WRAPPER: &str = "mount --bind \"$DB\" /var/lib/dhcpcd && mount --bind \"$RUN\" /run \
                       && exec dhcpcd \"$@\"";

/// The standard lab with dhcpcd's script, configuration and state directories, the
/// server started.
fn lab() -> Lab {
    let mut lab = Lab::new(&[DHCPCD], "cd");
    lab.write_script(SCRIPT);
    std::fs::write(lab.path("dhcpcd.conf"), CONFIG).unwrap();
    for state in ["db", "run"] {
        std::fs::create_dir(lab.path(state)).unwrap();
    }
    lab.start_server("server.log");
    lab
}

/// dhcpcd in the foreground (`-B`), IPv4 only, with the test's configuration,
/// script and state directories.
fn start_client(lab: &mut Lab) {
    let mut command = lab.client_ns.command("sh".as_ref());
    command.args(["-c", WRAPPER, "dhcpcd", "-B", "-4", "-d", "-t", "10", "-f"]);
    command.arg(lab.path("dhcpcd.conf"));
    command.arg("--script").arg(lab.path("script"));
    // dhcpcd gives its script a clean environment, plus what `--env` sets.
    command
        .arg("--env")
        .arg(format!("EVENTS={}", lab.path("events").display()));
    command.arg(&lab.client_if);
    command
        .env("DB", lab.path("db"))
        .env("RUN", lab.path("run"));
    lab.client = Some(Proc::spawn("dhcpcd", command, &lab.path("dhcpcd.log")));
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn dhcpcd_leases_with_a_duid_client_identifier_and_releases() {
    let mut lab = lab();
    start_client(&mut lab);
    let bound = lab.wait_event("BOUND", 1, STEP_TIMEOUT);
    let ip = assert_standard_lease(&bound, "mask", "routers");

    // RFC 4361: type 255, a 4-byte IAID, then the DUID dhcpcd wrote to its state
    // directory (ours, bound over /var/lib/dhcpcd).
    let client_id = bound.get("clientid").to_owned();
    assert!(
        client_id.starts_with("ff"),
        "not an RFC 4361 identifier: {client_id:?}"
    );
    let duid = read(&lab.path("db/duid")).trim().replace(':', "");
    assert!(
        !duid.is_empty(),
        "dhcpcd wrote no DUID to the test's directory"
    );
    assert_eq!(&client_id[10..], duid, "option 61 = ff, IAID, DUID");
    let key = format!("id:{client_id}");
    let bound = lab.wait_records(
        "the lease, keyed on option 61",
        1,
        STEP_TIMEOUT,
        |r| matches!(r, Record::Bound { client, addr, .. } if *client == key && *addr == ip),
    );
    assert_eq!(bound.len(), 1);
    assert!(
        lease_server::records(&lab.lease_file())
            .iter()
            .all(|r| !matches!(r, Record::Bound { client, .. } if client.starts_with("hw:"))),
        "a client sending option 61 must not be keyed on chaddr"
    );

    // SIGTERM with `release` configured: a RELEASE, and dhcpcd exits.
    let client = lab.client();
    client.signal("TERM");
    let status = client.wait_exit(STEP_TIMEOUT);
    assert!(status.success(), "dhcpcd exited with {status}");
    lab.wait_records("the release in the lease file", 1, STEP_TIMEOUT, |r| {
        *r == Record::Released {
            client: key.clone(),
            addr: ip,
        }
    });
    lab.assert_server_running();
}
