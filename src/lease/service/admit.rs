//! A request's way to the engine: the admission verdict (now, later, or
//! remembered), the refusal of work the store cannot promise, and the subnet, host
//! and reply hooks around the engine.

use std::sync::Arc;
use std::time::Instant;

use log::debug;

use crate::{Context, MessageType, Packet, Reply, Source};

use crate::lease::engine::{Hints, Outcome};
use crate::lease::table::{secs, ClientKey, Secs};

use super::admission::Hold;
use super::hooks::{Admission, Decide, Hooks, RequestInfo};
use super::message::LeaseMessage;
use super::{log_exchange, LeaseService};

impl<H: Hooks> LeaseService<H> {
    /// The admission verdict for `client`: `Some(true)` to serve it now, `Some(false)`
    /// to ignore it, `None` when its request is held for a verdict.
    pub(super) fn admit<M>(
        &mut self,
        packet: &Packet,
        client: &ClientKey,
        from: &Source,
        ctx: &mut Context<'_, M>,
    ) -> Option<bool> {
        let now = ctx.now();
        match self.admissions.verdict(client, now) {
            Some(true) => return Some(true),
            Some(false) => {
                self.stats.denied += 1;
                return Some(false);
            }
            None => {}
        }
        if self.admissions.is_waiting(client) {
            return self.hold_for_verdict(packet, client, from, ctx);
        }
        let Some(post) = self.post.clone() else {
            // Not started (no init): nobody could post a verdict.
            return Some(true);
        };
        let decide = Decide {
            client: client.clone(),
            request: Arc::new(packet.clone()),
            post,
        };
        let mac = packet.mac();
        let info = RequestInfo {
            request: packet,
            client,
            mac,
            host: mac.and_then(|mac| self.engine.host(mac)),
            subnet: None,
            from: Some(from),
        };
        match self.hooks.admit(&info, decide) {
            Admission::Allow => Some(true),
            Admission::Deny => {
                self.stats.denied += 1;
                Some(false)
            }
            Admission::Later => self.hold_for_verdict(packet, client, from, ctx),
        }
    }

    pub(super) fn hold_for_verdict<M>(
        &mut self,
        packet: &Packet,
        client: &ClientKey,
        from: &Source,
        ctx: &mut Context<'_, M>,
    ) -> Option<bool> {
        let pending = ctx.defer(packet, from);
        let max = self.config.max_admissions;
        match self
            .admissions
            .hold(client.clone(), pending, ctx.now(), max)
        {
            Hold::Kept { replaced } => {
                self.stats.deferred_admissions += 1;
                self.stats.dropped_admissions += u64::from(replaced);
            }
            Hold::Duplicate => self.stats.duplicate_admissions += 1,
            Hold::Full => self.stats.dropped_admissions += 1,
        }
        None
    }

    /// The user's verdict on a client: remembered; its held request answered now, or
    /// dropped.
    pub(super) fn verdict<M>(&mut self, client: ClientKey, allowed: bool, ctx: &mut Context<'_, M>)
    where
        M: From<LeaseMessage>,
    {
        let now = ctx.now();
        let Some(pending) =
            self.admissions
                .decide(client.clone(), allowed, now, self.config.verdict_ttl)
        else {
            return;
        };
        if !allowed {
            self.stats.denied += 1;
            self.ready.push_back(pending.reply(Reply::None));
            return;
        }
        let request = pending.request().clone();
        if self.refuse_for_backlog(&request, &client, now).is_some() {
            self.ready.push_back(pending.reply(Reply::None));
            return;
        }
        let outcome = self.decide(&request, &client, None, secs(ctx.system_time()));
        log_exchange(&request, &outcome);
        self.hold_pending(outcome, pending, (now, secs(ctx.system_time())));
    }

    /// Refuses work the store cannot promise now: with too many replies held or the
    /// store stalled, a REQUEST that would change a lease is left unanswered, and a
    /// DISCOVER from a client without an address gets no offer. Both are counted; the
    /// client retries.
    pub(super) fn refuse_for_backlog(
        &mut self,
        packet: &Packet,
        client: &ClientKey,
        now: Instant,
    ) -> Option<Reply> {
        self.worker.as_ref()?;
        let full = self.held.answers() >= self.config.max_held;
        if !full && !self.stalled(now) {
            return None;
        }
        match packet.message_type() {
            Some(MessageType::Request) | None => {
                self.stats.backlog_drops += 1;
                Some(Reply::None)
            }
            Some(MessageType::Discover) if self.engine.find_client(client).next().is_none() => {
                self.stats.throttled_offers += 1;
                Some(Reply::None)
            }
            _ => None,
        }
    }

    /// The engine's outcome for a request, with the subnet, host and reply hooks;
    /// `from` is `None` for a request taken earlier (held for a verdict or a lookup),
    /// whose socket's interface is no longer known: its subnet is chosen by the
    /// packet's own fields.
    pub(super) fn decide(
        &mut self,
        packet: &Packet,
        client: &ClientKey,
        from: Option<&Source>,
        now: Secs,
    ) -> Outcome {
        let interface = from.and_then(|from| from.device.as_deref());
        let mac = packet.mac();
        let info = RequestInfo {
            request: packet,
            client,
            mac,
            host: mac.and_then(|mac| self.engine.host(mac)),
            subnet: None,
            from,
        };
        let chosen = self.engine.select(packet, interface);
        let subnet = self.hooks.subnet(&info, chosen);
        if subnet.is_none() && chosen.is_some() {
            debug!("no reply: the subnet hook chose none for {client}");
            return Outcome::default();
        }
        let host = self.hooks.host(&info);
        let mut hints = Hints::new();
        hints.interface = interface;
        hints.subnet = subnet.filter(|subnet| Some(*subnet) != chosen);
        hints.host = host.as_ref();
        let mut outcome = self.engine.handle_with(packet, &hints, now);
        if let Some(reply) = outcome.reply.as_mut() {
            let info = RequestInfo {
                request: packet,
                client,
                mac,
                host: mac.and_then(|mac| self.engine.host(mac)),
                subnet: outcome.subnet,
                from,
            };
            self.hooks.reply(&info, reply);
        }
        outcome
    }
}
