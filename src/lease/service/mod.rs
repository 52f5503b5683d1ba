//! The lease service ([`LeaseService`]): a lease engine on a server, its leases
//! durable in a store, customised by hooks. Here the type, its operator's methods
//! and its callbacks; a request's way is `admit.rs` (verdicts, backlog, the hooks
//! around the engine), `lookup.rs` (other servers' clients, within `budget.rs`),
//! `submit.rs` and `held.rs` (replies held for their batch), `durable.rs` (a batch
//! reported), `outage.rs` (an unreachable store, claims, the journal's rules);
//! `admission.rs` keeps the verdicts, `open.rs` opens a store, `hooks.rs` is the
//! user's code, `config.rs`, `stats.rs`, `histogram.rs` and `message.rs` the rest.

mod admission;
mod admit;
mod budget;
mod config;
mod durable;
mod held;
mod histogram;
mod hooks;
mod lookup;
mod message;
mod open;
mod outage;
mod stats;
mod submit;

use std::collections::{HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use log::{debug, error, warn};

use crate::options::RequestedIpAddress;
use crate::server::HandlerError;
use crate::{Context, Handler, MessageType, Packet, Pending, Reply, Source, StopReason};

use super::engine::Allocation;
use super::engine::{client_key, LeaseEngine, Outcome, Reconfigured, SubnetError};
use super::event::{LeaseEvent, LeaseEventKind};
use super::host::Host;
use super::pool::{Mac, PoolError};
use super::settings::Settings;
use super::store::{LeaseStore, StoreError};
use super::subnet::SubnetConfig;
use super::table::{secs, ClientKey, Secs};
use super::worker::{StoreWorker, WorkerConfig};

pub use config::{ServiceConfig, DEFAULT_COMMIT_DELAY};
pub use histogram::Histogram;
pub use hooks::{Admission, Decide, Hooks, NoHooks, RequestInfo};
pub use message::LeaseMessage;
pub use open::ServiceError;
pub use stats::{ServiceStats, BATCH_BUCKETS, COMMIT_BUCKETS};

use admission::Admissions;
use budget::LookupBudget;
use held::HeldReplies;
use message::{Inner, Poster};
use outage::Outage;
pub use outage::StoreState;

/// A [`LeaseEngine`] on a server, its leases durable in a store, customised by
/// [`Hooks`].
///
/// ```text
///  request -> admit? --later--> (the user's thread decides: Decide) --+
///               |                                                    v
///               +--> subnet hook -> host hook -> engine (RFC 2131 rules, allocator)
///                                                   |          |
///                          reply hook (last word) <-+      changes -> store worker
///                                                              (batch, fsync / COMMIT)
///          held replies released when their batch is durable <-------+
///          lease events -> event hook (audit, DNS, metrics)
/// ```
///
/// [`LeaseService`] packages what a durable DHCP server needs around the engine:
///
/// - **Durable before ACK.** A request whose outcome changes a lease (an ACK, a
///   RELEASE, a DECLINE, a BOOTP binding) hands its changes to the store's worker
///   thread ([`StoreWorker`]) and holds its reply ([`Context::defer`]); the worker
///   commits what queued up with one `fsync` or one `COMMIT` (group commit) and posts
///   the result; only then do the replies leave. OFFERs and NAKs promise nothing and
///   leave at once. If the store fails, the server stops with the error and the held
///   replies are never sent: a lease that cannot be written down is a lease that
///   could be handed out twice.
/// - **Bounded.** At most [`ServiceConfig::max_held`] replies are held; past it, or
///   while a commit takes longer than [`ServiceConfig::commit_deadline`] (a stalled
///   store), REQUESTs that would change a lease are left unanswered and DISCOVERs of
///   new clients get no offer, both counted: the clients retry, and nothing queues
///   without limit. A held reply older than [`ServiceConfig::max_reply_age`] is
///   dropped, not sent late. A stop waits at most
///   [`ServiceConfig::shutdown_deadline`] for the store.
/// - **Several servers, one store.** With a store other servers share (PostgreSQL,
///   [`LeaseStore::shared`]), a lease the store gives another server is a NAK (and
///   the engine learns the holder: [`LeaseEngine::conflict`]), and a RENEWING or
///   REBINDING client this server has no record of is looked up in the store on the
///   worker thread, within a budget ([`ServiceConfig::lookup_rate`]): ACKed if the
///   store shows it holding that address (RFC 2131 section 4.4.5), else silence.
/// - **Housekeeping** on [`Handler::tick`]: expired leases reclaimed (and reported),
///   a log-shaped store compacted, held requests that waited too long dropped.
///
/// It works two ways: as a complete [`Handler`] (`Server::start(config, service)`),
/// or inside a handler of the user's own, whose callbacks call
/// [`handle`](LeaseService::handle), [`message`](LeaseService::message),
/// [`tick`](LeaseService::tick) and the rest, and whose `Handler::Message` is any type
/// `From<LeaseMessage>`:
///
/// ```
/// use ex_dhcp::lease::{LeaseMessage, LeaseService};
/// use ex_dhcp::{Context, Handler, HandlerError, Packet, Reply, Source, StopReason};
///
/// /// The user's messages, and the service's.
/// enum Msg {
///     Leases(LeaseMessage),
///     Shout(String),
/// }
///
/// impl From<LeaseMessage> for Msg {
///     fn from(message: LeaseMessage) -> Self {
///         Msg::Leases(message)
///     }
/// }
///
/// struct Mine {
///     leases: LeaseService,
/// }
///
/// impl Handler for Mine {
///     type Message = Msg;
///     fn init(&mut self, ctx: &mut Context<'_, Msg>) -> Result<(), HandlerError> {
///         self.leases.init(ctx)
///     }
///     fn discover(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
///         self.leases.handle(packet, from, ctx)
///     }
///     fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
///         self.leases.handle(packet, from, ctx)
///     }
///     fn decline(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
///         self.leases.handle(packet, from, ctx)
///     }
///     fn release(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Msg>) -> Reply {
///         self.leases.handle(packet, from, ctx)
///     }
///     fn message(&mut self, message: Msg, ctx: &mut Context<'_, Msg>) -> Reply {
///         match message {
///             Msg::Leases(message) => self.leases.message(message, ctx),
///             Msg::Shout(text) => {
///                 println!("{text}");
///                 Reply::None
///             }
///         }
///     }
///     fn tick(&mut self, ctx: &mut Context<'_, Msg>) -> Reply {
///         self.leases.tick(ctx)
///     }
///     fn terminate(&mut self, _reason: &StopReason) {
///         self.leases.terminate();
///     }
/// }
/// ```
///
/// A server of one subnet with a lease file:
///
/// ```no_run
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{LeaseEngine, LeaseService, Pool, Settings};
/// use ex_dhcp::{Config, Server};
///
/// let ip = |text: &str| text.parse::<Ipv4Addr>().unwrap();
/// let (server_id, mask) = (ip("198.18.0.1"), ip("255.255.255.0"));
/// let pool = Pool::new(server_id, mask, ip("198.18.0.100"), ip("198.18.0.199"), Default::default())?;
/// let service = LeaseService::new(LeaseEngine::new(Settings::new(server_id, mask), pool))
///     .with_lease_file("/var/lib/my-dhcp/leases")?; // locked, replayed, compacted
/// let server = Server::start(Config::default().tick(std::time::Duration::from_secs(1)), service)?;
/// server.join();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct LeaseService<H: Hooks = NoHooks> {
    engine: LeaseEngine,
    hooks: H,
    config: ServiceConfig,
    /// The store until [`LeaseService::init`] hands it to the worker.
    store: Option<Box<dyn LeaseStore>>,
    /// Whether the store is shared with other servers: lookups, conflicts.
    shared: bool,
    worker: Option<StoreWorker<Box<dyn LeaseStore>>>,
    held: HeldReplies,
    /// Replies released by a batch (or a verdict), sent one per callback.
    ready: VecDeque<Reply>,
    admissions: Admissions,
    budget: LookupBudget,
    /// Requests waiting for the store's lookup, by lookup number.
    lookups: HashMap<u64, Pending>,
    next_lookup: u64,
    /// Changes submitted since the last compaction.
    since_compact: u64,
    /// Records the last compaction kept.
    kept: u64,
    /// Posts to the handler's mailbox, set by [`LeaseService::init`].
    post: Option<Poster>,
    stats: ServiceStats,
    /// The store's state, the claim on this server's share, probes.
    outage: Outage,
}

