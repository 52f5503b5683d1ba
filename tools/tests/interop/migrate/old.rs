//! The servers leases come from: ISC dhcpd, Kea and dnsmasq, each run in the
//! foreground in the lab's server namespace with the same subnet, range, lease
//! time and renewal time (T1), and its lease file in the lab's directory.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::tools::Tool;
use crate::support::{wait_for, Netns, Proc};

use super::{FIRST, LAST, LEASE_SECS, PREFIX, REBIND_SECS, RENEW_SECS, SERVER_IP, SUBNET};

/// ISC dhcpd 4.
pub const DHCPD: Tool = Tool {
    what: "ISC dhcpd",
    probe: &["dhcpd", "--version"],
    package: "isc-dhcp-server",
};
/// Kea's DHCPv4 server.
pub const KEA: Tool = Tool {
    what: "Kea's kea-dhcp4",
    probe: &["kea-dhcp4", "-v"],
    package: "kea-dhcp4-server",
};
/// dnsmasq.
pub const DNSMASQ: Tool = Tool {
    what: "dnsmasq",
    probe: &["dnsmasq", "--version"],
    package: "dnsmasq-base",
};

/// How long a server gets to start.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Old {
    Isc,
    Kea,
    Dnsmasq,
}

impl Old {
    /// `lease_migrate --from`'s name for its format.
    pub fn format(self) -> &'static str {
        match self {
            Old::Isc => "isc",
            Old::Kea => "kea",
            Old::Dnsmasq => "dnsmasq",
        }
    }

    pub fn tool(self) -> Tool {
        match self {
            Old::Isc => DHCPD,
            Old::Kea => KEA,
            Old::Dnsmasq => DNSMASQ,
        }
    }

    /// The lease file's name, also the fixture's in tests/data/leases.
    pub fn lease_file_name(self) -> &'static str {
        match self {
            Old::Isc => "dhcpd.leases",
            Old::Kea => "kea-leases4.csv",
            Old::Dnsmasq => "dnsmasq.leases",
        }
    }

    /// Starts the server on `iface` in `ns`, its files in `dir`; returns once it
    /// serves.
    pub fn start(self, ns: &Netns, iface: &str, dir: &Path) -> Proc {
        let lease_file = dir.join(self.lease_file_name());
        let log = dir.join(format!("{}.log", self.format()));
        let (command, ready) = match self {
            Old::Isc => {
                std::fs::write(&lease_file, "").unwrap();
                let config = dir.join("dhcpd.conf");
                std::fs::write(&config, isc_config()).unwrap();
                let mut command = ns.command("dhcpd".as_ref());
                command.args(["-4", "-f", "-d", "-cf"]).arg(&config);
                command.arg("-lf").arg(&lease_file);
                command.arg("-pf").arg(dir.join("dhcpd.pid"));
                command.arg(iface);
                (command, "Server starting service.")
            }
            Old::Kea => kea(ns, iface, dir, &lease_file),
            Old::Dnsmasq => {
                let mut command = ns.command("dnsmasq".as_ref());
                command.args([
                    "--keep-in-foreground",
                    "--no-daemon",
                    "--conf-file=/dev/null",
                    "--port=0",
                    "--bind-interfaces",
                    "--user=root",
                    "--group=root",
                    "--no-ping",
                    "--dhcp-authoritative",
                    "--log-dhcp",
                ]);
                command.arg(format!("--interface={iface}"));
                command.arg(format!(
                    "--dhcp-range={FIRST},{LAST},255.255.255.0,{LEASE_SECS}s"
                ));
                command.arg(format!("--dhcp-option=option:T1,{RENEW_SECS}"));
                command.arg(format!("--dhcp-option=option:T2,{REBIND_SECS}"));
                command.arg(format!("--dhcp-leasefile={}", lease_file.display()));
                command.arg(format!("--pid-file={}", dir.join("dnsmasq.pid").display()));
                (command, "DHCP, sockets bound exclusively")
            }
        };
        let mut server = Proc::spawn(self.tool().what, command, &log);
        wait_for(
            &format!("{} to serve", self.tool().what),
            START_TIMEOUT,
            || {
                server.assert_running();
                crate::support::read(&log).contains(ready).then_some(())
            },
        );
        server
    }
}

fn isc_config() -> String {
    format!(
        "default-lease-time {LEASE_SECS};\nmax-lease-time {LEASE_SECS};\nmin-lease-time {LEASE_SECS};\n\
         ping-check false;\nauthoritative;\n\
         option dhcp-renewal-time {RENEW_SECS};\noption dhcp-rebinding-time {REBIND_SECS};\n\
         subnet {SUBNET} netmask 255.255.255.0 {{\n  range {FIRST} {LAST};\n  option routers {SERVER_IP};\n}}\n"
    )
}

/// Kea's hook library that answers `lease4-get-all`, where Debian puts it.
fn lease_cmds_hook() -> PathBuf {
    let found = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|dir| dir.path().join("kea/hooks/libdhcp_lease_cmds.so"))
        .find(|path| path.exists());
    found.expect("Kea's libdhcp_lease_cmds.so (Debian kea-common)")
}

/// Kea with its lease file at `lease_file`, a control socket `kea.sock` in `dir`
/// and the lease commands hook; pid and lock files in `dir`.
pub fn kea(
    ns: &Netns,
    iface: &str,
    dir: &Path,
    lease_file: &Path,
) -> (std::process::Command, &'static str) {
    let config = dir.join("kea-dhcp4.conf");
    let text = format!(
        r#"{{ "Dhcp4": {{
  "interfaces-config": {{ "interfaces": [ "{iface}" ] }},
  "control-socket": {{ "socket-type": "unix", "socket-name": "{socket}" }},
  "lease-database": {{ "type": "memfile", "persist": true, "name": "{leases}", "lfc-interval": 0 }},
  "hooks-libraries": [ {{ "library": "{hook}" }} ],
  "valid-lifetime": {LEASE_SECS}, "renew-timer": {RENEW_SECS}, "rebind-timer": {REBIND_SECS},
  "subnet4": [ {{ "id": 1, "subnet": "{SUBNET}/{PREFIX}",
      "pools": [ {{ "pool": "{FIRST} - {LAST}" }} ],
      "option-data": [ {{ "name": "routers", "data": "{SERVER_IP}" }} ] }} ],
  "loggers": [ {{ "name": "kea-dhcp4", "output_options": [ {{ "output": "stdout" }} ], "severity": "INFO" }} ]
}} }}
"#,
        socket = dir.join("kea.sock").display(),
        leases = lease_file.display(),
        hook = lease_cmds_hook().display(),
    );
    std::fs::write(&config, text).unwrap();
    let mut command = ns.command("kea-dhcp4".as_ref());
    command.arg("-c").arg(&config);
    command
        .env("KEA_PIDFILE_DIR", dir)
        .env("KEA_LOCKFILE_DIR", dir);
    (command, "DHCP4_STARTED")
}

/// Sends `command` to Kea's control socket in `dir`; returns its JSON answer.
pub fn kea_command(dir: &Path, command: &str) -> String {
    let mut socket = UnixStream::connect(dir.join("kea.sock")).expect("Kea's control socket");
    socket
        .write_all(format!(r#"{{ "command": "{command}" }}"#).as_bytes())
        .unwrap();
    socket.set_read_timeout(Some(START_TIMEOUT)).unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).expect("Kea's answer");
    answer
}
