//! Why an entry of another server's lease file could not be read: the file, the line
//! and what is wrong.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a lease file could not be imported, or which of its entries was skipped.
#[derive(Debug)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read.
    Io {
        /// The file.
        file: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// An entry the format does not allow, or cannot be imported.
    Entry {
        /// The file.
        file: PathBuf,
        /// The line the entry starts on (for a statement inside an ISC lease block,
        /// the statement's line), from 1.
        line: usize,
        /// What is wrong.
        problem: Problem,
    },
}

impl ImportError {
    /// The line of an [`ImportError::Entry`]; `None` for an i/o error.
    pub fn line(&self) -> Option<usize> {
        match self {
            ImportError::Io { .. } => None,
            ImportError::Entry { line, .. } => Some(*line),
        }
    }

    /// What is wrong with an [`ImportError::Entry`]; `None` for an i/o error.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ImportError::Io { .. } => None,
            ImportError::Entry { problem, .. } => Some(problem),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Io { file, source } => write!(f, "{}: {source}", file.display()),
            ImportError::Entry {
                file,
                line,
                problem,
            } => write!(f, "{} line {line}: {problem}", file.display()),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::Io { source, .. } => Some(source),
            ImportError::Entry { .. } => None,
        }
    }
}

/// What is wrong with one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Text where an IPv4 address belongs.
    Address(String),
    /// A time the format does not allow.
    Time(String),
    /// A hardware address or client identifier that is not hex bytes (colon-separated,
    /// or an ISC quoted string).
    Hex(String),
    /// An ISC hardware type this crate does not know by name.
    HardwareType(String),
    /// A number that does not fit its field.
    Number {
        /// The field.
        field: &'static str,
        /// What it holds.
        text: String,
    },
    /// A lease state the format does not define.
    State(String),
    /// A leased entry that names no client: no client identifier and no hardware
    /// address, so no request could ever match it.
    NoClient,
    /// Something the entry must have is missing (a field, a `;`, a `{`).
    Missing(&'static str),
    /// A line with the wrong number of fields.
    Fields {
        /// How many the format (or the CSV header) says.
        expected: usize,
        /// How many the line has.
        found: usize,
    },
    /// The CSV header lacks a column this import needs.
    Column(&'static str),
    /// The first line is not the header of the format.
    Header(String),
    /// Text the format does not allow here.
    Unexpected(String),
    /// The file's last entry is cut short (no end of line, no closing brace): what a
    /// server stopped while writing leaves behind. Always reported as a warning and
    /// left out, as `ex_dhcp`'s own lease file does with its torn tail: the server
    /// acknowledged nothing it had not finished writing.
    Torn,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Address(text) => write!(f, "{text:?} is not an IPv4 address"),
            Problem::Time(text) => write!(f, "bad time {text:?}"),
            Problem::Hex(text) => write!(f, "{text:?} is not hex bytes"),
            Problem::HardwareType(text) => write!(f, "unknown hardware type {text:?}"),
            Problem::Number { field, text } => write!(f, "bad {field} {text:?}"),
            Problem::State(text) => write!(f, "unknown lease state {text:?}"),
            Problem::NoClient => {
                f.write_str("leased entry without client identifier or hardware address")
            }
            Problem::Missing(what) => write!(f, "missing {what}"),
            Problem::Fields { expected, found } => {
                write!(f, "{found} fields where {expected} belong")
            }
            Problem::Column(name) => write!(f, "the header has no {name:?} column"),
            Problem::Header(text) => write!(f, "not a header this format writes: {text:?}"),
            Problem::Unexpected(text) => write!(f, "unexpected {text:?}"),
            Problem::Torn => f.write_str("the last entry is cut short (left out)"),
        }
    }
}
