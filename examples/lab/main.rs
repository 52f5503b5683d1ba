//! A lab provisioning server on the library's lease service: leases durable in a
//! lease file, two subnets behind relays, hosts with fixed addresses and host names
//! from a file, PXE boot files by architecture for some, other MACs authorised by a
//! slow inventory on another thread, every lease change logged, and a clean stop on
//! SIGTERM or SIGINT. Needs no root: it serves on 127.0.0.1:6767 by default.
//!
//! ```text
//! cargo run --example lab
//! # build-01's DORA; no relay on loopback: option 118 names its subnet, 198.18.1.0
//! cargo run -p ex_dhcp-tools --bin send -- --dora --mac 02:00:00:00:01:10 \
//!     --option 118=c6120100 --client-port 6868
//! ```

mod lab;
#[cfg(test)]
mod tests;

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::ExitCode;
use std::time::Duration;

use ex_dhcp::{Config, Server};

const USAGE: &str = "\
usage: lab [--listen ADDR:PORT] [--client-port N] [--hosts FILE] [--lease-file PATH] [--log LEVEL]
DHCP for 198.18.1.0/24 and 198.18.2.0/24 behind relays, server 198.18.0.1: the hosts of FILE
(MAC ADDRESS HOSTNAME [pxe] a line; examples/lab/hosts) at once, other MACs once a slow inventory
allows them; leases kept in PATH ($TMPDIR/ex_dhcp-lab.leases); listens on 127.0.0.1:6767, answers
clients at port 6868, logs at LEVEL (info; debug: every exchange); SIGTERM or SIGINT stops it.
";
/// The example's hosts file.
const HOSTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/lab/hosts");
const FLAGS: &str = "--listen --client-port --hosts --lease-file --log";

/// The value after `name` in `args` (flags and values in turn), or `default`.
fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    let known = |pair: &&[String]| pair.len() == 2 && FLAGS.split(' ').any(|f| f == pair[0]);
    if let Some(bad) = args.chunks(2).find(|pair| !known(pair)) {
        return Err(format!("{}: unknown, or without a value (--help)", bad[0]));
    }
    match args.chunks(2).find(|pair| pair[0] == name) {
        Some([_, v]) => v.parse().map_err(|_| format!("{name} {v:?}: not valid")),
        _ => Ok(default),
    }
}

fn main() -> Result<ExitCode, Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        print!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    simple_logger::init_with_level(flag(&args, "--log", log::Level::Info)?)?;
    let here = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6767);
    let listen = flag(&args, "--listen", here)?;
    let hosts = std::fs::read_to_string(flag(&args, "--hosts", HOSTS.to_owned())?)?;
    let leases = std::env::temp_dir().join("ex_dhcp-lab.leases");
    let leases = flag(&args, "--lease-file", leases)?;
    let inventory = lab::inventory(Duration::from_millis(500));
    let service = lab::service(&hosts, inventory)?.with_lease_file(&leases)?;
    let (ip, loopback) = (*listen.ip(), listen.ip().is_loopback());
    let config = Config::default()
        .bind_ip(ip)
        .port(listen.port())
        .client_port(flag(&args, "--client-port", 6868)?)
        .broadcast_addr(if loopback { ip } else { Ipv4Addr::BROADCAST })
        .tick(Duration::from_secs(1));
    let server = Server::start(config, service)?;
    log::info!(
        "serving on {}, leases in {leases:?}",
        server.handle().local_addr()
    );
    ex_dhcp::signal::stop_on_termination(server.handle())?;
    let reason = server.join().reason;
    log::info!("stopped: {reason}");
    Ok(ExitCode::from(u8::from(reason.is_abnormal())))
}
