//! The snooper's command line.

use std::time::Duration;

use log::LevelFilter;

use crate::args::{Args, UsageError};

/// The DHCP server and client ports, listened on when no `--port` is given.
pub const DEFAULT_PORTS: [u16; 2] = [67, 68];

pub const USAGE: &str = "\
Listens for DHCP traffic and logs every datagram; never replies.

usage: snoop [--port P]... [--bind DEV] [--save PREFIX] [--pcap FILE]
             [--count N] [--duration S] [--log LEVEL]

  --port P       listen on UDP port P; repeat for more ports (default: 67 and 68)
  --bind DEV     receive only from network interface DEV (needs cap_net_raw)
  --save PREFIX  save each datagram's bytes as PREFIX-N.bin, numbering on from
                 the files already there
  --pcap FILE    append each datagram to the pcap file FILE (Wireshark opens it)
  --count N      exit after N datagrams
  --duration S   exit after S seconds (decimals allowed)
  --log LEVEL    error, warn, info (default), debug or trace; overrides RUST_LOG

Ports below 1024 need root or `setcap cap_net_bind_service=+ep` on the binary.
";

/// What the user asked for.
#[derive(Debug)]
pub struct Options {
    pub ports: Vec<u16>,
    pub device: Option<String>,
    pub save_prefix: Option<String>,
    pub pcap: Option<String>,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub log: Option<LevelFilter>,
}

pub fn parse(mut args: Args) -> Result<Options, UsageError> {
    let mut options = Options {
        ports: Vec::new(),
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
            "--bind" => options.device = Some(args.value("--bind")?),
            "--save" => options.save_prefix = Some(args.value("--save")?),
            "--pcap" => options.pcap = Some(args.value("--pcap")?),
            "--count" => options.count = Some(args.value("--count")?),
            "--duration" => {
                let seconds: f64 = args.value("--duration")?;
                let duration = Duration::try_from_secs_f64(seconds)
                    .map_err(|error| args.error(format!("--duration {seconds}: {error}")))?;
                options.duration = Some(duration);
            }
            "--log" => options.log = Some(args.value("--log")?),
            "-h" | "--help" => return Err(args.help()),
            other => return Err(args.error(format!("unexpected argument {other:?}"))),
        }
    }
    if options.ports.is_empty() {
        options.ports = DEFAULT_PORTS.to_vec();
    }
    options.ports.sort_unstable();
    options.ports.dedup();
    Ok(options)
}
