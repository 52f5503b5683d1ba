//! The PXE server on the library's `Handler` trait: a full DHCP server that adds
//! boot information, or a proxyDHCP server that only gives boot information.

use std::net::{Ipv4Addr, SocketAddrV4};

use ex_dhcp::options::ServerIdentifier;
use ex_dhcp::server::SocketConfig;
use ex_dhcp::{Config, Handler, MessageType, Packet, Reply, Source};

use ex_dhcp::lease::secs;
use ex_dhcp::pxe::{Boot, PXE_PORT};

use crate::lease_server::handler::LeaseHandler;

/// Logs a request and the reply to it, decoded, at debug level: what a real PXE
/// client sent and what it was told is the first thing to read when a boot fails.
fn logged(packet: &Packet, from: &Source, reply: Reply) -> Reply {
    if log::log_enabled!(log::Level::Debug) {
        log::debug!("from {} to {}: {packet}", from.peer, from.local);
        match &reply {
            Reply::Send(answer) => log::debug!("reply: {answer}"),
            Reply::SendTo(answer, to) => log::debug!("reply to {to}: {answer}"),
            Reply::None => log::debug!("no reply"),
            Reply::Stop(reason) => log::debug!("stopping: {reason}"),
            _ => log::debug!("reply: {reply:?}"),
        }
    }
    reply
}

/// How the server takes part in the boot.
#[derive(Debug)]
pub enum Mode {
    /// It leases addresses too (the lease server's logic).
    Full(Box<LeaseHandler>),
    /// proxyDHCP: another server gives addresses; this one only boot information.
    Proxy,
}

/// A PXE boot server.
#[derive(Debug)]
pub struct PxeHandler {
    boot: Boot,
    mode: Mode,
    serves_4011: bool,
}

impl PxeHandler {
    /// A server in `mode`; `serves_4011` says whether port 4011 is listened on too
    /// (always so in proxy mode, where PXE clients ask there for their boot file).
    pub fn new(boot: Boot, mode: Mode, serves_4011: bool) -> Self {
        let serves_4011 = serves_4011 || matches!(mode, Mode::Proxy);
        PxeHandler {
            boot,
            mode,
            serves_4011,
        }
    }

    /// Adds the port-4011 socket to `config` when this server needs it, on the
    /// same address as the main socket.
    pub fn configure(&self, config: Config, device: Option<&str>) -> Config {
        if !self.serves_4011 {
            return config;
        }
        let bind_ip = *config.sockets()[0].addr.ip();
        let listen = SocketConfig::new(SocketAddrV4::new(bind_ip, PXE_PORT));
        config.also_listen(match device {
            Some(device) => listen.device(device),
            None => listen,
        })
    }

    /// Boot information on a lease reply, for an OFFER or ACK that gives an address.
    fn with_boot(&self, reply: Reply, request: &Packet) -> Reply {
        match reply {
            Reply::Send(packet)
                if matches!(
                    packet.message_type(),
                    Some(MessageType::Offer | MessageType::Ack)
                ) && packet.yiaddr != Ipv4Addr::UNSPECIFIED =>
            {
                Reply::Send(self.boot.add_to(packet, request, self.serves_4011))
            }
            other => other,
        }
    }

    fn lease(&mut self, packet: &Packet, ctx: &ex_dhcp::Context) -> Option<Reply> {
        match &mut self.mode {
            Mode::Full(leases) => Some(leases.handle_at(packet, secs(ctx.system_time()))),
            Mode::Proxy => None,
        }
    }

    /// A REQUEST on port 67 or port 4011.
    fn answer_request(&mut self, packet: &Packet, from: &Source, ctx: &ex_dhcp::Context) -> Reply {
        if from.local.port() == PXE_PORT {
            // UEFI firmware asks from port 4011 and ignores answers sent to port 68.
            return match self.boot.proxy_reply(packet, MessageType::Ack) {
                Some(ack) => Reply::SendTo(ack, from.peer),
                None => Reply::None,
            };
        }
        match self.lease(packet, ctx) {
            Some(reply) => self.with_boot(reply, packet),
            None if packet.options.get(ServerIdentifier) == Some(self.boot.server_id) => {
                self.boot.proxy_reply(packet, MessageType::Ack).into()
            }
            // A REQUEST for the DHCP server that gives the addresses.
            None => Reply::None,
        }
    }
}

impl Handler for PxeHandler {
    type Message = ();
    fn discover(&mut self, packet: &Packet, from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        let reply = match self.lease(packet, ctx) {
            Some(reply) => self.with_boot(reply, packet),
            None => self.boot.proxy_reply(packet, MessageType::Offer).into(),
        };
        logged(packet, from, reply)
    }

    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        let reply = self.answer_request(packet, from, ctx);
        logged(packet, from, reply)
    }

    fn decline(&mut self, packet: &Packet, from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        let reply = self.lease(packet, ctx).unwrap_or(Reply::None);
        logged(packet, from, reply)
    }

    fn release(&mut self, packet: &Packet, from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        let reply = self.lease(packet, ctx).unwrap_or(Reply::None);
        logged(packet, from, reply)
    }

    fn inform(&mut self, packet: &Packet, from: &Source, ctx: &mut ex_dhcp::Context) -> Reply {
        let reply = self.lease(packet, ctx).unwrap_or(Reply::None);
        logged(packet, from, reply)
    }

    fn tick(&mut self, ctx: &mut ex_dhcp::Context) -> Reply {
        match &mut self.mode {
            Mode::Full(leases) => leases.expire(secs(ctx.system_time())),
            Mode::Proxy => {}
        }
        Reply::None
    }
}
