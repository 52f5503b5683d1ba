//! The daemons' command line (`lease_server`, and `pxe` on top of it), parsed with
//! the tools' shared convention (`crate::cli::args`), each error naming the flag.
//! `pxe` takes every flag but those of a store shared with other servers
//! ([`shared_store_usage!`](crate::shared_store_usage)).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use log::LevelFilter;

use ex_dhcp::lease::{Mac, ServiceConfig, Settings, Share};

use crate::cli::args::{self as cli, UsageError};

/// The usage text of the flags `lease_server` and `pxe` share, as a literal for
/// `concat!` in the binaries' help texts.
#[macro_export]
macro_rules! lease_usage {
    () => {
        "  --server ADDR          the server's address, option 54 (required): on the range's
                         subnet, or on another one when clients come through a relay
  --range FIRST-LAST     the addresses to lease, e.g. 198.18.0.100-198.18.0.150
                         (repeatable: ranges on other subnets, with --mask, are
                         subnets of their own, for clients behind relays)
  --mask MASK            subnet mask of the ranges (255.255.255.0)
  --router ADDR[,ADDR]   routers (option 3)
  --dns ADDR[,ADDR]      DNS servers (option 6)
  --domain NAME          DNS domain (option 15)
  --lease-time SECS      lease time (3600)
  --offer-time SECS      how long an offered address is held (30)
  --max-offers N         most offers held at once per subnet; at the limit the
                         oldest is withdrawn (half the subnet's pool)
  --max-offers-per-relay N  most offers held for clients behind one relay (no limit)
  --reserve MAC=ADDR     always give ADDR to MAC (repeatable)
  --lease-file PATH      keep leases in PATH across restarts (none: memory only);
                         an ACK leaves once its lease is synced there
  --commit-delay MS      wait MS milliseconds after a lease change for more to
                         share its fsync or database commit (2; at most 1000);
                         ACKs wait for their commit, so they wait that much longer
  --bind ADDR            listen on this local address only (0.0.0.0: every address);
                         clients without an address broadcast, so a server for them
                         listens on 0.0.0.0 and picks the network with --interface
  --interface NAME       answer only on this interface (SO_BINDTODEVICE)
  --port N               port to listen on (6767; 67 for real clients; 0: any free
                         port, logged at start)
  --client-port N        port replies go to (68)
  --broadcast ADDR       broadcast replies go to ADDR (255.255.255.255)
  --rapid-commit on|off  ACK a DISCOVER carrying option 80 (off)
  --allow-relays on|off  answer relayed packets, giaddr set (off)
  --user NAME            once the sockets are bound, run as user NAME (uid, primary
                         group, no other groups): start as root, serve as NAME
  --stats-every SECS     log the statistics every SECS seconds (SIGUSR1: at once)
  --log LEVEL            off, error, warn, info, debug or trace (info; RUST_LOG too)
  --help, --version

SIGTERM or SIGINT stops the server cleanly and logs the final statistics; log
lines that stdout cannot take at once are dropped and counted, never waited for.
"
    };
}

/// The usage text of `lease_server`'s flags for a store shared with other servers,
/// as a literal for `concat!`: `pxe` has none of them.
#[macro_export]
macro_rules! shared_store_usage {
    () => {
        "  --database URL         keep leases in PostgreSQL (a libpq connection string),
                         shared with other servers of the same pool; needs a build
                         with --features postgres; not with --lease-file. A URL
                         with a password shows in ps: see --database-file
  --database-file PATH   the same, the URL read from PATH (keep it unreadable to
                         others: a world-readable file is warned about); or set
                         EX_DHCP_DATABASE_URL, used when no store flag is given;
                         or leave the password out and let libpq find it
                         (PGPASSFILE, ~/.pgpass, PGPASSWORD)
  --lookup-rate N        most database lookups a second for clients with no lease
                         here (REBINDING, INIT-REBOOT); the rest are dropped
                         silently, as RFC 2131 wants of a server without the
                         lease (200; 0: none)
  --answer-subnet on|off renew and rebind leases the database shows a client
                         holding anywhere in the subnet, not only in --range: for
                         servers with disjoint ranges on one database, to take
                         over each other's clients (off)
  --share K/N            this server is the K-th of N sharing the range through one
                         database: new clients get addresses from the K-th of N
                         parts first, so the servers do not race (1/1: the whole)
"
    };
}

/// The usage text of the flags `lease_server` and `pxe` share.
pub const USAGE: &str = lease_usage!();

/// Which program's flags to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flags {
    /// `lease_server`: every flag.
    LeaseServer,
    /// `pxe`: no flag of a store shared with other servers.
    Pxe,
}

