//! The server: sockets, threads and the handler that gives them a meaning.
//!
//! ```text
//!  socket(s) --recv--> receive thread (one per socket): decode, count, try_send
//!                          |  bounded queue (full: dropped and counted)
//!                          v
//!  handle --call/cast/stop--> handler thread: dispatch on op and option 53 to the
//!  handle --inject---------->   Handler (&mut state), route (RFC 2131 4.1), fit
//!                          |  queue of replies          ^ send failures
//!                          v                            |
//!                       sender thread: encode, send_to from the receiving socket
//! ```
//!
//! Shutdown goes stage by stage: the receive threads see the stop flag at their next
//! read timeout and drop their senders; the handler thread leaves its loop on the
//! stop message, calls [`Handler::terminate`] and drops the reply queue; the sender
//! thread drains it and ends. [`Server::join`] joins them all.

mod config;
mod destination;
mod dispatch;
mod error;
mod fit;
mod handle;
mod handler;
mod harness;
mod receive;
mod reply;
mod send;
mod socket;
mod stats;
mod supervise;
mod wait;

pub use config::{
    Config, DestinationPolicy, Listen, Routing, CLIENT_PORT, DEFAULT_PORT, SERVER_PORT,
};
pub use destination::destination;
pub use dispatch::{Exit, Outgoing};
pub use error::{CallError, StartError, Stopped};
pub use handle::Server;
pub use handler::{Handler, Listener, SendFailure, Source};
pub use harness::Harness;
pub use reply::{Reply, StopReason};
pub(crate) use socket::is_timeout;
pub use stats::Stats;
pub use supervise::{supervise, RestartPolicy, Supervisor, SupervisorExit};
