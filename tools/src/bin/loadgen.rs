//! A DHCP load generator for any server on this machine.
//!
//! ```text
//! cargo run --release -p ex_dhcp-tools --bin loadgen -- [--addr A:P] [--clients N]
//!     [--rate R | --max] [--duration S] [--in-flight K] [--mode dora|discover]
//!     [--max-requests M] [--timeout MS] [--extra-options E]
//! ```
//!
//! Sends DISCOVERs with distinct `xid`s and MACs from `--clients` sockets on
//! 127.0.0.1 (default 1) to `--addr` (default 127.0.0.1:6767), either at a fixed
//! total `--rate` per second or saturating (`--max`, the default) with `--in-flight`
//! (default 32) outstanding per client. Replies are matched by `xid`; with
//! `--mode dora` an OFFER is answered with a REQUEST and the exchange ends at the
//! ACK. Prints rates, drops (no reply within `--timeout`, default 1000 ms) and
//! latency percentiles. Runs for `--duration` seconds (default 5) or until
//! `--max-requests` (default 10 000 000) are sent, whichever comes first.
//!
//! The server must send replies back to the client's address and port: either it
//! replies to the source (`Reply::SendTo(reply, from.peer)`, as the pipeline
//! benchmark's server does), or, with one client, it is configured with
//! `broadcast_addr(127.0.0.1)` and `client_port(<the client's port>)`.

use std::net::SocketAddrV4;
use std::process::ExitCode;
use std::time::Duration;

use ex_dhcp_tools::cli::args::{self, Args, Program, UsageError, EXIT_FAILURE};
use ex_dhcp_tools::load;

use load::{LoadConfig, Mode};

const PROGRAM: Program = Program {
    name: "loadgen",
    help: "\
A DHCP load generator for any server on this machine.

usage: loadgen [--addr A:P] [--clients N] [--rate R | --max] [--duration S]
               [--in-flight K] [--mode dora|discover] [--max-requests M]
               [--timeout MS] [--extra-options E]

  --addr A:P         the server (default 127.0.0.1:6767)
  --clients N        client sockets on 127.0.0.1 (default 1)
  --rate R           total DISCOVERs per second
  --max              saturate instead, --in-flight outstanding per client (the default)
  --duration S       seconds to run (default 5)
  --in-flight K      outstanding requests per client with --max (default 32)
  --mode MODE        dora: answer each OFFER with a REQUEST; discover (default)
  --max-requests M   stop after M requests (default 10000000)
  --timeout MS       a request unanswered this long is a drop (default 1000)
  --extra-options E  extra options per DISCOVER, to make packets bigger
  --help, --version

The server must send replies back to the client's address and port: it replies
to the source, or with one client it is configured with broadcast address
127.0.0.1 and client port the client's.
Exit status: 0 the run finished, 1 it could not run, 2 usage error.
",
};

fn parse(args: &mut Args) -> Result<LoadConfig, UsageError> {
    let mut config = LoadConfig::default();
    while let Some(flag) = args.next_arg()? {
        match flag.as_str() {
            "--max" => config.rate = None,
            "--addr" => config.target = args.value::<SocketAddrV4>(&flag)?,
            "--clients" => config.clients = args.value(&flag)?,
            "--rate" => config.rate = Some(args.value(&flag)?),
            "--duration" => config.duration = args.seconds(&flag)?,
            "--in-flight" => config.in_flight = args.value(&flag)?,
            "--max-requests" => config.max_requests = args.value(&flag)?,
            "--timeout" => config.timeout = Duration::from_millis(args.value(&flag)?),
            "--extra-options" => config.extra_options = args.value(&flag)?,
            "--mode" => {
                config.mode = match args.text(&flag)?.as_str() {
                    "dora" => Mode::Dora,
                    "discover" => Mode::Discover,
                    other => {
                        return Err(args::error(format!(
                            "--mode {other:?}: takes dora or discover"
                        )))
                    }
                }
            }
            other => return Err(args::unknown(other)),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match PROGRAM.parse_or_exit(parse) {
        Ok(config) => config,
        Err(status) => return status,
    };
    let offered = config
        .rate
        .map_or_else(|| "max".to_owned(), |rate| format!("{rate:.0}/s"));
    println!(
        "loadgen: {} clients -> {}, rate {offered}, {} in flight per client, mode {:?}, {} s",
        config.clients,
        config.target,
        config.in_flight,
        config.mode,
        config.duration.as_secs_f64()
    );
    match load::run(&config) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => PROGRAM.fail(format!("failed: {error}"), EXIT_FAILURE),
    }
}