/// Default listening port, unprivileged as in the library.
pub const DEFAULT_PORT: u16 = 6767;
/// Port DHCP clients listen on.
pub const DEFAULT_CLIENT_PORT: u16 = 68;
/// The longest `--commit-delay`, in milliseconds: the store worker caps its delay
/// at a second ([`WorkerConfig::commit_delay`](ex_dhcp::lease::WorkerConfig::commit_delay)),
/// and a longer one on the command line is refused rather than cut.
pub const MAX_COMMIT_DELAY_MS: u64 = 1000;

/// Default `--commit-delay`, in milliseconds: see [`DEFAULT_COMMIT_DELAY`].
pub const DEFAULT_COMMIT_DELAY_MS: u64 = 2;
/// Default `--commit-delay`: at a few hundred leases a second, long enough that
/// several share one `fsync` (and one wake-up of each thread on the way to their
/// ACKs), short against the seconds a client waits before it retransmits
/// (BENCHMARKS.md, "CPU per exchange").
pub const DEFAULT_COMMIT_DELAY: Duration = Duration::from_millis(DEFAULT_COMMIT_DELAY_MS);
/// Default subnet mask, a /24.
pub const DEFAULT_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);

/// Everything the command line sets. Its `Debug` leaves the database URL out (see
/// [`DatabaseUrl`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Protocol settings and client configuration.
    pub settings: Settings,
    /// The ranges to lease, in the order given.
    pub ranges: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// Static reservations.
    pub reservations: BTreeMap<Mac, Ipv4Addr>,
    /// The lease file, if any.
    pub lease_file: Option<PathBuf>,
    /// `--database`: the PostgreSQL lease store's connection string.
    pub database: Option<DatabaseUrl>,
    /// Warnings about the command line to log once logging is set up: a password
    /// where `ps` shows it, a world-readable `--database-file`.
    pub warnings: Vec<String>,
    /// `--lookup-rate`: store lookups a second for clients with no lease here.
    pub lookup_rate: u32,
    /// `--commit-delay`: how long the store worker lets a batch fill.
    pub commit_delay: Duration,
    /// The local address to listen on.
    pub bind: Ipv4Addr,
    /// The interface to bind to.
    pub interface: Option<String>,
    /// The listening port.
    pub port: u16,
    /// The port replies go to.
    pub client_port: u16,
    /// Where broadcast replies go.
    pub broadcast: Ipv4Addr,
    /// How much to log: `None` leaves it to `RUST_LOG`, else info.
    pub log_level: Option<LevelFilter>,
    /// How often to log the statistics.
    pub stats_every: Option<Duration>,
    /// The user to become once the sockets are bound.
    pub user: Option<String>,
}

/// A PostgreSQL connection string: it may hold a password, so `Debug` (and with it
/// any debug dump of [`Args`]) shows `"(hidden)"` instead.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The connection string itself, for the store to connect with.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        DatabaseUrl(url)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(url: &str) -> Self {
        DatabaseUrl(url.to_owned())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt("(hidden)", f)
    }
}

/// Parses the command line of `lease_server`, which needs a range, and takes the
/// database from [`DATABASE_ENV`] when no store flag names one.
pub fn parse(args: &mut cli::Args) -> Result<Args, UsageError> {
    let parsed = parse_with(args, Flags::LeaseServer, |_, _| Ok(false))?;
    if parsed.ranges.is_empty() {
        return Err(cli::required("--range"));
    }
    Ok(with_database_from_env(parsed, |name| {
        std::env::var(name).ok()
    }))
}

/// `parsed` with the database URL from [`DATABASE_ENV`] (read through `env`) when
/// neither `--lease-file` nor `--database` gave a store: `lease_server`'s fallback
/// alone, so that `pxe`, which shares the flags but keeps no store, never reads it.
pub fn with_database_from_env(mut parsed: Args, env: impl Fn(&str) -> Option<String>) -> Args {
    if parsed.lease_file.is_some() || parsed.database.is_some() {
        return parsed;
    }
    if let Some(url) = env(DATABASE_ENV).filter(|url| !url.trim().is_empty()) {
        if cfg!(feature = "postgres") {
            parsed.database = Some(url.trim().into());
        } else {
            parsed.warnings.push(format!(
                "{DATABASE_ENV} is set, but this build has no PostgreSQL store: ignored"
            ));
        }
    }
    parsed
}

