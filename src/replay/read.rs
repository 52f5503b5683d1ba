//! Reading a recording: a pcap or pcapng capture (from a file or any reader), a
//! `.bin` file holding one DHCP payload, or a directory of them.
//!
//! A capture is read on the standard ports, 67 and 68, unless the reader is told
//! others before it reads ([`Recording::reader`]): a test server on 6767 needs its
//! ports named. A directory of `.bin` files is read in capture order: by name, with
//! numbers compared as numbers, so `dhcp-10.bin` comes after `dhcp-2.bin`.

use std::cmp::Ordering;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::error::{Origin, ReplayError};
use super::recording::{PortFilter, Recorded, Recording};
use crate::capture;
use crate::server::{CLIENT_PORT, SERVER_PORT};
use crate::Packet;

/// The file name extension of saved packets.
const BIN_EXTENSION: &str = "bin";

/// Reads recordings on the ports of your choosing: `Recording::reader()`, then
/// the ports, then [`read`](Self::read) a path or [`read_from`](Self::read_from) a
/// reader.
///
/// ```no_run
/// # fn main() -> Result<(), ex_dhcp::replay::ReplayError> {
/// use ex_dhcp::replay::Recording;
///
/// // A test server on ex_dhcp's default port, its client on 6868.
/// let recording = Recording::reader()
///     .server_port(6767)
///     .client_port(6868)
///     .read("tests/data/loopback.pcap")?;
/// # let _ = recording;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reader reads nothing until asked"]
pub struct RecordingReader {
    server_port: u16,
    client_port: u16,
}

impl Default for RecordingReader {
    fn default() -> Self {
        RecordingReader {
            server_port: SERVER_PORT,
            client_port: CLIENT_PORT,
        }
    }
}

impl Recording {
    /// Reads the recording at `path` on ports 67 and 68: a directory of `.bin`
    /// files (in capture order, see [`Recording::bin_files`]), a single `.bin`
    /// file, or else a classic pcap or pcapng capture, what `snoop`, tcpdump or
    /// Wireshark saved (the format is told by its first bytes).
    ///
    /// For other ports, or a capture from a reader: [`Recording::reader`].
    pub fn read(path: impl AsRef<Path>) -> Result<Self, ReplayError> {
        Recording::reader().read(path)
    }

    /// A reader that takes the ports before it reads (see [`RecordingReader`]).
    pub fn reader() -> RecordingReader {
        RecordingReader::default()
    }

    /// The `.bin` files of a directory in capture order: by name, numbers
    /// compared as numbers, so that `dhcp-10.bin` follows `dhcp-2.bin` whether the
    /// numbers are padded (`dhcp-0002.bin`, as `snoop` writes them) or not.
    pub fn bin_files(dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, ReplayError> {
        let dir = dir.as_ref();
        let io_error = |error| ReplayError::Io {
            path: dir.to_owned(),
            error,
        };
        let mut paths = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_error)? {
            let path = entry.map_err(io_error)?.path();
            if path.extension().is_some_and(|ext| ext == BIN_EXTENSION) {
                paths.push(path);
            }
        }
        paths.sort_by(|a, b| {
            let name = |path: &PathBuf| path.file_name().map(|n| n.to_string_lossy().into_owned());
            natural_order(&name(a).unwrap_or_default(), &name(b).unwrap_or_default())
                .then_with(|| a.cmp(b))
        });
        Ok(paths)
    }
}

impl RecordingReader {
    /// The server's UDP port in captures (67 by default).
    pub fn server_port(mut self, port: u16) -> Self {
        self.server_port = port;
        self
    }

    /// The client's UDP port in captures (68 by default).
    pub fn client_port(mut self, port: u16) -> Self {
        self.client_port = port;
        self
    }

    /// Reads the recording at `path`: a directory of `.bin` files, a single
    /// `.bin` file, or else a capture, kept to UDP datagrams to or from the two
    /// ports (see [`Recording::read`]). Ports do not matter to `.bin` files.
    pub fn read(&self, path: impl AsRef<Path>) -> Result<Recording, ReplayError> {
        let path = path.as_ref();
        let mut recording = if path.is_dir() {
            bin_files(Recording::bin_files(path)?)?
        } else if path.extension().is_some_and(|ext| ext == BIN_EXTENSION) {
            bin_files([path])?
        } else {
            let file = fs::File::open(path).map_err(|error| ReplayError::Capture {
                path: Some(path.to_owned()),
                error: error.into(),
            })?;
            self.read_from(file).map_err(|error| error.at(path))?
        };
        recording.path = Some(path.to_owned());
        Ok(recording)
    }

    /// Reads a classic pcap or pcapng capture from `reader` to its end, kept to
    /// UDP datagrams to or from the two ports. A capture held in memory is read
    /// from a slice: `read_from(&bytes[..])`.
    pub fn read_from(&self, mut reader: impl Read) -> Result<Recording, ReplayError> {
        let capture_error = |error| ReplayError::Capture { path: None, error };
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|error| capture_error(error.into()))?;
        let mut filter = PortFilter::new(self.server_port, self.client_port);
        let mut datagrams = capture::datagrams(&bytes).map_err(capture_error)?;
        let mut packets = Vec::new();
        while let Some(datagram) = datagrams.next() {
            let datagram = datagram.map_err(capture_error)?;
            if filter.keeps(&datagram) {
                // The frame just read is the last one counted: Wireshark's frame number.
                let frame = datagrams.stats().frames;
                packets.push(Recorded::from_datagram(&datagram, frame)?);
            }
        }
        let mut recording = Recording::from_packets(packets);
        recording.ports = Some(filter);
        Ok(recording)
    }
}

/// Saved packets, one DHCP payload per file, in the order given.
fn bin_files<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Result<Recording, ReplayError> {
    let mut packets = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let origin = Origin::File(path.to_owned());
        let bytes = fs::read(path).map_err(|error| ReplayError::Io {
            path: path.to_owned(),
            error,
        })?;
        let packet = Packet::decode(&bytes).map_err(|error| ReplayError::Decode {
            origin: origin.clone(),
            error,
        })?;
        packets.push(Recorded::new(packet, origin));
    }
    Ok(Recording::from_packets(packets))
}

/// Compares names with runs of digits taken as numbers: `a-2` before `a-10`,
/// and `a-0002` equal in rank to `a-2` (the tie broken by the caller).
fn natural_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (x_digits, x_rest) = split_digits(a);
                let (y_digits, y_rest) = split_digits(b);
                let (x_digits, y_digits) = (
                    x_digits.trim_start_matches('0'),
                    y_digits.trim_start_matches('0'),
                );
                let order = x_digits
                    .len()
                    .cmp(&y_digits.len())
                    .then_with(|| x_digits.cmp(y_digits));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (x_rest, y_rest);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_names_sort_as_numbers_padded_or_not() {
        let mut names = vec![
            "dhcp-10.bin",
            "dhcp-2.bin",
            "dhcp-0003.bin",
            "dhcp-1.bin",
            "dhcp-0011.bin",
        ];
        names.sort_by(|a, b| natural_order(a, b));
        assert_eq!(
            names,
            [
                "dhcp-1.bin",
                "dhcp-2.bin",
                "dhcp-0003.bin",
                "dhcp-10.bin",
                "dhcp-0011.bin"
            ]
        );
        assert_eq!(natural_order("a-0002.bin", "a-2.bin"), Ordering::Equal);
        assert_eq!(natural_order("a.bin", "b.bin"), Ordering::Less);
    }
}
