//! The server: a [`Handler`] behind UDP sockets, on plain threads, and everything
//! around it.
//!
//! What a server's author uses every day is also at the crate root ([`Server`],
//! [`Handle`], [`Config`], [`Handler`], [`Context`], [`Reply`], [`Harness`], ...).
//! This module holds the whole server, those included, and the rest: supervision
//! ([`supervise`]), where replies go ([`destination`], [`Routing`],
//! [`DestinationPolicy`]), the sockets ([`SocketConfig`], [`Listener`]), the types of
//! the less common callbacks ([`Undecodable`], [`SendFailure`]), and the ports.
//!
//! ```text
//!  socket(s) --recv--> receive thread (one per socket): decode, count, try_send
//!                          |  bounded queue (full: dropped and counted)
//!                          v
//!  Handle --call/cast/stop--> handler thread: dispatch on op and option 53 to the
//!  Handle --inject---------->   Handler (&mut state), route (RFC 2131 4.1), fit
//!  Mailbox --post----------->   (messages from workers: Handler::message)
//!                          |  queue of replies          ^ send failures
//!                          v                            |
//!                       sender thread: encode, send_to from the receiving socket
//! ```
//!
//! A stop goes stage by stage, each stage ending when the one before it has let go of
//! its channel: the handler thread leaves its loop (stopped through a [`Handle`], or
//! because the handler stopped); the receive threads see that at their next datagram
//! or read timeout and end; the handler thread counts what they queued meanwhile,
//! then calls [`Handler::terminate`]; the sender thread sends the replies already
//! queued and ends. [`Server::join`] joins them all.

// The files follow a packet: `receive` (one thread per socket: recv, decode, queue),
// `handler_thread` (the loop, in the order `schedule` gives) around `dispatch` (the
// pure part: an event in, a routed reply out, no I/O and no clock), `send` (the sender
// thread). `wiring` makes one server's channels and threads; `handle` is what talks
// to them; `running` and `supervise` own them.
//
// Packets cross between threads boxed, and the boxes go back for reuse: a request's
// from the handler thread to the receive threads, a reply's from the sender thread to
// the handler thread. Each hop moves a pointer, not a 448-byte `Packet`, and once the
// pools are warm no box is allocated.

mod alive;
mod config;
mod context;
mod destination;
mod dispatch;
mod error;
mod fit;
mod handle;
mod handler;
mod handler_thread;
mod harness;
mod outcome;
mod receive;
mod running;
mod schedule;
mod send;
mod socket;
mod stats;
mod supervise;
#[cfg_attr(not(feature = "capture"), allow(dead_code))]
mod tap;
mod traffic;
mod wait;
mod wiring;

pub use crate::client::{Client, ClientError};
pub use config::{
    Config, DestinationPolicy, Routing, SocketConfig, CLIENT_PORT, DEFAULT_PORT, SERVER_PORT,
};
pub use context::{Context, Mailbox, Pending};
pub use destination::destination;
pub use dispatch::{Exit, Outgoing};
pub use error::{CallError, NotRunning, SendError, StartError};
pub use handle::Handle;
pub use handler::{Handler, Listener, SendFailure, Source, Undecodable};
pub use harness::Harness;
pub use outcome::{Deferred, HandlerError, Reply, StopReason};
pub use running::Server;
pub(crate) use socket::is_timeout;
pub use stats::ServerStats;
pub use supervise::{supervise, RestartPolicy, Supervisor, SupervisorExit};