/// Parses the shared flags; a flag they do not know goes to `extra` with the
/// arguments, to take its value if it has one: `Ok(true)` when it was the
/// caller's, `Ok(false)` when it is unknown to both.
pub fn parse_with(
    args: &mut cli::Args,
    flags: Flags,
    mut extra: impl FnMut(&str, &mut cli::Args) -> Result<bool, UsageError>,
) -> Result<Args, UsageError> {
    let mut server = None;
    let mut mask = DEFAULT_MASK;
    let mut settings = Settings::new(Ipv4Addr::UNSPECIFIED, mask);
    let mut parsed = Args {
        settings: settings.clone(),
        ranges: Vec::new(),
        reservations: BTreeMap::new(),
        lease_file: None,
        database: None,
        warnings: Vec::new(),
        lookup_rate: ServiceConfig::default().lookup_rate,
        commit_delay: DEFAULT_COMMIT_DELAY,
        bind: Ipv4Addr::UNSPECIFIED,
        interface: None,
        port: DEFAULT_PORT,
        client_port: DEFAULT_CLIENT_PORT,
        broadcast: Ipv4Addr::BROADCAST,
        log_level: None,
        stats_every: None,
        user: None,
    };
    while let Some(flag) = args.next_arg()? {
        let flag = flag.as_str();
        let shared_store = matches!(
            flag,
            "--database" | "--database-file" | "--lookup-rate" | "--answer-subnet" | "--share"
        );
        if shared_store && flags == Flags::Pxe {
            if !extra(flag, args)? {
                return Err(cli::unknown(flag));
            }
            continue;
        }
        match flag {
            "--server" => server = Some(args.value(flag)?),
            "--range" => parsed.ranges.push(range(flag, &args.text(flag)?)?),
            "--mask" => mask = args.value(flag)?,
            "--router" => settings.routers = list(flag, &args.text(flag)?)?,
            "--dns" => settings.dns = list(flag, &args.text(flag)?)?,
            "--domain" => settings.domain = Some(args.text(flag)?),
            "--lease-time" => settings.lease_secs = positive(flag, args.value(flag)?)?,
            "--offer-time" => settings.offer_secs = positive(flag, args.value(flag)?)?,
            "--max-offers" => {
                settings.max_offers = Some(positive(flag, args.value(flag)?)? as usize);
            }
            "--max-offers-per-relay" => {
                settings.max_offers_per_relay = Some(positive(flag, args.value(flag)?)? as usize);
            }
            "--reserve" => {
                let (mac, addr) = reservation(flag, &args.text(flag)?)?;
                parsed.reservations.insert(mac, addr);
            }
            "--lease-file" => parsed.lease_file = Some(PathBuf::from(args.text(flag)?)),
            "--database" => {
                let url = args.text(flag)?;
                needs_postgres(flag)?;
                if has_password(&url) {
                    parsed.warnings.push(format!(
                        "{flag}: the connection string holds a password, which any user \
                         of this machine can read in ps: use --database-file PATH or \
                         {DATABASE_ENV}, or libpq's PGPASSFILE (~/.pgpass)"
                    ));
                }
                parsed.database = Some(url.into());
            }
            "--database-file" => {
                let path = PathBuf::from(args.text(flag)?);
                needs_postgres(flag)?;
                let (url, warning) = read_database_file(&path).map_err(|problem| {
                    cli::error(format!("{flag} {}: {problem}", path.display()))
                })?;
                parsed
                    .warnings
                    .extend(warning.map(|w| format!("{flag} {}: {w}", path.display())));
                parsed.database = Some(url.into());
            }
            "--lookup-rate" => parsed.lookup_rate = args.value(flag)?,
            "--share" => settings.share = share(flag, &args.text(flag)?)?,
            "--commit-delay" => {
                let ms: u64 = args.value(flag)?;
                if ms > MAX_COMMIT_DELAY_MS {
                    return Err(cli::error(format!(
                        "--commit-delay takes at most {MAX_COMMIT_DELAY_MS} ms, not {ms}"
                    )));
                }
                parsed.commit_delay = Duration::from_millis(ms);
            }
            "--bind" => parsed.bind = args.value(flag)?,
            "--interface" => parsed.interface = Some(args.text(flag)?),
            "--user" => parsed.user = Some(args.text(flag)?),
            "--port" => parsed.port = args.value(flag)?,
            "--client-port" => parsed.client_port = args.value(flag)?,
            "--broadcast" => parsed.broadcast = args.value(flag)?,
            "--rapid-commit" => settings.rapid_commit = switch(flag, &args.text(flag)?)?,
            "--allow-relays" => settings.allow_relays = switch(flag, &args.text(flag)?)?,
            "--answer-subnet" => settings.answer_subnet = switch(flag, &args.text(flag)?)?,
            "--stats-every" => {
                let every = args.seconds(flag)?;
                if every.is_zero() {
                    return Err(cli::error(format!("{flag} must be more than 0")));
                }
                parsed.stats_every = Some(every);
            }
            // --log-level: the old name, kept for scripts that use it.
            "--log" | "--log-level" => parsed.log_level = Some(args.value(flag)?),
            other => {
                if !extra(other, args)? {
                    return Err(cli::unknown(other));
                }
            }
        }
    }
    if parsed.lease_file.is_some() && parsed.database.is_some() {
        return Err(cli::error(
            "--lease-file and --database exclude each other: give one store",
        ));
    }
    settings.server_id = server.ok_or_else(|| cli::required("--server"))?;
    settings.mask = mask;
    parsed.settings = settings;
    Ok(parsed)
}

