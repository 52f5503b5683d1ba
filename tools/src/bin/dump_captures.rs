//! Prints every DHCP packet of the given pcap or pcapng files, decoded.
//!
//! `cargo run -p ex_dhcp-tools --bin dump_captures -- tests/data/captures/*.pcap`

use std::process::ExitCode;

use ex_dhcp::{capture, Packet};
use ex_dhcp_tools::cli::args::{self, Args, Program, UsageError, EXIT_FAILURE};

const PROGRAM: Program = Program {
    name: "dump_captures",
    help: "\
Prints every UDP datagram of pcap or pcapng captures, decoded as DHCP where it is.

usage: dump_captures FILE...

  FILE             a classic pcap or pcapng capture; `--` before a name that
                   starts with a dash
  --help, --version

Exit status: 0 every file was read, 1 one could not be, 2 usage error.
",
};

fn parse(args: &mut Args) -> Result<Vec<String>, UsageError> {
    let mut files = Vec::new();
    let mut only_files = false;
    while let Some(arg) = args.next_arg()? {
        match arg.as_str() {
            "--" if !only_files => only_files = true,
            flag if flag.starts_with('-') && !only_files => return Err(args::unknown(flag)),
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        return Err(args::error("FILE is missing"));
    }
    Ok(files)
}

fn main() -> ExitCode {
    let files = match PROGRAM.parse_or_exit(parse) {
        Ok(files) => files,
        Err(status) => return status,
    };
    for path in files {
        println!("== {path}");
        let capture = match capture::read_file(&path) {
            Ok(capture) => capture,
            Err(error) => return PROGRAM.fail(format!("{path}: {error}"), EXIT_FAILURE),
        };
        for datagram in capture.datagrams {
            match Packet::decode(&datagram.payload) {
                Ok(packet) => println!(
                    "{} -> {} ({} bytes)\n{packet}",
                    datagram.source,
                    datagram.destination,
                    datagram.payload.len()
                ),
                Err(error) => println!("{} -> {}: {error}", datagram.source, datagram.destination),
            }
        }
    }
    ExitCode::SUCCESS
}
