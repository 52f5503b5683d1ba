//! What ex_dhcp's own test suites share (`tests/it`, `tests/process`, the tools'
//! suites): the repository's fixtures, a server and a client on loopback, bounded
//! waits, a log capture and readings of the process from /proc.
//!
//! One crate instead of a support module copied into every test binary. Not
//! published; its API is whatever the suites need.
#![allow(missing_docs)]

pub mod decode;
pub mod fixtures;
pub mod loopback;
pub mod misdirect;
pub mod observe;
pub mod postgres;
pub mod replay;
pub mod stores;

use ex_dhcp::Handler;

pub use fixtures::*;
pub use loopback::*;
pub use observe::*;

/// Callbacks, named in a handler's `impl`, that answer nothing: for handlers whose
/// point is an optional callback or their state, not the required three.
///
/// ```ignore
/// impl Handler for Informs {
///     type Message = ();
///     ex_dhcp_testkit::silent_callbacks!(discover, request, decline);
///     fn inform(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { ... }
/// }
/// ```
#[macro_export]
macro_rules! silent_callbacks {
    ($($callback:ident),+ $(,)?) => {
        $(
            fn $callback(
                &mut self,
                _: &ex_dhcp::Packet,
                _: &ex_dhcp::Source,
                _: &mut ex_dhcp::Context<'_, Self::Message>,
            ) -> ex_dhcp::Reply {
                ex_dhcp::Reply::None
            }
        )+
    };
}

/// A handler that answers nothing and overrides no optional callback.
pub struct Silent;

impl Handler for Silent {
    type Message = ();
    crate::silent_callbacks!(discover, request, decline);
}
