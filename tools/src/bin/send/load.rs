//! Reading the packet to send: a raw `.bin` as the snooper saves it, or the first
//! DHCP packet of a pcap or pcapng capture.

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

use ex_dhcp::capture::{self, CaptureError};
use ex_dhcp::{DecodeError, Packet};

/// Why no packet could be read.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io(io::Error),
    /// The file is a capture, but a broken one.
    Capture(CaptureError),
    /// The file is a capture with no datagram that decodes as DHCP.
    NoDhcpInCapture { datagrams: usize },
    /// The file is not a capture, and its bytes are not a DHCP packet.
    NotDhcp(DecodeError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(error) => write!(f, "{error}"),
            LoadError::Capture(error) => write!(f, "broken capture: {error}"),
            LoadError::NoDhcpInCapture { datagrams } => write!(
                f,
                "none of the capture's {datagrams} UDP datagram(s) is a DHCP packet"
            ),
            LoadError::NotDhcp(error) => {
                write!(f, "neither a capture nor a DHCP packet: {error}")
            }
        }
    }
}

/// The packet in the file at `path`. The format is told by content, not name.
pub fn load(path: &Path) -> Result<Packet, LoadError> {
    let bytes = fs::read(path).map_err(LoadError::Io)?;
    match capture::read_datagrams(&bytes) {
        Ok(capture) => capture
            .datagrams
            .iter()
            // By content rather than by port: captures of tests use any port.
            .find_map(|datagram| Packet::decode(&datagram.payload).ok())
            .ok_or(LoadError::NoDhcpInCapture {
                datagrams: capture.datagrams.len(),
            }),
        Err(CaptureError::NotACapture { .. }) => Packet::decode(&bytes).map_err(LoadError::NotDhcp),
        Err(error) => Err(LoadError::Capture(error)),
    }
}
