//! The migration lab's clients, each in a namespace of its own on the server's
//! bridge: BusyBox udhcpc (option 61 = type 1 + MAC), ISC dhclient (no option 61:
//! keyed on its MAC) and dhcpcd (an RFC 4361 DUID client identifier), each with a
//! hook script that appends one line per event to its own file.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::events::{self, Event};
use crate::support::{run, wait_for, Netns, Proc};

/// How long a client may take to get its first lease.
pub const BIND_TIMEOUT: Duration = Duration::from_secs(30);

/// udhcpc's script: sets the address (renewals are unicast from it), logs the event.
const UDHCPC_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
    bound|renew) busybox ifconfig "$interface" "$ip" netmask "$subnet" ;;
    deconfig) busybox ifconfig "$interface" 0.0.0.0 ;;
esac
echo "event=$1|ip=$ip|serverid=$serverid|lease=$lease" >> "$EVENTS"
"#;

/// dhclient's script: logs the event, sets or removes the address.
const DHCLIENT_SCRIPT: &str = r#"#!/bin/sh
echo "event=$reason|ip=$new_ip_address|serverid=$new_dhcp_server_identifier|lease=$new_dhcp_lease_time" >> "$EVENTS"
case "$reason" in
    BOUND|RENEW|REBIND|REBOOT)
        ip -4 addr flush dev "$interface"
        ip -4 addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
    EXPIRE|FAIL|RELEASE|STOP)
        ip -4 addr flush dev "$interface" ;;
esac
exit 0
"#;

/// dhclient's configuration: T1 and T2 asked for, so its RENEW comes at the T1 the
/// old server set.
const DHCLIENT_CONFIG: &str = "request subnet-mask, routers, dhcp-lease-time, \
                               dhcp-renewal-time, dhcp-rebinding-time;\n";

/// dhcpcd's script: logs the event (dhcpcd sets the address itself).
const DHCPCD_SCRIPT: &str = r#"#!/bin/sh
echo "event=$reason|ip=$new_ip_address|serverid=$new_dhcp_server_identifier|lease=$new_dhcp_lease_time" >> "$EVENTS"
"#;

/// dhcpcd's configuration: a DUID client identifier, no ARP probe or IPv4LL.
const DHCPCD_CONFIG: &str = "duid\nnoarp\nnodelay\nnoipv4ll\n";

/// Binds the client's directories over dhcpcd's state directories, in the mount
/// namespace `ip netns exec` made for this process alone, then becomes dhcpcd.
const DHCPCD_WRAPPER: &str = "mount --bind \"$DB\" /var/lib/dhcpcd && mount --bind \"$RUN\" /run \
                              && exec dhcpcd \"$@\"";

/// Which client program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Udhcpc,
    Dhclient,
    Dhcpcd,
}

impl Kind {
    /// The event a client's script logs when it first has a lease.
    fn bound_event(self) -> &'static str {
        match self {
            Kind::Udhcpc => "bound",
            Kind::Dhclient | Kind::Dhcpcd => "BOUND",
        }
    }

    /// The events that report a lease confirmed or extended.
    pub fn lease_events(self) -> &'static [&'static str] {
        match self {
            Kind::Udhcpc => &["bound", "renew"],
            Kind::Dhclient | Kind::Dhcpcd => &["BOUND", "RENEW", "REBIND", "REBOOT"],
        }
    }

    /// The events that say the client lost its lease or was refused.
    pub fn loss_events(self) -> &'static [&'static str] {
        match self {
            Kind::Udhcpc => &["nak", "leasefail"],
            Kind::Dhclient => &["EXPIRE", "FAIL", "NAK"],
            Kind::Dhcpcd => &["EXPIRE", "NAK", "FAIL"],
        }
    }
}

/// One client and its namespace.
#[derive(Debug)]
pub struct Client {
    pub kind: Kind,
    pub name: &'static str,
    pub proc: Option<Proc>,
    pub ns: Netns,
    pub iface: String,
    dir: PathBuf,
}

