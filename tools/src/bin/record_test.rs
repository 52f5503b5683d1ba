//! Turns a capture into a ready-to-run test of your handler.
//!
//! ```text
//! cargo run -p ex_dhcp-tools --bin record_test -- --pcap capture.pcap --name my_case \
//!     --handler 'my_crate::MyHandler::new()' --out tests/
//! ```
//!
//! writes `tests/my_case.rs`, a test that replays the capture against the
//! handler and fails with a field-by-field diff where the replies differ, and
//! copies the capture to `tests/data/my_case.pcap` (or `.pcapng`). Run it from
//! the root of the crate the test belongs to, then `cargo test --test my_case`.
//!
//! Options:
//!
//! - `--pcap PATH`: the capture (classic pcap or pcapng, from `snoop`, tcpdump
//!   or Wireshark); required.
//! - `--name NAME`: the test's name, snake_case; required.
//! - `--handler EXPR`: a Rust expression that builds the handler; required.
//! - `--out DIR`: where the test goes (`tests`); the capture goes to `DIR/data`.
//! - `--preamble LINE`: a line of Rust before the test (`mod common;`, a `use`); repeatable.
//! - `--ignore-field NAME`, `--ignore-option CODE`: written into the test; repeatable.
//! - `--force`: overwrite an existing test or capture.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ex_dhcp::replay::{Field, Recording, ReplayError, TestFile, TestNameError};

const USAGE: &str = "usage: record_test --pcap PATH --name NAME --handler EXPR [--out DIR] \
[--preamble LINE]... [--ignore-field NAME]... [--ignore-option CODE]... [--force]";
/// Where tests go when `--out` is not given.
const DEFAULT_OUT: &str = "tests";
/// The directory under `--out` that holds the copied capture.
const DATA_DIR: &str = "data";
/// The extension a copied capture gets when the original has none.
const DEFAULT_EXTENSION: &str = "pcap";

/// Why the tool could not write the test.
#[derive(Debug)]
enum ToolError {
    /// The command line is wrong; the text says how.
    Usage(String),
    /// The capture cannot be replayed.
    Recording(ReplayError),
    /// The test name cannot be a test.
    Name(TestNameError),
    /// A file exists and `--force` was not given.
    Exists(PathBuf),
    /// Writing a file or directory failed.
    Write(PathBuf, std::io::Error),
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Usage(problem) => write!(f, "{problem}\n{USAGE}"),
            ToolError::Recording(error) => write!(f, "{error}"),
            ToolError::Name(error) => write!(f, "{error}"),
            ToolError::Exists(path) => {
                write!(f, "{} exists; pass --force to overwrite it", path.display())
            }
            ToolError::Write(path, error) => write!(f, "cannot write {}: {error}", path.display()),
        }
    }
}

#[derive(Debug, Default)]
struct Args {
    pcap: Option<PathBuf>,
    name: Option<String>,
    handler: Option<String>,
    out: Option<PathBuf>,
    preamble: Vec<String>,
    ignore_fields: Vec<Field>,
    ignore_options: Vec<u8>,
    force: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, ToolError> {
    let mut parsed = Args::default();
    while let Some(flag) = args.next() {
        if flag == "--force" {
            parsed.force = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| ToolError::Usage(format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--pcap" => parsed.pcap = Some(value.into()),
            "--name" => parsed.name = Some(value),
            "--handler" => parsed.handler = Some(value),
            "--out" => parsed.out = Some(value.into()),
            "--preamble" => parsed.preamble.push(value),
            "--ignore-field" => parsed.ignore_fields.push(
                Field::from_name(&value)
                    .ok_or_else(|| ToolError::Usage(format!("unknown field {value:?}")))?,
            ),
            "--ignore-option" => parsed.ignore_options.push(
                value
                    .parse()
                    .map_err(|_| ToolError::Usage(format!("option code {value:?} is not 0-255")))?,
            ),
            other => return Err(ToolError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    Ok(parsed)
}

fn required<T>(value: Option<T>, flag: &str) -> Result<T, ToolError> {
    value.ok_or_else(|| ToolError::Usage(format!("{flag} is required")))
}

fn run(args: Args) -> Result<(), ToolError> {
    let pcap = required(args.pcap, "--pcap")?;
    let name = required(args.name, "--name")?;
    let handler = required(args.handler, "--handler")?;
    let out = args.out.unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));

    let recording = Recording::from_capture(&pcap).map_err(ToolError::Recording)?;
    if recording.exchanges.is_empty() {
        return Err(ToolError::Recording(ReplayError::NoClientPackets {
            path: Some(pcap),
            ports: recording.ports,
        }));
    }
    let extension = pcap
        .extension()
        .and_then(OsStr::to_str)
        .unwrap_or(DEFAULT_EXTENSION);
    let data = out.join(DATA_DIR).join(format!("{name}.{extension}"));
    let test = out.join(format!("{name}.rs"));

    let mut file = TestFile::new(&name, &handler)
        .map_err(ToolError::Name)?
        .recording_path(&crate_relative(&data))
        .describe(&recording);
    for line in &args.preamble {
        file = file.preamble(line);
    }
    for field in args.ignore_fields {
        file = file.ignore_field(field);
    }
    for code in args.ignore_options {
        file = file.ignore_option(code);
    }

    for path in [&test, &data] {
        if path.exists() && !args.force {
            return Err(ToolError::Exists(path.clone()));
        }
    }
    let data_dir = out.join(DATA_DIR);
    std::fs::create_dir_all(&data_dir).map_err(|e| ToolError::Write(data_dir, e))?;
    // Read and write rather than copy, so the copy does not inherit a read-only mode.
    let bytes = std::fs::read(&pcap).map_err(|e| {
        ToolError::Recording(ReplayError::Capture {
            path: Some(pcap.clone()),
            error: e.into(),
        })
    })?;
    std::fs::write(&data, bytes).map_err(|e| ToolError::Write(data.clone(), e))?;
    std::fs::write(&test, file.render()).map_err(|e| ToolError::Write(test.clone(), e))?;
    format(&test);

    let replies: usize = recording.exchanges.iter().map(|e| e.replies.len()).sum();
    println!(
        "wrote {} ({} client packets, {replies} recorded replies) and {}",
        test.display(),
        recording.exchanges.len(),
        data.display()
    );
    if replies == 0 {
        println!("the capture has no server replies: the test will report the handler's replies, not compare them");
    }
    println!("run it with: cargo test --test {name}");
    Ok(())
}

/// Formats the test with rustfmt when it is installed; the test is valid Rust either way.
fn format(test: &Path) {
    let formatted = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(test)
        .status();
    if !formatted.is_ok_and(|status| status.success()) {
        println!("(rustfmt did not run; the test is unformatted but compiles)");
    }
}

/// The path as the test will join it to `CARGO_MANIFEST_DIR`: relative to the
/// current directory (the crate root) when it is inside it, with `/` separators.
fn crate_relative(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    text.trim_start_matches("./").to_owned()
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("record_test: {error}");
            ExitCode::FAILURE
        }
    }
}
