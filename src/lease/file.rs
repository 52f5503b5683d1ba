//! The lease file: every lease change, one line each, appended and flushed to disk
//! before the reply that announces it goes out, so a server killed at any moment
//! (`kill -9` included) restarts knowing every lease it granted.
//!
//! # Format
//!
//! UTF-8 text, one record per line, fields separated by one space, every line ended
//! by `\n`. Empty lines and lines starting with `#` are ignored.
//!
//! ```text
//! bound <client> <address> <until>      the client leases the address until then
//! released <client> <address>           the client gave the address back
//! declined <address> <until>            the address is set aside until then
//! ```
//!
//! `<client>` is `id:<hex>` (client identifier, option 61) or `hw:<htype>:<hex>`
//! (hardware address); `<until>` is in seconds since the Unix epoch. Records are
//! replayed in order.
//!
//! # Safety rules
//!
//! - **One owner.** [`LeaseFile::open`] takes a lock first: an exclusive operating
//!   system lock (`File::try_lock`, `flock` on Linux) on the file `.<name>.lock` beside
//!   the lease file, which also holds the owner's process id for the error message. A
//!   second server on the same file, in this process or another, fails with
//!   [`LeaseFileError::Locked`], naming both files, before it reads or writes
//!   anything. The kernel releases the lock when its owner exits, `kill -9` included,
//!   so a dead server's lock is never in the way and two servers can never both take
//!   it. The lock file stays (removing it would let a waiting server lock a file
//!   nobody else can see). The lock is not on the lease file itself, which compaction
//!   replaces. A lock that the lock file says this process holds is retried for up
//!   to half a second before it is an error: a child this process is starting holds
//!   a copy of every open file, the lock's included, until it runs its program, so a
//!   lease file closed and opened again while another thread spawns a process can
//!   find its own lock still held for that moment. A real second open in this
//!   process (or in another process with the same id, such as two containers' pid 1
//!   sharing a volume) therefore fails after that half second, not at once.
//! - **Batches.** [`LeaseFile::append`] writes a batch of changes with one `write`
//!   and one `fsync`: the group commit a server uses to make many replies durable at
//!   once. A failed batch is cut back off the file, so it never leaves half a line
//!   for the next one to follow.
//! - **Torn tail.** A last line that a crash or a full disk cut short (no `\n`, or
//!   not a valid record) was never acknowledged, since replies wait for the `fsync`:
//!   [`LeaseFile::open`] logs a warning and truncates it. A bad line anywhere else is
//!   an error naming the file and the line: nothing is dropped silently.
//! - **Compaction.** [`LeaseFile::compact`] writes the live records to a temporary
//!   file `.<name>.<pid>.compact` in the same directory (a name that cannot be the
//!   lease file's own, whatever it ends with), syncs it, renames it over the lease
//!   file and syncs the directory, then appends to the new file. It needs the live
//!   records only, never the old file twice, and runs between two batches while
//!   serving.

use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use log::warn;

use crate::lease::engine::Change;
use crate::lease::table::{ClientKey, Secs};

const HEADER: &str = "# ex_dhcp lease file: bound <client> <address> <until> | released <client> <address> | declined <address> <until>\n";
const BOUND: &str = "bound";
const RELEASED: &str = "released";
const DECLINED: &str = "declined";

/// Why the lease file could not be used.
#[derive(Debug)]
pub enum LeaseFileError {
    /// Reading or writing failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// A line is not a valid record.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Another server holds the lease file.
    Locked {
        /// The lease file.
        path: PathBuf,
        /// The lock file beside it.
        lock: PathBuf,
        /// The process id written in the lock file, if it could be read.
        pid: Option<u32>,
    },
}

impl fmt::Display for LeaseFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaseFileError::Io { path, source } => {
                write!(f, "lease file {}: {source}", path.display())
            }
            LeaseFileError::Corrupt { path, line, reason } => {
                write!(f, "lease file {} line {line}: {reason}", path.display())
            }
            LeaseFileError::Locked { path, lock, pid } => {
                write!(
                    f,
                    "lease file {} is in use by another server",
                    path.display()
                )?;
                if let Some(pid) = pid {
                    write!(f, " (process {pid})")?;
                }
                write!(
                    f,
                    ": stop it first (it holds the lock on {}, which its exit releases)",
                    lock.display()
                )
            }
        }
    }
}