impl<H: Hooks> std::fmt::Debug for LeaseService<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseService")
            .field("engine", &self.engine)
            .field("config", &self.config)
            .field("shared", &self.shared)
            .field("held", &self.held.answers())
            .field("admissions", &self.admissions)
            .finish_non_exhaustive()
    }
}

impl LeaseService<NoHooks> {
    /// A service of `engine` with no store (leases live in memory only and every
    /// reply leaves at once) and no hooks: add them with the `with_` methods.
    pub fn new(engine: LeaseEngine) -> Self {
        LeaseService {
            engine,
            hooks: NoHooks,
            config: ServiceConfig::default(),
            store: None,
            shared: false,
            worker: None,
            held: HeldReplies::default(),
            ready: VecDeque::new(),
            admissions: Admissions::default(),
            budget: LookupBudget::new(ServiceConfig::default().lookup_rate),
            lookups: HashMap::new(),
            next_lookup: 0,
            since_compact: 0,
            kept: 0,
            post: None,
            stats: ServiceStats::default(),
            outage: Outage::new(false),
        }
    }
}

impl<H: Hooks> LeaseService<H> {
    /// The same service with `hooks`.
    pub fn with_hooks<H2: Hooks>(self, hooks: H2) -> LeaseService<H2> {
        LeaseService {
            engine: self.engine,
            hooks,
            config: self.config,
            store: self.store,
            shared: self.shared,
            worker: self.worker,
            held: self.held,
            ready: self.ready,
            admissions: self.admissions,
            budget: self.budget,
            lookups: self.lookups,
            next_lookup: self.next_lookup,
            since_compact: self.since_compact,
            kept: self.kept,
            post: self.post,
            stats: self.stats,
            outage: self.outage,
        }
    }

