//! The user's code in the lease service: who is admitted, which subnet, what data a
//! client gets, the last word on every reply, and every lease change as it happens.

use std::fmt;

use crate::lease::event::LeaseEvent;
use crate::lease::host::Host;
use crate::lease::subnet::SubnetId;
use crate::lease::table::ClientKey;
use crate::{Packet, Source};

use super::message::{Inner, LeaseMessage, Poster};

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
    pub(super) post: Poster,
}

impl Decide {
    /// The client to decide on.
    pub fn client(&self) -> &ClientKey {
        &self.client
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
/// use ex_dhcp::lease::{Admission, Decide, Hooks, LeaseEvent, ClientKey};
/// use ex_dhcp::Packet;
///
/// /// Known MACs are served at once; unknown ones are asked about on a thread.
/// struct Lab {
///     known: Vec<ex_dhcp::Mac>,
///     inventory: mpsc::Sender<Decide>,
/// }
///
/// impl Hooks for Lab {
///     fn admit(&mut self, request: &Packet, _client: &ClientKey, decide: Decide) -> Admission {
///         match request.mac() {
///             Some(mac) if self.known.contains(&mac) => Admission::Allow,
///             Some(_) => {
///                 let _ = self.inventory.send(decide); // the inventory thread decides
///                 Admission::Later
///             }
///             None => Admission::Deny,
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
    fn admit(&mut self, request: &Packet, client: &ClientKey, decide: Decide) -> Admission {
        let _ = (request, client, decide);
        Admission::Allow
    }

    /// The subnet for a request: `chosen` is the engine's choice (see
    /// [`SubnetConfig`](crate::lease::SubnetConfig)), `None` when it would ignore the
    /// request; return another to override it, `None` to ignore the request. The
    /// default keeps the engine's choice.
    fn subnet(
        &mut self,
        request: &Packet,
        from: &Source,
        chosen: Option<SubnetId>,
    ) -> Option<SubnetId> {
        let _ = (request, from);
        chosen
    }

    /// The client's data for this request (a fixed address, a host name, a boot file,
    /// options), from the user's own inventory; `None`, the default, uses the hosts
    /// added to the service, if any. See [`Hints::host`](crate::lease::Hints::host)
    /// for what a fixed address given here must respect.
    fn host(&mut self, request: &Packet, client: &ClientKey) -> Option<Host> {
        let _ = (request, client);
        None
    }

    /// The last word on a reply (OFFER, ACK, NAK, BOOTP reply) before it is sent or
    /// held until its lease is durable: add, change or remove options and fields. The
    /// default leaves it as it is.
    fn reply(&mut self, request: &Packet, reply: &mut Packet, subnet: Option<SubnetId>) {
        let _ = (request, reply, subnet);
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
