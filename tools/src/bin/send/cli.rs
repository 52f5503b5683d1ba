//! The send tool's command line.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use ex_dhcp::server::{CLIENT_PORT, DEFAULT_PORT};
use ex_dhcp_tools::cli::args::{self, Args, Program, UsageError};
use log::LevelFilter;

use crate::build::{parse_hex, Build, Kind};

/// How long to wait for a reply when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

pub const PROGRAM: Program = Program {
    name: "send",
    help: "\
Sends a DHCP packet to a server and prints the reply: a saved one, one it builds,
or a whole DISCOVER-OFFER-REQUEST-ACK exchange.

usage: send FILE [--index N] [flags]
       send --build discover|request|inform|release [packet flags] [flags]
       send --dora [packet flags] [flags]

What to send:
  FILE              a packet as `snoop --save` writes it (.bin), a directory of them,
                    or a pcap/pcapng capture (read by content, on any port)
  --index N         the Nth DHCP packet of the capture, or Nth .bin of the directory
                    in numeric order (default 1)
  --build KIND      build a DISCOVER, REQUEST, INFORM or RELEASE instead
  --dora            run DISCOVER, wait for the OFFER, REQUEST it, wait for the ACK,
                    and print each step with its time

Packet flags (--build, --dora):
  --mac MAC         client hardware address (default 02:00:00:00:00:01)
  --xid XID         transaction id, decimal or 0x-hex (default: from the clock)
  --client-id HEX   option 61, client identifier, as hex bytes (01aabbccddeeff)
  --pxe-arch N      a PXE client of architecture N (option 93), with option 60
                    PXEClient:Arch:N:UNDI:003016
  --requested-ip A  option 50, requested address (REQUEST)
  --server-id A     option 54, server identifier (REQUEST, RELEASE)
  --ciaddr A        the client's address (INFORM, RELEASE, renewing REQUEST)
  --option CODE=HEX any option, repeatable: --option 12=6c6162 (host name \"lab\")

Where to:
  --addr A          the server's address (default 127.0.0.1); a broadcast address
                    such as 255.255.255.255 works too
  --server-port P   the server's port (default 6767, ex_dhcp's unprivileged port;
                    67 for a standard server); --port is the same
  --client-port P   the local port to send from and hear replies on (default 68,
                    where servers send replies; it needs root or
                    cap_net_bind_service, so against an ex_dhcp server on loopback
                    set its client port and pass the same here); --from-port is the same
  --bind ADDR       the local address to send from (default: every address)
  --interface DEV   send and receive through network interface DEV (needs cap_net_raw)

Then:
  --save OUT        write the (last) reply's bytes to the file OUT
  --no-wait         send and exit without waiting for a reply
  --timeout S       seconds to wait for each reply (default 3, decimals allowed)
  --log LEVEL       off, error, warn, info (default), debug or trace; overrides RUST_LOG
  --help, --version

Exit status: 0 a reply came (with --dora: the ACK), 1 no reply before the
timeout (with --dora: or a NAK), 2 usage, file or network error.
",
};

/// Where the packet comes from.
#[derive(Debug)]
pub enum Source {
    /// A file or directory, and which packet of it (from 1).
    File { path: PathBuf, index: usize },
    /// A packet built from flags.
    Build(Build),
    /// A whole DORA built from flags.
    Dora(Build),
}

/// What the user asked for.
#[derive(Debug)]
pub struct Options {
    pub source: Source,
    pub addr: Ipv4Addr,
    pub port: u16,
    pub from_port: u16,
    pub bind: Ipv4Addr,
    pub device: Option<String>,
    pub save: Option<PathBuf>,
    pub wait: bool,
    pub timeout: Duration,
    pub log: Option<LevelFilter>,
}

