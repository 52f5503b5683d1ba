use std::net::Ipv4Addr;

use ex_dhcp::options::{LeaseTime, ServerIdentifier, SubnetMask};
use ex_dhcp::{respond, Config, Context, Handler, MessageType, Packet, Reply, Server, Source};

const SERVER_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const CLIENT_ADDRESS: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);
const SUBNET_MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const LEASE_SECONDS: u32 = 3600;

/// Offers every client the same address: enough to see a client configure itself.
struct OneAddress;

impl OneAddress {
    fn answer(&self, request: &Packet, kind: MessageType) -> Reply {
        respond(request, kind)
            .with_yiaddr(CLIENT_ADDRESS)
            .with_option(ServerIdentifier, SERVER_ID)
            .with_option(SubnetMask, SUBNET_MASK)
            .with_option(LeaseTime, LEASE_SECONDS)
            .into()
    }
}

impl Handler for OneAddress {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
        self.answer(packet, MessageType::Offer)
    }

    fn request(&mut self, packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
        self.answer(packet, MessageType::Ack)
    }

    fn decline(&mut self, _packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Port 6767 by default: no root needed (see "Deploying" for port 67).
    let server = Server::start(Config::default(), OneAddress)?;
    println!("serving DHCP on {}", server.handle().local_addr());
    // Ctrl-C or SIGTERM stops it cleanly; `join` then returns.
    ex_dhcp::signal::stop_on_termination(server.handle())?;
    let exit = server.join();
    println!("stopped: {}; {}", exit.reason, exit.stats);
    Ok(())
}
