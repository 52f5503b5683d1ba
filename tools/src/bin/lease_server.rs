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
//! `--user`: `ex_dhcp_tools::daemon`).

use std::process::ExitCode;

use ex_dhcp::lease::NoHooks;
use ex_dhcp::Server;
use log::info;

use ex_dhcp_tools::cli::args::{Program, EXIT_FAILURE};
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::daemon;
use ex_dhcp_tools::lease_server::args::{self, Args};
use ex_dhcp_tools::lease_server::start::{server_config, service};

const PROGRAM: Program = Program {
    name: "lease_server",
    help: concat!(
        "A DHCP server that leases addresses from a pool and keeps them in a lease file,
or in PostgreSQL shared with other servers of the pool (--database).

usage: lease_server --server ADDR --range FIRST-LAST [flags]

",
        ex_dhcp_tools::lease_usage!(),
        ex_dhcp_tools::shared_store_usage!(),
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
    // The store is opened (and a lease file locked, replayed and compacted) before
    // anything is bound: a second server on the same file stops here.
    let service = service(args, NoHooks)?;
    let running = Server::start(server_config(args), service)?;
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
    info!("serving on {}", running.local_addr());
    let exit = daemon::serve(running, args.stats_every);
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
