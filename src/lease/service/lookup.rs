//! Clients this server has no record of that another server sharing the store may
//! have leased (RENEWING, REBINDING, INIT-REBOOT): looked up in the store on the
//! worker thread, within a budget.

use std::sync::Arc;

use log::{debug, info, warn};

use crate::options::ServerIdentifier;
use crate::{Context, MessageType, Packet, Reply, Source};

use crate::lease::engine::{client_key, Change};
use crate::lease::table::{secs, ClientKey};
use crate::lease::worker::LookupResult;

use super::budget::Take;
use super::hooks::Hooks;
use super::message::{Inner, LeaseMessage};
use super::{asked_for, log_exchange, LeaseService};

impl<H: Hooks> LeaseService<H> {
    pub(super) fn lookups_allowed(&self) -> bool {
        self.shared && self.worker.is_some() && self.post.is_some()
    }

    /// A RENEWING, REBINDING (ciaddr set) or INIT-REBOOT (option 50) request, no
    /// option 54, from a client this server has no record of: with a store shared by
    /// several servers, another one may have made its lease.
    pub(super) fn may_be_elsewhere(&self, packet: &Packet, client: &ClientKey) -> bool {
        packet.message_type() == Some(MessageType::Request)
            && packet.options.get(ServerIdentifier).is_none()
            && asked_for(packet).is_some()
            && self.engine.find_client(client).next().is_none()
    }

    /// Holds `packet` while the worker looks its client up in the store, within the
    /// lookup budget; over it, the request is dropped silently.
    pub(super) fn look_up<M>(
        &mut self,
        packet: &Packet,
        client: ClientKey,
        from: &Source,
        ctx: &mut Context<'_, M>,
    ) -> Reply {
        match self.budget.take(ctx.now()) {
            Take::Lookup => {}
            Take::Drop { report } => {
                if let Some(dropped) = report {
                    warn!(
                        "{dropped} REQUESTs from clients with no lease here dropped without a \
                         store lookup: over {} lookups a second (at most one such warning a \
                         minute)",
                        self.budget.per_sec()
                    );
                }
                return Reply::None;
            }
        }
        let (Some(worker), Some(post)) = (&mut self.worker, &self.post) else {
            return Reply::None;
        };
        self.stats.lookups += 1;
        let id = self.next_lookup;
        self.next_lookup += 1;
        let post = Arc::clone(post);
        worker.lookup(client, move |result| {
            post(LeaseMessage(Inner::Found(id, result)));
        });
        self.lookups.insert(id, ctx.defer(packet, from));
        Reply::None
    }

    /// The store answered a lookup: a live lease of the address the client asks for
    /// goes into the engine, and the request is handled again (an ACK, held until its
    /// extension is durable); anything else is silence, since a server must not NAK a
    /// lease it cannot see.
    pub(super) fn found<M>(&mut self, id: u64, result: LookupResult, ctx: &mut Context<'_, M>) {
        let Some(pending) = self.lookups.remove(&id) else {
            return;
        };
        let request = pending.request().clone();
        let client = client_key(&request);
        let now = secs(ctx.system_time());
        let lease = match result {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                debug!("no lease in the store for {client}");
                self.ready.push_back(pending.reply(Reply::None));
                return;
            }
            Err(e) => {
                warn!("looking up {client}: {e}");
                self.ready.push_back(pending.reply(Reply::None));
                return;
            }
        };
        // An address this server does not answer for (outside its range, without
        // answer_subnet) stays out of the table: there it would earn the client's
        // next REQUEST a NAK.
        let usable = matches!(
            &lease,
            Change::Bound { addr, until, .. } if Some(*addr) == asked_for(&request)
                && *until > now
                && self.engine.answers_for(*addr, request.mac())
        );
        if !usable || self.engine.find_client(&client).next().is_some() {
            self.ready.push_back(pending.reply(Reply::None));
            return;
        }
        info!("{client} rebinds a lease from the store: {lease:?}");
        self.engine.apply(&lease);
        let outcome = self.decide(&request, &client, None, now);
        log_exchange(&request, &outcome);
        let is_ack = outcome
            .reply
            .as_ref()
            .is_some_and(|r| r.message_type() == Some(MessageType::Ack));
        if is_ack {
            self.hold_pending(outcome, pending, (ctx.now(), now));
        } else {
            self.ready.push_back(pending.reply(Reply::None));
        }
    }
}
