//! Hand-written command-line parsing shared by the examples: flags that take a value
//! and a usage error that carries the usage text.

use std::ffi::OsString;
use std::fmt;
use std::process::ExitCode;
use std::str::FromStr;

/// A command line that could not be understood; printing it shows the usage.
#[derive(Debug)]
pub struct UsageError {
    /// What was wrong, or `None` when the user asked for `--help`.
    pub problem: Option<String>,
    /// The usage text of the program.
    pub usage: &'static str,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(problem) = &self.problem {
            writeln!(f, "error: {problem}\n")?;
        }
        write!(f, "{}", self.usage)
    }
}

/// Walks the arguments of one program.
#[derive(Debug)]
pub struct Args {
    rest: std::vec::IntoIter<OsString>,
    usage: &'static str,
}

impl Args {
    /// The process's arguments, program name left out.
    pub fn from_env(usage: &'static str) -> Self {
        Self::new(std::env::args_os().skip(1), usage)
    }

    /// Arguments from a list, for tests.
    pub fn new(args: impl IntoIterator<Item = OsString>, usage: &'static str) -> Self {
        Args {
            rest: args.into_iter().collect::<Vec<_>>().into_iter(),
            usage,
        }
    }

    /// The next argument, as text.
    pub fn next_arg(&mut self) -> Result<Option<String>, UsageError> {
        match self.rest.next() {
            None => Ok(None),
            Some(arg) => arg
                .into_string()
                .map(Some)
                .map_err(|arg| self.error(format!("argument {arg:?} is not valid UTF-8"))),
        }
    }

    /// The value that must follow `flag`, parsed.
    pub fn value<T: FromStr>(&mut self, flag: &str) -> Result<T, UsageError>
    where
        T::Err: fmt::Display,
    {
        let text = self
            .next_arg()?
            .ok_or_else(|| self.error(format!("{flag} needs a value")))?;
        text.parse()
            .map_err(|error| self.error(format!("{flag} {text:?}: {error}")))
    }

    /// A usage error with this program's usage text.
    pub fn error(&self, problem: impl Into<String>) -> UsageError {
        UsageError {
            problem: Some(problem.into()),
            usage: self.usage,
        }
    }

    /// The answer to `--help`.
    pub fn help(&self) -> UsageError {
        UsageError {
            problem: None,
            usage: self.usage,
        }
    }
}

/// Parses the process's arguments with `parse`. On `--help` the usage goes to
/// stdout, on a usage error to stderr with the problem; either way the caller gets
/// the exit status to return (success, or `usage_exit`).
pub fn parse_or_exit<T>(
    parse: impl FnOnce(Args) -> Result<T, UsageError>,
    usage: &'static str,
    usage_exit: u8,
) -> Result<T, ExitCode> {
    match parse(Args::from_env(usage)) {
        Ok(options) => Ok(options),
        Err(usage) if usage.problem.is_none() => {
            print!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Err(usage) => {
            eprint!("{usage}");
            Err(ExitCode::from(usage_exit))
        }
    }
}
