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
//!                  ^
//!   Server handle: call / cast (run a closure on the state), inject (a packet,
//!   as if received), stats, stop, join (why it stopped + the final state)
//! ```
//!
//! Everything the handler thread does with a packet is a plain function of the
//! packet, which is what [`Harness`] runs without any socket or thread.
//!
//! # A handler
//!
//! A closure `FnMut(&Packet, &Source) -> Reply` is a handler; a struct that
//! implements [`Handler`] gets one callback per message type and keeps state.
//! Replies start from [`respond`], which copies from the request what RFC 2131
//! says a reply copies (`xid`, `flags`, `giaddr`, `chaddr`, ...).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ex_dhcp::options::{LeaseTime, ServerIdentifier, SubnetMask};
//! use ex_dhcp::{respond, Handler, MessageType, Packet, Reply, Source};
//!
//! const SERVER_ID: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
//!
//! /// Hands out 198.18.0.10, .11, ... one per DISCOVER.
//! struct Counter {
//!     next: u8,
//! }
//!
//! impl Handler for Counter {
//!     fn discover(&mut self, packet: &Packet, _from: &Source) -> Reply {
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
//!     fn request(&mut self, packet: &Packet, _from: &Source) -> Reply {
//!         let Some(wanted) = packet.options.get(ex_dhcp::options::RequestedIpAddress) else {
//!             return Reply::None;
//!         };
//!         respond(packet, MessageType::Ack)
//!             .with_yiaddr(wanted)
//!             .with_option(ServerIdentifier, SERVER_ID)
//!             .into()
//!     }
//!
//!     fn decline(&mut self, _packet: &Packet, _from: &Source) -> Reply {
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
//! 68, broadcasts to 255.255.255.255.
//!
//! ```no_run
//! # use ex_dhcp::{Handler, Packet, Reply, Source};
//! # struct Counter { next: u8 }
//! # impl Handler for Counter {
//! #     fn discover(&mut self, _: &Packet, _: &Source) -> Reply { Reply::None }
//! #     fn request(&mut self, _: &Packet, _: &Source) -> Reply { Reply::None }
//! #     fn decline(&mut self, _: &Packet, _: &Source) -> Reply { Reply::None }
//! # }
//! use ex_dhcp::{Config, Server};
//!
//! let server = Server::start(Config::default(), Counter { next: 10 })?;
//! println!("serving on {}", server.local_addr());
//! let next = server.call(|state: &mut Counter| state.next)?; // read the state
//! println!("next address ends in .{next}; stats: {:?}", server.stats());
//! let exit = server.shutdown(); // stop, then join every thread
//! println!("stopped: {}, last state: .{}", exit.reason, exit.state.next);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For port 67 without root, the iptables redirection, conntrack and binding to
//! an interface, see the README's "Deploying" section.
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
//! A running [`Server`] takes packets from [`Server::inject`] into the same
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
//! let (offer, _from) = client.exchange(&discover, server.local_addr(), Duration::from_secs(2))?;
//! assert_eq!(offer.message_type(), Some(MessageType::Offer));
//! server.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Recorded traffic can be replayed against a handler as a test too (the
//! [`replay`] module).
//!
//! # The codec
//!
//! [`Packet`] holds every BOOTP field under its RFC 2131 name and the options
//! in wire order, unknown codes and duplicates included, so decoding then
//! encoding gives back the same bytes. Typed keys in [`options`] read and
//! write option values; [`Packet`]'s `Display` is a readable dump with option
//! names. Decoding never panics: bad input is a [`DecodeError`] that says
//! where.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ex_dhcp::options::RequestedIpAddress;
//! use ex_dhcp::{MessageType, Packet};
//!
//! let mut request = Packet::new(MessageType::Request);
//! request.set_mac([0x02, 0, 0, 0, 0, 1]);
//! request.options.set(RequestedIpAddress, Ipv4Addr::new(198, 18, 0, 10));
//!
//! let bytes = request.encode();
//! let decoded = Packet::decode(&bytes)?;
//! assert_eq!(decoded, request);
//! assert_eq!(decoded.options.get(RequestedIpAddress), Some(Ipv4Addr::new(198, 18, 0, 10)));
//! println!("{decoded}"); // DHCPREQUEST xid 0x00000000, then one line per field and option
//! # Ok::<(), ex_dhcp::DecodeError>(())
//! ```
//!
//! Two encodings: [`Packet::encode`] is the reply form a server sends (END, padded
//! to the 300-byte BOOTP minimum); [`Packet::encode_exact`] gives a decoded packet
//! back byte for byte, sender padding, missing END and all. Plain BOOTP (RFC 951, no
//! magic cookie) decodes too, with no message type; [`respond_bootp`] answers it.
//! [`Packet::decode_lenient`] keeps what is whole when the last option is cut.
//! Wire-layout constants are in [`wire`].
//!
//! [`capture`] reads pcap and pcapng files into datagrams and writes pcap
//! files, for fixtures taken from real networks.
//!
//! # The tools
//!
//! Examples that build with the crate (see the README for their flags):
//!
//! - `cargo run --example demo`: a server and three simulated clients on
//!   loopback, no root needed;
//! - `cargo run --example snoop`: log every DHCP packet on ports 67 and 68
//!   decoded, and save them as `.bin` files or pcap;
//! - `cargo run --example send -- FILE`: send a saved packet to a server and
//!   print the reply;
//! - `cargo run --example minimal`: the smallest useful server.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, unreachable_pub)]

pub mod capture;
mod client;
mod error;
pub mod options;
mod packet;
pub mod replay;
mod server;

pub use client::{Client, ClientError};
pub use error::{DecodeError, EncodeError, OptionError};
pub use packet::layout as wire;
pub use packet::{
    respond, respond_bootp, Flags, Lenient, MessageType, Op, Packet, PacketDisplay, Truncation,
};
pub use server::{
    destination, supervise, CallError, Config, DestinationPolicy, Exit, Handler, Harness, Listen,
    Listener, Outgoing, Reply, RestartPolicy, Routing, SendFailure, Server, Source, StartError,
    Stats, StopReason, Stopped, Supervisor, SupervisorExit, CLIENT_PORT, DEFAULT_PORT, SERVER_PORT,
};

/// The README's Rust blocks, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
