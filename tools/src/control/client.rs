//! The client side of the control socket, as `lease_ctl` uses it.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::protocol::{Request, Response};

/// Why a request got no answer.
#[derive(Debug)]
pub enum ClientError {
    /// Nothing answers at the path, or it may not be used.
    Connect {
        /// The socket's path.
        path: PathBuf,
        /// The error.
        error: io::Error,
    },
    /// The connection failed on the way.
    Io(io::Error),
    /// The answer is not the protocol's.
    Protocol(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect { path, error } => {
                write!(f, "cannot connect to {}: {error}", path.display())?;
                match error.kind() {
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => write!(
                        f,
                        " (is lease_server running with --control {}?)",
                        path.display()
                    ),
                    io::ErrorKind::PermissionDenied => {
                        f.write_str(" (the socket is its owner's and root's: run as either)")
                    }
                    _ => Ok(()),
                }
            }
            ClientError::Io(error) => write!(f, "the control connection failed: {error}"),
            ClientError::Protocol(problem) => {
                write!(f, "the server's answer is not understood: {problem}")
            }
        }
    }
}

impl std::error::Error for ClientError {}

/// A connection to a control socket.
#[derive(Debug)]
pub struct Connection {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
}

impl Connection {
    /// Connects to the socket at `path`; each answer is waited for at most `timeout`.
    pub fn open(path: &Path, timeout: Duration) -> Result<Connection, ClientError> {
        let stream = UnixStream::connect(path).map_err(|error| ClientError::Connect {
            path: path.to_owned(),
            error,
        })?;
        stream
            .set_read_timeout(Some(timeout))
            .map_err(ClientError::Io)?;
        let reader = BufReader::new(stream.try_clone().map_err(ClientError::Io)?);
        Ok(Connection {
            writer: stream,
            reader,
        })
    }

    /// Sends `request` and reads its answer.
    pub fn request(&mut self, request: &Request) -> Result<Response, ClientError> {
        let mut line =
            serde_json::to_vec(request).map_err(|e| ClientError::Protocol(e.to_string()))?;
        line.push(b'\n');
        self.writer.write_all(&line).map_err(ClientError::Io)?;
        let mut answer = String::new();
        let read = self
            .reader
            .read_line(&mut answer)
            .map_err(ClientError::Io)?;
        if read == 0 {
            return Err(ClientError::Protocol(
                "the server closed the connection".into(),
            ));
        }
        serde_json::from_str(&answer).map_err(|e| ClientError::Protocol(format!("{e}: {answer:?}")))
    }
}
