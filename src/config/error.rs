//! What goes wrong reading a configuration file, and where in the file.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::lease::ServiceError;

/// Why a configuration file cannot be used. Every variant names the file, and those
/// about its text the line and column (from 1) where the problem starts, as
/// `FILE:LINE:COLUMN: problem`, the way compilers say it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The file is not a valid configuration: a TOML syntax error, an unknown key, a
    /// value of the wrong type, or a value that does not fit the rest (a range off its
    /// subnet, two subnets that overlap, an address reserved twice).
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where the problem starts: line, from 1.
        line: usize,
        /// Where the problem starts: column (in characters), from 1.
        column: usize,
        /// What is wrong, in words.
        problem: String,
    },
    /// The store the file names could not be opened (the lease file locked by another
    /// server, a database that cannot be reached).
    Store {
        /// The file.
        path: PathBuf,
        /// The line of the store's key, from 1.
        line: usize,
        /// Its column, from 1.
        column: usize,
        /// What the store said.
        error: ServiceError,
    },
}

impl ConfigError {
    /// The configuration file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ConfigError::Read { path, .. }
            | ConfigError::Invalid { path, .. }
            | ConfigError::Store { path, .. } => path,
        }
    }

    /// The line and column where the problem starts, when it is in the file's text.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            ConfigError::Read { .. } => None,
            ConfigError::Invalid { line, column, .. } | ConfigError::Store { line, column, .. } => {
                Some((*line, *column))
            }
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(f, "{}: cannot read the file: {error}", path.display())
            }
            ConfigError::Invalid {
                path,
                line,
                column,
                problem,
            } => write!(f, "{}:{line}:{column}: {problem}", path.display()),
            ConfigError::Store {
                path,
                line,
                column,
                error,
            } => write!(
                f,
                "{}:{line}:{column}: cannot open the store: {error}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read { error, .. } => Some(error),
            ConfigError::Store { error, .. } => Some(error),
            ConfigError::Invalid { .. } => None,
        }
    }
}

/// A file's name and text, to turn byte offsets into lines and columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct Source<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
}

impl Source<'_> {
    /// Line and column (both from 1, the column in characters) of byte `offset`.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    /// An [`ConfigError::Invalid`] at the start of `span`.
    pub(super) fn invalid(&self, span: Range<usize>, problem: impl fmt::Display) -> ConfigError {
        let (line, column) = self.position(span.start);
        ConfigError::Invalid {
            path: self.path.to_owned(),
            line,
            column,
            problem: problem.to_string(),
        }
    }

    /// The error toml gave, at the place it names (the file's start when it names
    /// none), its message on one line.
    pub(super) fn toml(&self, error: &toml::de::Error) -> ConfigError {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim().replace('\n', "; ");
        self.invalid(span, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns_from_one() {
        let source = Source {
            path: Path::new("x.toml"),
            text: "a = 1\n[b]\nc = \"é\" x\n",
        };
        assert_eq!(source.position(0), (1, 1));
        assert_eq!(source.position(4), (1, 5));
        assert_eq!(source.position(6), (2, 1));
        // "é" is two bytes and one column.
        let x = source.text.find('x').unwrap();
        assert_eq!(source.position(x), (3, 9));
        assert_eq!(source.position(10_000), (4, 1), "past the end: the end");
        let error = source.invalid(x..x + 1, "unexpected x");
        assert_eq!(error.to_string(), "x.toml:3:9: unexpected x");
        assert_eq!(error.position(), Some((3, 9)));
    }
}