    /// The same service with `config`'s limits and timings.
    #[must_use]
    pub fn with_config(mut self, config: ServiceConfig) -> Self {
        self.budget = LookupBudget::new(config.lookup_rate);
        self.config = config;
        self
    }

    /// Keeps the leases in the lease file at `path` (created if missing): locked
    /// against a second server, replayed into the engine (records of addresses on
    /// none of its subnets are left out, with a warning), what expired freed by the
    /// system clock, and compacted to the live leases, before this returns.
    pub fn with_lease_file(mut self, path: impl AsRef<Path>) -> Result<Self, ServiceError> {
        let (file, strays) = open::lease_file(&mut self.engine, path.as_ref())?;
        self.stats.stray_records += strays;
        self.store = Some(Box::new(file));
        self.shared = false;
        Ok(self)
    }

    /// Keeps the leases in `store`, chosen at run time (a [`MemoryStore`], a
    /// [`LeaseFile`], a [`PgStore`] behind the `postgres` feature, or the user's
    /// own): told the engine's subnets, loaded into the engine, what expired freed by
    /// the system clock, and compacted, before this returns.
    ///
    /// [`MemoryStore`]: crate::lease::MemoryStore
    /// [`LeaseFile`]: crate::lease::LeaseFile
    #[cfg_attr(feature = "postgres", doc = "[`PgStore`]: crate::lease::PgStore")]
    #[cfg_attr(not(feature = "postgres"), doc = "[`PgStore`]: crate::lease")]
    ///
    /// A store that cannot be reached at start-up ([`StoreError::Unavailable`]) is not
    /// an error: the service starts, serves nothing that needs a lease until the store
    /// answers, and loads it then.
    ///
    /// [`StoreError::Unavailable`]: crate::lease::StoreError::Unavailable
    pub fn with_store(mut self, mut store: Box<dyn LeaseStore>) -> Result<Self, ServiceError> {
        match open::store(&mut self.engine, store.as_mut()) {
            Ok(strays) => self.stats.stray_records += strays,
            Err(ServiceError::Store(StoreError::Unavailable(text))) => {
                warn!("the lease store cannot be reached ({text}): nothing is leased until it answers");
                self.outage = Outage::new(true);
                self.engine.set_allocation(Allocation::Nowhere);
            }
            Err(error) => return Err(error),
        }
        self.shared = store.shared();
        self.store = Some(store);
        Ok(self)
    }

