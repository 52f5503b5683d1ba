//! The README's "run it" command, `cargo run --example demo`, run as a reader would:
//! from the package root, with cargo (the example's binary has no `CARGO_BIN_EXE_*`).

use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Generous: the first run may compile the example on a loaded two-core machine.
const LIMIT: Duration = Duration::from_secs(300);
const EXIT_USAGE: i32 = 2;

/// Runs the demo with `args`; its exit status and standard output.
fn demo(args: &[&str]) -> (ExitStatus, String) {
    let mut child = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "demo", "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cargo runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).expect("utf-8"));
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the demo's status") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the demo did not end within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, reader.join().expect("the reader thread"))
}

#[test]
fn demo_exits_0_after_three_acks() {
    let (status, stdout) = demo(&[]);
    assert!(status.success(), "demo failed:\n{stdout}");
    assert_eq!(stdout.matches("<- DHCPACK").count(), 3, "{stdout}");
    assert_eq!(stdout.matches("-> DHCPRELEASE").count(), 3, "{stdout}");
    assert!(stdout.contains("handled: DHCPDISCOVER 3, DHCPREQUEST 3, DHCPRELEASE 3"));
}

#[test]
fn demo_exits_2_on_a_usage_error() {
    let (status, _) = demo(&["--clients", "0"]);
    assert_eq!(status.code(), Some(EXIT_USAGE));
}
