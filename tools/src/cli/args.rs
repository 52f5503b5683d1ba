//! The command-line convention every tool follows, parsed by hand:
//!
//! - `--help` (`-h`) prints the tool's help on stdout and exits 0; `--version`
//!   (`-V`) prints `NAME VERSION` and exits 0. Both work anywhere on the line.
//! - A usage error prints `NAME: PROBLEM` and a pointer to `--help` on stderr
//!   and exits 2 ([`EXIT_USAGE`]); the problems are worded the same in every
//!   tool (`unknown flag "--x"`, `--port needs a value`, `--port "x": ...`).
//! - A runtime error prints `NAME: PROBLEM` on stderr and exits non-zero
//!   ([`fail`]).
//! - `--flag value` and `--flag=value` are the same.

use std::ffi::OsString;
use std::fmt;
use std::process::ExitCode;
use std::str::FromStr;

/// Exit status of a command line that cannot be used, in every tool.
pub const EXIT_USAGE: u8 = 2;
/// Exit status of a runtime failure, unless a tool documents a more precise one.
pub const EXIT_FAILURE: u8 = 1;
/// The version every tool reports: the package's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why parsing stopped before a usable command line was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// The user asked for `--help`.
    Help,
    /// The user asked for `--version`.
    Version,
    /// The command line is wrong; the text says how.
    Problem(String),
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Help => f.write_str("help requested"),
            UsageError::Version => f.write_str("version requested"),
            UsageError::Problem(problem) => f.write_str(problem),
        }
    }
}

impl std::error::Error for UsageError {}

/// Walks the arguments of one program.
#[derive(Debug)]
pub struct Args {
    rest: std::vec::IntoIter<OsString>,
    /// The value of a `--flag=value` argument, handed out by the next `value` call.
    pending: Option<String>,
}

impl Args {
    /// The process's arguments, program name left out.
    pub fn from_env() -> Self {
        Self::new(std::env::args_os().skip(1))
    }

    /// Arguments from a list, for tests.
    pub fn new<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Args {
            rest: args
                .into_iter()
                .map(Into::into)
                .collect::<Vec<_>>()
                .into_iter(),
            pending: None,
        }
    }

    /// Arguments split on white space, for tests.
    pub fn split(line: &str) -> Self {
        Self::new(line.split_whitespace())
    }

    fn next_text(&mut self) -> Result<Option<String>, UsageError> {
        match self.rest.next() {
            None => Ok(None),
            Some(arg) => arg
                .into_string()
                .map(Some)
                .map_err(|arg| UsageError::Problem(format!("argument {arg:?} is not valid UTF-8"))),
        }
    }

    /// Whether `flag` is among the arguments not yet read, alone or as
    /// `flag=value`: for a flag that changes how the others are read.
    pub fn contains(&self, flag: &str) -> bool {
        self.rest.as_slice().iter().any(|arg| {
            arg.to_str().is_some_and(|arg| {
                arg == flag
                    || arg
                        .strip_prefix(flag)
                        .is_some_and(|rest| rest.starts_with('='))
            })
        })
    }

    /// The next flag or positional argument. `--help` and `--version` end the
    /// parse here, as errors the caller passes on with `?`.
    pub fn next_arg(&mut self) -> Result<Option<String>, UsageError> {
        if let Some(value) = self.pending.take() {
            return Err(UsageError::Problem(format!(
                "unexpected value {value:?} after a flag that takes none"
            )));
        }
        let Some(arg) = self.next_text()? else {
            return Ok(None);
        };
        match arg.as_str() {
            "-h" | "--help" => Err(UsageError::Help),
            "-V" | "--version" => Err(UsageError::Version),
            _ => match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => {
                    self.pending = Some(value.to_owned());
                    Ok(Some(flag.to_owned()))
                }
                _ => Ok(Some(arg)),
            },
        }
    }

    /// The text that must follow `flag`.
    pub fn text(&mut self, flag: &str) -> Result<String, UsageError> {
        if let Some(value) = self.pending.take() {
            return Ok(value);
        }
        self.next_text()?
            .ok_or_else(|| error(format!("{flag} needs a value")))
    }

    /// The value that must follow `flag`, parsed.
    pub fn value<T: FromStr>(&mut self, flag: &str) -> Result<T, UsageError>
    where
        T::Err: fmt::Display,
    {
        let text = self.text(flag)?;
        text.parse()
            .map_err(|problem| error(format!("{flag} {text:?}: {problem}")))
    }

    /// A number of seconds after `flag` (decimals allowed) as a duration.
    pub fn seconds(&mut self, flag: &str) -> Result<std::time::Duration, UsageError> {
        let seconds: f64 = self.value(flag)?;
        std::time::Duration::try_from_secs_f64(seconds)
            .map_err(|problem| error(format!("{flag} {seconds}: {problem}")))
    }
}

