//! `lease_server` and its lease file as an operator meets them: one server per file,
//! whatever the file is called, and a lock left by a killed server taken over.

use std::fs;
use std::process::ExitStatus;
use std::thread;
use std::time::Instant;

use super::{free_udp_port, Running, TempDir, POLL, PROCESS_TIMEOUT};

/// A lease that outlives the test: it must survive every start.
const RECORD: &str = "bound hw:1:020000000001 198.18.0.100 4000000000\n";

fn start(file: &str) -> Running {
    let (port, client_port) = (free_udp_port().to_string(), free_udp_port().to_string());
    Running::spawn(
        "lease_server",
        &[
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.100-198.18.0.150",
            "--lease-file",
            file,
            "--port",
            &port,
            "--client-port",
            &client_port,
            "--broadcast",
            "127.0.0.1",
        ],
    )
}

fn exit_of(running: &mut Running) -> ExitStatus {
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    loop {
        if let Some(status) = running.child.try_wait().expect("wait for the child") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "still running: it should have failed"
        );
        thread::sleep(POLL);
    }
}

#[test]
fn a_second_lease_server_on_the_same_file_fails_and_a_killed_ones_lock_is_taken_over() {
    let dir = TempDir::new("lease-file");
    // Named *.tmp: the start-up rewrite once used this very name as its temporary file.
    let path = dir.join("leases.tmp");
    fs::write(&path, RECORD).unwrap();
    let file = path.to_str().unwrap();

    let mut first = start(file);
    first.wait_for_line("serving on");
    assert!(fs::read_to_string(&path).unwrap().contains(RECORD));

    let mut second = start(file);
    let status = exit_of(&mut second);
    let stderr = second.stderr();
    assert!(!status.success());
    assert!(stderr.contains("in use by another server"), "{stderr}");
    assert!(stderr.contains(file), "names the file: {stderr}");
    assert!(
        fs::read_to_string(&path).unwrap().contains(RECORD),
        "untouched"
    );

    // kill -9: the lock file stays behind, naming a process that no longer runs,
    // which only /proc tells (Linux); elsewhere the operator removes the lock file.
    if !cfg!(target_os = "linux") {
        return;
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert!(dir.join(".leases.tmp.lock").exists());
    let mut third = start(file);
    third.wait_for_line("serving on");
    assert!(fs::read_to_string(&path).unwrap().contains(RECORD));
}

/// A full disk or a crash cut the last record short: it was never acknowledged (the
/// reply waits for the fsync), so the server starts without it instead of refusing.
#[test]
fn a_lease_server_starts_on_a_file_with_a_torn_last_line() {
    let dir = TempDir::new("lease-torn");
    let path = dir.join("leases");
    fs::write(&path, format!("{RECORD}bound hw:1:0200000000")).unwrap();
    let mut server = start(path.to_str().unwrap());
    server.wait_for_line("the last line is torn");
    server.wait_for_line("serving on");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(RECORD), "{text}");
    assert!(
        text.ends_with('\n') && !text.contains("0200000000\n"),
        "{text}"
    );
}
