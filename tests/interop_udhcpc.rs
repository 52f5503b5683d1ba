//! BusyBox `udhcpc`, a real DHCP client, against the `lease_server` example.
//!
//! Two network namespaces joined by a veth pair: the server at 198.18.0.1/24 on
//! port 67 bound to its veth end, the client on the other. A udhcpc script appends
//! each event and its variables to a file the test polls. The server's lease file
//! shows each step. Needs root, `ip` and busybox: without them the test fails, saying
//! which is missing (CI installs them in `.ci/run`).

mod interop;

use std::path::Path;
use std::time::Duration;

use interop::events::{self, Event};
use interop::tools::UDHCPC;
use interop::{example_binary, read, require_prerequisites, veth, wait_for, Netns, Proc, TempDir};

const SERVER_IP: &str = "198.18.0.1";
const PREFIX: &str = "24";
const MASK: &str = "255.255.255.0";
const FIRST: &str = "198.18.0.100";
const LAST_OCTET: u8 = 150;
const FIRST_OCTET: u8 = 100;
const DNS: &str = "198.18.0.53,198.18.0.54";
const DOMAIN: &str = "interop.test";
const LEASE_SECS: &str = "120";
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

/// Waits for the `n`th (from 1) event named `name`.
fn wait_event(path: &Path, name: &str, n: usize) -> Event {
    events::wait_event(path, name, n, STEP_TIMEOUT)
}

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

/// The namespaces, temporary files and processes of one test; dropped in reverse
/// order of declaration: processes first, then files, then namespaces.
struct Lab {
    client: Option<Proc>,
    server: Option<Proc>,
    dir: TempDir,
    server_ns: Netns,
    client_ns: Netns,
    binary: std::path::PathBuf,
    tag: String,
}

impl Lab {
    fn new(case: &str) -> Self {
        require_prerequisites(&[UDHCPC]);
        let binary = example_binary("lease_server");
        let tag = format!("exd{}{case}", std::process::id());
        let server_ns = Netns::new(format!("{tag}-srv"));
        let client_ns = Netns::new(format!("{tag}-cli"));
        veth(
            &server_ns,
            &format!("{tag}s"),
            &client_ns,
            &format!("{tag}c"),
        );
        server_ns.ip(&[
            "addr",
            "add",
            &format!("{SERVER_IP}/{PREFIX}"),
            "dev",
            &format!("{tag}s"),
        ]);
        let dir = TempDir::new(&format!("ex_dhcp-interop-{tag}"));
        std::fs::write(dir.join("script"), SCRIPT).unwrap();
        interop::run("chmod", &["755", dir.join("script").to_str().unwrap()]);
        Lab {
            client: None,
            server: None,
            dir,
            server_ns,
            client_ns,
            binary,
            tag,
        }
    }

    fn lease_file(&self) -> std::path::PathBuf {
        self.dir.join("leases")
    }

    fn events(&self) -> std::path::PathBuf {
        self.dir.join("events")
    }

    /// Starts (or restarts) the server; returns once it is serving.
    fn start_server(&mut self, run: usize) {
        let mut command = self.server_ns.command(&self.binary);
        command.args(["--server", SERVER_IP, "--mask", MASK, "--router", SERVER_IP]);
        command.args(["--range", &format!("{FIRST}-198.18.0.{LAST_OCTET}")]);
        command.args(["--dns", DNS, "--domain", DOMAIN, "--lease-time", LEASE_SECS]);
        command.args(["--interface", &format!("{}s", self.tag), "--port", "67"]);
        command.args(["--log-level", "debug", "--lease-file"]);
        command.arg(self.lease_file());
        let log = self.dir.join(&format!("server-{run}.log"));
        self.server = Some(Proc::spawn("lease_server", command, &log));
        wait_for("the server to serve", STEP_TIMEOUT, || {
            self.server.as_mut().unwrap().assert_running();
            read(&log).contains("serving on").then_some(())
        });
    }

    fn start_client(&mut self) {
        let mut command = self.client_ns.command(Path::new("busybox"));
        command.args([
            "udhcpc",
            "-f",
            "-i",
            &format!("{}c", self.tag),
            "-t",
            "5",
            "-T",
            "1",
        ]);
        command.arg("-s").arg(self.dir.join("script"));
        command.env("EVENTS", self.events());
        self.client = Some(Proc::spawn("udhcpc", command, &self.dir.join("udhcpc.log")));
    }

    fn client(&self) -> &Proc {
        self.client.as_ref().expect("client started")
    }

    /// Waits for the first lease and checks every setting udhcpc reports.
    fn first_lease(&mut self) -> Event {
        self.start_client();
        let bound = wait_event(&self.events(), "bound", 1);
        let ip = bound.get("ip");
        let last: u8 = ip.rsplit('.').next().unwrap().parse().unwrap();
        assert!(ip.starts_with("198.18.0."), "{ip}");
        assert!(
            (FIRST_OCTET..=LAST_OCTET).contains(&last),
            "{ip} out of range"
        );
        assert_eq!(bound.get("subnet"), MASK);
        assert_eq!(bound.get("router"), SERVER_IP);
        assert_eq!(bound.get("dns"), DNS.replace(',', " "));
        assert_eq!(bound.get("domain"), DOMAIN);
        assert_eq!(bound.get("lease"), LEASE_SECS);
        assert_eq!(bound.get("serverid"), SERVER_IP);
        let records = bound_records(&self.lease_file(), ip);
        assert_eq!(records.len(), 1, "one bound record after the first lease");
        bound
    }

    /// SIGUSR1: udhcpc renews (unicast); the ACK keeps the address and the server
    /// writes the extended lease.
    fn renew(&mut self, ip: &str, records_before: usize) {
        self.client().signal("USR1");
        let renew = wait_event(&self.events(), "renew", 1);
        assert_eq!(renew.get("ip"), ip, "the renewal keeps the address");
        assert_eq!(renew.get("lease"), LEASE_SECS);
        wait_for("the renewal in the lease file", STEP_TIMEOUT, || {
            (bound_records(&self.lease_file(), ip).len() > records_before).then_some(())
        });
    }

    /// SIGUSR2: udhcpc releases; the server writes the release.
    fn release(&mut self, ip: &str) {
        self.client().signal("USR2");
        wait_event(&self.events(), "deconfig", 2);
        let released = format!(" {ip}");
        wait_for("the release in the lease file", STEP_TIMEOUT, || {
            read(&self.lease_file())
                .lines()
                .any(|l| l.starts_with("released ") && l.ends_with(&released))
                .then_some(())
        });
    }
}

#[test]
fn udhcpc_leases_renews_and_releases() {
    let mut lab = Lab::new("a");
    lab.start_server(1);
    let bound = lab.first_lease();
    let ip = bound.get("ip").to_owned();
    lab.renew(&ip, 1);
    lab.release(&ip);
    lab.server.as_mut().unwrap().assert_running();
}

#[test]
fn a_lease_survives_a_server_killed_with_sigkill() {
    let mut lab = Lab::new("b");
    lab.start_server(1);
    let bound = lab.first_lease();
    let ip = bound.get("ip").to_owned();
    lab.server.as_mut().unwrap().kill();
    lab.start_server(2);
    // The restart compacted the file to the one live lease; the renewal adds one.
    assert_eq!(bound_records(&lab.lease_file(), &ip).len(), 1);
    lab.renew(&ip, 1);
}
