//! `lease_migrate`'s command line, parsed with the tools' shared convention
//! (`crate::cli::args`), each error naming the flag.

use std::path::PathBuf;

use ex_dhcp::lease::import::Format;
use ex_dhcp::lease::Secs;

use crate::cli::args::{self as cli, UsageError};
use crate::lease_server::args::{DatabaseUrl, DATABASE_ENV};

/// The help text.
pub const USAGE: &str = "\
Brings leases from ISC dhcpd, Kea or dnsmasq into an ex_dhcp lease store, and
writes a store's leases as Kea's lease file.

usage: lease_migrate import --from isc|kea|dnsmasq FILE --lease-file PATH [flags]
       lease_migrate export --to kea --lease-file PATH [flags] > kea-leases4.csv

import: reads FILE, the other server's lease file (stop that server first), and
writes the leases and quarantines that have not ended into the store; prints what
it did with each entry: imported, expired, free, superseded (a client's lease
that another of its leases outlasts), conflicts (the store gives the address or
the client to another lease: left out, never overwritten), skipped (bad entries).
  --from FORMAT          isc (dhcpd.leases), kea (kea-leases4.csv) or dnsmasq
                         (dnsmasq.leases)
  --skip-bad             leave out entries the format does not allow, and list
                         them, instead of stopping at the first
  --dry-run              read and report; write nothing

export: writes the store's live leases and quarantines to stdout as Kea 2.2's
kea-leases4.csv (its memfile lease file).
  --to kea               the format (kea)
  --subnet-id N          Kea's subnet id of every lease (1): the `id` of the
                         subnet in Kea's configuration

both:
  --lease-file PATH      the ex_dhcp lease file (lease_server --lease-file); an
                         import locks it, so stop lease_server first
  --database URL         the PostgreSQL lease store (lease_server --database); needs
                         a build with --features postgres; or set
                         EX_DHCP_DATABASE_URL, used when no store flag is given
  --at SECS              judge what has ended at SECS seconds since the epoch
                         (default: now)
  --help, --version

Exit status: 0 done, 1 a file or the store could not be used, a bad entry
without --skip-bad, or leases left out as conflicts; 2 usage error.
";

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Read another server's lease file into a store.
    Import {
        /// The other server's format.
        from: Format,
        /// Its lease file.
        file: PathBuf,
        /// Leave bad entries out instead of stopping.
        skip_bad: bool,
        /// Report only.
        dry_run: bool,
    },
    /// Write a store's leases as Kea's CSV.
    Export {
        /// Kea's subnet id of every row.
        subnet_id: u32,
    },
}

/// Where the leases are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// An `ex_dhcp` lease file.
    File(PathBuf),
    /// A PostgreSQL database.
    Database(DatabaseUrl),
}

/// Everything the command line sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// What to do.
    pub command: Command,
    /// The store.
    pub store: Store,
    /// `--at`: the time expiry is judged at; `None`: now.
    pub at: Option<Secs>,
}

