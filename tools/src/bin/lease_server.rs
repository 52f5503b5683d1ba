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
//! The lease logic is the library's (`ex_dhcp::lease`); the command line, the
//! handler glue and the daemon behaviour (signals, statistics) are
//! `ex_dhcp_tools::{lease_server, daemon}`.

use std::process::ExitCode;

use ex_dhcp::Server;
use log::info;

use ex_dhcp::lease::{LeaseEngine, Pool};
use ex_dhcp_tools::cli::args::{Program, EXIT_FAILURE};
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::daemon;
use ex_dhcp_tools::lease_server::args::{self, Args};
use ex_dhcp_tools::lease_server::handler::{now, open_lease_file, server_config, LeaseHandler};

const PROGRAM: Program = Program {
    name: "lease_server",
    help: concat!(
        "A DHCP server that leases addresses from a pool and keeps them in a lease file,
or in PostgreSQL shared with other servers of the pool (--database).

usage: lease_server --server ADDR --range FIRST-LAST [flags]

",
        ex_dhcp_tools::lease_usage!(),
        "
Exit status: 0 stopped by a signal, 1 could not start or stopped on an error,
2 usage error.
"
    ),
};

fn main() -> ExitCode {
    let args = match PROGRAM.parse_or_exit(args::parse) {
        Ok(args) => args,
        Err(status) => return status,
    };
    logging::init(args.log_level);
    for warning in &args.warnings {
        log::warn!("{warning}");
    }
    let result = run(&args);
    logging::finish();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => PROGRAM.fail(error, EXIT_FAILURE),
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let (first, last) = args.range.ok_or("--range is required")?;
    let pool = Pool::new(
        args.settings.server_id,
        args.settings.mask,
        first,
        last,
        args.reservations.clone(),
    )?;
    info!("{} addresses to lease", pool.capacity());
    let mut server = LeaseEngine::new(args.settings.clone(), pool);
    #[cfg(feature = "postgres")]
    if let Some(url) = &args.database {
        let store = open_database(&mut server, url.as_str(), now())?;
        let running = Server::start(
            server_config(args),
            LeaseHandler::with_store(server, Some(store))
                .with_lookup_rate(args.lookup_rate)
                .commit_delay(args.commit_delay),
        )?;
        let running = daemon::become_user(running, args.user.as_deref())?;
        info!("serving on {}", running.handle().local_addr());
        let exit = daemon::serve(running, args.stats_every);
        if exit.reason.is_abnormal() {
            return Err(exit.reason.to_string().into());
        }
        info!("stopped: {}", exit.reason);
        return Ok(());
    }
    // Locked before anything is read, streamed, then compacted in place.
    let file = match &args.lease_file {
        Some(path) => Some(open_lease_file(&mut server, path, now())?),
        None => None,
    };
    let handler = LeaseHandler::new(server, file).commit_delay(args.commit_delay);
    let running = Server::start(server_config(args), handler)?;
    let running = daemon::become_user(running, args.user.as_deref())?;
    if let (Some(user), Some(path)) = (&args.user, &args.lease_file) {
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
    let exit = daemon::serve(running, args.stats_every);
    if exit.reason.is_abnormal() {
        return Err(exit.reason.to_string().into());
    }
    info!("stopped: {}", exit.reason);
    Ok(())
}

/// Connects to the PostgreSQL lease store at `url` and loads the database's live
/// leases into `server`: every server sharing the pool starts from the same truth.
#[cfg(feature = "postgres")]
fn open_database(
    server: &mut LeaseEngine,
    url: &str,
    now: ex_dhcp::lease::Secs,
) -> Result<ex_dhcp::lease::PgStore, ex_dhcp::lease::StoreError> {
    use ex_dhcp::lease::LeaseStore;
    let mut store = ex_dhcp::lease::PgStore::connect(url)?;
    let mut records = 0_usize;
    store.load(&mut |change| {
        records += 1;
        server.apply(&change);
    })?;
    server.tick(now);
    info!("{records} live records in the database");
    Ok(store)
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
