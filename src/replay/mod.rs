//! Replay recorded DHCP traffic against a [`Handler`](crate::Handler) and diff
//! its replies with the ones the real server sent.
//!
//! # Turn a capture into a test
//!
//! 1. Record the network: `snoop` (in `ex_dhcp-tools`), `tcpdump -i eth0 -w
//!    dhcp.pcap port 67 or port 68`, or Wireshark (pcap or pcapng).
//! 2. Write the test, in one command from the root of your crate:
//!
//!    ```text
//!    record_test --pcap dhcp.pcap --name office_dora \
//!        --handler 'my_crate::MyHandler::new()' --out tests/
//!    ```
//!
//!    (`record_test` is one of the tools: `cargo install --path tools` from a
//!    checkout of ex_dhcp installs it). It copies the capture to
//!    `tests/data/office_dora.pcap` and writes `tests/office_dora.rs`, which
//!    replays it against your handler.
//! 3. `cargo test --test office_dora`: it fails with a diff until the handler
//!    answers like the recorded server, then guards that behaviour.
//!
//! By hand, a test is a few lines:
//!
//! ```no_run
//! # use ex_dhcp::{Handler, Packet, Reply, Source};
//! # struct MyHandler;
//! # impl Handler for MyHandler {
//! #     type Message = ();
//! #     fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { Reply::None }
//! #     fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { Reply::None }
//! #     fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { Reply::None }
//! # }
//! use ex_dhcp::replay::{Recording, Replay, ReplayError};
//!
//! #[test]
//! fn office_dora() -> Result<(), ReplayError> {
//!     let recording = Recording::read("tests/data/office_dora.pcap")?;
//!     Replay::new(recording)
//!         .ignore_field("secs")
//!         .ignore_option(51)
//!         .run(MyHandler)?;
//!     Ok(())
//! }
//! ```
//!
//! or, panicking with the diff, `assert_replay!(MyHandler, "tests/data/office_dora.pcap");`
//! (see [`assert_replay!`](crate::assert_replay)).
//!
//! # What is replayed and compared
//!
//! - **Input**: read once, then replayed. [`Recording::read`] takes a classic
//!   pcap or pcapng capture (UDP to or from port 67 or 68; other traffic is
//!   skipped, and a recording with no client packet says which ports were
//!   looked for), a `.bin` file holding one DHCP payload, or a directory of
//!   them in capture order, numbers in names compared as numbers.
//!   [`Recording::reader`] takes other ports before it reads a path, or a
//!   capture from any reader (one held in memory, say);
//!   [`Recording::from_packets`] pairs packets built in code.
//! - **Pairing**: each client packet (op BOOTREQUEST) is an [`Exchange`] with
//!   the server replies recorded for it, matched on xid and `chaddr` (so
//!   interleaved clients stay apart) and on message type (an OFFER answers a
//!   DISCOVER). A request with no recorded reply expects none.
//! - **Running**: each client packet goes through the socket-less
//!   [`Harness`](crate::Harness), the handler thread's own dispatch, routing
//!   and fitting, as if it came from the recorded sender.
//! - **Replies answered later**: a handler that defers a request
//!   ([`Context::defer`](crate::Context::defer)) and answers when a worker
//!   posts to its mailbox (a lease server holding its ACK until the lease is
//!   durable) gets what workers post delivered, whether it answers a request or
//!   not, and its replies are waited for where the recording shows them, up to
//!   [`Replay::reply_timeout`] (5 seconds by default). A reply that never comes
//!   fails the run with [`ReplayError::ReplyTimeout`], naming the request and
//!   how long the replay waited. Replies that come later are matched to their
//!   requests as recorded ones are.
//! - **Comparing**: reply by reply, every header field ([`Field`]) and every
//!   option by code, occurrences of a code joined (RFC 3396), values shown
//!   decoded ([`options::describe`](crate::options::describe)). A missing or
//!   extra reply is a difference; so is a handler that panics. Option order
//!   and the destination are compared only when asked
//!   ([`Replay::compare_option_order`], [`Replay::compare_destination`], the
//!   routing of [`Replay::config`]).
//! - **Ignoring** what legitimately varies: [`Replay::ignore_field`],
//!   [`Replay::ignore_option`], [`Replay::ignore_option_value`],
//!   [`Replay::ignore_lease_times`], [`Replay::ignore_server_address`].
//! - **No server replies at all** in the recording: the handler's replies
//!   are reported ([`Report::compared`] is false), not compared, and the run
//!   passes; print the report to see them.
//!
//! A failing run returns [`ReplayError::Differences`], whose `Display` (and
//! `Debug`, for tests returning `Result`) is the diff:
//!
//! ```text
//! replay of tests/data/office_dora.pcap: the replies to 1 of 2 client packets differ
//! exchange 1: DHCPDISCOVER xid 0x00003d1d from 0.0.0.0:68 (frame 1), chaddr 00:0b:82:01:fc:42
//!   reply DHCPOFFER xid 0x00003d1d (frame 2):
//!     yiaddr: recorded 192.168.0.10, got 192.168.0.11
//!     option 51 ip address lease time: recorded 3600, got 7200
//!     missing option 66 tftp server name: recorded "192.168.0.1"
//! ```
//!
//! # Example
//!
//! A capture built in memory, replayed against a closure handler:
//!
//! ```
//! use std::net::Ipv4Addr;
//! use std::time::Duration;
//! use ex_dhcp::capture::{Datagram, PcapWriter};
//! use ex_dhcp::replay::{Recording, Replay};
//! use ex_dhcp::{respond, Encoding, MessageType, Packet, Reply, Source};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let discover = Packet::new(MessageType::Discover);
//! let offer = respond(&discover, MessageType::Offer).with_yiaddr(Ipv4Addr::new(192, 0, 2, 10));
//! let mut pcap = PcapWriter::new(Vec::new())?;
//! for (packet, from, to) in [(&discover, "0.0.0.0:68", "255.255.255.255:67"),
//!                            (&offer, "192.0.2.1:67", "255.255.255.255:68")] {
//!     pcap.write_datagram(&Datagram {
//!         timestamp: Duration::ZERO,
//!         source: from.parse()?,
//!         destination: to.parse()?,
//!         payload: packet.encode(Encoding::Padded),
//!     })?;
//! }
//! let recording = Recording::reader().read_from(&pcap.into_inner()[..])?;
//!
//! let handler = |packet: &Packet, _: &Source| -> Reply {
//!     respond(packet, MessageType::Offer).with_yiaddr(Ipv4Addr::new(192, 0, 2, 11)).into()
//! };
//! let error = Replay::new(recording).run(handler).unwrap_err();
//! assert!(error.to_string().contains("yiaddr: recorded 192.0.2.10, got 192.0.2.11"));
//! # Ok(())
//! # }
//! ```

