//! What the robustness tests read beside the server's own answers: the log, bounded
//! waits on state only observable by polling, and the process as /proc shows it.

use std::fs;
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// A `log::Log` that keeps every record, so a test can check what the server logged.
pub struct CaptureLog {
    records: Mutex<Vec<Logged>>,
}

/// One captured record.
struct Logged {
    level: log::Level,
    target: String,
    text: String,
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
            .push(Logged {
                level: record.level(),
                target: record.target().to_owned(),
                text,
            });
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
        .filter(|logged| logged.level == level && logged.text.contains(needle))
        .map(|logged| logged.text.clone())
        .collect()
}

/// Messages logged under `target` at `level` so far that contain `needle`.
pub fn logged_to(target: &str, level: log::Level, needle: &str) -> Vec<String> {
    CAPTURE
        .records
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter(|logged| {
            logged.target == target && logged.level == level && logged.text.contains(needle)
        })
        .map(|logged| logged.text.clone())
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

/// Threads of this process named `dhcp-*`: the server's and the supervisor's.
///
/// A joined thread can stay listed in /proc/self/task for a moment after `join`
/// returns (the kernel wakes the joiner before it has reaped the task), so await a
/// count of 0 within `WAIT` rather than read it once.
pub fn server_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc/self/task")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("dhcp-"))
        .count()
}

/// Thread and descriptor counts are per process: a test binary that reads them runs
/// those tests one at a time, each holding this guard.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