/// The environment variable a database URL is taken from when no store flag is
/// given: unlike a flag, `ps` does not show it (only the user and root can read a
/// process's environment).
pub const DATABASE_ENV: &str = "EX_DHCP_DATABASE_URL";

fn needs_postgres(flag: &str) -> Result<(), UsageError> {
    if cfg!(feature = "postgres") {
        return Ok(());
    }
    Err(cli::error(format!(
        "{flag}: this build has no PostgreSQL store; build with \
         --features postgres (cargo build -p ex_dhcp-tools --features postgres)"
    )))
}

/// True when a libpq connection string carries a password: `password=` in the
/// key-value form or the URL's query, or `user:password@` in a URL.
pub fn has_password(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.contains("password=") {
        return true;
    }
    let Some(rest) = lower
        .strip_prefix("postgresql://")
        .or_else(|| lower.strip_prefix("postgres://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

/// Reads a connection string from `path`: its text without surrounding white
/// space. Also returns a warning when others may read the file (mode `o+r`).
pub fn read_database_file(path: &std::path::Path) -> Result<(String, Option<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let url = text.trim();
    if url.is_empty() {
        return Err("the file is empty: it must hold the connection string".to_owned());
    }
    let mut warning = None;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| e.to_string())?
            .permissions()
            .mode();
        if mode & 0o004 != 0 {
            warning = Some(format!(
                "every user of this machine can read it (mode {:o}): chmod o-r it",
                mode & 0o777
            ));
        }
    }
    Ok((url.to_owned(), warning))
}

/// Parses a value with `FromStr`, naming the flag when it fails.
pub fn typed<T: FromStr>(flag: &str, value: &str) -> Result<T, UsageError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|problem| cli::error(format!("{flag} {value:?}: {problem}")))
}

fn positive(flag: &str, value: u32) -> Result<u32, UsageError> {
    match value {
        0 => Err(cli::error(format!("{flag} must be more than 0"))),
        n => Ok(n),
    }
}

/// Parses `on` or `off`.
pub fn switch(flag: &str, value: &str) -> Result<bool, UsageError> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(cli::error(format!("{flag} takes on or off, not {value:?}"))),
    }
}

fn list(flag: &str, value: &str) -> Result<Vec<Ipv4Addr>, UsageError> {
    value.split(',').map(|a| typed(flag, a)).collect()
}

/// Parses `K/N`, one-based: `2/2` is the second of two servers.
fn share(flag: &str, value: &str) -> Result<Share, UsageError> {
    let bad = || cli::error(format!("{flag} takes K/N with 1 <= K <= N, not {value:?}"));
    let (k, n) = value.split_once('/').ok_or_else(bad)?;
    let (k, n): (u32, u32) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    k.checked_sub(1)
        .and_then(|index| Share::new(index, n))
        .ok_or_else(bad)
}

fn range(flag: &str, value: &str) -> Result<(Ipv4Addr, Ipv4Addr), UsageError> {
    let (first, last) = value
        .split_once('-')
        .ok_or_else(|| cli::error(format!("{flag} takes FIRST-LAST, not {value:?}")))?;
    Ok((typed(flag, first)?, typed(flag, last)?))
}

