//! # ex_dhcp
//!
//! A synchronous library for writing DHCPv4 servers, the Rust counterpart of
//! Elixir's ExDhcp. You write a [`Handler`]: what to answer to a DISCOVER, a
//! REQUEST, a DECLINE and the rest, with your state in `self`. `ex_dhcp` runs
//! it behind a UDP socket on plain threads, with no async runtime, and lets
//! tests drive the very same code by injecting packets.
//!
//! It is meant for programs that are not async, and for test suites: PXE boot
//! servers, lab and test-bench servers, appliances.
//!
//! # The shape of a server
//!
//! ```text
//!                 UDP socket(s): port 6767 by default, 67 in production
//!                  |                                        ^
//!   receive thread (one per socket):            sender thread: encode,
//!   recv_from, decode, count what fails         pick the destination
//!                  |                            (RFC 2131 4.1), send_to,
//!           bounded queue (full: dropped        count, report failures
//!           and counted)                                    ^
//!                  v                                        |
//!   handler thread: your Handler (&mut self) --- Reply -----+
//!                  ^            ^
//!                  |            +-- Mailbox: messages from your worker threads
//!   Handle (cloneable, any thread): call / cast (run a closure on the state),
//!   inject (a packet, as if received), mailbox, stats, stop, wait
//!   Server (the owner): join (why it stopped + the state)
//! ```
//!
//! Everything the handler thread does with a packet is a plain function of the
//! packet and the time, which is what [`Harness`] runs without any socket or
//! thread, on a clock the test steps.
//!
//! # A handler
//!
//! A closure `FnMut(&Packet, &Source) -> Reply` is a handler; a struct that
//! implements [`Handler`] gets one callback per message type and keeps state.
//! Every callback also gets a [`Context`]: the time of the event
//! ([`Context::now`]; no callback needs to read a clock), the handler's own
//! [`Mailbox`], and [`Context::defer`] (see [Answering later](#answering-later)).
//! Replies start from [`respond`], which copies from the request what RFC 2131
//! says a reply copies (`xid`, `flags`, `giaddr`, `chaddr`, ...).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ex_dhcp::options::{LeaseTime, ServerIdentifier, SubnetMask};
//! use ex_dhcp::{respond, Context, Handler, MessageType, Packet, Reply, Source};
//!
//! const SERVER_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
//!
//! /// Hands out 198.18.0.10, .11, ... one per DISCOVER.
//! struct Counter {
//!     next: u8,
//! }
//!
//! impl Handler for Counter {
//!     type Message = ();
//!     fn discover(&mut self, packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
//!         let address = Ipv4Addr::new(198, 18, 0, self.next);
//!         self.next += 1;
//!         respond(packet, MessageType::Offer)
//!             .with_yiaddr(address)
//!             .with_option(ServerIdentifier, SERVER_ID)
//!             .with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0))
//!             .with_option(LeaseTime, 3600)
//!             .into()
//!     }
//!
//!     fn request(&mut self, packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
//!         let Some(wanted) = packet.options.get(ex_dhcp::options::RequestedIpAddress) else {
//!             return Reply::None;
//!         };
//!         respond(packet, MessageType::Ack)
//!             .with_yiaddr(wanted)
//!             .with_option(ServerIdentifier, SERVER_ID)
//!             .into()
//!     }
//!
//!     fn decline(&mut self, _packet: &Packet, _from: &Source, _: &mut Context) -> Reply {
//!         Reply::None
//!     }
//! }
//! # let _ = Counter { next: 10 };
//! ```
//!
//! # Running it
//!
//! [`Server::start`] binds the sockets of a [`Config`] and starts the threads;
//! the defaults are ExDhcp's: port 6767 (unprivileged), replies to client port
//! 68, broadcasts to 255.255.255.255. The [`Server`] owns the threads; its
//! [`Handle`] ([`Server::handle`]) talks to them, and a clone of it can do so from
//! any thread. [`signal::stop_on_termination`] stops the server cleanly on SIGTERM
//! and Ctrl-C (feature `signal`, Unix).
//!
//! ```no_run
//! # use ex_dhcp::{Context, Handler, Packet, Reply, Source};
//! # struct Counter { next: u8 }
//! # impl Handler for Counter {
//! #     type Message = ();
//! #     fn discover(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply { Reply::None }
//! #     fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply { Reply::None }
//! #     fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply { Reply::None }
//! # }
//! use ex_dhcp::{Config, Server};
//!
//! let server = Server::start(Config::default(), Counter { next: 10 })?;
//! let handle = server.handle();
//! println!("serving on {}", handle.local_addr());
//! let next = handle.call(|state: &mut Counter| state.next)?; // read the state
//! println!("next address ends in .{next}; stats: {}", handle.stats());
//! let exit = server.shutdown(); // stop, then join every thread
//! println!("stopped: {}, last state: .{}", exit.reason, exit.state.next);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For port 67 without root, the iptables redirection, conntrack and binding to
//! an interface, see the README's "Deploying" section.
//!
//! # Answering later
//!
//! The handler thread is the only place the state lives, so it must never wait
//! for a disk, a database or another service. A callback that needs slow work
//! takes a [`Pending`] token with [`Context::defer`], hands it (and the work) to
//! a worker thread, and returns [`Reply::None`]. The worker posts its result to
//! the handler's [`Mailbox`]; [`Handler::message`] gets it on the handler thread
//! and returns [`Pending::reply`], which is routed, fitted and sent from the
//! receiving socket exactly as an immediate reply to that request would have
//! been (RFC 2131 4.1: relay, NAK, `ciaddr`, broadcast). [`ServerStats`] counts tokens
//! made, answered and dropped unanswered ([`ServerStats::deferred_outstanding`]), so a
//! reply that never comes is visible; [`Pending::age`] lets the handler give up
//! on its own terms. [`Context::continue_with`] queues follow-up work on the
//! handler itself, run before the next packet (ExDhcp's `handle_continue`).
//!
//! For lease changes this worker exists: `ex_dhcp::lease::StoreWorker` (feature
//! `lease`) commits what queued up while the last commit ran with one `fsync` (group
//! commit) and reports each batch, and the `lease_server` tool releases its ACKs
//! from [`Handler::message`] when their batch is durable.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::sync::mpsc;
//! use std::thread;
//! use std::time::Duration;
//! use ex_dhcp::{respond, Context, Handler, Harness, Mailbox, MessageType, Packet, Pending, Reply, Source};
//!
//! /// What the lease writer tells the handler.
//! enum Disk {
//!     Written(Pending),
//! }
//!
//! struct Durable {
//!     writer: mpsc::Sender<Pending>,
//! }
//!
//! impl Handler for Durable {
//!     type Message = Disk;
//!     fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context<'_, Disk>) -> Reply {
//!         respond(packet, MessageType::Offer).with_yiaddr(Ipv4Addr::new(198, 18, 0, 10)).into()
//!     }
//!     fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Disk>) -> Reply {
//!         // No ACK before the lease is on disk, and no waiting for the disk here.
//!         let _ = self.writer.send(ctx.defer(packet, from));
//!         Reply::None
//!     }
//!     fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context<'_, Disk>) -> Reply {
//!         Reply::None
//!     }
//!     fn message(&mut self, message: Disk, _: &mut Context<'_, Disk>) -> Reply {
//!         let Disk::Written(pending) = message;
//!         let ack = respond(pending.request(), MessageType::Ack).with_yiaddr(Ipv4Addr::new(198, 18, 0, 10));
//!         pending.reply(ack)
//!     }
//! }
//!
//! /// The worker: write (and fsync) each lease, then release its ACK.
//! fn lease_writer(mailbox: Mailbox<Disk>) -> mpsc::Sender<Pending> {
//!     let (writer, leases) = mpsc::channel::<Pending>();
//!     thread::spawn(move || {
//!         for pending in leases {
//!             // ... write and fsync the lease of `pending.request()` ...
//!             if mailbox.post(Disk::Written(pending)).is_err() {
//!                 break; // the server has stopped
//!             }
//!         }
//!     });
//!     writer
//! }
//!
//! // The same handler runs on a `Server` (`Handle::mailbox` gives the worker its
//! // mailbox); here a harness shows each step.
//! let (unused, _) = mpsc::channel();
//! let mut harness = Harness::new(Durable { writer: unused });
//! let writer = lease_writer(harness.mailbox());
//! harness.call(|state| state.writer = writer);
//!
//! let mut request = Packet::new(MessageType::Request);
//! request.xid = 42;
//! request.giaddr = Ipv4Addr::new(198, 18, 7, 1); // through a relay
//! assert_eq!(harness.inject(request), None); // nothing yet: the lease is being written
//! let written = harness.posted(Duration::from_secs(5)).expect("the writer's message");
//! let ack = harness.deliver(written).expect("the ack, now");
//! assert_eq!((ack.packet.xid, ack.packet.message_type()), (42, Some(MessageType::Ack)));
//! assert_eq!(ack.to.to_string(), "198.18.7.1:67"); // to the relay, like an immediate ack
//! assert_eq!(harness.stats().deferred_outstanding(), 0);
//! ```
//!
//! Time is an input the same way: [`Handler::tick`] runs every
//! [`Config::tick`] on a server, and at each tick a [`Harness::advance`] steps
//! over, with [`Context::now`] at the tick's own instant; calendar time for
//! what outlives the process (lease expiry) is [`Context::system_time`], which a
//! harness test sets ([`Harness::set_system_time`]) and steps the same way.
//! [`Handler::init`] may
//! refuse to start ([`StartError::Init`] with the handler's own
//! [`HandlerError`]);
//! [`Reply::stop_with_error`] stops with a value of the handler's own; datagrams
//! that are not DHCP reach [`Handler::undecodable`] when
//! [`Config::deliver_undecodable`] asks for them; and a [`Handle::cast`] closure
//! returns a [`Reply`] too, so it can send or stop.
//!
//! # Driving it from a test
//!
//! A [`Harness`] hands packets to a handler through the same dispatch, routing
//! and reply fitting as a server, without sockets, and returns each reply with
//! the address it would go to:
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ex_dhcp::{respond, Harness, MessageType, Packet, Reply, Source};
//!
//! let mut harness = Harness::new(|packet: &Packet, _from: &Source| -> Reply {
//!     respond(packet, MessageType::Offer).with_yiaddr(Ipv4Addr::new(198, 18, 0, 10)).into()
//! });
//! let mut discover = Packet::new(MessageType::Discover);
//! discover.xid = 42;
//! let sent = harness.inject(discover).expect("a reply");
//! assert_eq!((sent.packet.xid, sent.packet.message_type()), (42, Some(MessageType::Offer)));
//! assert_eq!(*sent.to.ip(), Ipv4Addr::BROADCAST);
//! ```
//!
//! A running [`Server`] takes packets from [`Handle::inject`] into the same
//! queue as the socket's. To test over real UDP, start the server on
//! 127.0.0.1 port 0 with its client port set to the test's [`Client`] and its
//! broadcast address set to 127.0.0.1, so that broadcast replies reach the
//! client on loopback:
//!
//! ```no_run
//! use std::net::{Ipv4Addr, SocketAddrV4};
//! use std::time::Duration;
//! use ex_dhcp::{respond, Client, Config, MessageType, Packet, Reply, Server, Source};
//!
//! let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
//! let config = Config::default()
//!     .port(0)
//!     .bind_ip(Ipv4Addr::LOCALHOST)
//!     .client_port(client.local_addr()?.port())
//!     .broadcast_addr(Ipv4Addr::LOCALHOST);
//! let server = Server::start(config, |packet: &Packet, _from: &Source| -> Reply {
//!     respond(packet, MessageType::Offer).into()
//! })?;
//!
//! let mut discover = Packet::new(MessageType::Discover);
//! discover.xid = 7;
//! let (offer, _from) = client.exchange(&discover, server.handle().local_addr(), Duration::from_secs(2))?;
//! assert_eq!(offer.message_type(), Some(MessageType::Offer));
//! server.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Recorded traffic can be replayed against a handler as a test too (the
//! [`replay`] module), one that answers later included: the replay delivers what
//! its workers post and waits for the replies.
//!
//! # Logging
//!
//! The library logs through the [`log`](https://docs.rs/log) facade and installs
//! no logger. Packets and replies have log targets of their own, so a logger's
//! filter can turn them on alone (`RUST_LOG=ex_dhcp::rx=debug,ex_dhcp::tx=debug`
//! with `env_logger`; `ex_dhcp=debug` takes in everything below):
//!
//! | target | level | what |
//! |---|---|---|
//! | `ex_dhcp::rx` | debug | each packet received on a socket, one line: message type, `xid`, `chaddr`, `ciaddr`, `yiaddr`, the sender, and the socket (address, device, listener index); with [`Config::deliver_undecodable`], datagrams that did not decode |
//! | `ex_dhcp::rx` | trace | the same packet in full ([`Packet`]'s `Display`) |
//! | `ex_dhcp::tx` | debug | each reply sent, one line: message type, `xid`, `chaddr`, `ciaddr`, `yiaddr`, the address `send_to` was given (where it really went, after routing) and the socket it left from |
//! | `ex_dhcp::tx` | trace | the same reply in full |
//! | `ex_dhcp::tx` | error | a reply that could not be sent, and why |
//! | `ex_dhcp::drop` | debug | a datagram dropped: from IPv6, undecodable, the handler's queue full; a tap record dropped |
//! | `ex_dhcp::drop` | warn | datagrams dropped because the handler stopped; the tap file failing |
//! | `ex_dhcp::server::*` and others | warn, error | a handler's panic, a reply trimmed to fit, receive errors, supervision |
//!
//! ```text
//! DEBUG ex_dhcp::rx DHCPDISCOVER xid 0x00000007 chaddr 02:00:5e:10:00:01 ciaddr 0.0.0.0 yiaddr 0.0.0.0 from 127.0.0.1:40068 on 127.0.0.1:6767 (listener 0)
//! DEBUG ex_dhcp::tx DHCPOFFER xid 0x00000007 chaddr 02:00:5e:10:00:01 ciaddr 0.0.0.0 yiaddr 198.18.0.10 to 127.0.0.1:40068 from 127.0.0.1:6767 (listener 0)
//! ```
//!
//! The packet lines are written by the receive and sender threads, never the
//! handler thread, and cost nothing when their level is off for their target: each
//! is guarded by `log_enabled!`, so nothing is formatted or allocated. Packets given
//! to [`Handle::inject`] and a [`Harness`] did not come from a socket and are not
//! logged at `ex_dhcp::rx`; the replies a server sends for them are logged at
//! `ex_dhcp::tx`. [`ServerStats`] counts what the log describes, and its `Display` is one
//! line for a periodic status.
//!
//! To see the traffic itself, [`Config::tap`] writes it to a pcap file (feature
//! `capture`) that tshark and [`replay`] read.
//!
//! # The codec
//!
//! [`Packet`] holds every BOOTP field under its RFC 2131 name and the options
//! in wire order, unknown codes and duplicates included, so decoding then
//! encoding with [`Encoding::Exact`] gives back the same bytes ([`Encoding::Padded`]
//! is the form to send: END, and at least 300 bytes). Typed keys in [`options`] read and
//! write option values; [`Packet`]'s `Display` is a readable dump with option
//! names. Decoding never panics: bad input is a [`DecodeError`] that says
//! where.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ex_dhcp::options::RequestedIpAddress;
//! use ex_dhcp::{Encoding, MessageType, Packet};
//!
//! let mut request = Packet::new(MessageType::Request);
//! request.set_mac([0x02, 0, 0, 0, 0, 1]);
//! request.options.set(RequestedIpAddress, Ipv4Addr::new(198, 18, 0, 10));
//!
//! let bytes = request.encode(Encoding::Padded);
//! let decoded = Packet::decode(&bytes)?;
//! assert_eq!(decoded, request);
//! assert_eq!(decoded.options.get(RequestedIpAddress), Some(Ipv4Addr::new(198, 18, 0, 10)));
//! println!("{decoded}"); // DHCPREQUEST xid 0x00000000, then one line per field and option
//! # Ok::<(), ex_dhcp::DecodeError>(())
//! ```
//!
//! One method encodes, [`Packet::encode`] (or [`Packet::encode_to`] into a buffer),
//! and an [`Encoding`] says which bytes: [`Encoding::Padded`] is the form to send
//! (END, padded to the 300-byte BOOTP minimum), [`Encoding::Unpadded`] the same
//! without the padding, and [`Encoding::Exact`] gives a decoded packet
//! back byte for byte, sender padding, missing END and all. Plain BOOTP (RFC 951, no
//! magic cookie) decodes too, with no message type; [`respond_bootp`] answers it.
//! [`Packet::decode_lenient`] keeps what is whole when the last option is cut.
//! Wire-layout constants are in [`wire`].
//!
//! [`capture`] reads pcap and pcapng files into datagrams and writes pcap
//! files, for fixtures taken from real networks.
//!
//! # Features
//!
//! | feature | default | what it brings |
//! |---|---|---|
//! | (none) | | the codec: [`Packet`], [`options`], [`MessageType`]; needs only `byteorder` and `log` |
//! | `server` | yes | [`Server`], [`Handle`], [`Handler`], [`Harness`], [`Client`]; supervision and the rest in [`server`] (`socket2`, `crossbeam-channel`) |
//! | `capture` | yes | [`capture`]: pcap and pcapng reading and writing |
//! | `replay` | yes | [`replay`]: a capture replayed against a handler as a test (`server` + `capture`) |
//! | `lease` | yes | [`lease`]: pool, lease table, RFC 2131 lease rules, lease file |
//! | `pxe` | yes | [`pxe`]: PXE boot replies, full and proxyDHCP |
//! | `signal` | yes | [`signal`]: a clean stop on SIGTERM and SIGINT in one line (`server` + `signal-hook`; Unix) |
//!
//! `ex_dhcp = { version = "0.2", default-features = false }` compiles the codec alone.
//!
//! # The tools
//!
//! The `ex_dhcp-tools` package beside the library (`cargo install --path tools`)
//! has the programs users run: `snoop` (log and save every DHCP packet), `send`
//! (send a saved packet, print the reply), `record_test` (a capture becomes a test),
//! `lease_server`, `pxe`, `loadgen` and `dump_captures`. `cargo run --example demo`
//! runs a server and simulated clients on loopback, with no root.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, unreachable_pub)]

#[cfg(feature = "capture")]
pub mod capture;
#[cfg(feature = "server")]
mod client;
#[cfg(feature = "config")]
pub mod config;
mod error;
#[cfg(feature = "lease")]
pub mod lease;
pub mod options;
mod packet;
#[cfg(feature = "pxe")]
pub mod pxe;
#[cfg(feature = "replay")]
pub mod replay;
#[cfg(feature = "server")]
pub mod server;
#[cfg(all(feature = "signal", unix))]
pub mod signal;
#[cfg(any(feature = "server", feature = "lease"))]
mod wake;
pub mod wire;

pub use error::{DecodeError, EncodeError, OptionError};
pub use packet::{
    respond, respond_bootp, Encoding, Flags, Lenient, Mac, MacParseError, MessageType, Op, Packet,
    PacketDisplay, Truncation,
};
// What a server's author uses every day; the rest of the server is in `server`.
#[cfg(feature = "server")]
pub use server::{
    CallError, Client, ClientError, Config, Context, Handle, Handler, HandlerError, Harness,
    Mailbox, NotRunning, Pending, Reply, Server, ServerStats, Source, StartError, StopReason,
};

/// The README's Rust blocks, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
