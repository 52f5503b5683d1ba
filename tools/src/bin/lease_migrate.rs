//! Leases from ISC dhcpd, Kea and dnsmasq into an `ex_dhcp` lease store, and a
//! store's leases out as Kea's lease file.
//!
//! ```text
//! lease_migrate import --from isc /var/lib/dhcp/dhcpd.leases --lease-file /var/lib/ex_dhcp/leases
//! lease_migrate export --to kea --lease-file /var/lib/ex_dhcp/leases > kea-leases4.csv
//! ```
//!
//! The formats and what becomes of each entry are `ex_dhcp::lease::import`'s; the
//! command line and the report are `ex_dhcp_tools::migrate`'s.

use std::process::ExitCode;
use std::time::SystemTime;

use ex_dhcp::lease::import::BadLines;
use ex_dhcp::lease::secs;
use ex_dhcp_tools::cli::args::{Program, EXIT_FAILURE};
use ex_dhcp_tools::migrate::{self, args};

const PROGRAM: Program = Program {
    name: "lease_migrate",
    help: args::USAGE,
};

fn main() -> ExitCode {
    let parsed =
        match PROGRAM.parse_or_exit(|line| args::parse(line, |name| std::env::var(name).ok())) {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
    let now = parsed.at.unwrap_or_else(|| secs(SystemTime::now()));
    match parsed.command {
        args::Command::Import {
            from,
            file,
            skip_bad,
            dry_run,
        } => {
            let bad = if skip_bad {
                BadLines::Skip
            } else {
                BadLines::Fail
            };
            match migrate::import(from, &file, &parsed.store, bad, dry_run, now) {
                Ok(imported) => {
                    print!("{}", imported.report);
                    if imported.conflicts > 0 {
                        return PROGRAM.fail(
                            format!(
                                "{} leases left out: the store gives their address or client \
                                 to another lease (see conflicts above)",
                                imported.conflicts
                            ),
                            EXIT_FAILURE,
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => PROGRAM.fail(error, EXIT_FAILURE),
            }
        }
        args::Command::Export { subnet_id } => {
            let mut stdout = std::io::stdout().lock();
            match migrate::export(&parsed.store, subnet_id, now, &mut stdout) {
                Ok(exported) => {
                    eprintln!(
                        "lease_migrate: exported {} leases, {} quarantined addresses",
                        exported.leases, exported.quarantines
                    );
                    for (addr, key) in &exported.left_out {
                        eprintln!("lease_migrate: left out {addr} of {key}: Kea's CSV cannot hold its key");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => PROGRAM.fail(error, EXIT_FAILURE),
            }
        }
    }
}