/// Parses `lease_migrate`'s command line; `env` reads the environment (for
/// [`DATABASE_ENV`]).
pub fn parse(
    args: &mut cli::Args,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Args, UsageError> {
    let verb = args
        .next_arg()?
        .ok_or_else(|| cli::error("import or export is missing"))?;
    if verb != "import" && verb != "export" {
        return Err(if verb.starts_with('-') {
            cli::unknown(&verb)
        } else {
            cli::error(format!("{verb:?} is neither import nor export"))
        });
    }
    let (mut from, mut to, mut file, mut subnet_id) = (None, None, None, 1);
    let (mut skip_bad, mut dry_run, mut at) = (false, false, None);
    let (mut lease_file, mut database) = (None, None);
    let mut only_files = false;
    while let Some(arg) = args.next_arg()? {
        let flag = arg.as_str();
        match flag {
            "--" if !only_files => only_files = true,
            "--from" if !only_files => from = Some(args.value::<Format>(flag)?),
            "--to" if !only_files => {
                let format: Format = args.value(flag)?;
                if format != Format::Kea {
                    return Err(cli::error(format!("--to takes kea, not {format}")));
                }
                to = Some(format);
            }
            "--subnet-id" if !only_files => subnet_id = args.value(flag)?,
            "--skip-bad" if !only_files => skip_bad = true,
            "--dry-run" if !only_files => dry_run = true,
            "--at" if !only_files => at = Some(args.value(flag)?),
            "--lease-file" if !only_files => lease_file = Some(PathBuf::from(args.text(flag)?)),
            "--database" if !only_files => {
                let url = args.text(flag)?;
                if !cfg!(feature = "postgres") {
                    return Err(cli::error(format!(
                        "{flag}: this build has no PostgreSQL store; build with \
                         --features postgres (cargo build -p ex_dhcp-tools --features postgres)"
                    )));
                }
                database = Some(DatabaseUrl::from(url));
            }
            other if other.starts_with('-') && !only_files => return Err(cli::unknown(other)),
            _ if file.is_none() => file = Some(PathBuf::from(arg)),
            other => return Err(cli::unknown(other)),
        }
    }
    let store = match (lease_file, database) {
        (Some(_), Some(_)) => {
            return Err(cli::error(
                "--lease-file and --database exclude each other: give one store",
            ))
        }
        (Some(path), None) => Store::File(path),
        (None, Some(url)) => Store::Database(url),
        (None, None) => match env(DATABASE_ENV).filter(|url| !url.trim().is_empty()) {
            Some(url) if cfg!(feature = "postgres") => Store::Database(url.trim().into()),
            _ => return Err(cli::required("--lease-file")),
        },
    };
    let command = if verb == "import" {
        if to.is_some() || subnet_id != 1 {
            return Err(cli::error("--to and --subnet-id are export's"));
        }
        Command::Import {
            from: from.ok_or_else(|| cli::required("--from"))?,
            file: file.ok_or_else(|| cli::error("FILE is missing"))?,
            skip_bad,
            dry_run,
        }
    } else {
        if from.is_some() || file.is_some() || skip_bad || dry_run {
            return Err(cli::error(
                "FILE, --from, --skip-bad and --dry-run are import's",
            ));
        }
        to.ok_or_else(|| cli::required("--to"))?;
        Command::Export { subnet_id }
    };
    Ok(Args { command, store, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Args, UsageError> {
        parse(&mut cli::Args::split(line), |_| None)
    }

    #[test]
    fn an_import_reads_its_format_file_and_store() {
        let parsed =
            args("import --from isc dhcpd.leases --lease-file /tmp/l --skip-bad --at 5").unwrap();
        assert_eq!(
            parsed,
            Args {
                command: Command::Import {
                    from: Format::Isc,
                    file: "dhcpd.leases".into(),
                    skip_bad: true,
                    dry_run: false,
                },
                store: Store::File("/tmp/l".into()),
                at: Some(5),
            }
        );
    }

    #[test]
    fn an_export_takes_kea_and_a_subnet_id() {
        let parsed = args("export --to kea --lease-file /tmp/l --subnet-id 7").unwrap();
        assert_eq!(parsed.command, Command::Export { subnet_id: 7 });
        let error = args("export --to isc --lease-file /tmp/l").unwrap_err();
        assert_eq!(error.to_string(), "--to takes kea, not isc");
    }

    #[test]
    fn errors_name_what_is_wrong() {
        for (line, problem) in [
            ("", "import or export is missing"),
            ("convert", "\"convert\" is neither import nor export"),
            ("--frobnicate", "unknown flag \"--frobnicate\""),
            ("import --from isc f", "--lease-file is required"),
            ("import f --lease-file l", "--from is required"),
            ("import --from isc --lease-file l", "FILE is missing"),
            (
                "import --from bind f --lease-file l",
                "--from \"bind\": unknown format",
            ),
            (
                "import --from isc f g --lease-file l",
                "unexpected argument \"g\"",
            ),
            ("import --from isc f --lease-file l --to kea", "export's"),
            ("export --to kea --lease-file l f", "import's"),
            ("export --lease-file l", "--to is required"),
            (
                "import --from kea f --lease-file l --at soon",
                "--at \"soon\"",
            ),
        ] {
            let error = args(line).unwrap_err().to_string();
            assert!(error.contains(problem), "{line:?}: {error}");
        }
    }

    #[test]
    fn the_database_comes_from_the_flag_or_the_environment() {
        let parsed = parse(&mut cli::Args::split("export --to kea"), |name| {
            (name == DATABASE_ENV).then(|| "host=/run/postgresql".to_owned())
        });
        if cfg!(feature = "postgres") {
            assert_eq!(
                parsed.unwrap().store,
                Store::Database("host=/run/postgresql".into())
            );
            let both = args("export --to kea --database host=/x --lease-file l").unwrap_err();
            assert!(both.to_string().contains("exclude each other"), "{both}");
        } else {
            assert_eq!(parsed.unwrap_err().to_string(), "--lease-file is required");
            let error = args("export --to kea --database host=/x").unwrap_err();
            assert!(error.to_string().contains("--features postgres"), "{error}");
        }
    }
}
