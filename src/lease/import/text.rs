//! What the three readers share: lines that know whether they were finished, hex
//! bytes, the last entry of each address, and the bad-entry policy.

use std::collections::HashMap;
use std::io::{self, BufRead};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use super::error::{ImportError, Problem};
use super::{BadLines, Parsed, Record};

/// One line of a line-based file.
pub(super) struct Line {
    /// Its number, from 1.
    pub(super) number: usize,
    /// Its text without the line end; bytes that are not UTF-8 replaced (they can
    /// only be in free text, such as a hostname, which is not imported).
    pub(super) text: String,
    /// False for a last line without `\n`: possibly cut short.
    pub(super) ended: bool,
}

/// The lines of `reader`, read one at a time.
pub(super) struct Lines<R> {
    reader: R,
    number: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> Lines<R> {
    pub(super) fn new(reader: R) -> Self {
        Lines {
            reader,
            number: 0,
            buf: Vec::new(),
        }
    }

    pub(super) fn next_line(&mut self) -> io::Result<Option<Line>> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        let ended = self.buf.last() == Some(&b'\n');
        if ended {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        Ok(Some(Line {
            number: self.number,
            text: String::from_utf8_lossy(&self.buf).into_owned(),
            ended,
        }))
    }
}

/// Colon-separated hex bytes of one or two digits each (`1:2:0:a0`, `01:02:00:a0`),
/// the form all three servers write hardware addresses and client identifiers in.
pub(super) fn colon_hex(text: &str) -> Result<Vec<u8>, Problem> {
    let bad = || Problem::Hex(text.to_owned());
    if text.is_empty() {
        return Err(bad());
    }
    text.split(':')
        .map(|part| {
            // Checked first: `from_str_radix` takes a sign.
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            u8::from_str_radix(part, 16).map_err(|_| bad())
        })
        .collect()
}

/// A reader's state: the file's name for errors, the bad-entry policy, what was
/// skipped, and the last entry of each address.
pub(super) struct Reading {
    file: PathBuf,
    bad: BadLines,
    skipped: Vec<ImportError>,
    latest: HashMap<Ipv4Addr, Record>,
    dhcpv6: usize,
}

impl Reading {
    pub(super) fn new(file: &Path, bad: BadLines) -> Self {
        Reading {
            file: file.to_owned(),
            bad,
            skipped: Vec::new(),
            latest: HashMap::new(),
            dhcpv6: 0,
        }
    }

    /// The error for `problem` at `line`.
    pub(super) fn error(&self, line: usize, problem: Problem) -> ImportError {
        ImportError::Entry {
            file: self.file.clone(),
            line,
            problem,
        }
    }

    /// An i/o error of this file.
    pub(super) fn io(&self, source: io::Error) -> ImportError {
        ImportError::Io {
            file: self.file.clone(),
            source,
        }
    }

    /// A bad entry: the error, or (when the caller asked to skip them) a note of it
    /// and on to the next entry.
    pub(super) fn bad(&mut self, line: usize, problem: Problem) -> Result<(), ImportError> {
        let error = self.error(line, problem);
        match self.bad {
            BadLines::Fail => Err(error),
            BadLines::Skip => {
                self.skipped.push(error);
                Ok(())
            }
        }
    }

    /// A torn last entry: always a note, never an error (see [`Problem::Torn`]).
    pub(super) fn torn(&mut self, line: usize) {
        let error = self.error(line, Problem::Torn);
        self.skipped.push(error);
    }

    /// An entry of the file's DHCPv6 part, which a DHCPv4 server has no use for.
    pub(super) fn dhcpv6(&mut self) {
        self.dhcpv6 += 1;
    }

    /// The address's entry as of `record`: a later entry of an address replaces an
    /// earlier one, as in each of these servers' own files.
    pub(super) fn record(&mut self, record: Record) {
        self.latest.insert(record.addr, record);
    }

    /// Every address's last entry, in the order of their lines.
    pub(super) fn finish(self) -> Parsed {
        let mut records: Vec<Record> = self.latest.into_values().collect();
        records.sort_by_key(|record| (record.line, record.addr));
        Parsed {
            records,
            skipped: self.skipped,
            dhcpv6: self.dhcpv6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_hex_takes_one_or_two_digits_and_nothing_else() {
        assert_eq!(colon_hex("1:2:a0:FF"), Ok(vec![1, 2, 0xa0, 0xff]));
        assert_eq!(colon_hex("01"), Ok(vec![1]));
        for bad in ["", ":", "1::2", "123", "+1", "g0", "01:", "é"] {
            assert_eq!(colon_hex(bad), Err(Problem::Hex(bad.to_owned())), "{bad}");
        }
    }

    #[test]
    fn lines_know_whether_they_were_finished() {
        let mut lines = Lines::new(&b"a\r\nb\n\nc"[..]);
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            seen.push((line.number, line.text, line.ended));
        }
        assert_eq!(
            seen,
            [
                (1, "a".to_owned(), true),
                (2, "b".to_owned(), true),
                (3, String::new(), true),
                (4, "c".to_owned(), false)
            ]
        );
    }
}