impl Client {
    /// A client of `kind` in `ns` on `iface` with the MAC `mac`, its files in `dir`.
    pub fn new(
        kind: Kind,
        name: &'static str,
        ns: Netns,
        iface: &str,
        mac: &str,
        dir: PathBuf,
    ) -> Self {
        ns.ip(&["link", "set", iface, "address", mac]);
        ns.ip(&["link", "set", iface, "up"]);
        Client {
            kind,
            name,
            proc: None,
            ns,
            iface: iface.to_owned(),
            dir,
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(format!("{}-{file}", self.name))
    }

    /// Its events file.
    pub fn events_path(&self) -> PathBuf {
        self.path("events")
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Event> {
        events::events(&self.events_path())
    }

    fn script(&self, text: &str) -> PathBuf {
        let script = self.path("script");
        std::fs::write(&script, text).unwrap();
        run("chmod", &["755", script.to_str().unwrap()]);
        script
    }

    /// Starts the client in the foreground.
    pub fn start(&mut self) {
        let events = self.events_path();
        let command = match self.kind {
            Kind::Udhcpc => {
                let script = self.script(UDHCPC_SCRIPT);
                let mut command = self.ns.command("busybox".as_ref());
                command.args([
                    "udhcpc",
                    "-f",
                    "-i",
                    &self.iface,
                    "-t",
                    "20",
                    "-T",
                    "1",
                    "-s",
                ]);
                command.arg(script).env("EVENTS", &events);
                command
            }
            Kind::Dhclient => {
                let script = self.script(DHCLIENT_SCRIPT);
                std::fs::write(self.path("dhclient.conf"), DHCLIENT_CONFIG).unwrap();
                std::fs::write(self.path("dhclient.leases"), "").unwrap();
                let mut command = self.ns.command("dhclient".as_ref());
                command.args(["-4", "-d", "-v", "--no-pid"]);
                for (flag, file) in [
                    ("-cf", "dhclient.conf"),
                    ("-lf", "dhclient.leases"),
                    ("-df", "dhclient.duid"),
                ] {
                    command.arg(flag).arg(self.path(file));
                }
                command.arg("-sf").arg(script);
                command
                    .arg("-e")
                    .arg(format!("EVENTS={}", events.display()));
                command.arg(&self.iface);
                command
            }
            Kind::Dhcpcd => {
                let script = self.script(DHCPCD_SCRIPT);
                std::fs::write(self.path("dhcpcd.conf"), DHCPCD_CONFIG).unwrap();
                for state in ["db", "run"] {
                    std::fs::create_dir_all(self.path(state)).unwrap();
                }
                let mut command = self.dhcpcd(&["-B", "-4", "-d", "-t", "30", "-f"]);
                command.arg(self.path("dhcpcd.conf"));
                command.arg("--script").arg(script);
                command
                    .arg("--env")
                    .arg(format!("EVENTS={}", events.display()));
                command.arg(&self.iface);
                command
            }
        };
        self.proc = Some(Proc::spawn(self.name, command, &self.path("log")));
    }

    /// dhcpcd with `args`, in a mount namespace where the client's directories are
    /// dhcpcd's: the daemon, or a command to it.
    fn dhcpcd(&self, args: &[&str]) -> std::process::Command {
        let mut command = self.ns.command("sh".as_ref());
        command.args(["-c", DHCPCD_WRAPPER, "dhcpcd"]).args(args);
        command
            .env("DB", self.path("db"))
            .env("RUN", self.path("run"));
        command
    }

    /// dhcpcd's DUID, as it wrote it to its state directory, in hex.
    pub fn duid(&self) -> String {
        let text = std::fs::read_to_string(self.path("db").join("duid")).unwrap_or_default();
        text.trim().replace(':', "")
    }

    /// Waits for the first lease; returns its address.
    pub fn wait_bound(&self) -> String {
        let event = events::wait_event(
            &self.events_path(),
            self.kind.bound_event(),
            1,
            BIND_TIMEOUT,
        );
        event.get("ip").to_owned()
    }

    /// How many lease events (bound, renewed) it has logged.
    pub fn lease_events(&self) -> usize {
        self.events()
            .iter()
            .filter(|e| self.kind.lease_events().contains(&e.get("event")))
            .count()
    }

    /// Waits for the lease event after the first `seen`; returns it.
    pub fn wait_lease_event(&self, seen: usize, timeout: Duration) -> Event {
        wait_for(&format!("{} to renew", self.name), timeout, || {
            self.events()
                .into_iter()
                .filter(|e| self.kind.lease_events().contains(&e.get("event")))
                .nth(seen)
        })
    }

    /// Makes the client renew now where it can be told to: udhcpc on SIGUSR1, dhcpcd
    /// with `dhcpcd -n`; dhclient renews at the T1 the old server gave it.
    pub fn renew_now(&self) {
        match self.kind {
            Kind::Udhcpc => self.proc.as_ref().expect("started").signal("USR1"),
            Kind::Dhcpcd => {
                let output = self
                    .dhcpcd(&["-4", "-n", &self.iface])
                    .output()
                    .expect("run dhcpcd -n");
                assert!(output.status.success(), "dhcpcd -n failed: {output:?}");
            }
            Kind::Dhclient => {}
        }
    }

    /// The events that say it lost its lease, if any.
    pub fn losses(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e.get("event").to_owned())
            .filter(|name| self.kind.loss_events().contains(&name.as_str()))
            .collect()
    }
}
