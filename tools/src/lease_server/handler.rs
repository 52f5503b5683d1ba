//! The thin layer between the library's server and the lease logic: the clock, the
//! lease file, and the server configuration built from the command line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ex_dhcp::{Config, Handler, Packet, Reply, Source};
use log::error;

use ex_dhcp::lease::{LeaseFile, LeaseServer, Secs};

use super::args::Args;

/// How often expired offers, leases and quarantines are reclaimed.
pub const TICK: Duration = Duration::from_secs(1);

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

/// A [`LeaseServer`] on the library's [`Handler`] trait, writing each change to the
/// lease file before its reply is handed to the sender.
#[derive(Debug)]
pub struct LeaseHandler {
    server: LeaseServer,
    file: Option<LeaseFile>,
}

impl LeaseHandler {
    /// Serves with `server`'s state, recording changes in `file` if there is one.
    pub fn new(server: LeaseServer, file: Option<LeaseFile>) -> Self {
        LeaseHandler { server, file }
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

    fn tick(&mut self, ctx: &mut ex_dhcp::Context) -> Reply {
        for addr in self.server.tick(secs(ctx.system_time())) {
            log::info!("{addr} is free again");
        }
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
