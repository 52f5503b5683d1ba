//! One command-line convention for every tool: `--help` and `--version` answer
//! on stdout with exit 0, a usage error is one worded line on stderr and exit 2,
//! a runtime error goes to stderr with a non-zero exit.

use std::process::{Command, Output};

use crate::{tool, EXIT_USAGE, TOOLS};

fn output(name: &str, args: &[&str]) -> Output {
    Command::new(tool(name))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {name}: {error}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_tool_answers_help_and_version_on_stdout() {
    for name in TOOLS {
        for flag in ["--help", "-h"] {
            let out = output(name, &[flag]);
            let stdout = text(&out.stdout);
            assert!(out.status.success(), "{name} {flag}: {out:?}");
            assert!(
                stdout.contains(&format!("usage: {name}")),
                "{name}: {stdout}"
            );
            assert!(stdout.contains("--version"), "{name} --help: {stdout}");
            assert!(
                out.stderr.is_empty(),
                "{name} {flag}: {}",
                text(&out.stderr)
            );
        }
        let out = output(name, &["--version"]);
        assert!(out.status.success(), "{name} --version: {out:?}");
        assert_eq!(
            text(&out.stdout),
            format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn help_wins_wherever_it_is_on_the_line() {
    // record_test used to read --help as the value of --pcap's neighbour flag,
    // dump_captures as a file name.
    for (name, args) in [
        ("record_test", &["--name", "x", "--help"][..]),
        ("dump_captures", &["--help"][..]),
        ("lease_server", &["--server", "198.18.0.1", "--help"][..]),
    ] {
        let out = output(name, args);
        assert!(out.status.success(), "{name} {args:?}: {out:?}");
        assert!(text(&out.stdout).contains("usage:"), "{name}");
    }
}

#[test]
fn usage_errors_are_one_worded_line_on_stderr_and_exit_2() {
    for name in TOOLS {
        let out = output(name, &["--no-such-flag"]);
        assert_eq!(out.status.code(), Some(EXIT_USAGE), "{name}: {out:?}");
        assert!(out.stdout.is_empty(), "{name}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("{name}: unknown flag \"--no-such-flag\"\n")),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("run `{name} --help` for usage")),
            "{name}: {stderr}"
        );
    }
    for (name, args, problem) in [
        ("send", &["--port"][..], "send: --port needs a value"),
        (
            "snoop",
            &["--port", "x"][..],
            "snoop: --port \"x\": invalid digit",
        ),
        (
            "lease_server",
            &["--server", "nowhere"][..],
            "lease_server: --server \"nowhere\": invalid IPv4 address syntax",
        ),
        (
            "record_test",
            &["--name", "x"][..],
            "record_test: --pcap is required",
        ),
        (
            "lease_server",
            &["--server", "198.18.0.1"][..],
            "lease_server: --range is required",
        ),
        ("dump_captures", &[][..], "dump_captures: FILE is missing"),
        (
            "loadgen",
            &["--mode", "fast"][..],
            "loadgen: --mode \"fast\"",
        ),
        (
            "pxe",
            &["--server", "198.18.0.2", "--mode", "half"][..],
            "pxe: --mode takes",
        ),
    ] {
        let out = output(name, args);
        assert_eq!(out.status.code(), Some(EXIT_USAGE), "{name} {args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(problem), "{name} {args:?}: {stderr}");
    }
}

#[test]
fn runtime_errors_go_to_stderr_with_a_non_zero_exit() {
    for (name, args, problem) in [
        (
            "dump_captures",
            &["no-such-capture.pcap"][..],
            "dump_captures: no-such-capture.pcap:",
        ),
        (
            "record_test",
            &["--pcap", "no-such.pcap", "--name", "x", "--handler", "H"][..],
            "record_test: cannot read capture no-such.pcap",
        ),
        (
            "lease_server",
            &[
                "--server",
                "198.18.0.1",
                "--range",
                "198.18.0.100-198.18.0.110",
                "--port",
                "0",
                // TEST-NET-1: no interface of this machine has it.
                "--bind",
                "192.0.2.1",
            ][..],
            "lease_server: ",
        ),
    ] {
        let out = output(name, args);
        assert!(!out.status.success(), "{name} {args:?}: {out:?}");
        assert_ne!(out.status.code(), Some(EXIT_USAGE), "{name} {args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(problem), "{name} {args:?}: {stderr}");
    }
}

#[test]
fn the_daemons_take_log_and_keep_log_level_for_old_scripts() {
    for flag in ["--log", "--log-level", "--log=warn"] {
        let mut args = vec![
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.100-198.18.0.110",
            "--port",
            "0",
            "--bind",
            "192.0.2.1",
        ];
        if flag == "--log=warn" {
            args.push(flag);
        } else {
            args.extend([flag, "warn"]);
        }
        // Read, then the bind fails: a runtime error, not a usage one.
        let out = output("lease_server", &args);
        assert_eq!(out.status.code(), Some(1), "{flag}: {out:?}");
    }
}

/// `--database` needs the PostgreSQL store, which a build without the `postgres`
/// feature does not have: a usage error that says how to get it, not a silent
/// server with no store. With the feature, it excludes `--lease-file`.
#[test]
fn lease_server_database_is_a_usage_error_without_the_feature_or_with_a_lease_file() {
    let (args, problem): (&[&str], &str) = if cfg!(feature = "postgres") {
        (
            &[
                "--database",
                "host=/nowhere",
                "--lease-file",
                "/nowhere/leases",
            ],
            "lease_server: --lease-file and --database exclude each other",
        )
    } else {
        (
            &["--database", "host=/nowhere"],
            "lease_server: --database: this build has no PostgreSQL store; build with \
             --features postgres",
        )
    };
    let mut full = vec![
        "--server",
        "198.18.0.1",
        "--range",
        "198.18.0.100-198.18.0.150",
    ];
    full.extend_from_slice(args);
    let out = output("lease_server", &full);
    assert_eq!(out.status.code(), Some(EXIT_USAGE), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with(problem), "{stderr}");
}

/// The database URL need not be on the command line, where `ps` shows it:
/// `--database-file` reads it from a file (a world-readable one is warned about),
/// and a password given with `--database` is warned about. Without the `postgres`
/// feature `--database-file` is the same usage error as `--database`.
#[test]
fn lease_server_takes_the_database_url_from_a_file_and_warns_where_others_can_read_it() {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    let dir = super::TempDir::new("database-file");
    let path = dir.join("database-url");
    // Nothing listens on this socket directory: the connection fails, after the
    // command line was read and its warnings logged.
    fs::write(
        &path,
        "postgresql://dhcp:secret@/dhcp?host=/nonexistent-ex-dhcp\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let base = [
        "--server",
        "198.18.0.1",
        "--range",
        "198.18.0.100-198.18.0.150",
        "--port",
        "0",
        "--bind",
        "127.0.0.1",
    ];
    let from_file = [&base[..], &["--database-file", path.to_str().unwrap()]].concat();
    let out = output("lease_server", &from_file);
    let stderr = text(&out.stderr) + &text(&out.stdout);
    if cfg!(feature = "postgres") {
        assert_eq!(out.status.code(), Some(1), "cannot connect: {stderr}");
        assert!(
            stderr.contains("every user of this machine can read it"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("secret"),
            "the password is not logged: {stderr}"
        );

        let on_command_line = [
            &base[..],
            &[
                "--database",
                "postgresql://dhcp:secret@/dhcp?host=/nonexistent-ex-dhcp",
            ],
        ]
        .concat();
        let out = output("lease_server", &on_command_line);
        let stderr = text(&out.stderr) + &text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "cannot connect: {stderr}");
        assert!(stderr.contains("holds a password"), "{stderr}");
        assert!(
            stderr.contains("--database-file"),
            "says what to do: {stderr}"
        );
    } else {
        assert_eq!(out.status.code(), Some(EXIT_USAGE), "{stderr}");
        assert!(
            stderr.contains("--database-file: this build has no PostgreSQL store"),
            "{stderr}"
        );
    }
}
