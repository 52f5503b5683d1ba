//! The command line, parsed by hand: `--flag value` pairs, each error naming the flag.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::str::FromStr;

use log::LevelFilter;

use ex_dhcp::lease::{Mac, Settings};

/// The usage text shared by the examples that take these flags.
pub const USAGE: &str =
    "  --server ADDR          the server's address, option 54 (required): on the range's
                         subnet, or on another one when clients come through a relay
  --range FIRST-LAST     the addresses to lease, e.g. 198.18.0.100-198.18.0.150
  --mask MASK            subnet mask (255.255.255.0)
  --router ADDR[,ADDR]   routers (option 3)
  --dns ADDR[,ADDR]      DNS servers (option 6)
  --domain NAME          DNS domain (option 15)
  --lease-time SECS      lease time (3600)
  --offer-time SECS      how long an offered address is held (30)
  --max-offers N         most offers held at once; at the limit the oldest is
                         withdrawn (half the pool)
  --max-offers-per-relay N  most offers held for clients behind one relay (no limit)
  --reserve MAC=ADDR     always give ADDR to MAC (repeatable)
  --lease-file PATH      keep leases in PATH across restarts (none: memory only)
  --interface NAME       answer only on this interface (SO_BINDTODEVICE)
  --port N               port to listen on (6767; 67 for real clients)
  --client-port N        port replies go to (68)
  --broadcast ADDR       broadcast replies go to ADDR (255.255.255.255)
  --rapid-commit on|off  ACK a DISCOVER carrying option 80 (off)
  --allow-relays on|off  answer relayed packets, giaddr set (off)
  --log-level LEVEL      off, error, warn, info, debug or trace (info)
  --help                 show this text";

/// Default listening port, unprivileged as in the library.
pub const DEFAULT_PORT: u16 = 6767;
/// Port DHCP clients listen on.
pub const DEFAULT_CLIENT_PORT: u16 = 68;
/// Default subnet mask, a /24.
pub const DEFAULT_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);

/// A command line that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgsError(pub String);

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (see --help)", self.0)
    }
}

impl std::error::Error for ArgsError {}

/// Everything the command line sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Protocol settings and client configuration.
    pub settings: Settings,
    /// The range to lease, when given.
    pub range: Option<(Ipv4Addr, Ipv4Addr)>,
    /// Static reservations.
    pub reservations: BTreeMap<Mac, Ipv4Addr>,
    /// The lease file, if any.
    pub lease_file: Option<PathBuf>,
    /// The interface to bind to.
    pub interface: Option<String>,
    /// The listening port.
    pub port: u16,
    /// The port replies go to.
    pub client_port: u16,
    /// Where broadcast replies go.
    pub broadcast: Ipv4Addr,
    /// How much to log.
    pub log_level: LevelFilter,
    /// Flags the caller asked to collect (see [`parse`]), with their values, in order.
    pub extra: Vec<(String, String)>,
}

/// Parses `args` (program name excluded). `Ok(None)` means `--help` was asked for.
///
/// Flags in `extra_flags` are not interpreted: they and their values land in
/// [`Args::extra`], so another example can add flags of its own.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    extra_flags: &[&str],
) -> Result<Option<Args>, ArgsError> {
    let mut server = None;
    let mut mask = DEFAULT_MASK;
    let mut settings = Settings::new(Ipv4Addr::UNSPECIFIED, mask);
    let mut parsed = Args {
        settings: settings.clone(),
        range: None,
        reservations: BTreeMap::new(),
        lease_file: None,
        interface: None,
        port: DEFAULT_PORT,
        client_port: DEFAULT_CLIENT_PORT,
        broadcast: Ipv4Addr::BROADCAST,
        log_level: LevelFilter::Info,
        extra: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let value = args
            .next()
            .ok_or_else(|| ArgsError(format!("{flag} needs a value")))?;
        let v = value.as_str();
        match flag.as_str() {
            "--server" => server = Some(typed(&flag, v)?),
            "--range" => parsed.range = Some(range(&flag, v)?),
            "--mask" => mask = typed(&flag, v)?,
            "--router" => settings.routers = list(&flag, v)?,
            "--dns" => settings.dns = list(&flag, v)?,
            "--domain" => settings.domain = Some(value.clone()),
            "--lease-time" => settings.lease_secs = positive(&flag, v)?,
            "--offer-time" => settings.offer_secs = positive(&flag, v)?,
            "--max-offers" => settings.max_offers = Some(positive(&flag, v)? as usize),
            "--max-offers-per-relay" => {
                settings.max_offers_per_relay = Some(positive(&flag, v)? as usize);
            }
            "--reserve" => {
                let (mac, addr) = reservation(&flag, v)?;
                parsed.reservations.insert(mac, addr);
            }
            "--lease-file" => parsed.lease_file = Some(PathBuf::from(v)),
            "--interface" => parsed.interface = Some(value.clone()),
            "--port" => parsed.port = typed(&flag, v)?,
            "--client-port" => parsed.client_port = typed(&flag, v)?,
            "--broadcast" => parsed.broadcast = typed(&flag, v)?,
            "--rapid-commit" => settings.rapid_commit = switch(&flag, v)?,
            "--allow-relays" => settings.allow_relays = switch(&flag, v)?,
            "--log-level" => parsed.log_level = typed(&flag, v)?,
            other if extra_flags.contains(&other) => parsed.extra.push((flag, value)),
            other => return Err(ArgsError(format!("unknown flag {other:?}"))),
        }
    }
    settings.server_id = server.ok_or_else(|| ArgsError("--server is required".into()))?;
    settings.mask = mask;
    parsed.settings = settings;
    Ok(Some(parsed))
}

