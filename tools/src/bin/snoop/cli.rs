//! The snooper's command line.

use std::net::Ipv4Addr;
use std::time::Duration;

use ex_dhcp_tools::cli::args::{self, Args, Program, UsageError};
use log::LevelFilter;

/// The DHCP server and client ports, listened on when no `--port` is given.
pub const DEFAULT_PORTS: [u16; 2] = [67, 68];

pub const PROGRAM: Program = Program {
    name: "snoop",
    help: "\
Listens for DHCP traffic and logs every datagram; never replies.

usage: snoop [--port P]... [--bind ADDR] [--interface DEV] [--save PREFIX]
             [--pcap FILE] [--count N] [--duration S] [--log LEVEL]

  --port P          listen on UDP port P; repeat for more ports (default: 67 and 68)
  --bind ADDR       listen on local address ADDR only (default: every address);
                    on loopback, bind where the server sends, e.g. 127.0.0.1
  --interface DEV   receive only from network interface DEV (needs cap_net_raw)
  --save PREFIX     save each datagram's bytes as PREFIX-0001.bin, PREFIX-0002.bin...,
                    numbering on from the files already there
  --pcap FILE       append each datagram to the pcap file FILE (Wireshark opens it)
  --count N         exit after N datagrams
  --duration S      exit after S seconds (decimals allowed)
  --log LEVEL       off, error, warn, info (default), debug or trace; overrides RUST_LOG
  --help, --version

Ports below 1024 need root or `setcap cap_net_bind_service=+ep` on the binary.
Exit status: 0 when --count or --duration is reached, 1 when saving fails,
2 on a usage error or when a port cannot be listened on.
",
};

/// What the user asked for.
#[derive(Debug)]
pub struct Options {
    pub ports: Vec<u16>,
    pub bind: Ipv4Addr,
    pub device: Option<String>,
    pub save_prefix: Option<String>,
    pub pcap: Option<String>,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub log: Option<LevelFilter>,
}

pub fn parse(args: &mut Args) -> Result<Options, UsageError> {
    let mut options = Options {
        ports: Vec::new(),
        bind: Ipv4Addr::UNSPECIFIED,
        device: None,
        save_prefix: None,
        pcap: None,
        count: None,
        duration: None,
        log: None,
    };
    while let Some(arg) = args.next_arg()? {
        match arg.as_str() {
            "--port" => options.ports.push(args.value("--port")?),
            "--bind" => options.bind = bind_address(args)?,
            "--interface" => options.device = Some(args.text("--interface")?),
            "--save" => options.save_prefix = Some(args.text("--save")?),
            "--pcap" => options.pcap = Some(args.text("--pcap")?),
            "--count" => options.count = Some(args.value("--count")?),
            "--duration" => options.duration = Some(args.seconds("--duration")?),
            "--log" => options.log = Some(args.value("--log")?),
            other => return Err(args::unknown(other)),
        }
    }
    if options.ports.is_empty() {
        options.ports = DEFAULT_PORTS.to_vec();
    }
    options.ports.sort_unstable();
    options.ports.dedup();
    Ok(options)
}

/// The address after `--bind`; an interface name gets a pointer to `--interface`.
pub fn bind_address(args: &mut Args) -> Result<Ipv4Addr, UsageError> {
    let text = args.text("--bind")?;
    text.parse().map_err(|problem| {
        args::error(format!(
            "--bind {text:?}: {problem} (to listen on an interface, use --interface {text})"
        ))
    })
}