impl std::error::Error for LeaseFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LeaseFileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An open lease file, locked for this process and ready to append to.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Change, ClientKey, LeaseFile};
///
/// let dir = std::env::temp_dir().join(format!("lease-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("leases");
/// let bound = Change::Bound {
///     key: ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]),
///     addr: Ipv4Addr::new(10, 99, 0, 100),
///     until: 1_700_000_600,
/// };
///
/// let mut file = LeaseFile::open(&path, |_| {})?;
/// file.append(&[bound.clone()])?; // one write, one fsync for the whole batch
/// assert!(LeaseFile::open(&path, |_| {}).is_err(), "locked by the first");
/// file.compact(&[bound.clone()])?; // while serving: snapshot, rename, sync the directory
/// drop(file);
///
/// let mut replayed = Vec::new();
/// let _file = LeaseFile::open(&path, |change| replayed.push(change))?;
/// assert_eq!(replayed, vec![bound]);
/// # drop(_file);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LeaseFile {
    path: PathBuf,
    file: File,
    lock: Lock,
    /// The file's length after the last complete batch: where a failed one is cut.
    len: u64,
    /// Records appended since it was opened or compacted.
    appended: u64,
    /// Set when a failed batch could not be cut back off, or compaction left no file
    /// to append to: every later append fails rather than write after a torn line.
    broken: bool,
}

impl LeaseFile {
    /// Locks the file at `path` (created if missing), replays every record through
    /// `apply` in order, and opens it for appending.
    ///
    /// A torn last line is truncated with a warning; a bad line before it is
    /// [`LeaseFileError::Corrupt`]; another server on the file is
    /// [`LeaseFileError::Locked`]. The file is read as a stream: memory holds one line.
    pub fn open(path: &Path, apply: impl FnMut(Change)) -> Result<Self, LeaseFileError> {
        let lock = Lock::take(path)?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        let len = read(path, &file, apply, Tail::Truncate)?;
        Ok(LeaseFile {
            path: path.to_owned(),
            file,
            lock,
            len,
            appended: 0,
            broken: false,
        })
    }

    /// Reads every record of the file at `path` without locking or changing it; a
    /// missing file has none. A torn last line is left out with a warning.
    pub fn load(path: &Path) -> Result<Vec<Change>, LeaseFileError> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io_error(path, source)),
        };
        let mut records = Vec::new();
        read(path, &file, |c| records.push(c), Tail::Skip)?;
        Ok(records)
    }

    /// Locks the file at `path`, replaces its content with `records` (compaction:
    /// temporary file, sync, rename, directory sync) and opens it for appending.
    pub fn rewrite(path: &Path, records: &[Change]) -> Result<Self, LeaseFileError> {
        let lock = Lock::take(path)?;
        let (file, len) = replace(path, records)?;
        Ok(LeaseFile {
            path: path.to_owned(),
            file,
            lock,
            len,
            appended: 0,
            broken: false,
        })
    }

    /// Appends a batch of changes with one write and one `fsync`, and returns once
    /// they are on disk: the replies that announce them may go. A batch that fails is
    /// cut back off the file.
    pub fn append(&mut self, changes: &[Change]) -> Result<(), LeaseFileError> {
        if self.broken {
            return Err(io_error(&self.path, broken()));
        }
        if changes.is_empty() {
            return Ok(());
        }
        let text: String = changes.iter().map(format_record).collect();
        let written = self
            .file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += text.len() as u64;
                self.appended += changes.len() as u64;
                Ok(())
            }
            Err(e) => {
                let cut = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| self.file.sync_data());
                self.broken = cut.is_err();
                Err(io_error(&self.path, e))
            }
        }
    }

    /// Replaces the file's content with `live` (what [`LeaseEngine::snapshot`]
    /// returns) while serving: written to `.<name>.<pid>.compact`, synced, renamed
    /// over the lease file, the directory synced; appends go to the new file after.
    /// On an error before the rename the lease file is as it was.
    ///
    /// [`LeaseEngine::snapshot`]: crate::lease::LeaseEngine::snapshot
    pub fn compact<'a>(
        &mut self,
        live: impl IntoIterator<Item = &'a Change>,
    ) -> Result<(), LeaseFileError> {
        if self.broken {
            return Err(io_error(&self.path, broken()));
        }
        match replace(&self.path, live) {
            Ok((file, len)) => {
                self.file = file;
                self.len = len;
                self.appended = 0;
                Ok(())
            }
            Err(e) => {
                // Renamed but not reopened: the handle is the old, unlinked file.
                self.broken = fs::metadata(&self.path).is_err();
                Err(e)
            }
        }
    }

    /// Records appended since the file was opened or last compacted: a server compacts
    /// when this grows well past the number of live leases.
    pub fn appended(&self) -> u64 {
        self.appended
    }

    /// The lease file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Gives the lease file at `path` and its lock file to the user `uid` and group
    /// `gid` (Unix; needs root): what a server that opened its lease file as root and
    /// then serves as another user does before it drops root. Compactions after keep
    /// the owner.
    #[cfg(unix)]
    pub fn set_owner(path: &Path, uid: u32, gid: u32) -> Result<(), LeaseFileError> {
        let lock = lock_path_of(path).map_err(|e| io_error(path, e))?;
        for file in [path, lock.as_path()] {
            std::os::unix::fs::chown(file, Some(uid), Some(gid)).map_err(|e| io_error(file, e))?;
        }
        Ok(())
    }

    /// The lock file's path.
    pub fn lock_path(&self) -> &Path {
        &self.lock.path
    }
}

