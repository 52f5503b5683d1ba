//! The tools' logger: level from `--log LEVEL`, else `RUST_LOG`, else `info`; lines
//! to stdout, written by a thread of their own.
//!
//! Serving never waits on a log sink. A thread that logs (a server's handler
//! thread above all) only formats the line and offers it to a bounded queue; a
//! logging thread writes the queue to stdout. When stdout is slow or stuck (piped
//! to a reader that stopped reading), the queue fills and further lines are
//! dropped and counted instead of blocking the caller; [`finish`] reports the
//! count on stderr at exit. Losing log lines is acceptable, losing replies is not.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// The level when neither `--log` nor `RUST_LOG` says otherwise.
pub const DEFAULT_LEVEL: LevelFilter = LevelFilter::Info;
/// Lines held for the writer before new ones are dropped: about a megabyte of
/// typical lines, seconds of a busy server's debug log.
pub const QUEUE_LINES: usize = 8_192;
/// How long [`finish`] waits for the writer to empty the queue at exit.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

enum Message {
    Line(String),
    Flush(Sender<()>),
}

struct QueueLogger {
    level: LevelFilter,
    lines: Sender<Message>,
    dropped: AtomicU64,
    colors: bool,
}

static LOGGER: OnceLock<QueueLogger> = OnceLock::new();

impl Log for QueueLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format_line(SystemTime::now(), record, self.colors);
        match self.lines.try_send(Message::Line(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn flush(&self) {}
}

/// Starts the logger. `flag` is the value of `--log`, which wins over `RUST_LOG`.
pub fn init(flag: Option<LevelFilter>) {
    let level = flag
        .or_else(|| std::env::var("RUST_LOG").ok()?.trim().parse().ok())
        .unwrap_or(DEFAULT_LEVEL);
    let (sender, receiver) = bounded(QUEUE_LINES);
    let logger = QueueLogger {
        level,
        lines: sender,
        dropped: AtomicU64::new(0),
        // Colour codes only help a person at a terminal; in a pipe they are noise.
        colors: std::io::stdout().is_terminal(),
    };
    if LOGGER.set(logger).is_err() {
        return;
    }
    let logger = LOGGER.get().expect("just set");
    if let Err(error) = log::set_logger(logger) {
        eprintln!("logging disabled: {error}");
        return;
    }
    log::set_max_level(level);
    let spawned = thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_lines(&receiver));
    if let Err(error) = spawned {
        eprintln!("logging disabled: cannot start the log writer: {error}");
    }
}

/// Writes queued lines to stdout until every sender is gone.
fn write_lines(lines: &Receiver<Message>) {
    let stdout = std::io::stdout();
    for message in lines {
        match message {
            Message::Line(line) => {
                let mut out = stdout.lock();
                // A reader that went away: the lines have nowhere to go, keep draining.
                let _ = out.write_all(line.as_bytes());
                // Write what else is queued before flushing: one flush per burst.
                for more in lines.try_iter() {
                    match more {
                        Message::Line(line) => {
                            let _ = out.write_all(line.as_bytes());
                        }
                        Message::Flush(done) => {
                            let _ = out.flush();
                            let _ = done.send(());
                        }
                    }
                }
                let _ = out.flush();
            }
            Message::Flush(done) => {
                let _ = stdout.lock().flush();
                let _ = done.send(());
            }
        }
    }
}

/// Log lines dropped so far because the writer could not keep up.
pub fn dropped() -> u64 {
    LOGGER
        .get()
        .map_or(0, |logger| logger.dropped.load(Ordering::Relaxed))
}

/// Waits (a bounded time) for the queued lines to be written, then reports on
/// stderr how many lines were dropped, if any. Call it before exiting.
pub fn finish() {
    let Some(logger) = LOGGER.get() else { return };
    let (done, written) = bounded(1);
    // A full queue is a stuck sink: waiting would only delay the exit.
    if logger.lines.try_send(Message::Flush(done)).is_ok() {
        let _ = written.recv_timeout(FLUSH_TIMEOUT);
    }
    let dropped = dropped();
    if dropped > 0 {
        eprintln!("{dropped} log line(s) dropped: stdout did not keep up");
    }
}

/// `2026-01-02T03:04:05.678Z INFO  [target] message`, newline included.
fn format_line(now: SystemTime, record: &Record<'_>, colors: bool) -> String {
    let mut line = String::with_capacity(128);
    write_timestamp(&mut line, now);
    let level = record.level();
    let _ = if colors {
        write!(line, " {}{level:<5}\x1b[0m", color(level))
    } else {
        write!(line, " {level:<5}")
    };
    let _ = writeln!(line, " [{}] {}", record.target(), record.args());
    line
}

fn color(level: Level) -> &'static str {
    match level {
        Level::Error => "\x1b[31m",
        Level::Warn => "\x1b[33m",
        Level::Info => "\x1b[32m",
        Level::Debug => "\x1b[34m",
        Level::Trace => "\x1b[35m",
    }
}

/// UTC, RFC 3339 with milliseconds.
fn write_timestamp(out: &mut String, now: SystemTime) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        since.subsec_millis()
    );
}

/// Year, month and day of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_rfc_3339() {
        let mut text = String::new();
        // 2026-11-30T20:26:38.250Z
        write_timestamp(
            &mut text,
            UNIX_EPOCH + Duration::from_millis(1_796_070_398_250),
        );
        assert_eq!(text, "2026-11-30T20:26:38.250Z");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn a_line_names_level_and_target() {
        let line = format_line(
            UNIX_EPOCH,
            &Record::builder()
                .level(Level::Warn)
                .target("ex_dhcp::server")
                .args(format_args!("queue full"))
                .build(),
            false,
        );
        assert_eq!(
            line,
            "1970-01-01T00:00:00.000Z WARN  [ex_dhcp::server] queue full\n"
        );
    }
}
