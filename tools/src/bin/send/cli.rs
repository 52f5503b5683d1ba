//! The replay tool's command line.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use ex_dhcp::{CLIENT_PORT, DEFAULT_PORT};
use log::LevelFilter;

use crate::args::{Args, UsageError};

/// How long to wait for a reply when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

pub const USAGE: &str = "\
Sends a saved DHCP packet to a server and prints the reply.

usage: send FILE [--addr A] [--port P] [--from-port P] [--bind DEV]
                 [--save OUT] [--no-wait] [--timeout S] [--log LEVEL]

  FILE           a packet as `snoop --save` writes it (.bin), or a pcap/pcapng
                 capture, of which the first DHCP packet is sent
  --addr A       the server's address (default 127.0.0.1); a broadcast address
                 such as 255.255.255.255 works too
  --port P       the server's port (default 6767, ex_dhcp's unprivileged port;
                 67 for a standard server)
  --from-port P  the local port to send from and to hear the reply on (default 68,
                 where servers send replies; it needs root or cap_net_bind_service,
                 so against an ex_dhcp server on loopback configure its client port
                 and pass the same port here)
  --bind DEV     send and receive through network interface DEV (needs cap_net_raw)
  --save OUT     write the reply's bytes to the file OUT
  --no-wait      send and exit without waiting for a reply
  --timeout S    seconds to wait for the reply (default 3, decimals allowed)
  --log LEVEL    error, warn, info (default), debug or trace; overrides RUST_LOG

Exit status: 0 a reply came (or --no-wait), 1 no reply before the timeout,
2 usage, file or network error.
";

/// What the user asked for.
#[derive(Debug)]
pub struct Options {
    pub file: PathBuf,
    pub addr: Ipv4Addr,
    pub port: u16,
    pub from_port: u16,
    pub device: Option<String>,
    pub save: Option<PathBuf>,
    pub wait: bool,
    pub timeout: Duration,
    pub log: Option<LevelFilter>,
}

pub fn parse(mut args: Args) -> Result<Options, UsageError> {
    let mut file = None;
    let mut options = Options {
        file: PathBuf::new(),
        addr: Ipv4Addr::LOCALHOST,
        port: DEFAULT_PORT,
        from_port: CLIENT_PORT,
        device: None,
        save: None,
        wait: true,
        timeout: DEFAULT_TIMEOUT,
        log: None,
    };
    while let Some(arg) = args.next_arg()? {
        match arg.as_str() {
            "--addr" => options.addr = args.value("--addr")?,
            "--port" => options.port = args.value("--port")?,
            "--from-port" => options.from_port = args.value("--from-port")?,
            "--bind" => options.device = Some(args.value("--bind")?),
            "--save" => options.save = Some(args.value("--save")?),
            "--no-wait" => options.wait = false,
            "--timeout" => {
                let seconds: f64 = args.value("--timeout")?;
                options.timeout = Duration::try_from_secs_f64(seconds)
                    .map_err(|error| args.error(format!("--timeout {seconds}: {error}")))?;
            }
            "--log" => options.log = Some(args.value("--log")?),
            "-h" | "--help" => return Err(args.help()),
            flag if flag.starts_with("--") => {
                return Err(args.error(format!("unknown option {flag:?}")))
            }
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => return Err(args.error(format!("unexpected argument {extra:?}"))),
        }
    }
    options.file = file.ok_or_else(|| args.error("FILE is missing"))?;
    Ok(options)
}
