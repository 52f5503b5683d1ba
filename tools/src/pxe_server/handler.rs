//! The PXE server on the library's `Handler` trait: a full DHCP server that adds
//! boot information (the library's lease service, embedded, with a reply hook), or
//! a proxyDHCP server that only gives boot information.

use ex_dhcp::server::{HandlerError, SocketConfig};
use std::net::SocketAddrV4;

use ex_dhcp::lease::{Hooks, LeaseMessage, LeaseService, RequestInfo};
use ex_dhcp::options::ServerIdentifier;
use ex_dhcp::pxe::{Boot, PXE_PORT};
use ex_dhcp::{Config, Context, Handler, MessageType, Packet, Reply, Source, StopReason};

/// Logs a request and the reply to it, decoded, at debug level: what a real PXE
/// client sent and what it was told is the first thing to read when a boot fails.
fn logged(packet: &Packet, from: &Source, reply: Reply) -> Reply {
    if log::log_enabled!(log::Level::Debug) {
        log::debug!("from {} to {}: {packet}", from.peer, from.local);
        match &reply {
            Reply::Send(answer) => log::debug!("reply: {answer}"),
            Reply::SendTo(answer, to) => log::debug!("reply to {to}: {answer}"),
            Reply::None => log::debug!("no reply now"),
            Reply::Stop(reason) => log::debug!("stopping: {reason}"),
            _ => log::debug!("reply: {reply:?}"),
        }
    }
    reply
}

/// The lease service's last word on a lease reply: boot information on an OFFER or
/// ACK that gives an address.
#[derive(Debug)]
pub struct BootHooks {
    boot: Boot,
    serves_4011: bool,
}

impl Hooks for BootHooks {
    fn reply(&mut self, info: &RequestInfo<'_>, reply: &mut Packet) {
        self.boot.apply(reply, info.request, self.serves_4011);
    }
}

/// How the server takes part in the boot.
#[derive(Debug)]
pub enum Mode {
    /// It leases addresses too (the library's lease service).
    Full(Box<LeaseService<BootHooks>>),
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
    /// A full-mode server: `leases` gives the addresses, with boot information added
    /// to its replies; `serves_4011` says whether port 4011 is listened on too.
    pub fn full<H: Hooks>(boot: Boot, leases: LeaseService<H>, serves_4011: bool) -> Self {
        let hooks = BootHooks {
            boot: boot.clone(),
            serves_4011,
        };
        PxeHandler {
            boot,
            mode: Mode::Full(Box::new(leases.with_hooks(hooks))),
            serves_4011,
        }
    }

    /// A proxyDHCP server beside another DHCP server; it listens on port 4011 too,
    /// where PXE clients ask for their boot file.
    pub fn proxy(boot: Boot) -> Self {
        PxeHandler {
            boot,
            mode: Mode::Proxy,
            serves_4011: true,
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

    /// The lease service, in full mode.
    pub fn leases(&self) -> Option<&LeaseService<BootHooks>> {
        match &self.mode {
            Mode::Full(leases) => Some(leases),
            Mode::Proxy => None,
        }
    }

    /// A request for the lease service, in full mode; `None` in proxy mode.
    fn lease(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Option<Reply> {
        match &mut self.mode {
            Mode::Full(leases) => Some(leases.handle(packet, from, ctx)),
            Mode::Proxy => None,
        }
    }

    /// A REQUEST on port 67 or port 4011.
    fn answer_request(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        if from.local.port() == PXE_PORT {
            // UEFI firmware asks from port 4011 and ignores answers sent to port 68.
            return match self.boot.proxy_reply(packet, MessageType::Ack) {
                Some(ack) => Reply::SendTo(ack, from.peer),
                None => Reply::None,
            };
        }
        match self.lease(packet, from, ctx) {
            Some(reply) => reply,
            None if packet.options.get(ServerIdentifier) == Some(self.boot.server_id) => {
                self.boot.proxy_reply(packet, MessageType::Ack).into()
            }
            // A REQUEST for the DHCP server that gives the addresses.
            None => Reply::None,
        }
    }
}

impl Handler for PxeHandler {
    type Message = LeaseMessage;

    fn init(&mut self, ctx: &mut Context<'_, LeaseMessage>) -> Result<(), HandlerError> {
        match &mut self.mode {
            Mode::Full(leases) => leases.init(ctx),
            Mode::Proxy => Ok(()),
        }
    }

    fn discover(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        let reply = match self.lease(packet, from, ctx) {
            Some(reply) => reply,
            None => self.boot.proxy_reply(packet, MessageType::Offer).into(),
        };
        logged(packet, from, reply)
    }

    fn request(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        let reply = self.answer_request(packet, from, ctx);
        logged(packet, from, reply)
    }

    fn decline(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        let reply = self.lease(packet, from, ctx).unwrap_or(Reply::None);
        logged(packet, from, reply)
    }

    fn release(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        let reply = self.lease(packet, from, ctx).unwrap_or(Reply::None);
        logged(packet, from, reply)
    }

    fn inform(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        let reply = self.lease(packet, from, ctx).unwrap_or(Reply::None);
        logged(packet, from, reply)
    }

    fn message(&mut self, message: LeaseMessage, ctx: &mut Context<'_, LeaseMessage>) -> Reply {
        match &mut self.mode {
            Mode::Full(leases) => leases.message(message, ctx),
            Mode::Proxy => Reply::None,
        }
    }

    fn tick(&mut self, ctx: &mut Context<'_, LeaseMessage>) -> Reply {
        match &mut self.mode {
            Mode::Full(leases) => leases.tick(ctx),
            Mode::Proxy => Reply::None,
        }
    }

    fn terminate(&mut self, _reason: &StopReason) {
        if let Mode::Full(leases) = &mut self.mode {
            leases.terminate();
        }
    }
}
