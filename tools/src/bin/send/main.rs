//! The replay tool: sends a saved packet to a server and prints the reply (the
//! Elixir `mix dhcp`).
//!
//! ```text
//! cargo run -p ex_dhcp-tools --bin send -- dhcp-1.bin --port 6767 --from-port 6868
//! sudo cargo run -p ex_dhcp-tools --bin send -- capture.pcap --addr 255.255.255.255 --port 67
//! ```
//!
//! Exit status: 0 when a reply came (or with `--no-wait`), 1 when none came
//! before the timeout, 2 on a usage, file or network error.

use ex_dhcp_tools::cli::args;
mod cli;
mod load;
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::socket;

use std::fs;
use std::net::SocketAddrV4;
use std::process::ExitCode;

use ex_dhcp::{Client, ClientError};

const EXIT_NO_REPLY: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let options = match args::parse_or_exit(cli::parse, cli::USAGE, EXIT_ERROR) {
        Ok(options) => options,
        Err(status) => return status,
    };
    logging::init(options.log);
    match run(&options) {
        Ok(code) => code,
        Err(message) => {
            log::error!("{message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(options: &cli::Options) -> Result<ExitCode, String> {
    let packet = load::load(&options.file)
        .map_err(|error| format!("{}: {error}", options.file.display()))?;
    let socket = socket::open(options.from_port, options.device.as_deref())
        .map_err(|error| error.to_string())?;
    let mut client = Client::from_socket(socket).map_err(|error| error.to_string())?;
    let server = SocketAddrV4::new(options.addr, options.port);
    let from = client.local_addr().map_err(|error| error.to_string())?;

    client
        .send(&packet, server)
        .map_err(|error| format!("sending to {server}: {error}"))?;
    log::info!("sent {from} -> {server}: {}", packet.to_string().trim_end());
    if !options.wait {
        return Ok(ExitCode::SUCCESS);
    }
    match client.receive(packet.xid, options.timeout) {
        Ok((reply, replier)) => {
            log::info!(
                "reply {replier} -> {from}: {}",
                reply.to_string().trim_end()
            );
            if let Some(path) = &options.save {
                // Re-encoded from the decoded reply: the same bytes, up to padding.
                fs::write(path, reply.encode())
                    .map_err(|error| format!("--save {}: {error}", path.display()))?;
                log::info!("reply saved as {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ClientError::Timeout { xid }) => {
            log::warn!(
                "no reply to xid {xid:#010x} within {:?} on port {} (is the server's \
                 client port {}?)",
                options.timeout,
                from.port(),
                from.port()
            );
            Ok(ExitCode::from(EXIT_NO_REPLY))
        }
        Err(error) => Err(format!("waiting for the reply: {error}")),
    }
}
