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
//! replayed in order. At start the server rewrites the file with just the live
//! leases (write to a temporary file, sync, rename), so it does not grow forever.
//!
//! A line that does not parse, or a last line without its `\n` (a write cut short),
//! is an error naming the file and line: the server refuses to start rather than
//! forget leases it granted.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::lease::engine::Change;
use crate::lease::table::{ClientKey, Secs};

const HEADER: &str = "# ex_dhcp lease file: bound <client> <address> <until> | released <client> <address> | declined <address> <until>\n";
const BOUND: &str = "bound";
const RELEASED: &str = "released";
const DECLINED: &str = "declined";
const TEMP_SUFFIX: &str = "tmp";

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
        }
    }
}

impl std::error::Error for LeaseFileError {}

/// An open lease file, ready to append to.
#[derive(Debug)]
pub struct LeaseFile {
    path: PathBuf,
    file: File,
}

impl LeaseFile {
    /// Reads every record of the file at `path`; a missing file has none.
    pub fn load(path: &Path) -> Result<Vec<Change>, LeaseFileError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io_error(path, source)),
        };
        parse(&text).map_err(|(line, reason)| LeaseFileError::Corrupt {
            path: path.to_owned(),
            line,
            reason,
        })
    }

    /// Replaces the file with `records` (atomically: temporary file, sync, rename) and
    /// opens it for appending.
    pub fn rewrite(path: &Path, records: &[Change]) -> Result<Self, LeaseFileError> {
        let temp = path.with_extension(TEMP_SUFFIX);
        let mut text = String::from(HEADER);
        for record in records {
            text.push_str(&format_record(record));
        }
        let write = || -> io::Result<()> {
            let mut file = File::create(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, path)
        };
        write().map_err(|e| io_error(path, e))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error(path, e))?;
        Ok(LeaseFile {
            path: path.to_owned(),
            file,
        })
    }

    /// Appends `changes` and waits until they are on disk.
    pub fn append(&mut self, changes: &[Change]) -> Result<(), LeaseFileError> {
        if changes.is_empty() {
            return Ok(());
        }
        let text: String = changes.iter().map(format_record).collect();
        // One write for all lines, then fsync: the reply waits for this.
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_error(&self.path, e))
    }
}

fn io_error(path: &Path, source: io::Error) -> LeaseFileError {
    LeaseFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One record as a line, `\n` included.
pub fn format_record(change: &Change) -> String {
    match change {
        Change::Bound { key, addr, until } => format!("{BOUND} {key} {addr} {until}\n"),
        Change::Released { key, addr } => format!("{RELEASED} {key} {addr}\n"),
        Change::Declined { addr, until } => format!("{DECLINED} {addr} {until}\n"),
    }
}

/// Every record of a lease file's text, or the first bad line's number and fault.
pub fn parse(text: &str) -> Result<Vec<Change>, (usize, String)> {
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
        fs::write(&path, "bound nonsense\n").unwrap();
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