    /// The engine: settings, subnets, tables, hosts.
    pub fn engine(&self) -> &LeaseEngine {
        &self.engine
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// The hooks, to change what they decide while serving.
    pub fn hooks_mut(&mut self) -> &mut H {
        &mut self.hooks
    }

    /// The limits and timings.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// What the service and its engine counted.
    pub fn stats(&self) -> ServiceStats {
        ServiceStats {
            engine: self.engine.stats(),
            held: self.held.answers(),
            pending_admissions: self.admissions.waiting(),
            lookups_dropped: self.budget.dropped(),
            store: self.outage.state,
            claim_held: self.claim_held(),
            ..self.stats
        }
    }

    /// True when the store has a commit older than
    /// [`ServiceConfig::commit_deadline`] outstanding at `now`: no new work that
    /// needs it is taken until it answers.
    pub fn stalled(&self, now: Instant) -> bool {
        self.held.oldest().is_some_and(|since| {
            now.saturating_duration_since(since) >= self.config.commit_deadline
        })
    }

    /// Reloads while serving: the engine's settings and subnets
    /// ([`LeaseEngine::reconfigure`]: leases are kept, those of a subnet that is gone
    /// dropped) and the service's limits; a store is told the new subnets in order
    /// with the changes. Requests in flight are not dropped: held replies leave as
    /// their batches are durable. The commit delay applies from the next start. On an
    /// error nothing changes.
    pub fn reconfigure(
        &mut self,
        settings: Settings,
        subnets: Vec<SubnetConfig>,
        config: ServiceConfig,
    ) -> Result<Reconfigured, SubnetError> {
        let report = self.engine.reconfigure(settings, subnets)?;
        if let Some(worker) = &mut self.worker {
            let subnets = self
                .engine
                .subnets()
                .map(|(_, s)| s.pool().subnet())
                .collect();
            worker.subnets(subnets);
        }
        if config.lookup_rate != self.config.lookup_rate {
            self.budget = LookupBudget::new(config.lookup_rate);
        }
        self.config = config;
        if !report.removed.is_empty() {
            warn!(
                "the reload removed {} subnets with {} leases and offers: their clients are \
                 refused when they renew, and get addresses of their link's subnet",
                report.removed.len(),
                report.dropped
            );
        }
        Ok(report)
    }

    /// Adds (or replaces) a host while serving ([`LeaseEngine::add_host`]).
    pub fn add_host(&mut self, host: Host) -> Result<Option<Host>, PoolError> {
        self.engine.add_host(host)
    }

    /// Removes a host and its reservation ([`LeaseEngine::remove_host`]).
    pub fn remove_host(&mut self, mac: impl Into<Mac>) -> Option<Host> {
        self.engine.remove_host(mac)
    }

    /// Takes `addr` back at `now`, whoever holds it (the operator's release); the
    /// change is made durable like a client's, and reported as a
    /// [`Released`](LeaseEventKind::Released) event once it is. False when nothing
    /// held the address.
    pub fn release(&mut self, addr: Ipv4Addr, now: Secs) -> bool {
        let found = self
            .engine
            .find(addr)
            .map(|(_, key, entry)| (key.clone(), entry.clone()));
        let Some(change) = self.engine.release(addr, now) else {
            return false;
        };
        let subnet = self
            .engine
            .subnet_of(addr)
            .expect("a released address is served");
        let (client, before) = found.unzip();
        let event = LeaseEvent::new(LeaseEventKind::Released, subnet, addr, client, None);
        let outcome = Outcome {
            changes: vec![change],
            events: vec![event],
            before: vec![before],
            ..Outcome::default()
        };
        self.submit(outcome, None, (Instant::now(), now));
        true
    }

    /// Forgets the admission verdict remembered for `client`: its next request asks
    /// the [`Hooks::admit`] hook again. False when none was remembered.
    pub fn forget_verdict(&mut self, client: &ClientKey) -> bool {
        self.admissions.forget(client)
    }

    /// Starts the store's worker thread and takes the handler's mailbox, for the
    /// worker's reports and [`Decide`]: call it from [`Handler::init`].
    pub fn init<M>(&mut self, ctx: &mut Context<'_, M>) -> Result<(), HandlerError>
    where
        M: From<LeaseMessage> + Send + 'static,
    {
        let mailbox = ctx.mailbox().clone();
        let post: Poster = Arc::new(move |message| mailbox.post(M::from(message)).is_ok());
        self.post = Some(Arc::clone(&post));
        if let Some(store) = self.store.take() {
            let config = WorkerConfig::default().commit_delay(self.config.commit_delay);
            let worker = StoreWorker::spawn_with(store, config, move |done| {
                // Fails only once the server stopped: nobody is left to answer.
                post(LeaseMessage(Inner::Durable(done)));
            })
            .map_err(HandlerError::new)?;
            self.worker = Some(worker);
            self.start_claims();
            self.outage_tick(ctx.now());
        }
        Ok(())
    }

    /// Handles a DHCP request (any message type, and BOOTP): the reply now if it
    /// promises nothing durable, else [`Reply::None`] and the reply once its lease
    /// is durable, from [`message`](Self::message).
    pub fn handle<M>(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, M>) -> Reply
    where
        M: From<LeaseMessage>,
    {
        let now = ctx.now();
        let client = client_key(packet);
        if asks_for_service(packet) {
            match self.admit(packet, &client, from, ctx) {
                Some(true) => {}
                Some(false) | None => return Reply::None,
            }
        }
        if let Some(nak) = self.refuse_revoked(packet, &client) {
            return nak;
        }
        if let Some(refused) = self.refuse_for_backlog(packet, &client, now) {
            return refused;
        }
        let outcome = self.decide(packet, &client, Some(from), secs(ctx.system_time()));
        log_exchange(packet, &outcome);
        if self.lookups_allowed()
            && outcome.reply.is_none()
            && self.may_be_elsewhere(packet, &client)
        {
            return self.look_up(packet, client, from, ctx);
        }
        self.hold(outcome, packet, from, ctx)
    }

    /// A message the service posted to itself (forwarded by an embedding handler).
    pub fn message<M>(&mut self, message: LeaseMessage, ctx: &mut Context<'_, M>) -> Reply
    where
        M: From<LeaseMessage>,
    {
        match message.0 {
            Inner::Durable(done) => {
                if let Some(stop) = self.durable(done, ctx) {
                    return stop;
                }
            }
            Inner::Found(id, result) => self.found(id, result, ctx),
            Inner::Verdict(client, allowed) => self.verdict(client, allowed, ctx),
            Inner::Probed(probed) => self.probed(probed, ctx.now()),
            Inner::Claimed(claimed) => {
                if let Some(stop) = self.claimed(claimed, ctx.now()) {
                    return stop;
                }
            }
            Inner::Loaded(result) => self.loaded(result, ctx.now(), secs(ctx.system_time())),
            Inner::Release => {}
        }
        self.next_ready(ctx)
    }

    /// Housekeeping: reclaims expired leases (reported to [`Hooks::event`]), drops
    /// held requests that waited too long, compacts the store when due. Call it from
    /// [`Handler::tick`] (a server's [`Config::tick`](crate::Config::tick); a second
    /// is a good interval).
    pub fn tick<M>(&mut self, ctx: &mut Context<'_, M>) -> Reply {
        let now = ctx.now();
        let now_secs = secs(ctx.system_time());
        for event in self.engine.tick(now_secs) {
            debug!("{event}");
            self.hooks.event(&event);
        }
        let stale = self.held.drop_stale(now, self.config.max_reply_age);
        if stale > 0 {
            self.stats.stale_replies += stale as u64;
            warn!(
                "{stale} replies dropped unsent: their leases took more than {:?} to be durable \
                 (the clients ask again)",
                self.config.max_reply_age
            );
        }
        self.stats.dropped_admissions +=
            self.admissions.expire(now, self.config.admission_timeout) as u64;
        self.outage_tick(now);
        if self.outage.state == StoreState::Up {
            self.compact_if_due(now_secs);
        }
        Reply::None
    }

    /// Commits what is queued (waiting at most [`ServiceConfig::shutdown_deadline`]
    /// for the store) and ends the worker thread: call it from
    /// [`Handler::terminate`].
    pub fn terminate(&mut self) {
        let Some(worker) = self.worker.take() else {
            return;
        };
        if worker
            .shutdown_within(self.config.shutdown_deadline)
            .is_none()
        {
            let unsent = self.held.abandon();
            error!(
                "the lease store did not finish within {:?}: it is left behind, and {unsent} \
                 replies that waited for it were not sent",
                self.config.shutdown_deadline
            );
        }
    }
}

/// DISCOVER, REQUEST, INFORM and BOOTP ask to be served; RELEASE and DECLINE only
/// end leases, and are never held for an admission verdict.
fn asks_for_service(packet: &Packet) -> bool {
    matches!(
        packet.message_type(),
        Some(MessageType::Discover | MessageType::Request | MessageType::Inform) | None
    )
}

/// The address a REQUEST asks to keep: ciaddr (RENEWING, REBINDING), else option 50
/// (INIT-REBOOT).
fn asked_for(packet: &Packet) -> Option<Ipv4Addr> {
    if packet.ciaddr != Ipv4Addr::UNSPECIFIED {
        Some(packet.ciaddr)
    } else {
        packet.options.get(RequestedIpAddress)
    }
}

/// One line per exchange at debug level.
fn log_exchange(packet: &Packet, outcome: &Outcome) {
    if log::log_enabled!(log::Level::Debug) {
        let answer = match &outcome.reply {
            Some(reply) => summary(reply),
            None => "no reply".to_owned(),
        };
        debug!("{} -> {answer}", summary(packet));
    }
}

/// `DHCPOFFER xid 0x... chaddr ... yiaddr ...`: a packet in one line.
fn summary(packet: &Packet) -> String {
    let kind = packet
        .message_type()
        .map_or_else(|| "BOOTP".to_owned(), |kind| kind.to_string());
    let chaddr: Vec<String> = packet
        .hardware_addr()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!(
        "{kind} xid {:#010x} chaddr {} yiaddr {}",
        packet.xid,
        chaddr.join(":"),
        packet.yiaddr
    )
}

impl<H: Hooks> Handler for LeaseService<H> {
    type Message = LeaseMessage;

    fn init(&mut self, ctx: &mut Context<'_, LeaseMessage>) -> Result<(), HandlerError> {
        LeaseService::init(self, ctx)
    }

    fn discover(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn request(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn decline(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn inform(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn release(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    /// BOOTP requests (no option 53): the engine answers them for good (RFC 951).
    fn other(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, LeaseMessage>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn message(&mut self, message: LeaseMessage, ctx: &mut Context<'_, LeaseMessage>) -> Reply {
        LeaseService::message(self, message, ctx)
    }

    fn tick(&mut self, ctx: &mut Context<'_, LeaseMessage>) -> Reply {
        LeaseService::tick(self, ctx)
    }

    fn terminate(&mut self, _reason: &StopReason) {
        LeaseService::terminate(self);
    }
}
