//! A DHCP server that leases addresses from a pool and remembers them in a lease file,
//! or (feature `postgres`, `--database URL`) in a PostgreSQL database that several
//! servers of one pool share.
//!
//! ```text
//! cargo run -p ex_dhcp-tools --bin lease_server -- --server 198.18.0.1 \
//!     --range 198.18.0.100-198.18.0.150 --router 198.18.0.1 --dns 198.18.0.1 \
//!     --lease-file /var/tmp/leases --interface eth1 --port 67
//! ```
//!
//! The lease logic, the store and the held ACKs are the library's
//! (`ex_dhcp::lease::LeaseService`); this program is its command line
//! (`ex_dhcp_tools::lease_server`) and the daemon behaviour (signals, statistics,
//! `--user`: `ex_dhcp_tools::daemon`). `--config FILE` reads the configuration from
//! a TOML file (`ex_dhcp::config`), which SIGHUP reloads
//! (`ex_dhcp_tools::lease_server::reload`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use ex_dhcp::config::{ServerConfig, StoreConfig};
use ex_dhcp::lease::{LeaseService, NoHooks};
use ex_dhcp::{Config, Server};
use log::info;

use ex_dhcp_tools::cli::args::{Program, EXIT_FAILURE, EXIT_USAGE};
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::daemon;
use ex_dhcp_tools::lease_server::args::{self, Args};
use ex_dhcp_tools::lease_server::launch::{self, check_file, Launch, Source};
use ex_dhcp_tools::lease_server::reload::Reloader;
use ex_dhcp_tools::lease_server::start::{engine, give_to, server_config, service};

const PROGRAM: Program = Program {
    name: "lease_server",
    help: concat!(
        "A DHCP server that leases addresses from a pool and keeps them in a lease file,
or in PostgreSQL shared with other servers of the pool (--database).

usage: lease_server --server ADDR --range FIRST-LAST [flags]
       lease_server --config FILE [--check-config] [--log LEVEL]

",
        ex_dhcp_tools::config_usage!(),
        ex_dhcp_tools::lease_usage!(),
        ex_dhcp_tools::shared_store_usage!(),
        "SIGHUP reloads the --config file: settings, subnets, options, hosts and limits
change at once and every lease is kept (a subnet that is gone takes its leases with
it: its clients are refused when they renew); a file that does not read is refused
and the running configuration kept; what needs a restart (sockets, user, store,
commit delay, log level) is logged as such.

Exit status: 0 stopped by a signal (or --check-config: valid), 1 could not start
(a configuration file that does not read too) or stopped on an error, 2 usage
error (or --check-config: not valid).
"
    ),
};

fn main() -> ExitCode {
    let Launch { source, check_only } = match PROGRAM.parse_or_exit(launch::parse) {
        Ok(launch) => launch,
        Err(status) => return status,
    };
    match source {
        Source::Flags(args) if check_only => match engine(&args) {
            Ok(_) => {
                println!("the command line's configuration is valid");
                ExitCode::SUCCESS
            }
            Err(error) => PROGRAM.fail(error, EXIT_USAGE),
        },
        Source::File { path, .. } if check_only => match check_file(&path) {
            Ok(_) => {
                println!("{}: the configuration is valid", path.display());
                ExitCode::SUCCESS
            }
            Err(error) => PROGRAM.fail(error, EXIT_USAGE),
        },
        Source::Flags(args) => {
            logging::init(args.log_level);
            for warning in &args.warnings {
                log::warn!("{warning}");
            }
            finish(run_flags(&args))
        }
        Source::File { path, log } => {
            let config = match ServerConfig::load(&path) {
                Ok(config) => config,
                Err(error) => return PROGRAM.fail(error, EXIT_FAILURE),
            };
            logging::init(log.or(config.daemon().log));
            finish(run_file(config))
        }
    }
}

fn finish(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    logging::finish();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => PROGRAM.fail(error, EXIT_FAILURE),
    }
}

/// What to serve and how, from the flags or the file.
struct Plan {
    service: LeaseService,
    server: Config,
    user: Option<String>,
    lease_file: Option<PathBuf>,
    stats_every: Option<Duration>,
    reloader: Option<Reloader>,
}

fn run_flags(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    // The store is opened (and a lease file locked, replayed and compacted) before
    // anything is bound: a second server on the same file stops here.
    run(Plan {
        service: service(args, NoHooks)?,
        server: server_config(args),
        user: args.user.clone(),
        lease_file: args.lease_file.clone(),
        stats_every: args.stats_every,
        reloader: None,
    })
}

fn run_file(config: ServerConfig) -> Result<(), Box<dyn std::error::Error>> {
    info!("configuration from {}", config.path().display());
    let lease_file = match config.store() {
        StoreConfig::LeaseFile(path) => Some(path.clone()),
        StoreConfig::DatabaseFile(path) => {
            warn_if_readable(path);
            None
        }
        _ => None,
    };
    let service = config.service()?;
    if let (Some(user), Some(path)) = (&config.daemon().user, &lease_file) {
        give_to(user, path)?;
    }
    run(Plan {
        service,
        server: config.server_config(),
        user: config.daemon().user.clone(),
        lease_file,
        stats_every: config.daemon().stats_every,
        reloader: Some(Reloader::new(config)),
    })
}

/// A database URL file others can read shows its password to them.
fn warn_if_readable(path: &Path) {
    if let Ok((_, Some(warning))) = args::read_database_file(path) {
        log::warn!("[store] database-file {}: {warning}", path.display());
    }
}

fn run(plan: Plan) -> Result<(), Box<dyn std::error::Error>> {
    let running = Server::start(plan.server, plan.service)?;
    let running = daemon::become_user(running, plan.user.as_deref())?;
    if let (Some(user), Some(path)) = (&plan.user, &plan.lease_file) {
        // Compaction writes a new file beside the lease file and renames it over it,
        // as the user the server now runs as: find out now, not at the first compaction.
        if let Err(error) = writable_as_user(path) {
            running.shutdown();
            return Err(format!(
                "--user {user} cannot write beside {} ({error}): give {user} the directory \
                 (chown {user} DIR) or run without --user",
                path.display()
            )
            .into());
        }
    }
    info!("serving on {}", running.handle().local_addr());
    let exit = match plan.reloader {
        Some(reloader) => daemon::serve_with_reload(running, plan.stats_every, move |server| {
            reloader.reload_logged(server)
        }),
        None => daemon::serve(running, plan.stats_every),
    };
    info!("lease service: {}", exit.state.stats());
    if exit.reason.is_abnormal() {
        return Err(exit.reason.to_string().into());
    }
    info!("stopped: {}", exit.reason);
    Ok(())
}

/// Whether this process, as it now runs, can append to the lease file and create
/// files in its directory.
fn writable_as_user(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new().append(true).open(path)?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let probe = dir.join(format!(".lease_server-probe-{}", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}
