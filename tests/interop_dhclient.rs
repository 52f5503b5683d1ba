//! ISC `dhclient`, the reference DHCP client, against the `lease_server` example.
//!
//! Two network namespaces joined by a veth pair, as in `interop_udhcpc.rs`. dhclient
//! runs in the foreground with its own configuration, lease file, DUID file and hook
//! script, all in the test's temporary directory: the script logs each event and sets
//! the address with `ip` inside the client namespace, never touching the host's
//! `/etc/resolv.conf` the way `/sbin/dhclient-script` would. Three runs: the first
//! leases (DISCOVER, OFFER, REQUEST, ACK), the second starts from dhclient's lease file
//! and confirms the address (INIT-REBOOT: a REQUEST with option 50, ACKed), the third
//! (`-r`) releases it. The server's lease file shows each step.

mod interop;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use interop::events::{wait_event, Event};
use interop::lease_server::{self, Record};
use interop::tools::DHCLIENT;
use interop::{read, require_prerequisites, veth, wait_for, Netns, Proc, TempDir};

const SERVER_IP: &str = "198.18.0.1";
const MASK: &str = "255.255.255.0";
const RANGE: &str = "198.18.0.100-198.18.0.150";
const DNS: &str = "198.18.0.53,198.18.0.54";
const DOMAIN: &str = "interop.test";
const LEASE_SECS: &str = "120";
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

