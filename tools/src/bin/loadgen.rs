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

use ex_dhcp_tools::load;

use load::{LoadConfig, Mode};

const USAGE: &str = "usage: loadgen [--addr A:P] [--clients N] [--rate R | --max] \
[--duration S] [--in-flight K] [--mode dora|discover] [--max-requests M] [--timeout MS] \
[--extra-options E]";

fn parse(args: &[String]) -> Result<LoadConfig, String> {
    let mut config = LoadConfig::default();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        if flag == "--max" {
            config.rate = None;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("bad value {value:?} for {flag}: {e}");
        match flag.as_str() {
            "--addr" => config.target = value.parse::<SocketAddrV4>().map_err(|e| bad(&e))?,
            "--clients" => config.clients = value.parse().map_err(|e| bad(&e))?,
            "--rate" => config.rate = Some(value.parse().map_err(|e| bad(&e))?),
            "--duration" => {
                config.duration = Duration::from_secs_f64(value.parse().map_err(|e| bad(&e))?)
            }
            "--in-flight" => config.in_flight = value.parse().map_err(|e| bad(&e))?,
            "--max-requests" => config.max_requests = value.parse().map_err(|e| bad(&e))?,
            "--timeout" => {
                config.timeout = Duration::from_millis(value.parse().map_err(|e| bad(&e))?)
            }
            "--extra-options" => config.extra_options = value.parse().map_err(|e| bad(&e))?,
            "--mode" => {
                config.mode = match value.as_str() {
                    "dora" => Mode::Dora,
                    "discover" => Mode::Discover,
                    other => return Err(format!("unknown mode {other:?}")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::FAILURE;
        }
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
        Err(error) => {
            eprintln!("loadgen failed: {error}");
            ExitCode::FAILURE
        }
    }
}
