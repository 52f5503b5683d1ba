//! The control socket of a running `lease_server`: a Unix stream socket only its
//! owner (and root) may use, and the thread that answers it.
//!
//! Owner-only is made, then checked, never assumed: the socket is bound in a private
//! directory (mode 0700) beside its path, set to mode 0600 there, and renamed into
//! place, so that there is no moment when another user could connect; its mode is
//! read back, and a socket that is not 0600 is refused. Each connection's peer is
//! checked too (`SO_PEERCRED`): a process of another user (root aside) is answered
//! with an error and nothing else.
//!
//! One connection is served at a time, each request within [`IDLE`]: the socket is
//! for an operator and scripts, not for traffic.

use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ex_dhcp::lease::{Hooks, LeaseService};
use ex_dhcp::Handle;

use super::commands::{self, Operated};
use super::protocol::{Request, Response, MAX_LINE, VERSION};

/// The socket's mode: its owner reads and writes, nobody else.
pub const MODE: u32 = 0o600;
/// How long a connection may stay silent before it is closed.
pub const IDLE: Duration = Duration::from_secs(10);

/// Why the control socket could not be opened.
#[derive(Debug)]
pub enum ControlError {
    /// Something that is not a socket is at the path.
    NotASocket(PathBuf),
    /// Another server answers on the path.
    InUse(PathBuf),
    /// The socket could not be made owner-only.
    Mode {
        /// The path.
        path: PathBuf,
        /// The mode it has.
        mode: u32,
    },
    /// A system call failed.
    Io {
        /// What was being done.
        doing: String,
        /// The error.
        error: io::Error,
    },
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::NotASocket(path) => write!(
                f,
                "control socket {}: something else is there (not a socket): remove it or \
                 choose another path",
                path.display()
            ),
            ControlError::InUse(path) => write!(
                f,
                "control socket {}: another server answers on it",
                path.display()
            ),
            ControlError::Mode { path, mode } => write!(
                f,
                "control socket {}: it has mode {mode:o}, not {MODE:o}, so other users could \
                 use it: refused (is the directory on a file system without Unix modes?)",
                path.display()
            ),
            ControlError::Io { doing, error } => write!(f, "control socket: {doing}: {error}"),
        }
    }
}

impl std::error::Error for ControlError {}

fn io_error(doing: impl Into<String>) -> impl FnOnce(io::Error) -> ControlError {
    let doing = doing.into();
    move |error| ControlError::Io { doing, error }
}

/// A bound control socket, mode 0600, not served yet.
#[derive(Debug)]
pub struct ControlSocket {
    path: PathBuf,
    listener: UnixListener,
}

impl ControlSocket {
    /// Binds the socket at `path`, owner-only; with `owner`, gives it to that user and
    /// group (the user a server switches to). A socket left at the path by a server
    /// that is gone is replaced; one a server answers on is not.
    pub fn bind(path: &Path, owner: Option<(u32, u32)>) -> Result<ControlSocket, ControlError> {
        clear_stale(path)?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| ControlError::NotASocket(path.to_owned()))?;
        let private = dir.join(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&private);
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&private)
            .map_err(io_error(format!("create {}", private.display())))?;
        let bound = bind_private(&private.join("socket"), path, owner);
        let _ = fs::remove_dir_all(&private);
        let listener = bound?;
        let mode = fs::metadata(path)
            .map_err(io_error(format!("read {}", path.display())))?
            .permissions()
            .mode()
            & 0o777;
        if mode != MODE {
            let _ = fs::remove_file(path);
            return Err(ControlError::Mode {
                path: path.to_owned(),
                mode,
            });
        }
        Ok(ControlSocket {
            path: path.to_owned(),
            listener,
        })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers requests on a thread of its own until [`Serving::stop`].
    pub fn serve<H: Hooks>(
        self,
        handle: Handle<LeaseService<H>>,
        operated: Operated,
    ) -> io::Result<Serving> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let ControlSocket { path, listener } = self;
        let thread = thread::Builder::new()
            .name("control".into())
            .spawn(move || accept(&listener, &handle, &operated, &stopping))?;
        Ok(Serving { path, stop, thread })
    }
}

/// Binds at `private` (in a directory only this user can enter), sets the mode and
/// owner, then renames the socket to `path`.
fn bind_private(
    private: &Path,
    path: &Path,
    owner: Option<(u32, u32)>,
) -> Result<UnixListener, ControlError> {
    let listener =
        UnixListener::bind(private).map_err(io_error(format!("bind {}", path.display())))?;
    fs::set_permissions(private, fs::Permissions::from_mode(MODE))
        .map_err(io_error(format!("chmod {MODE:o} {}", path.display())))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(private, Some(uid), Some(gid))
            .map_err(io_error(format!("give {} to uid {uid}", path.display())))?;
    }
    fs::rename(private, path).map_err(io_error(format!("move into {}", path.display())))?;
    Ok(listener)
}

