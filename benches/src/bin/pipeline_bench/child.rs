//! The parent's view of a server child process: its address, its counters, its memory.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A running `pipeline_bench serve <kind>`.
pub struct Server {
    process: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Where it listens.
    pub addr: SocketAddrV4,
}

impl Server {
    /// Starts this executable as `serve <kind>` and waits for its port.
    pub fn spawn(kind: &str) -> io::Result<Server> {
        Server::spawn_from(&std::env::current_exe()?, kind)
    }

    /// Starts another build of this benchmark as `serve <kind>` (a baseline).
    pub fn spawn_from(exe: &Path, kind: &str) -> io::Result<Server> {
        let mut process = Command::new(exe)
            .args(["serve", kind])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = process.stdin.take();
        let stdout = process
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout"))?;
        let mut server = Server {
            process,
            stdin,
            stdout: BufReader::new(stdout),
            addr: SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0),
        };
        let line = server.line()?;
        let port = line
            .strip_prefix("port ")
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| io::Error::other(format!("unexpected first line {line:?}")))?;
        server.addr.set_port(port);
        Ok(server)
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Ok(line)
    }

    /// The child's counters (`allocs`, `sent`, ...).
    pub fn stats(&mut self) -> io::Result<HashMap<String, u64>> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::other("closed"))?;
        writeln!(stdin, "stats")?;
        stdin.flush()?;
        let line = self.line()?;
        let words: Vec<&str> = line.split_whitespace().collect();
        Ok(words
            .chunks(2)
            .filter_map(|pair| Some((pair[0].to_owned(), pair.get(1)?.parse().ok()?)))
            .collect())
    }

    /// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`).
    pub fn memory_kb(&self, field: &str) -> io::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id()))?;
        status
            .lines()
            .find_map(|line| {
                let rest = line.strip_prefix(field)?.strip_prefix(':')?;
                rest.split_whitespace().next()?.parse().ok()
            })
            .ok_or_else(|| io::Error::other(format!("no {field} in /proc status")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin is the child's signal to stop.
        drop(self.stdin.take());
        let _ = self.process.wait();
    }
}
