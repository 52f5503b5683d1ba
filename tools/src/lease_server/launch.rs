//! How `lease_server` is told what to serve: by flags (the simple case, see
//! [`args`]), or by a configuration file (`--config FILE`, read by the
//! library's `ex_dhcp::config`), and whether to serve it or only check it
//! (`--check-config`).
//!
//! With `--config` the file holds the whole configuration: beside it go only
//! `--check-config` and `--log` (which wins over the file's `[daemon] log`); any other
//! flag is a usage error, so that nothing is configured in two places.

use std::path::PathBuf;

use ex_dhcp::config::ServerConfig;
use log::LevelFilter;

use crate::cli::args::{self as cli, UsageError};

use super::args::{self, Args};

/// The usage text of `--config` and `--check-config`, as a literal for `concat!`.
#[macro_export]
macro_rules! config_usage {
    () => {
        "  --config FILE          read the configuration from the TOML file FILE (subnets,
                         options, hosts, store, limits: see the README, \"The
                         configuration file\"); beside it only --check-config and --log.
                         SIGHUP reads it again and applies it, leases kept
  --check-config         check the configuration (the file's, or the flags') and
                         exit: 0 if it is valid, 2 with the error; binds nothing and
                         opens no store
"
    };
}

/// Where the configuration comes from.
#[derive(Debug)]
pub enum Source {
    /// The flags.
    Flags(Box<Args>),
    /// A configuration file.
    File {
        /// The file.
        path: PathBuf,
        /// `--log`, which wins over the file's level.
        log: Option<LevelFilter>,
    },
}

/// What the command line asks for.
#[derive(Debug)]
pub struct Launch {
    /// Where the configuration comes from.
    pub source: Source,
    /// `--check-config`: check it and exit.
    pub check_only: bool,
}

/// Parses `lease_server`'s command line: a configuration file with `--config`, else
/// the flags ([`args::parse`]).
pub fn parse(line: &mut cli::Args) -> Result<Launch, UsageError> {
    if line.contains("--config") {
        return parse_file_mode(line);
    }
    let mut check_only = false;
    let parsed = args::parse_with(line, args::Flags::LeaseServer, |flag, _| {
        check_only |= flag == "--check-config";
        Ok(flag == "--check-config")
    })?;
    if parsed.ranges.is_empty() {
        return Err(cli::required("--range"));
    }
    let parsed = args::with_database_from_env(parsed, |name| std::env::var(name).ok());
    Ok(Launch {
        source: Source::Flags(Box::new(parsed)),
        check_only,
    })
}

fn parse_file_mode(line: &mut cli::Args) -> Result<Launch, UsageError> {
    let (mut path, mut log, mut check_only) = (None, None, false);
    while let Some(flag) = line.next_arg()? {
        match flag.as_str() {
            "--config" if path.is_some() => {
                return Err(cli::error("--config is given twice: give one file"));
            }
            "--config" => path = Some(PathBuf::from(line.text(&flag)?)),
            "--check-config" => check_only = true,
            "--log" | "--log-level" => log = Some(line.value(&flag)?),
            other if other.starts_with("--") => {
                return Err(cli::error(format!(
                    "{other} does not go with --config: the file holds the configuration \
                     (beside it only --check-config and --log)"
                )));
            }
            other => return Err(cli::unknown(other)),
        }
    }
    Ok(Launch {
        source: Source::File {
            path: path.expect("contains(--config) said it is there"),
            log,
        },
        check_only,
    })
}

/// Checks a configuration file as the server would read it at start, opening and
/// binding nothing: the file itself, and the user it names.
pub fn check_file(path: &std::path::Path) -> Result<ServerConfig, String> {
    let config = ServerConfig::load(path).map_err(|error| error.to_string())?;
    #[cfg(unix)]
    if let Some(user) = &config.daemon().user {
        crate::privileges::account(user)
            .map_err(|error| format!("{}: [daemon] user: {error}", path.display()))?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(line: &str) -> Result<Launch, UsageError> {
        parse(&mut cli::Args::split(line))
    }

    #[test]
    fn a_config_file_goes_with_check_config_and_log_only() {
        let parsed = launch("--log debug --config /etc/x.toml --check-config").unwrap();
        assert!(parsed.check_only);
        match parsed.source {
            Source::File { path, log } => {
                assert_eq!(path, PathBuf::from("/etc/x.toml"));
                assert_eq!(log, Some(LevelFilter::Debug));
            }
            other => panic!("{other:?}"),
        }
        let error = launch("--config /etc/x.toml --range 198.18.0.10-198.18.0.20").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--range does not go with --config"),
            "{error}"
        );
        let error = launch("--server 198.18.0.1 --config=/etc/x.toml").unwrap_err();
        assert!(error
            .to_string()
            .contains("--server does not go with --config"));
        let twice = launch("--config a.toml --config b.toml").unwrap_err();
        assert!(twice.to_string().contains("twice"));
        assert!(launch("--config").is_err(), "--config needs a value");
    }

    #[test]
    fn without_a_file_the_flags_are_read_and_checked_as_before() {
        let parsed =
            launch("--server 198.18.0.1 --range 198.18.0.10-198.18.0.20 --check-config").unwrap();
        assert!(parsed.check_only);
        assert!(matches!(parsed.source, Source::Flags(_)));
        let error = launch("--server 198.18.0.1").unwrap_err();
        assert_eq!(error.to_string(), "--range is required");
    }
}