/// Namespaces, files and processes, dropped in reverse order of declaration:
/// processes first, then files, then namespaces.
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
        require_prerequisites(&[DHCLIENT]);
        let tag = format!("exd{}dc", std::process::id());
        let server_ns = Netns::new(format!("{tag}-srv"));
        let client_ns = Netns::new(format!("{tag}-cli"));
        let (server_if, client_if) = (format!("{tag}s"), format!("{tag}c"));
        veth(&server_ns, &server_if, &client_ns, &client_if);
        client_ns.ip(&["link", "set", &client_if, "address", CLIENT_MAC]);
        server_ns.ip(&["addr", "add", &format!("{SERVER_IP}/24"), "dev", &server_if]);
        let dir = TempDir::new(&format!("ex_dhcp-interop-{tag}"));
        std::fs::write(dir.join("script"), SCRIPT).unwrap();
        interop::run("chmod", &["755", dir.join("script").to_str().unwrap()]);
        std::fs::write(dir.join("dhclient.conf"), CONFIG).unwrap();
        // dhclient insists that its lease file exists.
        std::fs::write(dir.join("dhclient.leases"), "").unwrap();
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

    /// dhclient in the client namespace, everything it writes in the temporary
    /// directory, with `extra` flags; output to `log`.
    fn dhclient(&self, extra: &[&str], log: &str) -> Proc {
        let mut command = self.client_ns.command("dhclient".as_ref());
        command.args(["-4", "-d", "-v", "--no-pid"]).args(extra);
        for (flag, file) in [
            ("-cf", "dhclient.conf"),
            ("-lf", "dhclient.leases"),
            ("-df", "dhclient.duid"),
            ("-sf", "script"),
        ] {
            command.arg(flag).arg(self.path(file));
        }
        // dhclient gives its script a clean environment, plus what `-e` sets.
        let events = self.path("events");
        command
            .arg("-e")
            .arg(format!("EVENTS={}", events.display()));
        command.arg(&self.client_if);
        Proc::spawn("dhclient", command, &self.path(log))
    }

    fn wait_event(&self, name: &str, n: usize) -> Event {
        wait_event(&self.path("events"), name, n, STEP_TIMEOUT)
    }

    /// The client namespace's IPv4 addresses on the client's interface.
    fn client_addresses(&self) -> String {
        let out = interop::run(
            "ip",
            &[
                "-n",
                self.client_ns.name(),
                "-4",
                "-o",
                "addr",
                "show",
                "dev",
                &self.client_if,
            ],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn lease_records(&self, what: &str, n: usize, f: impl Fn(&Record) -> bool) -> Vec<Record> {
        lease_server::wait_records(&self.path("leases"), what, n, STEP_TIMEOUT, f)
    }

    /// DISCOVER, OFFER, REQUEST, ACK: every setting reaches the script, the interface
    /// and dhclient's own lease file.
    fn first_lease(&mut self) -> Ipv4Addr {
        self.client = Some(self.dhclient(&["-1"], "dhclient-1.log"));
        let bound = self.wait_event("BOUND", 1);
        let ip: Ipv4Addr = bound.get("ip").parse().expect("an address");
        let last = ip.octets()[3];
        assert!(ip.to_string().starts_with("198.18.0.") && (100..=150).contains(&last));
        assert_eq!(bound.get("mask"), MASK);
        assert_eq!(bound.get("routers"), SERVER_IP);
        assert_eq!(bound.get("dns"), DNS.replace(',', " "));
        assert_eq!(bound.get("domain"), DOMAIN);
        assert_eq!(bound.get("lease"), LEASE_SECS);
        assert_eq!(bound.get("serverid"), SERVER_IP);
        let addresses = self.client_addresses();
        assert!(addresses.contains(&format!("inet {ip}/24")), "{addresses}");
        let leases = read(&self.path("dhclient.leases"));
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
        let bound = self.lease_records("the lease in the lease file", 1, is_bound);
        assert_eq!(bound, vec![bound_record(ip, &bound)]);
        ip
    }

    /// A new dhclient with the lease file: INIT-REBOOT, a REQUEST for the address it
    /// had, no DISCOVER, and an ACK for the same address.
    fn reboot(&mut self, ip: Ipv4Addr) {
        self.client = Some(self.dhclient(&["-1"], "dhclient-2.log"));
        let reboot = self.wait_event("REBOOT", 1);
        assert_eq!(
            reboot.get("ip"),
            ip.to_string(),
            "INIT-REBOOT keeps the address"
        );
        assert_eq!(reboot.get("lease"), LEASE_SECS);
        let log = read(&self.path("dhclient-2.log"));
        assert!(log.contains(&format!("DHCPREQUEST for {ip}")), "{log}");
        assert!(
            !log.contains("DHCPDISCOVER"),
            "INIT-REBOOT sends no DISCOVER:\n{log}"
        );
        let bound = self.lease_records("the renewal in the lease file", 2, is_bound);
        assert_eq!(bound[1], bound_record(ip, &bound[1..]));
    }

    /// `dhclient -r`: a RELEASE, unicast to the server, which frees the lease.
    fn release(&mut self, ip: Ipv4Addr) {
        let mut release = self.dhclient(&["-r"], "dhclient-release.log");
        let status: ExitStatus = release.wait_exit(STEP_TIMEOUT);
        assert!(status.success(), "dhclient -r: {status}");
        let event = self.wait_event("RELEASE", 1);
        assert_eq!(event.get("old_ip"), ip.to_string());
        let log = read(&self.path("dhclient-release.log"));
        assert!(log.contains(&format!("DHCPRELEASE of {ip}")), "{log}");
        self.lease_records("the release in the lease file", 1, |r| {
            *r == Record::Released {
                client: CLIENT_KEY.to_owned(),
                addr: ip,
            }
        });
        wait_for("the address to be removed", STEP_TIMEOUT, || {
            (!self.client_addresses().contains("inet ")).then_some(())
        });
    }
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
fn dhclient_leases_reboots_and_releases() {
    let mut lab = Lab::new();
    let ip = lab.first_lease();
    // Gone without a word, as after a crash or reboot: the next run INIT-REBOOTs.
    lab.client.take().unwrap().kill();
    lab.reboot(ip);
    lab.client.take().unwrap().kill();
    lab.release(ip);
    lab.server.as_mut().unwrap().assert_running();
}
