//! A DHCP server that leases addresses from a pool and remembers them in a lease file.
//!
//! ```text
//! cargo run -p ex_dhcp-tools --bin lease_server -- --server 198.18.0.1 \
//!     --range 198.18.0.100-198.18.0.150 --router 198.18.0.1 --dns 198.18.0.1 \
//!     --lease-file /var/tmp/leases --interface eth1 --port 67
//! ```
//!
//! One concern per file: `args` (command line), `pool` (which addresses),
//! `leases` (who has which), `dhcp` (RFC 2131 rules, no I/O), `config` (the
//! options clients get), `lease_file` (persistence), `handler` (the glue to the
//! library's server). `cargo test` runs the unit tests of each.

use std::process::ExitCode;

use ex_dhcp::Server;
use log::info;

use ex_dhcp::lease::{LeaseFile, LeaseServer, Pool};
use ex_dhcp_tools::lease_server::args::{self, Args, USAGE};
use ex_dhcp_tools::lease_server::handler::{now, server_config, LeaseHandler};

/// Exit status for a command line that cannot be used.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args = match args::parse(std::env::args().skip(1), &[]) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("usage: lease_server --server ADDR --range FIRST-LAST [flags]\n{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("lease_server: {e}");
            return ExitCode::from(USAGE_ERROR);
        }
    };
    simple_logger::SimpleLogger::new()
        .with_level(args.log_level)
        .init()
        .expect("the only logger");
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lease_server: {e}");
            ExitCode::FAILURE
        }
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
    let mut server = LeaseServer::new(args.settings.clone(), pool);
    let file = match &args.lease_file {
        Some(path) => {
            for record in LeaseFile::load(path)? {
                server.apply(&record);
            }
            let now = now();
            server.tick(now);
            let live = server.snapshot(now);
            info!("{} live records in {}", live.len(), path.display());
            Some(LeaseFile::rewrite(path, &live)?)
        }
        None => None,
    };
    let running = Server::start(server_config(args), LeaseHandler::new(server, file))?;
    info!("serving on {}", running.local_addr());
    let exit = running.join();
    if exit.reason.is_abnormal() {
        return Err(exit.reason.to_string().into());
    }
    info!("stopped: {}", exit.reason);
    Ok(())
}