mod diff;
mod error;
mod ignore;
mod read;
mod recording;
mod report;
mod run;
mod session;

pub use diff::Difference;
pub use error::{Origin, ReplayError};
pub use ignore::Field;
pub use read::RecordingReader;
pub use recording::{Exchange, PortFilter, Recorded, Recording};
pub use report::{ExchangeReport, Mismatch, Report, Sent};
pub use run::Replay;

/// Replays a recording against a handler and panics with the diff when the
/// replies differ: one line in a `#[test]`.
///
/// The recording is a path that [`Recording::read`] reads: a pcap or pcapng
/// capture on ports 67 and 68, a `.bin` file, or a directory of them. Builder
/// calls of [`Replay`] may follow, written as calls: `ignore_field("secs")`,
/// `ignore_option(51)`, `compare_destination()`, `reply_timeout(duration)`.
/// Evaluates to the [`Report`]. For a capture on other ports, read it with
/// [`Recording::reader`] and run [`Replay::new`].
///
/// ```no_run
/// use ex_dhcp::{assert_replay, Handler, Packet, Reply, Source};
///
/// struct Silent;
/// impl Handler for Silent {
///     type Message = ();
///     fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { Reply::None }
///     fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { Reply::None }
///     fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { Reply::None }
/// }
///
/// assert_replay!(Silent, "tests/data/office.pcap");
/// assert_replay!(Silent, "tests/data/office.pcap", ignore_field("secs"), ignore_option(51));
/// ```
#[macro_export]
macro_rules! assert_replay {
    ($handler:expr, $recording:expr $(, $method:ident ( $($argument:expr),* ) )* $(,)?) => {
        match $crate::replay::Recording::read($recording).and_then(|recording| {
            $crate::replay::Replay::new(recording) $(.$method($($argument),*))* .run($handler)
        }) {
            Ok(report) => report,
            Err(error) => panic!("{}", error),
        }
    };
}
