//! The `lease_server` example as the server under test: started in a namespace with
//! the flags a test gives, and its lease file read back as records.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use super::{read, wait_for, Netns, Proc};

/// How long a server gets to start serving.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts `lease_server` in `ns` with `args` plus `--lease-file lease_file`, logging
/// to `log`; returns once it says it is serving.
pub fn start(ns: &Netns, args: &[&str], lease_file: &Path, log: &Path) -> Proc {
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_lease_server"));
    let mut command = ns.command(&binary);
    command.args(args).arg("--lease-file").arg(lease_file);
    let mut server = Proc::spawn("lease_server", command, log);
    wait_for("the server to serve", START_TIMEOUT, || {
        server.assert_running();
        read(log).contains("serving on").then_some(())
    });
    server
}

/// One line of the lease file (see `ex_dhcp::lease::LeaseFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `bound <client> <address> <until>`
    Bound {
        /// `id:<hex>` or `hw:<htype>:<hex>`.
        client: String,
        /// The leased address.
        addr: Ipv4Addr,
        /// The end of the lease, seconds since the epoch.
        until: u64,
    },
    /// `released <client> <address>`
    Released {
        /// The client.
        client: String,
        /// The address given back.
        addr: Ipv4Addr,
    },
    /// `declined <address> <until>`
    Declined {
        /// The address set aside.
        addr: Ipv4Addr,
    },
}

/// The records of a lease file, in order; comments and blank lines left out.
pub fn records(lease_file: &Path) -> Vec<Record> {
    read(lease_file)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| match line.split(' ').collect::<Vec<_>>()[..] {
            ["bound", client, addr, until] => Record::Bound {
                client: client.to_owned(),
                addr: addr.parse().expect("bound address"),
                until: until.parse().expect("bound until"),
            },
            ["released", client, addr] => Record::Released {
                client: client.to_owned(),
                addr: addr.parse().expect("released address"),
            },
            ["declined", addr, _] => Record::Declined {
                addr: addr.parse().expect("declined address"),
            },
            _ => panic!("unexpected lease file line {line:?}"),
        })
        .collect()
}

/// The `bound` records, as (client, address).
pub fn bound(lease_file: &Path) -> Vec<(String, Ipv4Addr)> {
    records(lease_file)
        .into_iter()
        .filter_map(|r| match r {
            Record::Bound { client, addr, .. } => Some((client, addr)),
            _ => None,
        })
        .collect()
}

/// Waits up to `timeout` for the lease file to hold at least `n` records matching.
pub fn wait_records(
    lease_file: &Path,
    what: &str,
    n: usize,
    timeout: Duration,
    matches: impl Fn(&Record) -> bool,
) -> Vec<Record> {
    wait_for(what, timeout, || {
        let found: Vec<Record> = records(lease_file).into_iter().filter(&matches).collect();
        (found.len() >= n).then_some(found)
    })
}
