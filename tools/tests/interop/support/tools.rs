//! The programs interop tests need, and a check that fails loudly, naming each one
//! missing and the Debian package that has it. Tests never skip: CI installs them
//! (see `.ci/run`).

use std::fs;
use std::process::{Command, Stdio};

/// A program a test runs, how to tell it is installed, and where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// What it is, for the failure message.
    pub what: &'static str,
    /// A command line that succeeds when it is installed.
    pub probe: &'static [&'static str],
    /// The Debian package that installs it.
    pub package: &'static str,
}

impl Tool {
    const fn new(
        what: &'static str,
        probe: &'static [&'static str],
        package: &'static str,
    ) -> Self {
        Tool {
            what,
            probe,
            package,
        }
    }
}

/// `ip`, for namespaces and veth pairs: every interop test needs it.
pub const IP: Tool = Tool::new("the `ip` command", &["ip", "-V"], "iproute2");

/// BusyBox's DHCP client.
pub const UDHCPC: Tool = Tool::new(
    "BusyBox udhcpc",
    &["busybox", "udhcpc", "--help"],
    "busybox",
);

/// ISC dhclient.
pub const DHCLIENT: Tool = Tool::new(
    "ISC dhclient",
    &["dhclient", "--version"],
    "isc-dhcp-client",
);

/// Roy Marples' dhcpcd.
pub const DHCPCD: Tool = Tool::new("dhcpcd", &["dhcpcd", "--version"], "dhcpcd-base");

/// ISC dhcrelay, a DHCP relay agent.
pub const DHCRELAY: Tool = Tool::new("ISC dhcrelay", &["dhcrelay", "--version"], "isc-dhcp-relay");

/// iptables, to make the kernel refuse a send (EPERM).
pub const IPTABLES: Tool = Tool::new("iptables", &["iptables", "--version"], "iptables");

/// systemd's offline tools: `systemd-analyze verify` and `security`, `systemd-sysusers`.
pub const SYSTEMD: Tool = Tool::new(
    "systemd-analyze and systemd-sysusers",
    &["systemd-analyze", "--version"],
    "systemd",
);

/// setpriv, to run a test as an unprivileged user.
pub const SETPRIV: Tool = Tool::new("setpriv", &["setpriv", "--version"], "util-linux");

/// ISC Kea's DHCP load generator.
pub const PERFDHCP: Tool = Tool::new("ISC perfdhcp", &["perfdhcp", "-v"], "kea-admin");

/// Wireshark's command-line dissector.
pub const TSHARK: Tool = Tool::new("tshark", &["tshark", "--version"], "tshark");

/// Fails the test, naming what is missing, unless it runs as root with `ip` and
/// every one of `tools` installed.
pub fn require_prerequisites(tools: &[Tool]) {
    let mut missing = Vec::new();
    if effective_uid().as_deref() != Some("0") {
        missing.push("root (network namespaces need CAP_SYS_ADMIN)".to_owned());
    }
    for tool in [IP].iter().chain(tools) {
        if !runs(tool.probe) {
            missing.push(format!("{} (apt-get install {})", tool.what, tool.package));
        }
    }
    assert!(
        missing.is_empty(),
        "interop test cannot run, missing: {}",
        missing.join(", ")
    );
}

fn effective_uid() -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2).map(String::from)
}

fn runs(probe: &[&str]) -> bool {
    Command::new(probe[0])
        .args(&probe[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
