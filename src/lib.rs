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
// The guide to servers, from "The shape of a server" to "Logging": its links and
// examples are the `server` feature's, so the codec alone documents without it.
#![cfg_attr(feature = "server", doc = include_str!("docs/server.md"))]
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
//! [`metrics`] turns a server's counters (`ServerStats::metrics`) and a lease
//! service's (`LeaseService::metrics`) into a list of metrics under stable,
//! Prometheus-style names, for any exporter.
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
//! | `config` | no | [`config`]: a lease server's configuration from a TOML file, reloaded while serving (`serde`, `toml`) |
//! | `postgres` | no | [`lease::PgStore`]: leases in a PostgreSQL database several servers share (`diesel` on libpq) |
//!
//! `ex_dhcp = { version = "0.2", default-features = false }` compiles the codec alone.
//!
//! # The tools
//!
//! The `ex_dhcp-tools` package beside the library (`cargo install --path tools`)
//! has the programs users run: `snoop` (log and save every DHCP packet), `send`
//! (send a saved packet, print the reply), `record_test` (a capture becomes a test),
//! `lease_server` (with Prometheus metrics and a control socket), `lease_ctl`, `pxe`,
//! `loadgen` and `dump_captures`. `cargo run --example demo`
//! runs a server and simulated clients on loopback, with no root.
//!
//! On docs.rs every feature is on, and each item that needs one says which.
//!
// Without a feature, the links above to what it brings lead to the table of features
// (the guide to servers is left out whole without `server`).
#![cfg_attr(
    not(feature = "server"),
    doc = "[`Handler`]: #features\n[`Server`]: #features\n[`Handle`]: #features\n\
           [`Harness`]: #features\n[`Client`]: #features\n[`server`]: #features"
)]
#![cfg_attr(
    not(feature = "capture"),
    doc = "[`capture`]: #features\n[`Config::tap`]: #features"
)]
#![cfg_attr(not(feature = "replay"), doc = "[`replay`]: #features")]
#![cfg_attr(not(feature = "lease"), doc = "[`lease`]: #features")]
#![cfg_attr(not(feature = "pxe"), doc = "[`pxe`]: #features")]
#![cfg_attr(
    not(all(feature = "signal", unix)),
    doc = "[`signal`]: #features\n[`signal::stop_on_termination`]: #features"
)]
#![cfg_attr(not(feature = "config"), doc = "[`config`]: #features")]
#![cfg_attr(not(feature = "postgres"), doc = "[`lease::PgStore`]: #features")]
// docs.rs builds with `--cfg docsrs` (Cargo.toml): items behind a feature say which.
#![cfg_attr(docsrs, feature(doc_cfg))]
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
pub mod metrics;
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
