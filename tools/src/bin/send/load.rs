//! Reading the packet to send: a raw `.bin` as the snooper saves it, the Nth of a
//! directory of them, or the Nth DHCP packet of a pcap or pcapng capture.

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

use ex_dhcp::capture::{self, CaptureError};
use ex_dhcp::replay::{Recording, ReplayError};
use ex_dhcp::{DecodeError, Packet};

/// Why no packet could be read.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io(io::Error),
    /// The directory could not be read.
    Directory(ReplayError),
    /// The file is a capture, but a broken one.
    Capture(CaptureError),
    /// The capture or directory has fewer DHCP packets than `--index` asks for.
    TooFew {
        index: usize,
        found: usize,
        what: &'static str,
    },
    /// The file is not a capture, and its bytes are not a DHCP packet.
    NotDhcp(DecodeError),
    /// `--index` beyond 1 for a single packet.
    Single { index: usize },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(error) => write!(f, "{error}"),
            LoadError::Directory(error) => write!(f, "{error}"),
            LoadError::Capture(error) => write!(f, "broken capture: {error}"),
            LoadError::TooFew { index, found, what } => write!(
                f,
                "--index {index}, but the {what} holds {found} DHCP packet(s)"
            ),
            LoadError::NotDhcp(error) => {
                write!(f, "neither a capture nor a DHCP packet: {error}")
            }
            LoadError::Single { index } => {
                write!(f, "--index {index}, but the file holds one packet")
            }
        }
    }
}

/// The `index`th (from 1) packet at `path`. The format is told by content, not name.
pub fn load(path: &Path, index: usize) -> Result<Packet, LoadError> {
    if path.is_dir() {
        return load_from_dir(path, index);
    }
    let bytes = fs::read(path).map_err(LoadError::Io)?;
    match capture::read_datagrams(&bytes) {
        Ok(capture) => {
            // By content rather than by port: captures of tests use any port.
            let packets: Vec<Packet> = capture
                .datagrams
                .iter()
                .filter_map(|datagram| Packet::decode(&datagram.payload).ok())
                .collect();
            let found = packets.len();
            packets.into_iter().nth(index - 1).ok_or(LoadError::TooFew {
                index,
                found,
                what: "capture",
            })
        }
        Err(CaptureError::NotACapture { .. }) if index == 1 => {
            Packet::decode(&bytes).map_err(LoadError::NotDhcp)
        }
        Err(CaptureError::NotACapture { .. }) => Err(LoadError::Single { index }),
        Err(error) => Err(LoadError::Capture(error)),
    }
}

/// The `index`th `.bin` of a directory in numeric order (`-2` before `-10`).
fn load_from_dir(dir: &Path, index: usize) -> Result<Packet, LoadError> {
    let files = Recording::bin_files(dir).map_err(LoadError::Directory)?;
    let file = files.get(index - 1).ok_or(LoadError::TooFew {
        index,
        found: files.len(),
        what: "directory",
    })?;
    let bytes = fs::read(file).map_err(LoadError::Io)?;
    Packet::decode(&bytes).map_err(LoadError::NotDhcp)
}
