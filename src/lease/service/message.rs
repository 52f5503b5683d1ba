//! What the lease service's threads and its users' threads tell it.

use std::fmt;

use crate::lease::engine::Change;
use crate::lease::store::StoreError;
use crate::lease::table::ClientKey;
use crate::lease::worker::{Claimed, Done, LookupResult, Probed};

/// A message for a [`LeaseService`](super::LeaseService): a batch of lease changes
/// made durable, a store lookup answered, an admission decided.
///
/// The service posts these to its own mailbox; a handler that embeds the service
/// (its `Handler::Message` is its own type, `From<LeaseMessage>`) forwards each one
/// to [`LeaseService::message`](super::LeaseService::message).
pub struct LeaseMessage(pub(super) Inner);

pub(super) enum Inner {
    /// A batch was committed (or failed): release the replies that waited for it.
    Durable(Done),
    /// Send the next released reply (a batch releases many, a callback sends one).
    Release,
    /// The store's answer to a lookup, by lookup number.
    Found(u64, LookupResult),
    /// The user's verdict on a client whose admission was left for later.
    Verdict(ClientKey, bool),
    /// A probe of a store that was down.
    Probed(Probed),
    /// A claim renewed (or not).
    Claimed(Claimed),
    /// The store's records, read late.
    Loaded(Result<Vec<Change>, StoreError>),
}

impl fmt::Debug for LeaseMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Durable(done) => f.debug_tuple("Durable").field(&done.seqs).finish(),
            Inner::Release => f.write_str("Release"),
            Inner::Found(id, _) => f.debug_tuple("Found").field(id).finish(),
            Inner::Verdict(client, allowed) => f
                .debug_tuple("Verdict")
                .field(client)
                .field(allowed)
                .finish(),
            Inner::Probed(probed) => f.debug_tuple("Probed").field(&probed.reach).finish(),
            Inner::Claimed(claimed) => f.debug_tuple("Claimed").field(&claimed.result).finish(),
            Inner::Loaded(result) => f
                .debug_tuple("Loaded")
                .field(&result.as_ref().map(Vec::len))
                .finish(),
        }
    }
}

/// Posts a message to the service's mailbox, whatever the handler's own message
/// type: `false` once the server has stopped.
pub(super) type Poster = std::sync::Arc<dyn Fn(LeaseMessage) -> bool + Send + Sync>;
