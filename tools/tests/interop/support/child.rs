//! Re-running one test of this binary in a child process: as another user (setpriv),
//! or inside a network namespace (`ip netns exec`).

use std::env;
use std::path::Path;
use std::process::{Command, Output};

/// True in the child process that [`run_in_child`] started for this test.
pub fn in_child(marker: &str) -> bool {
    env::var_os(marker).is_some()
}

/// Runs the test `name` (its full path, `module::test`) of this test binary again, alone, in a child process
/// started through `prefix` (such as `setpriv ...` or `ip netns exec ...`), with
/// the environment variable `marker` set; fails unless it ran and passed.
pub fn run_in_child(prefix: &[&str], name: &str, marker: &str) -> Output {
    let exe = env::current_exe().expect("the test binary's path");
    assert!(Path::new(&exe).is_file());
    let (program, args) = prefix.split_first().expect("a command to run the child");
    let output = Command::new(program)
        .args(args)
        .arg(&exe)
        .args([
            "--exact",
            name,
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(marker, "1")
        .output()
        .unwrap_or_else(|error| panic!("could not run {program}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child run of {name} through {prefix:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    output
}
