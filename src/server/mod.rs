//! The server: sockets, threads and the handler that gives them a meaning.
//!
//! The files follow a packet: [`receive`] (one thread per socket: recv, decode,
//! queue) → [`handler_thread`] (the loop) around [`dispatch`] (the pure part: an
//! event in, a routed reply out, no I/O and no clock) → [`send`] (the sender thread).
//!
//! ```text
//!  socket(s) --recv--> receive thread (one per socket): decode, count, try_send
//!                          |  bounded queue (full: dropped and counted)
//!                          v
//!  handle --call/cast/stop--> handler thread: dispatch on op and option 53 to the
//!  handle --inject---------->   Handler (&mut state), route (RFC 2131 4.1), fit
//!  mailbox --post----------->   (messages from workers: Handler::message)
//!                          |  queue of replies          ^ send failures
//!                          v                            |
//!                       sender thread: encode, send_to from the receiving socket
//! ```
//!
//! Packets cross between threads boxed, and the boxes go back for reuse: a request's
//! from the handler thread to the receive threads, a reply's from the sender thread
//! to the handler thread. Each hop moves a pointer, not a 448-byte `Packet`, and
//! once the pools are warm no box is allocated.
//!
//! Shutdown goes stage by stage: the handler thread leaves its loop (on the stop
//! message, or because the handler stopped), drops the reply queue and sets the stop
//! flag; the receive threads see it at their next read timeout and end; the handler
//! thread counts what they queued until the last has ended, then calls
//! [`Handler::terminate`]; the sender thread drains the reply queue and ends.
//! [`Server::join`] joins them all.

mod config;
mod context;
mod destination;
mod dispatch;
mod error;
mod fit;
mod handler;
mod handler_thread;
mod harness;
mod outcome;
mod receive;
mod running;
mod send;
mod socket;
mod stats;
mod supervise;
#[cfg_attr(not(feature = "capture"), allow(dead_code))]
mod tap;
mod traffic;
mod wait;

pub use config::{
    Config, DestinationPolicy, Routing, SocketConfig, CLIENT_PORT, DEFAULT_PORT, SERVER_PORT,
};
pub use context::{Context, Mailbox, Pending};
pub use destination::destination;
pub use dispatch::{Exit, Outgoing};
pub use error::{CallError, NotRunning, SendError, StartError};
pub use handler::{Handler, Listener, SendFailure, Source, Undecodable};
pub use harness::Harness;
pub use outcome::{Deferred, HandlerError, Reply, StopReason};
pub use running::Server;
pub(crate) use socket::is_timeout;
pub use stats::ServerStats;
pub use supervise::{supervise, RestartPolicy, Supervisor, SupervisorExit};
