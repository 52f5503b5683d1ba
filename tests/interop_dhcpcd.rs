//! dhcpcd, the client of many Linux distributions, against the `lease_server` example.
//!
//! Two network namespaces joined by a veth pair, as in `interop_udhcpc.rs`. dhcpcd
//! keeps its DUID and leases in `/var/lib/dhcpcd` and its sockets in `/run/dhcpcd`:
//! it runs under `ip netns exec`, which gives it a mount namespace of its own (slave
//! to the host's, so nothing propagates back), where the test's temporary
//! directories are bound over both. Its configuration and hook script are the test's
//! too. With `duid` it sends an RFC 4361 client identifier (option 61: type 255,
//! IAID, DUID), which the server must key the lease on; with `release` it gives the
//! lease back when stopped with SIGTERM.

mod interop;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use interop::events::{wait_event, Event};
use interop::lease_server::{self, Record};
use interop::tools::DHCPCD;
use interop::{read, require_prerequisites, veth, Netns, Proc, TempDir};

const SERVER_IP: &str = "198.18.0.1";
const MASK: &str = "255.255.255.0";
const RANGE: &str = "198.18.0.100-198.18.0.150";
const DNS: &str = "198.18.0.53,198.18.0.54";
const DOMAIN: &str = "interop.test";
const LEASE_SECS: &str = "120";
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

/// Namespaces, files and processes, dropped in reverse order of declaration.
struct Lab {
    client: Option<Proc>,
    server: Option<Proc>,
    dir: TempDir,
    _server_ns: Netns,
    client_ns: Netns,
    client_if: String,
}

impl Lab {
    fn new() -> Self {
        require_prerequisites(&[DHCPCD]);
        let tag = format!("exd{}cd", std::process::id());
        let server_ns = Netns::new(format!("{tag}-srv"));
        let client_ns = Netns::new(format!("{tag}-cli"));
        let (server_if, client_if) = (format!("{tag}s"), format!("{tag}c"));
        veth(&server_ns, &server_if, &client_ns, &client_if);
        server_ns.ip(&["addr", "add", &format!("{SERVER_IP}/24"), "dev", &server_if]);
        let dir = TempDir::new(&format!("ex_dhcp-interop-{tag}"));
        std::fs::write(dir.join("script"), SCRIPT).unwrap();
        interop::run("chmod", &["755", dir.join("script").to_str().unwrap()]);
        std::fs::write(dir.join("dhcpcd.conf"), CONFIG).unwrap();
        for state in ["db", "run"] {
            std::fs::create_dir(dir.join(state)).unwrap();
        }
        let args = [
            "--server",
            SERVER_IP,
            "--mask",
            MASK,
            "--router",
            SERVER_IP,
            "--range",
            RANGE,
            "--dns",
            DNS,
            "--domain",
            DOMAIN,
            "--lease-time",
            LEASE_SECS,
            "--interface",
            &server_if,
            "--port",
            "67",
            "--log-level",
            "debug",
        ];
        let server = lease_server::start(
            &server_ns,
            &args,
            &dir.join("leases"),
            &dir.join("server.log"),
        );
        Lab {
            client: None,
            server: Some(server),
            dir,
            _server_ns: server_ns,
            client_ns,
            client_if,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// dhcpcd in the foreground (`-B`), IPv4 only, with the test's configuration,
    /// script and state directories.
    fn start_client(&mut self) {
        let mut command = self.client_ns.command("sh".as_ref());
        command.args(["-c", WRAPPER, "dhcpcd", "-B", "-4", "-d", "-t", "10", "-f"]);
        command.arg(self.path("dhcpcd.conf"));
        command.arg("--script").arg(self.path("script"));
        // dhcpcd gives its script a clean environment, plus what `--env` sets.
        command
            .arg("--env")
            .arg(format!("EVENTS={}", self.path("events").display()));
        command.arg(&self.client_if);
        command
            .env("DB", self.path("db"))
            .env("RUN", self.path("run"));
        self.client = Some(Proc::spawn("dhcpcd", command, &self.path("dhcpcd.log")));
    }

    fn wait_event(&self, name: &str) -> Event {
        wait_event(&self.path("events"), name, 1, STEP_TIMEOUT)
    }

    fn lease_records(&self, what: &str, f: impl Fn(&Record) -> bool) -> Vec<Record> {
        lease_server::wait_records(&self.path("leases"), what, 1, STEP_TIMEOUT, f)
    }
}

#[test]
fn dhcpcd_leases_with_a_duid_client_identifier_and_releases() {
    let mut lab = Lab::new();
    lab.start_client();
    let bound = lab.wait_event("BOUND");
    let ip: Ipv4Addr = bound.get("ip").parse().expect("an address");
    assert!((100..=150).contains(&ip.octets()[3]) && ip.to_string().starts_with("198.18.0."));
    assert_eq!(bound.get("mask"), MASK);
    assert_eq!(bound.get("routers"), SERVER_IP);
    assert_eq!(bound.get("dns"), DNS.replace(',', " "));
    assert_eq!(bound.get("domain"), DOMAIN);
    assert_eq!(bound.get("lease"), LEASE_SECS);
    assert_eq!(bound.get("serverid"), SERVER_IP);

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
    let bound = lab.lease_records(
        "the lease, keyed on option 61",
        |r| matches!(r, Record::Bound { client, addr, .. } if *client == key && *addr == ip),
    );
    assert_eq!(bound.len(), 1);
    assert!(
        lease_server::records(&lab.path("leases"))
            .iter()
            .all(|r| !matches!(r, Record::Bound { client, .. } if client.starts_with("hw:"))),
        "a client sending option 61 must not be keyed on chaddr"
    );

    // SIGTERM with `release` configured: a RELEASE, and dhcpcd exits.
    let client = lab.client.as_mut().unwrap();
    client.signal("TERM");
    let status = client.wait_exit(STEP_TIMEOUT);
    assert!(status.success(), "dhcpcd exited with {status}");
    lab.lease_records("the release in the lease file", |r| {
        *r == Record::Released {
            client: key.clone(),
            addr: ip,
        }
    });
    lab.server.as_mut().unwrap().assert_running();
}