/// Removes a socket nobody answers on; refuses anything else at the path.
fn clear_stale(path: &Path) -> Result<(), ControlError> {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        return Err(ControlError::NotASocket(path.to_owned()));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(ControlError::InUse(path.to_owned()));
    }
    fs::remove_file(path).map_err(io_error(format!("remove the stale {}", path.display())))
}

/// A control socket being served.
#[derive(Debug)]
pub struct Serving {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Serving {
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops answering (after the request being answered, if any), joins the thread
    /// and removes the socket.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept: the thread sees the flag and ends.
        let _ = UnixStream::connect(&self.path);
        let _ = self.thread.join();
        let _ = fs::remove_file(&self.path);
    }
}

fn accept<H: Hooks>(
    listener: &UnixListener,
    handle: &Handle<LeaseService<H>>,
    operated: &Operated,
    stop: &AtomicBool,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                log::warn!("control socket: accept failed: {error}");
                // A persistent failure (no file descriptors left) must not spin.
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if let Err(error) = converse(stream, handle, operated) {
            log::debug!("control socket: connection ended: {error}");
        }
    }
}

/// Answers one connection's requests until it closes or stays silent too long.
fn converse<H: Hooks>(
    stream: UnixStream,
    handle: &Handle<LeaseService<H>>,
    operated: &Operated,
) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_write_timeout(Some(IDLE))?;
    let mut writer = stream.try_clone()?;
    if let Some(refusal) = peer_refusal(&stream) {
        log::warn!("control socket: {refusal}");
        return answer(&mut writer, &Response::error(refusal));
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_line(&mut line)?;
        if read == 0 {
            return Ok(());
        }
        if read > MAX_LINE && !line.ends_with('\n') {
            return answer(
                &mut writer,
                &Response::error(format!("a request is one line of at most {MAX_LINE} bytes")),
            );
        }
        let response = respond(line.trim(), handle, operated);
        answer(&mut writer, &response)?;
    }
}

fn respond<H: Hooks>(
    line: &str,
    handle: &Handle<LeaseService<H>>,
    operated: &Operated,
) -> Response {
    let request: Request = match serde_json::from_str(line) {
        Ok(request) => request,
        Err(error) => {
            // A request of another version may not parse as this one's: say so first.
            let version = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|value| value.get("version").and_then(serde_json::Value::as_u64));
            return match version {
                Some(v) if v != u64::from(VERSION) => Response::error(unspoken(v)),
                _ => Response::error(format!("not a request: {error}")),
            };
        }
    };
    if request.version != VERSION {
        return Response::error(unspoken(u64::from(request.version)));
    }
    log::info!("control: {:?}", request.command);
    match commands::run(request.command, handle, operated) {
        Ok(result) => Response::ok(result),
        Err(error) => Response::error(error),
    }
}

fn unspoken(version: u64) -> String {
    format!("protocol version {version} is not spoken here: this server speaks version {VERSION}")
}

fn answer(writer: &mut UnixStream, response: &Response) -> io::Result<()> {
    let mut line = serde_json::to_vec(response).map_err(io::Error::other)?;
    line.push(b'\n');
    writer.write_all(&line)
}

/// Why the peer may not use the socket: it runs as another user than this process,
/// and is not root.
fn peer_refusal(stream: &UnixStream) -> Option<String> {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    let ours = nix::unistd::geteuid().as_raw();
    match getsockopt(stream, PeerCredentials) {
        Ok(peer) if peer.uid() == ours || peer.uid() == 0 => None,
        Ok(peer) => Some(format!(
            "refused a process of uid {} (pid {}): the socket is its owner's (uid {ours}) and root's",
            peer.uid(),
            peer.pid()
        )),
        Err(error) => Some(format!("cannot tell who connected ({error}): refused")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ex_dhcp-control-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_socket_is_owner_only_and_a_stale_one_is_replaced() {
        let dir = dir("bind");
        let path = dir.join("control.sock");
        let socket = ControlSocket::bind(&path, None).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = ControlSocket::bind(&path, None).unwrap_err();
        assert!(matches!(second, ControlError::InUse(_)), "{second}");
        drop(socket);
        // Left behind, nobody listening: replaced.
        assert!(path.exists());
        let again = ControlSocket::bind(&path, None).unwrap();
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no private directory left behind"
        );
        drop(again);
        fs::remove_file(&path).unwrap();
        fs::write(&path, "a file").unwrap();
        let refused = ControlSocket::bind(&path, None).unwrap_err();
        assert!(refused.to_string().contains("not a socket"), "{refused}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "a file", "left alone");
        fs::remove_dir_all(&dir).unwrap();
    }
}
