//! Why a replay could not run, or did not pass.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::recording::{PortFilter, Recorded};
use super::report::{self, Report};
use crate::capture::CaptureError;
use crate::DecodeError;

/// Where a recorded packet came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A capture frame, numbered from 1 as Wireshark numbers them.
    Frame(usize),
    /// A saved `.bin` file.
    File(PathBuf),
    /// The n-th packet (from 1) of a recording built in code.
    Packet(usize),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Frame(number) => write!(f, "frame {number}"),
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Packet(number) => write!(f, "packet {number}"),
        }
    }
}

/// Why a replay could not run, or found differences.
///
/// `Debug` shows the same text as `Display`, so that a `#[test]` returning
/// `Result<_, ReplayError>` prints a readable diff when it fails.
#[non_exhaustive]
pub enum ReplayError {
    /// The capture could not be read.
    Capture {
        /// The file, when the capture was read from one.
        path: Option<PathBuf>,
        /// What went wrong.
        error: CaptureError,
    },
    /// A `.bin` file or a directory of them could not be read.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        error: io::Error,
    },
    /// A recorded DHCP datagram or `.bin` file is not a DHCP packet.
    Decode {
        /// Which packet.
        origin: Origin,
        /// Why it does not decode.
        error: DecodeError,
    },
    /// The recording holds no client packet, so a replay would prove nothing.
    NoClientPackets {
        /// The file, when the recording was read from one.
        path: Option<PathBuf>,
        /// For a capture: the ports looked for, and what was left out.
        ports: Option<PortFilter>,
    },
    /// A field name given to ignore is not a field (see [`Field`](super::Field)).
    UnknownField {
        /// The name given.
        name: String,
    },
    /// The handler answers a request later ([`Context::defer`](crate::Context::defer))
    /// and the reply the recording shows did not come within the
    /// [`reply_timeout`](super::Replay::reply_timeout).
    ReplyTimeout {
        /// The recording's file or directory, when it came from one.
        path: Option<PathBuf>,
        /// Which exchange waited, numbered from 1 as reports number them.
        exchange: usize,
        /// Its client packet.
        request: Box<Recorded>,
        /// How long the replay waited.
        waited: Duration,
        /// Deferred requests the handler had not answered when the wait ended.
        outstanding: u64,
    },
    /// The handler's replies differ from the recorded ones; the report says how.
    Differences(Box<Report>),
}

impl ReplayError {
    /// Names the file a capture error came from.
    pub(crate) fn at(self, file: &Path) -> Self {
        match self {
            ReplayError::Capture { path: None, error } => ReplayError::Capture {
                path: Some(file.to_owned()),
                error,
            },
            ReplayError::NoClientPackets { path: None, ports } => ReplayError::NoClientPackets {
                path: Some(file.to_owned()),
                ports,
            },
            other => other,
        }
    }

    /// The report, when the replay ran and found differences.
    pub fn report(&self) -> Option<&Report> {
        match self {
            ReplayError::Differences(report) => Some(report),
            _ => None,
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Capture {
                path: Some(path),
                error,
            } => write!(f, "cannot read capture {}: {error}", path.display())
                .and_then(|()| write_io_cause(f, error)),
            ReplayError::Capture { path: None, error } => {
                write!(f, "cannot read capture: {error}").and_then(|()| write_io_cause(f, error))
            }
            ReplayError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            ReplayError::Decode { origin, error } => {
                write!(f, "{origin} is not a dhcp packet: {error}")
            }
            ReplayError::NoClientPackets { path, ports } => {
                match path {
                    Some(path) => write!(f, "{}", path.display())?,
                    None => f.write_str("the recording")?,
                }
                f.write_str(" holds no dhcp client packet to replay")?;
                match ports {
                    Some(ports) => write!(f, " ({ports})"),
                    None => Ok(()),
                }
            }
            ReplayError::UnknownField { name } => write!(
                f,
                "cannot ignore unknown field {name:?} (known: {})",
                super::Field::names()
            ),
            ReplayError::ReplyTimeout {
                path,
                exchange,
                request,
                waited,
                outstanding,
            } => {
                f.write_str("replay")?;
                if let Some(path) = path {
                    write!(f, " of {}", path.display())?;
                }
                write!(f, ": waited {waited:?} for the reply to ")?;
                report::write_request(f, *exchange, request)?;
                write!(
                    f,
                    "; {outstanding} deferred request(s) still unanswered (Replay::reply_timeout sets the wait)"
                )
            }
            ReplayError::Differences(report) => write!(f, "{report}"),
        }
    }
}

/// The capture module keeps the i/o error as its source; a one-line message wants it inline.
fn write_io_cause(f: &mut fmt::Formatter<'_>, error: &CaptureError) -> fmt::Result {
    match error {
        CaptureError::Io(cause) => write!(f, " ({cause})"),
        _ => Ok(()),
    }
}

impl fmt::Debug for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A failing `#[test] fn ... -> Result<(), ReplayError>` prints `Debug`.
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ReplayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReplayError::Capture { error, .. } => Some(error),
            ReplayError::Io { error, .. } => Some(error),
            ReplayError::Decode { error, .. } => Some(error),
            _ => None,
        }
    }
}
