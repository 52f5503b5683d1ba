//! A PXE boot server: next server and boot file by client architecture, either as a
//! full DHCP server (leasing addresses with the lease server's logic) or as
//! proxyDHCP beside an existing DHCP server (boot information only, on ports 67
//! and 4011).
//!
//! ```text
//! # proxyDHCP beside the network's DHCP server
//! cargo run -p ex_dhcp-tools --bin pxe -- --mode proxy --server 198.18.0.2 --next-server 198.18.0.2 \
//!     --boot 7=ipxe.efi --boot 0=undionly.kpxe --ipxe-boot boot.ipxe --interface eth1 --port 67
//! # full DHCP server with boot information
//! cargo run -p ex_dhcp-tools --bin pxe -- --mode full --server 198.18.0.1 --range 198.18.0.100-198.18.0.150
//! ```
//!
//! The lease logic is the library's (`ex_dhcp::lease`), the boot rules too
//! (`ex_dhcp::pxe`); the handler that joins them is `ex_dhcp_tools::pxe_server`.

use std::process::ExitCode;

use ex_dhcp::Server;
use log::info;

use ex_dhcp::lease::{LeaseServer, Pool};
use ex_dhcp_tools::lease_server::args;
use ex_dhcp_tools::lease_server::handler::{server_config, LeaseHandler};
use ex_dhcp_tools::pxe_server::args::{self as pxe_args, PxeArgs, PXE_USAGE};
use ex_dhcp_tools::pxe_server::handler::{Mode, PxeHandler};

/// Exit status for a command line that cannot be used.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args = match pxe_args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!(
                "usage: pxe --server ADDR [--mode full|proxy] [flags]\n{PXE_USAGE}\n{}",
                args::USAGE
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pxe: {e}");
            return ExitCode::from(USAGE_ERROR);
        }
    };
    simple_logger::SimpleLogger::new()
        .with_level(args.common.log_level)
        .init()
        .expect("the only logger");
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pxe: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: PxeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let common = &args.common;
    let mode = if args.proxy {
        Mode::Proxy
    } else {
        // Full mode keeps leases in memory only: a small pool, minimal by design.
        let (first, last) = common.range.ok_or("--range is required in full mode")?;
        let settings = &common.settings;
        let pool = Pool::new(
            settings.server_id,
            settings.mask,
            first,
            last,
            common.reservations.clone(),
        )?;
        Mode::Full(Box::new(LeaseHandler::new(
            LeaseServer::new(settings.clone(), pool),
            None,
        )))
    };
    let handler = PxeHandler::new(args.boot, mode, args.serve_4011);
    let config = handler.configure(server_config(common), common.interface.as_deref());
    let running = Server::start(config, handler)?;
    for listener in running.listeners() {
        info!("serving on {}", listener.local);
    }
    let exit = running.join();
    if exit.reason.is_abnormal() {
        return Err(exit.reason.to_string().into());
    }
    Ok(())
}
