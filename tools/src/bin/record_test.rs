//! Turns a capture into a ready-to-run test of your handler.
//!
//! ```text
//! cargo run -p ex_dhcp-tools --bin record_test -- --pcap capture.pcap --name my_case \
//!     --handler 'my_crate::MyHandler::new()' --out tests/
//! ```
//!
//! writes `tests/my_case.rs`, a test that replays the capture against the
//! handler and fails with a field-by-field diff where the replies differ, and
//! copies the capture to `tests/data/my_case.pcap` (or `.pcapng`, or the
//! directory `tests/data/my_case/` for a directory of `.bin` files). Run it from
//! the root of the crate the test belongs to, then `cargo test --test my_case`.
//! `--help` lists the flags.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ex_dhcp::replay::{Field, Recording, ReplayError};
use ex_dhcp::server::{CLIENT_PORT, SERVER_PORT};
use ex_dhcp_tools::cli::args::{self, Args, Program, UsageError, EXIT_FAILURE};
use ex_dhcp_tools::record_test::{TestFile, TestNameError};

const PROGRAM: Program = Program {
    name: "record_test",
    help: "\
Turns a capture into a ready-to-run test of your handler.

usage: record_test --pcap PATH --name NAME --handler EXPR [--out DIR]
                   [--server-port P] [--client-port P] [--preamble LINE]...
                   [--ignore-field NAME]... [--ignore-option CODE]... [--force]

  --pcap PATH         the recording: a classic pcap or pcapng capture (snoop --pcap,
                      tcpdump, Wireshark), a .bin file, or a directory of .bin files
                      as snoop --save writes them (read in numeric order)
  --name NAME         the test's name, snake_case (required)
  --handler EXPR      a Rust expression that builds the handler (required)
  --out DIR           where the test goes (default tests); the recording is copied
                      to DIR/data/NAME.pcap (.pcapng, .bin, or a directory NAME/)
  --server-port P     the server's UDP port in the capture (default 67; 6767 for an
                      ex_dhcp server on its default port); written into the test
  --client-port P     the client's UDP port in the capture (default 68)
  --preamble LINE     a line of Rust before the test (`mod common;`, a `use`); repeatable
  --ignore-field NAME a header field to leave out of the comparison; repeatable
  --ignore-option N   an option code to leave out of the comparison; repeatable
  --force             overwrite an existing test or recording
  --help, --version

Run it from the root of the crate the test belongs to, then `cargo test --test NAME`.
Exit status: 0 the test was written, 1 it could not be, 2 usage error.
",
};
/// Where tests go when `--out` is not given.
const DEFAULT_OUT: &str = "tests";
/// The directory under `--out` that holds the copied recording.
const DATA_DIR: &str = "data";
/// The extension a copied capture gets when the original has none.
const DEFAULT_EXTENSION: &str = "pcap";

/// Why the tool could not write the test.
#[derive(Debug)]
enum ToolError {
    /// The capture cannot be replayed.
    Recording(ReplayError),
    /// The test name cannot be a test.
    Name(TestNameError),
    /// A file exists and `--force` was not given.
    Exists(PathBuf),
    /// Reading the recording failed.
    Read(PathBuf, std::io::Error),
    /// Writing a file or directory failed.
    Write(PathBuf, std::io::Error),
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::Recording(error) => write!(f, "{error}"),
            ToolError::Name(error) => write!(f, "{error}"),
            ToolError::Exists(path) => {
                write!(f, "{} exists; pass --force to overwrite it", path.display())
            }
            ToolError::Read(path, error) => write!(f, "cannot read {}: {error}", path.display()),
            ToolError::Write(path, error) => write!(f, "cannot write {}: {error}", path.display()),
        }
    }
}

#[derive(Debug)]
struct Options {
    recording: PathBuf,
    name: String,
    handler: String,
    out: PathBuf,
    server_port: u16,
    client_port: u16,
    preamble: Vec<String>,
    ignore_fields: Vec<Field>,
    ignore_options: Vec<u8>,
    force: bool,
}