/// A usage error.
pub fn error(problem: impl Into<String>) -> UsageError {
    UsageError::Problem(problem.into())
}

/// The usage error for an argument no flag of the tool matches.
pub fn unknown(arg: &str) -> UsageError {
    if arg.starts_with('-') {
        error(format!("unknown flag {arg:?}"))
    } else {
        error(format!("unexpected argument {arg:?}"))
    }
}

/// The usage error for a flag that must be given.
pub fn required(flag: &str) -> UsageError {
    error(format!("{flag} is required"))
}

/// A tool's name and help text.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// The binary's name, as users type it.
    pub name: &'static str,
    /// The whole `--help` text.
    pub help: &'static str,
}

impl Program {
    /// Parses the process's arguments with `parse`. `--help` and `--version`
    /// print to stdout, a usage error to stderr; either way the caller gets the
    /// exit status to return (success, or [`EXIT_USAGE`]).
    pub fn parse_or_exit<T>(
        &self,
        parse: impl FnOnce(&mut Args) -> Result<T, UsageError>,
    ) -> Result<T, ExitCode> {
        match parse(&mut Args::from_env()) {
            Ok(options) => Ok(options),
            Err(UsageError::Help) => {
                print!("{}", self.help);
                Err(ExitCode::SUCCESS)
            }
            Err(UsageError::Version) => {
                println!("{} {VERSION}", self.name);
                Err(ExitCode::SUCCESS)
            }
            Err(UsageError::Problem(problem)) => {
                eprintln!("{}: {problem}", self.name);
                eprintln!("run `{} --help` for usage", self.name);
                Err(ExitCode::from(EXIT_USAGE))
            }
        }
    }

    /// Reports a runtime failure on stderr; returns the exit status `code`.
    pub fn fail(&self, problem: impl fmt::Display, code: u8) -> ExitCode {
        fail(self.name, problem, code)
    }
}

/// Reports a runtime failure of `program` on stderr; returns the exit status `code`.
pub fn fail(program: &str, problem: impl fmt::Display, code: u8) -> ExitCode {
    eprintln!("{program}: {problem}");
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_and_version_end_the_parse_anywhere() {
        let mut args = Args::split("--port 67 --help");
        assert_eq!(args.next_arg(), Ok(Some("--port".into())));
        assert_eq!(args.value::<u16>("--port"), Ok(67));
        assert_eq!(args.next_arg(), Err(UsageError::Help));
        assert_eq!(Args::split("-V").next_arg(), Err(UsageError::Version));
    }

    #[test]
    fn a_value_may_be_joined_with_an_equals_sign() {
        let mut args = Args::split("--option=60=505845");
        assert_eq!(args.next_arg(), Ok(Some("--option".into())));
        assert_eq!(args.text("--option"), Ok("60=505845".into()));
        assert_eq!(args.next_arg(), Ok(None));
    }

    #[test]
    fn contains_looks_ahead_without_reading() {
        let mut args = Args::split("--port 67 --config=x.toml");
        assert!(args.contains("--config") && args.contains("--port"));
        assert!(!args.contains("--conf") && !args.contains("67x"));
        assert_eq!(args.next_arg(), Ok(Some("--port".into())));
        assert!(!args.contains("--port"), "only what is not read yet");
    }

    #[test]
    fn a_joined_value_on_a_flag_without_one_is_an_error() {
        let mut args = Args::split("--force=yes");
        assert_eq!(args.next_arg(), Ok(Some("--force".into())));
        assert!(matches!(args.next_arg(), Err(UsageError::Problem(_))));
    }

    #[test]
    fn problems_are_worded_the_same_everywhere() {
        let mut args = Args::split("--port x");
        args.next_arg().unwrap();
        assert_eq!(
            args.value::<u16>("--port").unwrap_err().to_string(),
            "--port \"x\": invalid digit found in string"
        );
        assert_eq!(
            Args::split("").text("--port").unwrap_err().to_string(),
            "--port needs a value"
        );
        assert_eq!(unknown("--frob").to_string(), "unknown flag \"--frob\"");
        assert_eq!(unknown("frob").to_string(), "unexpected argument \"frob\"");
    }
}