fn broken() -> io::Error {
    io::Error::other("an earlier write failed and could not be undone; restart to recover")
}

/// What to do with a torn last line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tail {
    Truncate,
    Skip,
}

/// Replays the records of `file` through `apply`; returns the length of the valid part.
fn read(
    path: &Path,
    file: &File,
    mut apply: impl FnMut(Change),
    tail: Tail,
) -> Result<u64, LeaseFileError> {
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let (mut number, mut good) = (0usize, 0u64);
    // A bad line is an error only if another line follows it: the last may be torn.
    let mut bad: Option<(usize, String)> = None;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| io_error(path, e))?;
        if read == 0 {
            break;
        }
        if let Some((line, reason)) = bad.take() {
            return Err(corrupt(path, line, reason));
        }
        number += 1;
        let Some(body) = line.strip_suffix(b"\n") else {
            bad = Some((number, "truncated: the line has no end".into()));
            continue;
        };
        match std::str::from_utf8(body) {
            Err(_) => bad = Some((number, "not UTF-8".into())),
            Ok(text) => match record(text) {
                Ok(Some(change)) => apply(change),
                Ok(None) => {}
                Err(reason) => bad = Some((number, reason)),
            },
        }
        if bad.is_none() {
            good += read as u64;
        }
    }
    if let Some((line, reason)) = bad {
        warn!(
            "lease file {} line {line}: {reason}; the last line is torn (a write cut \
             short, never acknowledged): {}",
            path.display(),
            if tail == Tail::Truncate {
                "truncated"
            } else {
                "skipped"
            }
        );
        if tail == Tail::Truncate {
            file.set_len(good)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(path, e))?;
        }
    }
    Ok(good)
}

/// A line's record; `None` for a comment or an empty line.
fn record(line: &str) -> Result<Option<Change>, String> {
    let line = line.trim_end_matches('\r');
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    parse_record(line).map(Some)
}

