//! Helpers for the robustness tests (`tests/robust_*.rs`): a log capture, bounded
//! waits, /proc readings and re-running one test in a child process (another user,
//! another network namespace).
#![allow(dead_code)]

use std::env;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// A `log::Log` that keeps every record, so a test can check what the server logged.
pub struct CaptureLog {
    records: Mutex<Vec<(log::Level, String)>>,
}

static CAPTURE: CaptureLog = CaptureLog {
    records: Mutex::new(Vec::new()),
};

impl log::Log for CaptureLog {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let text = record.args().to_string();
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((record.level(), text));
    }
    fn flush(&self) {}
}

/// Installs the capture as the process's logger (once; later calls do nothing).
pub fn capture_logs() {
    if log::set_logger(&CAPTURE).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

/// Messages logged at `level` so far that contain `needle`.
pub fn logged(level: log::Level, needle: &str) -> Vec<String> {
    CAPTURE
        .records
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter(|(at, text)| *at == level && text.contains(needle))
        .map(|(_, text)| text.clone())
        .collect()
}

/// Polls `ready` until it holds, failing the test with `what` after `limit`.
///
/// For state only observable by polling (counters, /proc); everything else waits on
/// channels.
pub fn wait_until(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?}: {what}"
        );
        thread::yield_now();
    }
}

/// Resident set size of this process, in KiB (`VmRSS` in /proc/self/status).
pub fn rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("linux /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Column of `drops` in /proc/net/udp (after `sl local rem st queues tr retrnsmt uid
/// timeout inode ref pointer`).
const PROC_NET_UDP_DROPS: usize = 12;

/// Datagrams the kernel dropped for the UDP socket bound to 127.0.0.1:`port` (its
/// receive buffer was full), from the `drops` column of /proc/net/udp.
pub fn kernel_drops(port: u16) -> u64 {
    // The address is in host byte order on little-endian Linux: 127.0.0.1 is 0100007F.
    let local = format!("0100007F:{port:04X}");
    let table = fs::read_to_string("/proc/net/udp").expect("linux /proc/net/udp");
    let row = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|columns| columns.get(1) == Some(&local.as_str()))
        .unwrap_or_else(|| panic!("no socket {local} in /proc/net/udp"));
    row.get(PROC_NET_UDP_DROPS)
        .and_then(|drops| drops.parse().ok())
        .unwrap_or_else(|| panic!("no drops column in /proc/net/udp row {row:?}"))
}

/// The path of a program, or a failed test naming what to install.
pub fn require_tool(name: &str, package: &str) -> String {
    let paths = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&paths)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .map(|path| path.display().to_string())
        .unwrap_or_else(|| {
            panic!("this test needs `{name}`: install the `{package}` package (see .ci/run)")
        })
}

/// True in the child process that [`run_in_child`] started for this test.
pub fn in_child(marker: &str) -> bool {
    env::var_os(marker).is_some()
}

/// Runs the test `name` of this test binary again, alone, in a child process
/// started through `prefix` (such as `setpriv ...` or `ip netns exec ...`), with
/// the environment variable `marker` set; fails unless it ran and passed.
pub fn run_in_child(prefix: &[&str], name: &str, marker: &str) -> Output {
    let exe = env::current_exe().expect("the test binary's path");
    assert!(Path::new(&exe).is_file());
    let (program, args) = prefix.split_first().expect("a command to run the child");
    let output = Command::new(program)
        .args(args)
        .arg(&exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(marker, "1")
        .output()
        .unwrap_or_else(|error| panic!("could not run {program}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child run of {name} through {prefix:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    output
}

/// A network namespace of this test's own, deleted when dropped, also on failure.
pub struct Netns {
    pub name: String,
    ip: String,
}

impl Netns {
    /// Creates `exdhcp-<tag>-<pid>` with loopback up.
    pub fn create(tag: &str) -> Netns {
        let ip = require_tool("ip", "iproute2");
        let name = format!("exdhcp-{tag}-{}", std::process::id());
        run(&ip, &["netns", "add", &name]);
        let netns = Netns { name, ip };
        netns.exec(&["ip", "link", "set", "lo", "up"]);
        netns
    }

    /// Runs a command inside the namespace; fails the test when it fails.
    pub fn exec(&self, command: &[&str]) {
        let mut args = vec!["netns", "exec", self.name.as_str()];
        args.extend_from_slice(command);
        run(&self.ip, &args);
    }

    /// The prefix that runs a program inside the namespace.
    pub fn prefix(&self) -> [&str; 4] {
        [self.ip.as_str(), "netns", "exec", self.name.as_str()]
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new(&self.ip)
            .args(["netns", "del", &self.name])
            .output();
    }
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("could not run {program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
