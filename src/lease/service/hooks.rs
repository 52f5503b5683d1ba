//! The user's code in the lease service: who is admitted, which subnet, what data a
//! client gets, the last word on every reply, and every lease change as it happens.

use std::fmt;
use std::sync::Arc;

use crate::lease::event::LeaseEvent;
use crate::lease::host::Host;
use crate::lease::pool::Mac;
use crate::lease::subnet::SubnetId;
use crate::lease::table::ClientKey;
use crate::{Packet, Source};

use super::message::{Inner, LeaseMessage, Poster};

/// What the lease service knows of a request when it calls a hook.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// The request.
    pub request: &'a Packet,
    /// Its client's key (option 61, else `chaddr`).
    pub client: &'a ClientKey,
    /// Its client's MAC address, when the hardware is Ethernet.
    pub mac: Option<Mac>,
    /// The host the service knows for that MAC ([`LeaseService::add_host`]), if any.
    ///
    /// [`LeaseService::add_host`]: crate::lease::LeaseService::add_host
    pub host: Option<&'a Host>,
    /// The request's subnet: for [`Hooks::reply`], the one the reply is from; for
    /// the other hooks, `None` (the subnet hook gets the engine's choice apart).
    pub subnet: Option<SubnetId>,
    /// The socket it came in on and its sender; `None` for a request answered later
    /// (held for a verdict or a lookup).
    pub from: Option<&'a Source>,
}

/// What the [`Hooks::admit`] hook decides for a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Serve the client.
    Allow,
    /// Ignore the client: no reply, as if the server were not there.
    Deny,
    /// Decide later: the service holds the request (and drops the client's
    /// retransmissions of it) until the hook's [`Decide`] is used, then answers it or
    /// drops it. The verdict is remembered for the client
    /// ([`ServiceConfig::verdict_ttl`](super::ServiceConfig::verdict_ttl)).
    Later,
}

/// How a decision left for later comes back: send it to the thread that decides
/// (it is `Send`), and call [`allow`](Decide::allow) or [`deny`](Decide::deny) there.
/// Dropping it decides nothing; the held request is dropped after
/// [`ServiceConfig::admission_timeout`](super::ServiceConfig::admission_timeout).
pub struct Decide {
    pub(super) client: ClientKey,
    pub(super) request: Arc<Packet>,
    pub(super) post: Poster,
}

impl Decide {
    /// The client to decide on.
    pub fn client(&self) -> &ClientKey {
        &self.client
    }

    /// The request that asked (its MAC, its vendor class, ...).
    pub fn request(&self) -> &Packet {
        &self.request
    }

    /// Serve the client: its held request is answered now. `false` when the server
    /// has stopped.
    pub fn allow(self) -> bool {
        (self.post)(LeaseMessage(Inner::Verdict(self.client, true)))
    }

    /// Ignore the client: its held request is dropped. `false` when the server has
    /// stopped.
    pub fn deny(self) -> bool {
        (self.post)(LeaseMessage(Inner::Verdict(self.client, false)))
    }
}

impl fmt::Debug for Decide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decide")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// The user's code in a [`LeaseService`](super::LeaseService): every method has a
/// default that leaves the service as it is, so a user writes only the hooks they
/// need. They run on the handler thread: a slow one (a database, another service)
/// hands its work to a thread of its own and answers through [`Decide`] or the
/// service's operator methods (`Server::call`).
///
/// ```
/// use std::sync::mpsc;
/// use ex_dhcp::lease::{Admission, Decide, Hooks, LeaseEvent, RequestInfo};
///
/// /// Hosts the service knows are served at once; other MACs are asked about on a
/// /// thread.
/// struct Lab {
///     inventory: mpsc::Sender<Decide>,
/// }
///
/// impl Hooks for Lab {
///     fn admit(&mut self, info: &RequestInfo<'_>, decide: Decide) -> Admission {
///         match (info.host, info.mac) {
///             (Some(_), _) => Admission::Allow,
///             (None, Some(_)) => {
///                 let _ = self.inventory.send(decide); // the inventory thread decides
///                 Admission::Later
///             }
///             (None, None) => Admission::Deny,
///         }
///     }
///
///     fn event(&mut self, event: &LeaseEvent) {
///         println!("{event}");
///     }
/// }
/// ```
pub trait Hooks: Send + 'static {
    /// Whether to serve the client of a DISCOVER, REQUEST, INFORM or BOOTP request
    /// (RELEASE and DECLINE, which only end leases, are not asked about). Called once
    /// per client until a verdict is remembered. The default serves everyone.
    fn admit(&mut self, info: &RequestInfo<'_>, decide: Decide) -> Admission {
        let _ = (info, decide);
        Admission::Allow
    }

    /// The subnet for a request: `chosen` is the engine's choice (see
    /// [`SubnetConfig`](crate::lease::SubnetConfig)), `None` when it would ignore the
    /// request; return another to override it, `None` to ignore the request. The
    /// default keeps the engine's choice.
    fn subnet(&mut self, info: &RequestInfo<'_>, chosen: Option<SubnetId>) -> Option<SubnetId> {
        let _ = info;
        chosen
    }

    /// The client's data for this request (a fixed address, a host name, a boot file,
    /// options), from the user's own inventory; `None`, the default, uses the host
    /// added to the service for its MAC ([`RequestInfo::host`]), if any. See
    /// [`Hints::host`](crate::lease::Hints::host) for what a fixed address given here
    /// must respect.
    fn host(&mut self, info: &RequestInfo<'_>) -> Option<Host> {
        let _ = info;
        None
    }

    /// The last word on a reply (OFFER, ACK, NAK, BOOTP reply) before it is sent or
    /// held until its lease is durable: add, change or remove options and fields. The
    /// default leaves it as it is.
    fn reply(&mut self, info: &RequestInfo<'_>, reply: &mut Packet) {
        let _ = (info, reply);
    }

    /// A lease changed: bound, renewed, released and declined once the change is
    /// durable; expired when the tick reclaims it; lost race when a shared store
    /// refused it. For audit logs, DNS updates, metrics. The default does nothing.
    fn event(&mut self, event: &LeaseEvent) {
        let _ = event;
    }
}

/// The hooks of a service that needs none: every default.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl Hooks for NoHooks {}
