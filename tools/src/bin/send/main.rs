//! Sends a DHCP packet to a server and prints the reply (the Elixir `mix dhcp`):
//! a saved packet, one built from flags, or a whole DORA.
//!
//! ```text
//! cargo run -p ex_dhcp-tools --bin send -- dhcp-0001.bin --port 6767 --from-port 6868
//! cargo run -p ex_dhcp-tools --bin send -- --dora --mac 02:00:00:00:00:07 --client-port 6868
//! sudo cargo run -p ex_dhcp-tools --bin send -- capture.pcap --index 3 --addr 255.255.255.255 --port 67
//! ```
//!
//! Exit status: 0 when a reply came (or with `--no-wait`; with `--dora`, the
//! ACK), 1 when none came before the timeout (or a NAK ended the DORA), 2 on a
//! usage, file or network error.

mod build;
mod cli;
mod load;

use std::fs;
use std::net::SocketAddrV4;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ex_dhcp::{Client, ClientError, Encoding, MessageType, Packet};
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::socket;

use crate::build::{Build, Kind, Summary};
use crate::cli::{Options, Source, PROGRAM};

const EXIT_NO_REPLY: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let options = match PROGRAM.parse_or_exit(cli::parse) {
        Ok(options) => options,
        Err(status) => return status,
    };
    logging::init(options.log);
    let result = run(&options);
    logging::finish();
    match result {
        Ok(code) => code,
        Err(message) => PROGRAM.fail(message, EXIT_ERROR),
    }
}

/// The socket to the server, and where the server is.
struct Link {
    client: Client,
    server: SocketAddrV4,
    local: SocketAddrV4,
}

impl Link {
    fn open(options: &Options) -> Result<Link, String> {
        let socket = socket::open(options.bind, options.from_port, options.device.as_deref())
            .map_err(|error| error.to_string())?;
        let client = Client::from_socket(socket).map_err(|error| error.to_string())?;
        let local = client.local_addr().map_err(|error| error.to_string())?;
        Ok(Link {
            client,
            server: SocketAddrV4::new(options.addr, options.port),
            local,
        })
    }

    fn send(&mut self, packet: &Packet) -> Result<(), String> {
        self.client
            .send(packet, self.server)
            .map_err(|error| format!("sending to {}: {error}", self.server))
    }

    /// The next reply with `xid`, or `None` at the timeout.
    fn receive(
        &mut self,
        xid: u32,
        timeout: Duration,
    ) -> Result<Option<(Packet, SocketAddrV4)>, String> {
        match self.client.receive(xid, timeout) {
            Ok(reply) => Ok(Some(reply)),
            Err(ClientError::Timeout { .. }) => Ok(None),
            Err(error) => Err(format!("waiting for the reply: {error}")),
        }
    }

    fn no_reply(&self, xid: u32, timeout: Duration) {
        log::warn!(
            "no reply to xid {xid:#010x} within {timeout:?} on port {} (is the server's \
             client port {}?)",
            self.local.port(),
            self.local.port()
        );
    }
}

fn run(options: &Options) -> Result<ExitCode, String> {
    let packet = match &options.source {
        Source::File { path, index } => {
            load::load(path, *index).map_err(|error| format!("{}: {error}", path.display()))?
        }
        Source::Build(build) => build.packet(build.kind, build.xid()),
        Source::Dora(build) => return dora(options, build),
    };
    let mut link = Link::open(options)?;
    link.send(&packet)?;
    log::info!(
        "sent {} -> {}: {}",
        link.local,
        link.server,
        packet.to_string().trim_end()
    );
    if !options.wait {
        return Ok(ExitCode::SUCCESS);
    }
    match link.receive(packet.xid, options.timeout)? {
        Some((reply, replier)) => {
            log::info!(
                "reply {replier} -> {}: {}",
                link.local,
                reply.to_string().trim_end()
            );
            save(options, &reply)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            link.no_reply(packet.xid, options.timeout);
            Ok(ExitCode::from(EXIT_NO_REPLY))
        }
    }
}

fn save(options: &Options, reply: &Packet) -> Result<(), String> {
    if let Some(path) = &options.save {
        // Re-encoded from the decoded reply: the same bytes, up to padding.
        fs::write(path, reply.encode(Encoding::Padded))
            .map_err(|error| format!("--save {}: {error}", path.display()))?;
        log::info!("reply saved as {}", path.display());
    }
    Ok(())
}

/// DISCOVER, OFFER, REQUEST, ACK: each step printed with the time since the
/// exchange began and since the message it answers.
fn dora(options: &Options, build: &Build) -> Result<ExitCode, String> {
    let mut link = Link::open(options)?;
    let xid = build.xid();
    let started = Instant::now();
    let step = |what: &str, packet: &Packet, since: Instant| {
        println!(
            "{:>9.3} ms  {what} {}  (+{:.3} ms)",
            ms(started.elapsed()),
            Summary(packet),
            ms(since.elapsed())
        );
        log::debug!("{}", packet.to_string().trim_end());
    };
    println!(
        "DORA {} -> {}, chaddr {}",
        link.local, link.server, build.mac
    );

    let discover = build.packet(Kind::Discover, xid);
    let sent = Instant::now();
    link.send(&discover)?;
    step("sent    ", &discover, sent);
    let Some(offer) = wait_for(&mut link, xid, MessageType::Offer, options.timeout)? else {
        println!("no OFFER within {:?}", options.timeout);
        link.no_reply(xid, options.timeout);
        return Ok(ExitCode::from(EXIT_NO_REPLY));
    };
    step("received", &offer, sent);

    let request = build.request_for(&offer);
    let sent = Instant::now();
    link.send(&request)?;
    step("sent    ", &request, sent);
    let reply = wait_for(&mut link, xid, MessageType::Ack, options.timeout)?;
    let Some(reply) = reply else {
        println!("no ACK within {:?}", options.timeout);
        link.no_reply(xid, options.timeout);
        return Ok(ExitCode::from(EXIT_NO_REPLY));
    };
    step("received", &reply, sent);
    save(options, &reply)?;
    if reply.message_type() == Some(MessageType::Nak) {
        println!("DORA failed: the server said NAK");
        return Ok(ExitCode::from(EXIT_NO_REPLY));
    }
    println!(
        "DORA done: {} leased in {:.3} ms",
        reply.yiaddr,
        ms(started.elapsed())
    );
    Ok(ExitCode::SUCCESS)
}

/// The next reply of type `want` (or a NAK, when waiting for an ACK) with `xid`,
/// skipping others (an ACK retransmitted, a second server's OFFER after the first).
fn wait_for(
    link: &mut Link,
    xid: u32,
    want: MessageType,
    timeout: Duration,
) -> Result<Option<Packet>, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return Ok(None);
        };
        let Some((reply, _)) = link.receive(xid, left)? else {
            return Ok(None);
        };
        let kind = reply.message_type();
        if kind == Some(want) || (want == MessageType::Ack && kind == Some(MessageType::Nak)) {
            return Ok(Some(reply));
        }
        log::debug!("skipping {} while waiting for {want}", Summary(&reply));
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
