//! The server pipeline against the kernel's ceiling, in one run.
//!
//! ```text
//! cargo run --release -p ex_dhcp-benches --bin pipeline_bench -- [--rounds R] [--secs S]
//!     [--in-flight K] [--packets N] [--alloc-cycles C] [--baseline EXE]
//! cargo run --release -p ex_dhcp-benches --bin pipeline_bench -- serve pipeline|echo
//! ```
//!
//! Starts two server processes on 127.0.0.1 (this executable, `serve ...`): the real
//! ex_dhcp server with a trivial handler (OFFER with `yiaddr`, 54 and 51) and a raw
//! single-thread UDP echo set up the same way with socket2. The load generator of
//! the `loadgen` tool (`tools/src/load`) drives both with the same settings, rounds interleaved
//! (A, B, B, A, ...), and the tables report medians:
//!
//! 1. replies per second, saturated with K requests in flight (default 32), and the
//!    ratio pipeline / echo (target ≥ 0.8); with `--baseline EXE` (a copy of this
//!    benchmark built from an earlier commit), that build's server runs in the same
//!    rounds, for a before/after ratio;
//! 2. latency p50/p99 at a fixed rate of half the pipeline's saturation rate, both
//!    servers (target p99 < 1 ms);
//! 3. heap allocations per request/reply cycle in the server process, with 0, 16
//!    and 64 extra options per request (target: small and constant);
//! 4. resident memory of a fresh server after 100 000 and after N (default 1 000 000)
//!    packets, and its peak (target < 10 MB, no growth).

mod alloc;
mod child;
mod phases;
mod serve;

use ex_dhcp_tools::load;

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

const USAGE: &str = "usage: pipeline_bench [--rounds R] [--secs S] [--in-flight K] \
[--packets N] [--alloc-cycles C] [--baseline EXE] | pipeline_bench serve pipeline|echo";

fn parse(args: &[String]) -> Result<phases::Settings, String> {
    let mut settings = phases::Settings::default();
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            return Err(format!("{} needs a value", pair[0]));
        };
        let bad = |e: std::num::ParseIntError| format!("bad value {value:?} for {flag}: {e}");
        match flag.as_str() {
            "--rounds" => settings.rounds = value.parse().map_err(bad)?,
            "--secs" => settings.secs = value.parse().map_err(bad)?,
            "--in-flight" => settings.in_flight = value.parse().map_err(bad)?,
            "--packets" => settings.packets = value.parse().map_err(bad)?,
            "--alloc-cycles" => settings.alloc_cycles = value.parse().map_err(bad)?,
            "--baseline" => settings.baseline = Some(value.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(settings)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        let kind = args.get(1).map_or("pipeline", String::as_str);
        return match serve::main(kind) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("serve {kind}: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match parse(&args) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match phases::run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pipeline_bench failed: {error}");
            ExitCode::FAILURE
        }
    }
}
