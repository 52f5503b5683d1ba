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
//! The lease logic is the library's lease service (`ex_dhcp::lease::LeaseService`,
//! durable with `--lease-file`), the boot rules too (`ex_dhcp::pxe`); the handler
//! that joins them is `ex_dhcp_tools::pxe_server`.

use std::process::ExitCode;

use ex_dhcp::Server;
use log::info;

use ex_dhcp::lease::NoHooks;
use ex_dhcp_tools::cli::args::{Program, EXIT_FAILURE};
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::daemon;
use ex_dhcp_tools::lease_server::start::{server_config, service};
use ex_dhcp_tools::pxe_server::args::{self as pxe_args, PxeArgs};
use ex_dhcp_tools::pxe_server::handler::PxeHandler;

const PROGRAM: Program = Program {
    name: "pxe",
    help: concat!(
        "A PXE boot server: boot file by client architecture, as a full DHCP server
or as proxyDHCP beside another one.

usage: pxe --server ADDR [--mode full|proxy] [flags]

",
        ex_dhcp_tools::pxe_usage!(),
        "\n",
        ex_dhcp_tools::lease_usage!(),
        "
Exit status: 0 stopped by a signal, 1 could not start or stopped on an error,
2 usage error.
"
    ),
};

fn main() -> ExitCode {
    let args = match PROGRAM.parse_or_exit(pxe_args::parse) {
        Ok(args) => args,
        Err(status) => return status,
    };
    logging::init(args.common.log_level);
    let result = run(args);
    logging::finish();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => PROGRAM.fail(error, EXIT_FAILURE),
    }
}

fn run(args: PxeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let common = &args.common;
    let handler = if args.proxy {
        PxeHandler::proxy(args.boot)
    } else {
        // Full mode: the lease service, durable with --lease-file.
        PxeHandler::full(args.boot, service(common, NoHooks)?, args.serve_4011)
    };
    let config = handler.configure(server_config(common), common.interface.as_deref());
    let running = Server::start(config, handler)?;
    let running = daemon::become_user(running, common.user.as_deref())?;
    for listener in running.handle().listeners() {
        info!("serving on {}", listener.local);
    }
    let exit = daemon::serve(running, common.stats_every);
    if exit.reason.is_abnormal() {
        return Err(exit.reason.to_string().into());
    }
    info!("stopped: {}", exit.reason);
    Ok(())
}