fn reservation(flag: &str, value: &str) -> Result<(Mac, Ipv4Addr), UsageError> {
    let (text, addr) = value
        .split_once('=')
        .ok_or_else(|| cli::error(format!("{flag} takes MAC=ADDR, not {value:?}")))?;
    let mac = text
        .parse()
        .map_err(|_| cli::error(format!("{flag}: {text:?} is not a MAC address")))?;
    Ok((mac, typed(flag, addr)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Args, UsageError> {
        parse_with(
            &mut cli::Args::split(line),
            Flags::LeaseServer,
            |flag, args| Ok(flag == "--mode" && args.text(flag)? == "proxy"),
        )
    }

    #[test]
    fn a_full_command_line_is_read() {
        let parsed = args(
            "--server 198.18.0.1 --range 198.18.0.100-198.18.0.150 --mask 255.255.0.0 \
             --router 198.18.0.1 --dns 198.18.0.1,198.18.0.2 --domain lab.test \
             --lease-time 120 --reserve 02:00:00:00:00:01=198.18.0.50 --lease-file /tmp/l \
             --interface veth0 --port 67 --client-port 6868 --broadcast 127.0.0.1 \
             --rapid-commit on --allow-relays on --log-level debug --mode proxy \
             --bind 127.0.0.1 --stats-every 2.5 --user nobody --max-offers 20 --max-offers-per-relay 5 \
             --lookup-rate 7 --answer-subnet on",
        )
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
        assert_eq!(parsed.log_level, Some(LevelFilter::Debug));
        assert_eq!(parsed.bind, Ipv4Addr::LOCALHOST);
        assert_eq!(parsed.stats_every, Some(Duration::from_millis(2500)));
        assert_eq!(parsed.user.as_deref(), Some("nobody"));
        assert_eq!(parsed.lookup_rate, 7);
        assert!(s.answer_subnet);
    }

    #[test]
    fn defaults_are_the_librarys() {
        let parsed = args("--server 198.18.0.1").unwrap();
        assert_eq!(parsed.port, DEFAULT_PORT);
        assert!(!parsed.settings.rapid_commit && !parsed.settings.allow_relays);
        assert_eq!(parsed.broadcast, Ipv4Addr::BROADCAST);
        assert_eq!(parsed.bind, Ipv4Addr::UNSPECIFIED);
    }

    #[test]
    fn debug_leaves_the_database_url_out() {
        let mut parsed = args("--server 198.18.0.1").unwrap();
        parsed.database = Some("postgresql://u:secret@db/leases".into());
        let shown = format!("{parsed:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("database: Some(\"(hidden)\")"), "{shown}");
    }

    #[test]
    fn commit_delay_is_in_milliseconds_and_its_default_is_the_usages() {
        let parsed = args("--server 198.18.0.1 --commit-delay 0").unwrap();
        assert_eq!(parsed.commit_delay, Duration::ZERO);
        let parsed = args("--server 198.18.0.1 --commit-delay 15").unwrap();
        assert_eq!(parsed.commit_delay, Duration::from_millis(15));
        let longest = args("--server 198.18.0.1 --commit-delay 1000").unwrap();
        assert_eq!(longest.commit_delay, Duration::from_secs(1));
        let error = args("--server 198.18.0.1 --commit-delay 1001").unwrap_err();
        assert!(error.to_string().contains("at most 1000"), "{error}");
        let said = format!("for more to\n                         share its fsync or database commit ({DEFAULT_COMMIT_DELAY_MS};");
        assert!(USAGE.contains(&said), "the usage names another default");
    }

    #[test]
    fn log_and_its_old_name_log_level_both_set_the_level() {
        let parsed = args("--server 198.18.0.1 --log warn").unwrap();
        assert_eq!(parsed.log_level, Some(LevelFilter::Warn));
        let parsed = args("--server 198.18.0.1 --log-level trace").unwrap();
        assert_eq!(parsed.log_level, Some(LevelFilter::Trace));
    }

    #[test]
    fn database_needs_the_postgres_feature_and_excludes_a_lease_file() {
        let parsed = args("--server 198.18.0.1 --database host=/tmp");
        if cfg!(feature = "postgres") {
            assert_eq!(
                parsed.unwrap().database.as_ref().map(DatabaseUrl::as_str),
                Some("host=/tmp")
            );
            let both = args("--server 198.18.0.1 --database host=/tmp --lease-file /tmp/l");
            assert!(both.unwrap_err().to_string().contains("exclude each other"));
        } else {
            let text = parsed.unwrap_err().to_string();
            assert!(text.contains("--features postgres"), "{text}");
        }
    }

    #[test]
    fn passwords_are_found_in_both_forms_of_connection_string() {
        for url in [
            "postgresql://dhcp:secret@db.lab/dhcp",
            "postgres://dhcp:secret@db.lab:5432/dhcp?sslmode=require",
            "host=db.lab user=dhcp password=secret dbname=dhcp",
            "postgresql://dhcp@db.lab/dhcp?password=secret",
        ] {
            assert!(has_password(url), "{url}");
        }
        for url in [
            "postgresql://dhcp@db.lab/dhcp",
            "postgresql://db.lab:5432/dhcp",
            "host=/run/postgresql dbname=dhcp",
            "postgresql:///dhcp?host=/run/postgresql",
        ] {
            assert!(!has_password(url), "{url}");
        }
    }

    #[test]
    fn a_database_file_is_read_trimmed_and_checked() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("lease-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("url");
        std::fs::write(&path, "postgresql://dhcp:secret@db.lab/dhcp\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (url, warning) = read_database_file(&path).unwrap();
        assert_eq!(url, "postgresql://dhcp:secret@db.lab/dhcp");
        assert_eq!(warning, None, "0600: nothing to say");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (_, warning) = read_database_file(&path).unwrap();
        assert!(warning.unwrap().contains("mode 644"));
        std::fs::write(&path, " \n").unwrap();
        assert!(read_database_file(&path).unwrap_err().contains("empty"));
        assert!(read_database_file(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_database_url_comes_from_the_environment_only_without_a_store_flag() {
        let with_env = |line: &str| {
            parse_with(&mut cli::Args::split(line), Flags::LeaseServer, |_, _| {
                Ok(false)
            })
            .map(|parsed| {
                with_database_from_env(parsed, |name| {
                    (name == DATABASE_ENV).then(|| "host=/from/env".to_owned())
                })
            })
        };
        let plain = with_env("--server 198.18.0.1").unwrap();
        let file = with_env("--server 198.18.0.1 --lease-file /tmp/l").unwrap();
        assert_eq!(
            file.database, None,
            "a lease file wins over the environment"
        );
        if cfg!(feature = "postgres") {
            assert_eq!(
                plain.database.as_ref().map(DatabaseUrl::as_str),
                Some("host=/from/env")
            );
            assert!(plain.warnings.is_empty());
            let flag = with_env("--server 198.18.0.1 --database host=/flag").unwrap();
            assert_eq!(
                flag.database.as_ref().map(DatabaseUrl::as_str),
                Some("host=/flag")
            );
            let secret = with_env("--server 198.18.0.1 --database postgres://u:p@h/d").unwrap();
            assert!(
                secret.warnings[0].contains("password"),
                "{:?}",
                secret.warnings
            );
        } else {
            assert_eq!(plain.database, None);
            assert!(plain.warnings[0].contains("no PostgreSQL store"));
        }
    }

    #[test]
    fn share_is_one_based_and_checked() {
        let parsed = args("--server 198.18.0.1 --share 2/3").unwrap();
        assert_eq!(parsed.settings.share, Share::new(1, 3).unwrap());
        let alone = args("--server 198.18.0.1").unwrap();
        assert_eq!(alone.settings.share, Share::WHOLE);
        for bad in ["0/2", "3/2", "1/0", "2", "a/b"] {
            let error = args(&format!("--server 198.18.0.1 --share {bad}")).unwrap_err();
            assert!(
                error.to_string().contains("--share takes K/N"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn help_is_not_an_error() {
        assert_eq!(args("--help").unwrap_err(), UsageError::Help);
        assert_eq!(args("--version").unwrap_err(), UsageError::Version);
    }

    #[test]
    fn errors_name_the_flag() {
        for (line, fault) in [
            ("--lease-time 5", "--server is required"),
            ("--server 198.18.0.1 --port", "--port needs a value"),
            (
                "--server 198.18.0.1 --port 99999",
                "--port \"99999\": number too large",
            ),
            ("--server 198.18.0.1 --rapid-commit yes", "takes on or off"),
            (
                "--server 198.18.0.1 --reserve 02:00=198.18.0.5",
                "--reserve: \"02:00\" is not a MAC address",
            ),
            ("--server 198.18.0.1 --lease-time 0", "more than 0"),
            (
                "--server 198.18.0.1 --frobnicate 1",
                "unknown flag \"--frobnicate\"",
            ),
            ("--server 198.18.0.1 --bind eth0", "--bind \"eth0\""),
        ] {
            let error = args(line).unwrap_err().to_string();
            assert!(error.contains(fault), "{line}: {error}");
        }
    }
}