fn corrupt(path: &Path, line: usize, reason: String) -> LeaseFileError {
    LeaseFileError::Corrupt {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// Writes `records` to a temporary file beside `path`, syncs it, renames it over
/// `path`, syncs the directory; returns the new file opened for appending, and its
/// length.
fn replace<'a>(
    path: &Path,
    records: impl IntoIterator<Item = &'a Change>,
) -> Result<(File, u64), LeaseFileError> {
    let temp = sibling(path, &format!("{}.compact", std::process::id()));
    let previous = fs::metadata(path).ok();
    let write = || -> io::Result<u64> {
        let file = File::create(&temp)?;
        if let Some(previous) = &previous {
            keep_owner_and_mode(&file, previous)?;
        }
        let mut out = BufWriter::new(file);
        let mut len = HEADER.len() as u64;
        out.write_all(HEADER.as_bytes())?;
        for record in records {
            let line = format_record(record);
            len += line.len() as u64;
            out.write_all(line.as_bytes())?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(len)
    };
    let len = match write() {
        Ok(len) => len,
        Err(e) => {
            let _ = fs::remove_file(&temp);
            return Err(io_error(path, e));
        }
    };
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io_error(path, e));
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    sync_dir(path).map_err(|e| io_error(path, e))?;
    Ok((file, len))
}

/// Gives a compacted file the owner and mode of the file it replaces, so that a
/// server that compacts as root at start-up and then serves as another user
/// (`--user`) can still write to it. Changing the owner needs root: as anyone else,
/// the new file is the writer's own already, which is what serving needs.
#[cfg(unix)]
fn keep_owner_and_mode(file: &File, previous: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let current = file.metadata()?;
    if (current.uid(), current.gid()) != (previous.uid(), previous.gid()) {
        match fchown(file, Some(previous.uid()), Some(previous.gid())) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {}
            other => other?,
        }
    }
    file.set_permissions(fs::Permissions::from_mode(previous.mode() & 0o7777))
}

#[cfg(not(unix))]
fn keep_owner_and_mode(_file: &File, _previous: &fs::Metadata) -> io::Result<()> {
    Ok(())
}

/// The lock file of the lease file at `lease_file`: `.<name>.lock` in its directory.
fn lock_path_of(lease_file: &Path) -> io::Result<PathBuf> {
    let dir = directory(lease_file).canonicalize()?;
    Ok(sibling(
        &dir.join(lease_file.file_name().unwrap_or_default()),
        "lock",
    ))
}

/// Makes a rename in `path`'s directory durable.
fn sync_dir(path: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(directory(path))?.sync_all()
    } else {
        // Windows cannot open a directory as a file; its renames are journaled.
        Ok(())
    }
}

fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `.<name>.<suffix>` beside `path`: hidden, and never `path` itself.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "leases".into(), |n| n.to_string_lossy());
    directory(path).join(format!(".{name}.{suffix}"))
}

/// How often, and how long apart, a lock recorded as this process's own is tried
/// again before it is an error: half a second in all, far longer than a child takes
/// to start its program; a real double open waits that long for its error.
const OWN_LOCK_RETRIES: u32 = 100;
const OWN_LOCK_RETRY: Duration = Duration::from_millis(5);

/// An exclusive lock on a lease file: the operating system's lock on `.<name>.lock`
/// beside it, held as long as this open file is.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    /// Holding it holds the lock; the kernel releases it when the file is closed.
    _file: File,
}

impl Lock {
    fn take(lease_file: &Path) -> Result<Lock, LeaseFileError> {
        let path = lock_path_of(lease_file).map_err(|e| io_error(lease_file, e))?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_error(lease_file, e))?;
        let mut retries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let pid = fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    // Ours: most likely a child being started still holds a copy of
                    // the lock we closed (see the module's safety rules).
                    if pid == Some(std::process::id()) && retries < OWN_LOCK_RETRIES {
                        retries += 1;
                        thread::sleep(OWN_LOCK_RETRY);
                        continue;
                    }
                    return Err(LeaseFileError::Locked {
                        path: lease_file.to_owned(),
                        lock: path,
                        pid,
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io_error(lease_file, e)),
            }
        }
        // Ours now: the process id is for the next one's error message only.
        file.set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error(lease_file, e))?;
        Ok(Lock { path, _file: file })
    }
}