fn parse(args: &mut Args) -> Result<Options, UsageError> {
    let (mut recording, mut name, mut handler) = (None, None, None);
    let mut options = Options {
        recording: PathBuf::new(),
        name: String::new(),
        handler: String::new(),
        out: PathBuf::from(DEFAULT_OUT),
        server_port: SERVER_PORT,
        client_port: CLIENT_PORT,
        preamble: Vec::new(),
        ignore_fields: Vec::new(),
        ignore_options: Vec::new(),
        force: false,
    };
    while let Some(flag) = args.next_arg()? {
        match flag.as_str() {
            "--force" => options.force = true,
            "--pcap" => recording = Some(PathBuf::from(args.text(&flag)?)),
            "--name" => name = Some(args.text(&flag)?),
            "--handler" => handler = Some(args.text(&flag)?),
            "--out" => options.out = PathBuf::from(args.text(&flag)?),
            "--server-port" => options.server_port = args.value(&flag)?,
            "--client-port" => options.client_port = args.value(&flag)?,
            "--preamble" => options.preamble.push(args.text(&flag)?),
            "--ignore-field" => {
                let value = args.text(&flag)?;
                let field = Field::from_name(&value).ok_or_else(|| {
                    let known: Vec<&str> = Field::ALL.iter().map(|field| field.name()).collect();
                    args::error(format!(
                        "--ignore-field {value:?}: unknown field (known: {})",
                        known.join(", ")
                    ))
                })?;
                options.ignore_fields.push(field);
            }
            "--ignore-option" => options.ignore_options.push(args.value(&flag)?),
            other => return Err(args::unknown(other)),
        }
    }
    options.recording = recording.ok_or_else(|| args::required("--pcap"))?;
    options.name = name.ok_or_else(|| args::required("--name"))?;
    options.handler = handler.ok_or_else(|| args::required("--handler"))?;
    Ok(options)
}

fn run(options: Options) -> Result<(), ToolError> {
    let source = &options.recording;
    let name = &options.name;
    let standard_ports = (options.server_port, options.client_port) == (SERVER_PORT, CLIENT_PORT);
    let recording = Recording::reader()
        .server_port(options.server_port)
        .client_port(options.client_port)
        .read(source)
        .map_err(ToolError::Recording)?;
    if recording.exchanges.is_empty() {
        return Err(ToolError::Recording(ReplayError::NoClientPackets {
            path: Some(source.clone()),
            ports: recording.ports,
        }));
    }
    let data_dir = options.out.join(DATA_DIR);
    let data = if source.is_dir() {
        data_dir.join(name)
    } else {
        let extension = source
            .extension()
            .and_then(OsStr::to_str)
            .unwrap_or(DEFAULT_EXTENSION);
        data_dir.join(format!("{name}.{extension}"))
    };
    let test = options.out.join(format!("{name}.rs"));

    let mut file = TestFile::new(name, &options.handler)
        .map_err(ToolError::Name)?
        .recording_path(&crate_relative(&data))
        .describe(&recording);
    if !standard_ports {
        file = file.ports(options.server_port, options.client_port);
    }
    for line in &options.preamble {
        file = file.preamble(line);
    }
    for field in &options.ignore_fields {
        file = file.ignore_field(*field);
    }
    for code in &options.ignore_options {
        file = file.ignore_option(*code);
    }

    for path in [&test, &data] {
        if path.exists() && !options.force {
            return Err(ToolError::Exists(path.clone()));
        }
    }
    std::fs::create_dir_all(&data_dir).map_err(|e| ToolError::Write(data_dir.clone(), e))?;
    if source.is_dir() {
        copy_bin_dir(source, &data)?;
    } else {
        copy(source, &data)?;
    }
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
        println!("the recording has no server replies: the test will report the handler's replies, not compare them");
    }
    println!("run it with: cargo test --test {name}");
    Ok(())
}

/// Copies one file. Read and write rather than copy, so the copy does not
/// inherit a read-only mode.
fn copy(from: &Path, to: &Path) -> Result<(), ToolError> {
    let bytes = std::fs::read(from).map_err(|e| ToolError::Read(from.to_owned(), e))?;
    std::fs::write(to, bytes).map_err(|e| ToolError::Write(to.to_owned(), e))
}

/// Copies the `.bin` files of a directory (and nothing else) into `to`,
/// replacing what a `--force` run finds there.
fn copy_bin_dir(from: &Path, to: &Path) -> Result<(), ToolError> {
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| ToolError::Write(to.to_owned(), e))?;
    }
    std::fs::create_dir_all(to).map_err(|e| ToolError::Write(to.to_owned(), e))?;
    for file in Recording::bin_files(from).map_err(ToolError::Recording)? {
        if let Some(file_name) = file.file_name() {
            copy(&file, &to.join(file_name))?;
        }
    }
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
    let options = match PROGRAM.parse_or_exit(parse) {
        Ok(options) => options,
        Err(status) => return status,
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => PROGRAM.fail(error, EXIT_FAILURE),
    }
}
