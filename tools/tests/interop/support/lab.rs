//! The standard lab most interop tests share: a server namespace and a client
//! namespace joined by a veth pair, the server at [`SERVER_IP`]/[`PREFIX`] on its end,
//! a temporary directory for scripts, logs and the lease file, and the `lease_server`
//! example started on port 67 with the standard network options (or a test's own).
//! Each test adds only what is its client's: its script, its flags, its assertions.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use super::events::{self, Event};
use super::lease_server::{self, Record};
use super::tools::Tool;
use super::{require_prerequisites, run, veth, Netns, Proc, TempDir};

/// The server's address, also the router it announces.
pub const SERVER_IP: &str = "198.18.0.1";
/// The prefix length of the lab's subnet.
pub const PREFIX: &str = "24";
/// The subnet mask, [`PREFIX`] written out.
pub const MASK: &str = "255.255.255.0";
/// The addresses the server leases.
pub const RANGE: &str = "198.18.0.100-198.18.0.150";
/// The leased addresses: 198.18.0.`RANGE_OCTETS`.
pub const RANGE_OCTETS: std::ops::RangeInclusive<u8> = 100..=150;
/// The DNS servers the server announces (option 6).
pub const DNS: &str = "198.18.0.53,198.18.0.54";
/// The domain name the server announces (option 15).
pub const DOMAIN: &str = "interop.test";
/// The lease time, in seconds.
pub const LEASE_SECS: &str = "120";

/// The standard network options: every setting a client's script can check.
pub const STANDARD_OPTIONS: [&str; 16] = [
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
    "--log-level",
    "debug",
];

/// A name unique to this process and `case`, for namespaces, interfaces and the
/// temporary directory: `exd<pid><case>`, short enough for interface names.
pub fn tag(case: &str) -> String {
    format!("exd{}{case}", std::process::id())
}

/// Namespaces, files and processes; fields drop in the order declared: processes
/// first, then files, then namespaces.
#[derive(Debug)]
pub struct Lab {
    /// The client under test, once started.
    pub client: Option<Proc>,
    /// `lease_server`, once started.
    pub server: Option<Proc>,
    /// The temporary directory: the script, the logs, the lease file.
    pub dir: TempDir,
    /// Where the server runs.
    pub server_ns: Netns,
    /// Where the client runs.
    pub client_ns: Netns,
    /// The server's interface, in `server_ns`.
    pub server_if: String,
    /// The client's interface, in `client_ns`.
    pub client_if: String,
}

impl Lab {
    /// The standard topology, after checking for root, `ip` and `tools`: the server
    /// at [`SERVER_IP`]/[`PREFIX`]. `case` keeps the names apart from those of the
    /// other tests of the process.
    pub fn new(tools: &[Tool], case: &str) -> Self {
        Self::with_server_address(tools, case, &format!("{SERVER_IP}/{PREFIX}"))
    }

    /// The standard topology with the server at `cidr`.
    pub fn with_server_address(tools: &[Tool], case: &str, cidr: &str) -> Self {
        require_prerequisites(tools);
        let tag = tag(case);
        let server_ns = Netns::new(format!("{tag}-srv"));
        let client_ns = Netns::new(format!("{tag}-cli"));
        let (server_if, client_if) = (format!("{tag}s"), format!("{tag}c"));
        veth(&server_ns, &server_if, &client_ns, &client_if);
        server_ns.ip(&["addr", "add", cidr, "dev", &server_if]);
        Self::assemble(&tag, server_ns, server_if, client_ns, client_if)
    }

    /// A lab on a topology the test built itself (a relay between, say): the
    /// namespaces and interfaces it made, and a fresh temporary directory.
    pub fn assemble(
        tag: &str,
        server_ns: Netns,
        server_if: String,
        client_ns: Netns,
        client_if: String,
    ) -> Self {
        Lab {
            client: None,
            server: None,
            dir: TempDir::new(&format!("ex_dhcp-interop-{tag}")),
            server_ns,
            client_ns,
            server_if,
            client_if,
        }
    }

    /// A path in the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The server's lease file.
    pub fn lease_file(&self) -> PathBuf {
        self.path("leases")
    }

    /// Writes the client's hook script to `script`, executable.
    pub fn write_script(&self, text: &str) {
        let script = self.path("script");
        std::fs::write(&script, text).unwrap();
        run("chmod", &["755", script.to_str().unwrap()]);
    }

    /// Starts (or restarts) `lease_server` with the standard network options,
    /// logging to `log`; returns once it is serving.
    pub fn start_server(&mut self, log: &str) {
        self.start_server_with(&STANDARD_OPTIONS, log);
    }

    /// Starts (or restarts) `lease_server` with `options`, on the server's interface
    /// at port 67, logging to `log`; returns once it is serving.
    pub fn start_server_with(&mut self, options: &[&str], log: &str) {
        let mut args = options.to_vec();
        args.extend(["--interface", &self.server_if, "--port", "67"]);
        let server =
            lease_server::start(&self.server_ns, &args, &self.lease_file(), &self.path(log));
        self.server = Some(server);
    }

    /// Panics unless the server is still running.
    pub fn assert_server_running(&mut self) {
        self.server
            .as_mut()
            .expect("server started")
            .assert_running();
    }

    /// The client under test.
    pub fn client(&mut self) -> &mut Proc {
        self.client.as_mut().expect("client started")
    }

    /// BusyBox udhcpc in the client namespace, in the foreground, `tries` discovers
    /// one second apart, with the lab's script and events file, plus `extra` flags.
    pub fn start_udhcpc(&mut self, tries: &str, extra: &[&str]) {
        let mut command = self.client_ns.command("busybox".as_ref());
        command.args([
            "udhcpc",
            "-f",
            "-i",
            &self.client_if,
            "-t",
            tries,
            "-T",
            "1",
        ]);
        command.args(extra);
        command.arg("-s").arg(self.path("script"));
        command.env("EVENTS", self.path("events"));
        self.client = Some(Proc::spawn("udhcpc", command, &self.path("udhcpc.log")));
    }

    /// Waits up to `timeout` for the `n`th (from 1) event named `name`.
    pub fn wait_event(&self, name: &str, n: usize, timeout: Duration) -> Event {
        events::wait_event(&self.path("events"), name, n, timeout)
    }

    /// Waits up to `timeout` for the lease file to hold `n` records matching.
    pub fn wait_records(
        &self,
        what: &str,
        n: usize,
        timeout: Duration,
        matches: impl Fn(&Record) -> bool,
    ) -> Vec<Record> {
        lease_server::wait_records(&self.lease_file(), what, n, timeout, matches)
    }
}

/// Checks that a client's event carries every standard setting: an address from
/// [`RANGE`], and the mask, router, DNS servers, domain, lease time and server
/// identifier the server was started with. `mask` and `router` name the client's
/// fields for those two; the others are `dns`, `domain`, `lease` and `serverid`.
pub fn assert_standard_lease(event: &Event, mask: &str, router: &str) -> Ipv4Addr {
    let ip: Ipv4Addr = event.get("ip").parse().expect("an address");
    assert!(ip.to_string().starts_with("198.18.0."), "{ip}");
    assert!(RANGE_OCTETS.contains(&ip.octets()[3]), "{ip} out of range");
    assert_eq!(event.get(mask), MASK);
    assert_eq!(event.get(router), SERVER_IP);
    assert_eq!(event.get("dns"), DNS.replace(',', " "));
    assert_eq!(event.get("domain"), DOMAIN);
    assert_eq!(event.get("lease"), LEASE_SECS);
    assert_eq!(event.get("serverid"), SERVER_IP);
    ip
}