pub fn parse(args: &mut Args) -> Result<Options, UsageError> {
    let mut file = None;
    let mut index = None;
    let mut kind = None;
    let mut dora = false;
    let mut build = Build::default();
    let mut build_flags = Vec::new();
    let mut options = Options {
        source: Source::Build(Build::default()),
        addr: Ipv4Addr::LOCALHOST,
        port: DEFAULT_PORT,
        from_port: CLIENT_PORT,
        bind: Ipv4Addr::UNSPECIFIED,
        device: None,
        save: None,
        wait: true,
        timeout: DEFAULT_TIMEOUT,
        log: None,
    };
    while let Some(arg) = args.next_arg()? {
        let flag = arg.as_str();
        match flag {
            "--addr" => options.addr = args.value(flag)?,
            "--server-port" | "--port" => options.port = args.value(flag)?,
            "--client-port" | "--from-port" => options.from_port = args.value(flag)?,
            "--bind" => options.bind = args.value(flag)?,
            "--interface" => options.device = Some(args.text(flag)?),
            "--save" => options.save = Some(PathBuf::from(args.text(flag)?)),
            "--no-wait" => options.wait = false,
            "--timeout" => options.timeout = args.seconds(flag)?,
            "--log" => options.log = Some(args.value(flag)?),
            "--index" => {
                let n: usize = args.value(flag)?;
                if n == 0 {
                    return Err(args::error("--index counts from 1"));
                }
                index = Some(n);
            }
            "--build" => kind = Some(args.value::<Kind>(flag)?),
            "--dora" => dora = true,
            "--mac" | "--xid" | "--client-id" | "--pxe-arch" | "--requested-ip" | "--server-id"
            | "--ciaddr" | "--option" => {
                build_flags.push(arg.clone());
                let text = args.text(flag)?;
                let bad = |problem: String| args::error(format!("{flag} {text:?}: {problem}"));
                match flag {
                    "--mac" => {
                        build.mac = text
                            .parse()
                            .map_err(|_| bad("not a MAC address (aa:bb:cc:dd:ee:ff)".to_owned()))?
                    }
                    "--xid" => build.xid = Some(parse_xid(&text).map_err(bad)?),
                    "--client-id" => build.client_id = Some(parse_hex(&text).map_err(bad)?),
                    "--pxe-arch" => {
                        build.pxe_arch = Some(text.parse().map_err(|e| bad(format!("{e}")))?)
                    }
                    "--requested-ip" => {
                        build.requested_ip = Some(text.parse().map_err(|e| bad(format!("{e}")))?)
                    }
                    "--server-id" => {
                        build.server_id = Some(text.parse().map_err(|e| bad(format!("{e}")))?)
                    }
                    "--ciaddr" => build.ciaddr = text.parse().map_err(|e| bad(format!("{e}")))?,
                    _ => build.options.push(parse_option(&text).map_err(bad)?),
                }
            }
            other if other.starts_with('-') => return Err(args::unknown(other)),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => return Err(args::unknown(extra)),
        }
    }
    options.source = match (file, kind, dora) {
        (Some(path), None, false) => {
            if let Some(flag) = build_flags.first() {
                return Err(args::error(format!(
                    "{flag} builds a packet: use it with --build or --dora, not FILE"
                )));
            }
            Source::File {
                path,
                index: index.unwrap_or(1),
            }
        }
        (None, Some(kind), false) => {
            build.kind = kind;
            Source::Build(build)
        }
        (None, None, true) => {
            if !options.wait {
                return Err(args::error("--dora waits for replies: drop --no-wait"));
            }
            Source::Dora(build)
        }
        (None, None, false) => {
            return Err(args::error("FILE is missing (or --build KIND, or --dora)"))
        }
        _ => return Err(args::error("give one of FILE, --build KIND and --dora")),
    };
    if index.is_some() && !matches!(options.source, Source::File { .. }) {
        return Err(args::error("--index picks a packet of FILE"));
    }
    Ok(options)
}

/// Decimal or `0x` hexadecimal, digits only (Rust's integer parsing alone would take
/// a `+` sign).
fn parse_xid(text: &str) -> Result<u32, String> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("{digits:?} is not a base-{radix} number"));
    }
    u32::from_str_radix(digits, radix).map_err(|error| error.to_string())
}

/// `CODE=HEX`.
fn parse_option(text: &str) -> Result<(u8, Vec<u8>), String> {
    let (code, value) = text
        .split_once('=')
        .ok_or_else(|| "takes CODE=HEX".to_owned())?;
    let code: u8 = code
        .parse()
        .map_err(|error| format!("option code {code:?}: {error}"))?;
    if matches!(code, 0 | 255) {
        return Err(format!(
            "option {code} is padding or the end, not an option"
        ));
    }
    Ok((code, parse_hex(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Options, UsageError> {
        parse(&mut Args::split(line))
    }

    #[test]
    fn a_file_with_an_index() {
        let options = parse_line("dhcp.pcap --index 3 --server-port 67").unwrap();
        assert!(matches!(options.source, Source::File { index: 3, .. }));
        assert_eq!(options.port, 67);
    }

    #[test]
    fn a_built_request() {
        let options = parse_line(
            "--build request --mac 02:00:00:00:00:09 --xid 0x10 --requested-ip 198.18.0.5 \
             --server-id 198.18.0.1 --option 12=6c6162 --client-port 6868",
        )
        .unwrap();
        let Source::Build(build) = options.source else {
            panic!("not a build")
        };
        assert_eq!(build.kind, Kind::Request);
        assert_eq!(build.xid, Some(0x10));
        assert_eq!(build.options, vec![(12, b"lab".to_vec())]);
        assert_eq!(options.from_port, 6868);
    }

    #[test]
    fn conflicting_sources_are_usage_errors() {
        for (line, problem) in [
            ("", "FILE is missing"),
            ("a.bin --dora", "give one of"),
            ("a.bin --mac 02:00:00:00:00:01", "--mac builds a packet"),
            ("--dora --no-wait", "drop --no-wait"),
            ("--build offer", "--build \"offer\""),
            ("--dora --index 2", "--index picks"),
            ("--build discover --option 12", "CODE=HEX"),
            ("--build discover --option 12=6", "hex"),
            ("--build discover --xid 0xZZ", "--xid"),
            ("--build discover --xid 0x+1f", "--xid"),
            ("--build discover --xid +5", "--xid"),
            (
                "--build discover --mac 02:00",
                "--mac \"02:00\": not a MAC address (aa:bb:cc:dd:ee:ff)",
            ),
        ] {
            let error = parse_line(line).unwrap_err().to_string();
            assert!(error.contains(problem), "{line}: {error}");
        }
    }
}
