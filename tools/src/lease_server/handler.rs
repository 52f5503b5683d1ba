//! The thin layer between the library's server and the lease logic: the clock, the
//! lease file, and the server configuration built from the command line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ex_dhcp::{Config, Handler, Packet, Reply, Source};
use log::error;

use ex_dhcp::lease::{LeaseFile, LeaseFileError, LeaseServer, Secs};
use std::path::Path;

use super::args::Args;

/// How often expired offers, leases and quarantines are reclaimed.
pub const TICK: Duration = Duration::from_secs(1);

/// The lease file is compacted, while serving, once this many records were appended
/// since the last compaction and at least twice as many as it then kept.
pub const COMPACT_AFTER: u64 = 100_000;

/// The wall clock in seconds since the Unix epoch, at startup (callbacks get their
/// time from the library: [`secs`] of `Context::system_time`).
pub fn now() -> Secs {
    secs(SystemTime::now())
}

/// A calendar time in seconds since the Unix epoch.
pub fn secs(at: SystemTime) -> Secs {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The library server's configuration for these arguments: address and port,
/// interface (the server answers only there) and reply routing overrides.
pub fn server_config(args: &Args) -> Config {
    let config = Config::default()
        .bind_ip(args.bind)
        .port(args.port)
        .client_port(args.client_port)
        .broadcast_addr(args.broadcast)
        .tick(TICK);
    match &args.interface {
        Some(device) => config.bind_device(device.clone()),
        None => config,
    }
}

/// Locks the lease file at `path`, replays it into `server` as a stream, frees what
/// expired by `now` and compacts the file to the live leases: how a server starts.
/// Another server on the file is an error before anything is read or written.
pub fn open_lease_file(
    server: &mut LeaseServer,
    path: &Path,
    now: Secs,
) -> Result<LeaseFile, LeaseFileError> {
    let mut file = LeaseFile::open(path, |record| server.apply(&record))?;
    server.tick(now);
    let live = server.snapshot(now);
    file.compact(&live)?;
    log::info!("{} live records in {}", live.len(), path.display());
    Ok(file)
}

/// A [`LeaseServer`] on the library's [`Handler`] trait, writing each change to the
/// lease file before its reply is handed to the sender.
#[derive(Debug)]
pub struct LeaseHandler {
    server: LeaseServer,
    file: Option<LeaseFile>,
    /// Records the last compaction kept.
    kept: u64,
}

impl LeaseHandler {
    /// Serves with `server`'s state, recording changes in `file` if there is one.
    pub fn new(server: LeaseServer, file: Option<LeaseFile>) -> Self {
        LeaseHandler {
            server,
            file,
            kept: 0,
        }
    }

    /// Handles a request at `now`: the reply, unless the change could not be written.
    pub fn handle_at(&mut self, packet: &Packet, now: Secs) -> Reply {
        let outcome = self.server.handle(packet, now);
        // One line per exchange at debug: through the tools' logger, which drops
        // lines rather than wait for a slow stdout.
        if log::log_enabled!(log::Level::Debug) {
            let answer = match &outcome.reply {
                Some(reply) => packet_summary(reply),
                None => "no reply".to_owned(),
            };
            log::debug!("{} -> {answer}", packet_summary(packet));
        }
        if let Some(file) = &mut self.file {
            if let Err(e) = file.append(&outcome.changes) {
                // A lease we cannot write down is a lease we may hand out twice.
                error!("{e}; stopping rather than lose leases");
                return Reply::stop_with_error(e.to_string());
            }
        }
        outcome.reply.into()
    }
}

/// `DHCPOFFER xid 0x... chaddr ... yiaddr ...`: a packet in one line.
fn packet_summary(packet: &Packet) -> String {
    let kind = packet
        .message_type()
        .map_or_else(|| "BOOTP".to_owned(), |kind| kind.to_string());
    let chaddr: Vec<String> = packet
        .hardware_addr()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!(
        "{kind} xid {:#010x} chaddr {} yiaddr {}",
        packet.xid,
        chaddr.join(":"),
        packet.yiaddr
    )
}

impl LeaseHandler {
    /// Rewrites the lease file with the live leases when the log has grown well past
    /// them. It runs on the handler thread between two packets; moving it to the
    /// store's worker is the deferred-reply step's.
    pub fn compact_if_due(&mut self, now: Secs) {
        let Some(file) = &mut self.file else {
            return;
        };
        if file.appended() < COMPACT_AFTER.max(2 * self.kept) {
            return;
        }
        let live = self.server.snapshot(now);
        match file.compact(&live) {
            Ok(()) => {
                log::info!(
                    "{} compacted to {} records",
                    file.path().display(),
                    live.len()
                );
                self.kept = live.len() as u64;
            }
            // The old file is intact (or the next append fails and stops the server);
            // try again after as many records again.
            Err(e) => {
                error!("{e}; compaction will be tried again later");
                self.kept = file.appended();
            }
        }
    }
}

impl Handler for LeaseHandler {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        self.handle_at(packet, secs(ctx.system_time()))
    }

    fn request(&mut self, packet: &Packet, _from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        self.handle_at(packet, secs(ctx.system_time()))
    }

    fn decline(&mut self, packet: &Packet, _from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        self.handle_at(packet, secs(ctx.system_time()))
    }

    fn inform(&mut self, packet: &Packet, _from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        self.handle_at(packet, secs(ctx.system_time()))
    }

    fn release(&mut self, packet: &Packet, _from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        self.handle_at(packet, secs(ctx.system_time()))
    }

    /// BOOTP requests (no option 53): the engine answers them for good (RFC 951).
    fn other(&mut self, packet: &Packet, _from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        self.handle_at(packet, secs(ctx.system_time()))
    }

    fn tick(&mut self, ctx: &mut ex_dhcp::Context) -> Reply {
        let now = secs(ctx.system_time());
        for addr in self.server.tick(now) {
            log::info!("{addr} is free again");
        }
        self.compact_if_due(now);
        Reply::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease_server::args::parse;

    fn args(line: &str) -> Args {
        let line = format!("{line} --range 198.18.0.100-198.18.0.150");
        parse(&mut crate::cli::args::Args::split(&line)).unwrap()
    }

    #[test]
    fn the_server_is_bound_to_the_interface_it_was_given() {
        let config = server_config(&args("--server 198.18.0.1 --interface veth-s --port 67"));
        assert_eq!(config.sockets()[0].device.as_deref(), Some("veth-s"));
        assert_eq!(config.sockets()[0].addr.port(), 67);
        let config = server_config(&args("--server 198.18.0.1"));
        assert_eq!(config.sockets()[0].device, None);
    }

    #[test]
    fn a_lease_file_is_replayed_compacted_and_held() {
        use ex_dhcp::lease::{Change, ClientKey, Pool, Settings};
        use std::net::Ipv4Addr;

        let dir = std::env::temp_dir().join(format!("lease-handler-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("leases");
        let key = ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]);
        let addr = Ipv4Addr::new(198, 18, 0, 100);
        let (live, gone) = (
            Change::Bound {
                key: key.clone(),
                addr,
                until: 2_000,
            },
            Change::Bound {
                key: ClientKey::Id(vec![1]),
                addr: Ipv4Addr::new(198, 18, 0, 101),
                until: 500,
            },
        );
        LeaseFile::rewrite(&path, &[live.clone(), gone]).unwrap();
        let (server_id, mask) = (
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(255, 255, 255, 0),
        );
        let pool = Pool::new(
            server_id,
            mask,
            addr,
            Ipv4Addr::new(198, 18, 0, 110),
            Default::default(),
        )
        .unwrap();
        let mut server = LeaseServer::new(Settings::new(server_id, mask), pool);
        let file = open_lease_file(&mut server, &path, 1_000).unwrap();
        assert_eq!(server.table().get(&key).map(|e| e.addr), Some(addr));
        assert_eq!(LeaseFile::load(&path).unwrap(), vec![live]);
        let mut again = server.clone();
        assert!(open_lease_file(&mut again, &path, 1_000).is_err(), "held");
        drop(file);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn loopback_overrides_reach_the_routing() {
        let config = server_config(&args(
            "--server 198.18.0.1 --client-port 6868 --broadcast 127.0.0.1",
        ));
        assert_eq!(config.routing().client_port, 6868);
        assert_eq!(config.routing().broadcast, std::net::Ipv4Addr::LOCALHOST);
        assert_eq!(config.tick_interval(), Some(TICK));
        assert_eq!(
            config.sockets()[0].addr.ip(),
            &std::net::Ipv4Addr::UNSPECIFIED
        );
        let config = server_config(&args("--server 198.18.0.1 --bind 127.0.0.1"));
        assert_eq!(
            config.sockets()[0].addr.ip(),
            &std::net::Ipv4Addr::LOCALHOST
        );
    }
}
