//! Several subnets behind relays: each subnet a client namespace and a relay
//! namespace running ISC `dhcrelay`, every relay's uplink on one bridge in the server
//! namespace, and a BusyBox `udhcpc` per client.
//!
//! ```text
//! client ns n            relay ns n                             server ns
//! udhcpc ---- veth ---- 198.18.n.1  dhcrelay  198.18.0.(n+1) ---- veth ---+ bridge
//!         198.18.n.0/24           (-a: option 82)                         | 198.18.0.1
//!                                                                         + lease_server
//! ```
//!
//! The server's namespace routes each client subnet through its relay, and each relay
//! namespace forwards, so a client's unicast renewal reaches the server directly and
//! the ACK comes back (RFC 2131, section 4.4.5).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::events::{self, Event};
use super::lab::{PREFIX, SERVER_IP};
use super::{read, run, veth, wait_for, Netns, Proc, TempDir};

/// How long a relay gets to start listening.
const RELAY_START: Duration = Duration::from_secs(15);

/// The client script: sets the address and a default route through the client's own
/// relay (`$GATEWAY`; the server announces no router), logs one line per event.
const SCRIPT: &str = r#"#!/bin/sh
case "$1" in
    bound|renew)
        busybox ifconfig "$interface" "$ip" netmask "$subnet"
        ip route replace default via "$GATEWAY" dev "$interface" ;;
    deconfig) busybox ifconfig "$interface" 0.0.0.0 ;;
esac
echo "event=$1|ip=$ip|subnet=$subnet|lease=$lease|serverid=$serverid" >> "$EVENTS"
"#;

/// One relayed subnet: its client, its relay, their namespaces.
#[derive(Debug)]
pub struct Subnet {
    /// The third octet: the subnet is 198.18.`n`.0/24, its relay 198.18.`n`.1.
    pub n: u8,
    /// The client, once started.
    pub client: Option<Proc>,
    relay: Proc,
    client_ns: Netns,
    client_if: String,
    _relay_ns: Netns,
}

impl Subnet {
    /// The relay's address on the client's link: the client's gateway and giaddr.
    pub fn relay_ip(&self) -> String {
        format!("198.18.{}.1", self.n)
    }

    /// True when `ip` is one of this subnet's host addresses.
    pub fn contains(&self, ip: std::net::Ipv4Addr) -> bool {
        let [a, b, c, d] = ip.octets();
        (a, b, c) == (198, 18, self.n) && d != 0 && d != 255
    }
}

/// The server namespace, its bridge, and the relayed subnets; fields drop in the
/// order declared: the server, the subnets (clients, relays, their namespaces), the
/// files, the server's namespace.
#[derive(Debug)]
pub struct Relays {
    /// The server, once started.
    pub server: Option<Proc>,
    /// The subnets, in the order given.
    pub subnets: Vec<Subnet>,
    /// The temporary directory: scripts, logs, the lease file.
    pub dir: TempDir,
    /// Where the server runs.
    pub server_ns: Netns,
    /// The server's interface: the bridge of the relays' uplinks.
    pub bridge: String,
}

