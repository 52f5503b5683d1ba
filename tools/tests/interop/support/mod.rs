//! Scaffolding for interop tests against real clients: prerequisites that fail loudly,
//! network namespaces and child processes that are cleaned up by `Drop` even when a
//! test fails, and time-bounded polling.
//!
//! Everything runs inside namespaces the test creates, with addresses from
//! 198.18.0.0/15 (RFC 2544 benchmarking space); nothing touches the host namespace.
//!
pub mod child;
pub mod events;
pub mod lab;
pub mod lease_server;
pub mod qemu;
pub mod relays;
pub mod tools;

use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How often a waiting test looks again.
pub const POLL: Duration = Duration::from_millis(50);

/// Runs a command to completion; panics with its output when it fails.
pub fn run(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A network namespace, deleted on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates a namespace with its loopback up.
    pub fn new(name: String) -> Self {
        // Left over from an earlier run killed before its Drop ran: start clean.
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        run("ip", &["netns", "add", &name]);
        let netns = Netns { name };
        netns.ip(&["link", "set", "lo", "up"]);
        netns
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `ip` inside the namespace.
    pub fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all);
    }

    /// Runs a command inside the namespace; fails the test when it fails.
    pub fn exec(&self, command: &[&str]) {
        let mut args = vec!["netns", "exec", self.name.as_str()];
        args.extend_from_slice(command);
        run("ip", &args);
    }

    /// The command line prefix that runs a program inside the namespace.
    pub fn prefix(&self) -> [&str; 4] {
        ["ip", "netns", "exec", self.name.as_str()]
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).arg(program);
        command
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting a namespace also deletes the veth ends inside it.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Joins two namespaces with a veth pair, created inside the first so it never
/// appears in the host namespace, both ends up.
pub fn veth(a: &Netns, a_end: &str, b: &Netns, b_end: &str) {
    a.ip(&[
        "link",
        "add",
        a_end,
        "type",
        "veth",
        "peer",
        "name",
        b_end,
        "netns",
        b.name(),
    ]);
    a.ip(&["link", "set", a_end, "up"]);
    b.ip(&["link", "set", b_end, "up"]);
}

#[allow(unused_imports)] // not every interop test checks its tools this way
pub use tools::require_prerequisites;

/// A child process in a process group of its own; on drop the whole group is killed
/// (SIGKILL) and the child reaped, so helpers it forked (dhcpcd's privilege-separated
/// proxies, for one) do not outlive the test.
#[derive(Debug)]
pub struct Proc {
    /// What it is, for messages.
    pub name: &'static str,
    child: Child,
}

impl Proc {
    /// Starts `command` with stdout and stderr going to `log`.
    pub fn spawn(name: &'static str, mut command: Command, log: &Path) -> Self {
        let out = fs::File::create(log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc { name, child }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (`USR1`, `USR2`, ...).
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        run("kill", &[&format!("-{signal}"), &pid]);
    }

    /// Kills with SIGKILL, the way a crash or `kill -9` ends a server, and reaps it.
    /// Processes it forked into its group go too.
    pub fn kill(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `timeout` for the process to exit by itself; panics if it does not.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let name = self.name;
        wait_for(&format!("{name} to exit"), timeout, || {
            self.child.try_wait().expect("wait for a child")
        })
    }

    /// Panics if the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited: {status}", self.name);
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A temporary directory, removed on drop unless the test failed, when its files are
/// printed instead so the failure can be understood.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A fresh, empty directory.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("temporary directory");
        TempDir { path }
    }

    /// A path inside.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if thread::panicking() {
            for entry in fs::read_dir(&self.path).into_iter().flatten().flatten() {
                let text = fs::read_to_string(entry.path()).unwrap_or_default();
                eprintln!("==== {} ====\n{text}", entry.path().display());
            }
        }
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Reads a file, empty when it does not exist yet.
pub fn read(path: &Path) -> String {
    match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

/// Polls `check` until it gives a value or `timeout` passes; panics naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        thread::sleep(POLL);
    }
}
