//! Keeping what was received: numbered `.bin` files and a pcap file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use ex_dhcp::capture::{CaptureError, Datagram, PcapWriter};

use crate::listen::Received;

const BIN_EXTENSION: &str = ".bin";

/// Digits of the number in a saved file's name: `PREFIX-0001.bin`, so that the
/// files list in capture order by name too (up to 9999; more digits after that).
const NUMBER_WIDTH: usize = 4;

/// Writes each datagram to `PREFIX-NNNN.bin`, N counting on from the highest number
/// already there (padded or not), so that a second run never overwrites the first.
#[derive(Debug)]
pub struct BinFiles {
    directory: PathBuf,
    stem: String,
    next: u64,
}

impl BinFiles {
    /// `prefix` may include a directory: `captures/office` writes `captures/office-0001.bin`.
    pub fn new(prefix: &str) -> io::Result<Self> {
        let prefix = Path::new(prefix);
        let stem = prefix
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "--save needs a file name prefix",
                )
            })?
            .to_owned();
        let directory = match prefix.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&directory)?;
        let next = highest_number(&directory, &stem)?.map_or(1, |n| n + 1);
        Ok(BinFiles {
            directory,
            stem,
            next,
        })
    }

    /// Saves one datagram's payload and returns the file written.
    pub fn save(&mut self, bytes: &[u8]) -> io::Result<PathBuf> {
        loop {
            let path = self.directory.join(file_name(&self.stem, self.next));
            self.next += 1;
            // create_new: never overwrite a file another process wrote meanwhile.
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.write_all(bytes)?;
                    return Ok(path);
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error),
            }
        }
    }
}

/// `STEM-NNNN.bin`.
fn file_name(stem: &str, number: u64) -> String {
    format!("{stem}-{number:0NUMBER_WIDTH$}{BIN_EXTENSION}")
}

/// The highest N of the `STEM-N.bin` files in `directory`, padded or not.
fn highest_number(directory: &Path, stem: &str) -> io::Result<Option<u64>> {
    let entries = match fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut highest = None;
    for entry in entries {
        let name = entry?.file_name();
        let number = name
            .to_str()
            .and_then(|name| name.strip_prefix(stem))
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.strip_suffix(BIN_EXTENSION))
            .filter(|number| number.bytes().all(|byte| byte.is_ascii_digit()))
            .and_then(|number| number.parse::<u64>().ok());
        highest = highest.max(number);
    }
    Ok(highest)
}

/// Appends datagrams to a pcap file; each record is one write, so the file stays
/// readable if the snooper is killed.
#[derive(Debug)]
pub struct PcapFile {
    writer: PcapWriter<File>,
}

impl PcapFile {
    pub fn open(path: &str) -> Result<Self, CaptureError> {
        Ok(PcapFile {
            writer: PcapWriter::append_to_file(path)?,
        })
    }

    pub fn save(&mut self, received: &Received) -> Result<(), CaptureError> {
        let datagram = Datagram {
            timestamp: received.at.duration_since(UNIX_EPOCH).unwrap_or_default(),
            source: received.from,
            destination: received.to,
            payload: received.bytes.clone(),
        };
        self.writer.write_datagram(&datagram)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_zero_padded_so_they_sort_in_capture_order() {
        assert_eq!(file_name("cap", 2), "cap-0002.bin");
        assert_eq!(file_name("cap", 10), "cap-0010.bin");
        assert!(file_name("cap", 2) < file_name("cap", 10));
        assert_eq!(file_name("cap", 12_345), "cap-12345.bin");
    }
}