/// Parses a value with `FromStr`, naming the flag when it fails.
pub fn typed<T: FromStr>(flag: &str, value: &str) -> Result<T, ArgsError> {
    value
        .parse()
        .map_err(|_| ArgsError(format!("{flag}: cannot read {value:?}")))
}

fn positive(flag: &str, value: &str) -> Result<u32, ArgsError> {
    match typed(flag, value)? {
        0 => Err(ArgsError(format!("{flag} must be more than 0"))),
        n => Ok(n),
    }
}

/// Parses `on` or `off`.
pub fn switch(flag: &str, value: &str) -> Result<bool, ArgsError> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(ArgsError(format!("{flag} takes on or off, not {value:?}"))),
    }
}

fn list(flag: &str, value: &str) -> Result<Vec<Ipv4Addr>, ArgsError> {
    value.split(',').map(|a| typed(flag, a)).collect()
}

fn range(flag: &str, value: &str) -> Result<(Ipv4Addr, Ipv4Addr), ArgsError> {
    let (first, last) = value
        .split_once('-')
        .ok_or_else(|| ArgsError(format!("{flag} takes FIRST-LAST, not {value:?}")))?;
    Ok((typed(flag, first)?, typed(flag, last)?))
}

fn reservation(flag: &str, value: &str) -> Result<(Mac, Ipv4Addr), ArgsError> {
    let (mac, addr) = value
        .split_once('=')
        .ok_or_else(|| ArgsError(format!("{flag} takes MAC=ADDR, not {value:?}")))?;
    Ok((parse_mac(flag, mac)?, typed(flag, addr)?))
}

/// Parses `aa:bb:cc:dd:ee:ff` (or with `-`).
pub fn parse_mac(flag: &str, text: &str) -> Result<Mac, ArgsError> {
    let bad = || ArgsError(format!("{flag}: {text:?} is not a MAC address"));
    let bytes: Vec<u8> = text
        .split([':', '-'])
        .map(|b| {
            (b.len() == 2)
                .then(|| u8::from_str_radix(b, 16).ok())
                .flatten()
        })
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    bytes.try_into().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Option<Args>, ArgsError> {
        parse(line.split_whitespace().map(String::from), &["--mode"])
    }

    #[test]
    fn a_full_command_line_is_read() {
        let parsed = args(
            "--server 198.18.0.1 --range 198.18.0.100-198.18.0.150 --mask 255.255.0.0 \
             --router 198.18.0.1 --dns 198.18.0.1,198.18.0.2 --domain lab.test \
             --lease-time 120 --reserve 02:00:00:00:00:01=198.18.0.50 --lease-file /tmp/l \
             --interface veth0 --port 67 --client-port 6868 --broadcast 127.0.0.1 \
             --rapid-commit on --allow-relays on --log-level debug --mode proxy \
             --max-offers 20 --max-offers-per-relay 5",
        )
        .unwrap()
        .unwrap();
        let s = &parsed.settings;
        assert_eq!(s.server_id, Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(s.mask, Ipv4Addr::new(255, 255, 0, 0));
        assert_eq!(s.dns.len(), 2);
        assert_eq!(s.domain.as_deref(), Some("lab.test"));
        assert_eq!(s.lease_secs, 120);
        assert!(s.rapid_commit && s.allow_relays);
        assert_eq!((s.max_offers, s.max_offers_per_relay), (Some(20), Some(5)));
        assert_eq!(parsed.reservations.len(), 1);
        assert_eq!(parsed.interface.as_deref(), Some("veth0"));
        assert_eq!((parsed.port, parsed.client_port), (67, 6868));
        assert_eq!(parsed.log_level, LevelFilter::Debug);
        assert_eq!(parsed.extra, vec![("--mode".into(), "proxy".into())]);
    }

    #[test]
    fn defaults_are_the_librarys() {
        let parsed = args("--server 198.18.0.1").unwrap().unwrap();
        assert_eq!(parsed.port, DEFAULT_PORT);
        assert!(!parsed.settings.rapid_commit && !parsed.settings.allow_relays);
        assert_eq!(parsed.broadcast, Ipv4Addr::BROADCAST);
    }

    #[test]
    fn help_is_not_an_error() {
        assert_eq!(args("--help"), Ok(None));
    }

    #[test]
    fn errors_name_the_flag() {
        for (line, fault) in [
            ("--lease-time 5", "--server is required"),
            ("--server 198.18.0.1 --port", "--port needs a value"),
            ("--server 198.18.0.1 --port 99999", "--port: cannot read"),
            ("--server 198.18.0.1 --rapid-commit yes", "takes on or off"),
            (
                "--server 198.18.0.1 --reserve 02:00=198.18.0.5",
                "not a MAC",
            ),
            ("--server 198.18.0.1 --lease-time 0", "more than 0"),
            ("--server 198.18.0.1 --frobnicate 1", "unknown flag"),
        ] {
            let error = args(line).unwrap_err().to_string();
            assert!(error.contains(fault), "{line}: {error}");
        }
    }
}