impl Relays {
    /// The server namespace with its bridge at [`SERVER_IP`], and a client and a relay
    /// for each of `subnets` (third octets, 1 to 253), every relay started and
    /// listening. `tag` keeps the names apart from other tests' (see `lab::tag`).
    pub fn new(tag: &str, subnets: &[u8]) -> Self {
        let server_ns = Netns::new(format!("{tag}-srv"));
        let bridge = format!("{tag}br");
        server_ns.ip(&["link", "add", &bridge, "type", "bridge"]);
        server_ns.ip(&["link", "set", &bridge, "up"]);
        let cidr = |ip: &str| format!("{ip}/{PREFIX}");
        server_ns.ip(&["addr", "add", &cidr(SERVER_IP), "dev", &bridge]);
        let dir = TempDir::new(&format!("ex_dhcp-interop-{tag}"));
        let script = dir.join("script");
        std::fs::write(&script, SCRIPT).unwrap();
        run("chmod", &["755", script.to_str().unwrap()]);
        let mut made = Vec::new();
        for &n in subnets {
            let (client_ns, relay_ns) = (
                Netns::new(format!("{tag}-c{n}")),
                Netns::new(format!("{tag}-r{n}")),
            );
            let (client_if, down_if) = (format!("{tag}c{n}"), format!("{tag}d{n}"));
            let (up_if, port_if) = (format!("{tag}u{n}"), format!("{tag}p{n}"));
            veth(&client_ns, &client_if, &relay_ns, &down_if);
            veth(&relay_ns, &up_if, &server_ns, &port_if);
            server_ns.ip(&["link", "set", &port_if, "master", &bridge]);
            let (down_ip, up_ip) = (format!("198.18.{n}.1"), format!("198.18.0.{}", n + 1));
            relay_ns.ip(&["addr", "add", &cidr(&down_ip), "dev", &down_if]);
            relay_ns.ip(&["addr", "add", &cidr(&up_ip), "dev", &up_if]);
            server_ns.ip(&["route", "add", &format!("198.18.{n}.0/24"), "via", &up_ip]);
            relay_ns.exec(&["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
            let mut command = relay_ns.command("dhcrelay".as_ref());
            command.args([
                "-4", "-d", "-a", "--no-pid", "-id", &down_if, "-iu", &up_if, SERVER_IP,
            ]);
            let log = dir.join(&format!("dhcrelay-{n}.log"));
            let mut relay = Proc::spawn("dhcrelay", command, &log);
            wait_for("dhcrelay to listen", RELAY_START, || {
                relay.assert_running();
                read(&log)
                    .contains("Sending on   Socket/fallback")
                    .then_some(())
            });
            made.push(Subnet {
                n,
                client: None,
                relay,
                client_ns,
                client_if,
                _relay_ns: relay_ns,
            });
        }
        Relays {
            server: None,
            subnets: made,
            dir,
            server_ns,
            bridge,
        }
    }

    /// A path in the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The events file of subnet `n`'s client.
    fn events(&self, n: u8) -> PathBuf {
        self.path(&format!("events-{n}"))
    }

    /// Starts BusyBox udhcpc in every subnet's client namespace, in the foreground:
    /// `tries` discovers one second apart, the relays' script.
    pub fn start_clients(&mut self, tries: &str) {
        let script = self.path("script");
        for index in 0..self.subnets.len() {
            let n = self.subnets[index].n;
            let events = self.events(n);
            let log = self.path(&format!("udhcpc-{n}.log"));
            let subnet = &mut self.subnets[index];
            let mut command = subnet.client_ns.command(Path::new("busybox"));
            command.args([
                "udhcpc",
                "-f",
                "-i",
                &subnet.client_if,
                "-t",
                tries,
                "-T",
                "1",
            ]);
            command.arg("-s").arg(&script);
            command
                .env("EVENTS", &events)
                .env("GATEWAY", subnet.relay_ip());
            subnet.client = Some(Proc::spawn("udhcpc", command, &log));
        }
    }

    /// Waits up to `timeout` for the `nth` (from 1) event `name` of subnet `n`'s client.
    pub fn wait_event(&self, n: u8, name: &str, nth: usize, timeout: Duration) -> Event {
        events::wait_event(&self.events(n), name, nth, timeout)
    }

    /// Every event of subnet `n`'s client so far.
    pub fn events_of(&self, n: u8) -> Vec<Event> {
        events::events(&self.events(n))
    }

    /// Signals every client (`USR1`: renew now).
    pub fn signal_clients(&self, signal: &str) {
        for subnet in &self.subnets {
            subnet
                .client
                .as_ref()
                .expect("client started")
                .signal(signal);
        }
    }

    /// Panics unless every relay is still running.
    pub fn assert_relays_running(&mut self) {
        for subnet in &mut self.subnets {
            subnet.relay.assert_running();
        }
    }

    /// The relay log of subnet `n`.
    pub fn relay_log(&self, n: u8) -> String {
        read(&self.path(&format!("dhcrelay-{n}.log")))
    }
}