fn io_error(path: &Path, source: io::Error) -> LeaseFileError {
    LeaseFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One record as a line, `\n` included.
pub(crate) fn format_record(change: &Change) -> String {
    match change {
        Change::Bound { key, addr, until } => format!("{BOUND} {key} {addr} {until}\n"),
        Change::Released { key, addr } => format!("{RELEASED} {key} {addr}\n"),
        Change::Declined { addr, until } => format!("{DECLINED} {addr} {until}\n"),
    }
}

/// Every record of a lease file's text, or the first bad line's number and fault:
/// the format read whole, for the tests of the streaming reader's records.
#[cfg(test)]
fn parse(text: &str) -> Result<Vec<Change>, (usize, String)> {
    let mut records = Vec::new();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (index, raw) in lines.iter().enumerate() {
        let number = index + 1;
        let Some(line) = raw.strip_suffix('\n') else {
            return Err((number, "truncated: the line has no end".into()));
        };
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        records.push(parse_record(line).map_err(|reason| (number, reason))?);
    }
    Ok(records)
}

fn parse_record(line: &str) -> Result<Change, String> {
    let fields: Vec<&str> = line.split(' ').collect();
    match fields[..] {
        [BOUND, key, addr, until] => Ok(Change::Bound {
            key: client(key)?,
            addr: address(addr)?,
            until: time(until)?,
        }),
        [RELEASED, key, addr] => Ok(Change::Released {
            key: client(key)?,
            addr: address(addr)?,
        }),
        [DECLINED, addr, until] => Ok(Change::Declined {
            addr: address(addr)?,
            until: time(until)?,
        }),
        [kind @ (BOUND | RELEASED | DECLINED), ..] => Err(format!(
            "{kind} record has {} fields",
            fields.len().saturating_sub(1)
        )),
        _ => Err(format!("unknown record {:?}", fields[0])),
    }
}

fn client(text: &str) -> Result<ClientKey, String> {
    text.parse().map_err(|e| format!("client {text:?}: {e}"))
}

fn address(text: &str) -> Result<Ipv4Addr, String> {
    text.parse().map_err(|_| format!("bad address {text:?}"))
}

fn time(text: &str) -> Result<Secs, String> {
    text.parse().map_err(|_| format!("bad time {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<Change> {
        let key = ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]);
        let addr = Ipv4Addr::new(198, 18, 0, 100);
        vec![
            Change::Bound {
                key: key.clone(),
                addr,
                until: 1_700_000_600,
            },
            Change::Released { key, addr },
            Change::Declined {
                addr,
                until: 1_700_001_000,
            },
        ]
    }

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lease-file-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir.join("leases")
    }

    #[test]
    fn records_print_and_parse_back() {
        let text: String = records().iter().map(format_record).collect();
        assert_eq!(parse(&text), Ok(records()));
        assert!(text.starts_with("bound hw:1:020000000001 198.18.0.100 1700000600\n"));
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let text = format!("{HEADER}\n# note\n{}", format_record(&records()[2]));
        assert_eq!(parse(&text), Ok(vec![records()[2].clone()]));
    }

    #[test]
    fn a_truncated_last_line_is_an_error_naming_it() {
        let text = "bound hw:1:020000000001 198.18.0.100 1700000600\nbound hw:1:02";
        let (line, reason) = parse(text).unwrap_err();
        assert_eq!(line, 2);
        assert!(reason.contains("truncated"), "{reason}");
    }

    #[test]
    fn a_corrupt_line_is_an_error_naming_it() {
        for (text, fault) in [
            ("# ok\nbound hw:1:0200 198.18.0.999 1\n", "bad address"),
            ("# ok\nleased x\n", "unknown record"),
            ("# ok\nbound hw:1:0200 198.18.0.1\n", "2 fields"),
            ("# ok\nreleased zz:00 198.18.0.1\n", "client"),
        ] {
            let (line, reason) = parse(text).unwrap_err();
            assert_eq!(line, 2, "{text}");
            assert!(reason.contains(fault), "{reason}");
        }
    }

    #[test]
    fn appended_records_are_read_back_after_reopening() {
        let path = temp_path("append");
        let mut file = LeaseFile::rewrite(&path, &records()[..1]).unwrap();
        file.append(&records()[1..]).unwrap();
        drop(file);
        assert_eq!(LeaseFile::load(&path).unwrap(), records());
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_corrupt_file_error_names_file_and_line() {
        let path = temp_path("corrupt");
        // Not the last line: a torn tail is recovered, a bad record before it is not.
        fs::write(&path, "bound nonsense\n# a later line\n").unwrap();
        let error = LeaseFile::load(&path).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "lease file {} line 1: bound record has 1 fields",
                path.display()
            )
        );
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_missing_file_has_no_records() {
        let path = temp_path("missing");
        assert_eq!(LeaseFile::load(&path).unwrap(), Vec::new());
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
