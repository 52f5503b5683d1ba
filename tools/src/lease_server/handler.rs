//! The thin layer between the library's server and the lease logic: the clock, the
//! lease store's worker thread and the replies held until their leases are durable,
//! and the server configuration built from the command line.

use std::time::{Duration, SystemTime};

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use ex_dhcp::lease::{
    client_key, secs, Change, Committed, Done, LeaseEngine, LeaseFile, LeaseFileError, LeaseStore,
    LookupResult, Outcome, Secs, StoreWorker, WorkerConfig,
};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::server::HandlerError;
use ex_dhcp::{
    Config, Context, Handler, Mailbox, MessageType, Packet, Pending, Reply, Source, StopReason,
};
use log::{error, warn};

use super::args::Args;
use super::budget::{LookupBudget, Take, DEFAULT_LOOKUPS_PER_SEC};

/// How often expired offers, leases and quarantines are reclaimed.
pub const TICK: Duration = Duration::from_secs(1);

/// The lease file is compacted, while serving, once this many records were appended
/// since the last compaction and at least twice as many as it then kept.
pub const COMPACT_AFTER: u64 = 100_000;

/// The wall clock in seconds since the Unix epoch, at startup (callbacks get their
/// time from the library: [`secs`] of `Context::system_time`).
pub fn now() -> Secs {
    secs(SystemTime::now())
}

/// The library server's configuration for these arguments: address and port,
/// interface (the server answers only there) and reply routing overrides.
pub fn server_config(args: &Args) -> Config {
    let config = Config::default()
        .bind_ip(args.bind)
        .port(args.port)
        .client_port(args.client_port)
        .broadcast_addr(args.broadcast)
        .tick(TICK);
    match &args.interface {
        Some(device) => config.bind_device(device.clone()),
        None => config,
    }
}

/// Locks the lease file at `path`, replays it into `server` as a stream, frees what
/// expired by `now` and compacts the file to the live leases: how a server starts.
/// Another server on the file is an error before anything is read or written.
pub fn open_lease_file(
    server: &mut LeaseEngine,
    path: &Path,
    now: Secs,
) -> Result<LeaseFile, LeaseFileError> {
    let mut file = LeaseFile::open(path, |record| server.apply(&record))?;
    server.tick(now);
    let live = server.snapshot(now);
    file.compact(&live)?;
    log::info!("{} live records in {}", live.len(), path.display());
    Ok(file)
}

/// What the lease store's worker tells the handler.
#[derive(Debug)]
pub enum Message {
    /// A batch of lease changes was committed (or failed): release the replies that
    /// waited for it.
    Durable(Done),
    /// Send the next released reply (one reply per callback: a batch releases many).
    Release,
    /// The store's answer to a lookup of a client this server has no record of (a
    /// REBINDING client of another server, RFC 2131 section 4.4.5), by lookup number.
    Found(u64, LookupResult),
}

/// A submission to the store, and the reply that waits for it.
#[derive(Debug)]
struct Held {
    /// The submission's sequence number (a reply with no changes of its own waits for
    /// the last submission before it).
    seq: u64,
    /// How many changes it submitted: its share of the batch's results.
    changes: usize,
    /// The request to answer and the answer, once the changes are durable.
    answer: Option<(Pending, Packet)>,
}

/// A [`LeaseEngine`] on the library's [`Handler`] trait, with its leases made durable
/// by a store on a worker thread ([`StoreWorker`]).
///
/// A request whose outcome changes a lease (a REQUEST's ACK, a RELEASE, a DECLINE)
/// hands the changes to the worker and defers its reply ([`Context::defer`]); the
/// worker commits everything queued with one `fsync` (group commit) and posts a
/// [`Message::Durable`]; only then do the ACKs leave. An ACK that changes nothing
/// still waits for every change submitted before it. OFFERs and NAKs promise nothing
/// durable and leave at once: a DISCOVER never waits for the disk. If the store fails,
/// the server stops with the error and the ACKs that waited are never sent (counted
/// as abandoned in [`ServerStats`](ex_dhcp::ServerStats)): a lease that cannot be written down is
/// a lease that could be handed out twice.
///
/// With a store other servers share (PostgreSQL: [`LeaseStore::shared`]), a
/// `Committed::Conflict` for an ACK (another server took the address first) is
/// answered with a NAK and the address marked taken
/// ([`LeaseEngine::conflict`]); and a RENEWING or REBINDING client this server has
/// no record of is deferred while the worker looks it up in the store
/// ([`StoreWorker::lookup`]): ACKed if the store shows it holding that address
/// (RFC 2131 section 4.4.5), else left unanswered. Lookups are rate limited
/// ([`LeaseHandler::with_lookup_rate`]): anyone can send such REQUESTs, and each is
/// a database query.
///
/// Without a store (neither `--lease-file` nor `--database`) every reply leaves at
/// once.
#[derive(Debug)]
pub struct LeaseHandler<S: LeaseStore = LeaseFile> {
    server: LeaseEngine,
    /// The store until [`Handler::init`] hands it to the worker.
    store: Option<S>,
    worker: Option<StoreWorker<S>>,
    /// Submissions not yet reported durable, in order.
    waiting: VecDeque<Held>,
    /// Replies released by a batch, sent one per callback.
    ready: VecDeque<Reply>,
    /// Changes submitted since the last compaction.
    since_compact: u64,
    /// Records the last compaction kept.
    kept: u64,
    /// Where the worker posts the answers to lookups (set by [`Handler::init`] when
    /// the store is shared: [`LeaseStore::shared`]); `None`: no lookups.
    mailbox: Option<Mailbox<Message>>,
    /// REBINDING requests waiting for the store's lookup, by lookup number.
    lookups: HashMap<u64, Pending>,
    next_lookup: u64,
    /// How many lookups may start: over it, requests are dropped silently.
    budget: LookupBudget,
    /// How the worker batches ([`LeaseHandler::commit_delay`]).
    worker_config: WorkerConfig,
}

impl LeaseHandler<LeaseFile> {
    /// Serves with `server`'s state, recording changes in `file` if there is one.
    pub fn new(server: LeaseEngine, file: Option<LeaseFile>) -> Self {
        LeaseHandler::with_store(server, file)
    }
}

impl<S: LeaseStore> LeaseHandler<S> {
    /// Serves with `server`'s state, recording changes in `store` (on a worker thread
    /// started by [`Handler::init`]) if there is one.
    pub fn with_store(server: LeaseEngine, store: Option<S>) -> Self {
        LeaseHandler {
            server,
            store,
            worker: None,
            waiting: VecDeque::new(),
            ready: VecDeque::new(),
            since_compact: 0,
            kept: 0,
            mailbox: None,
            lookups: HashMap::new(),
            next_lookup: 0,
            budget: LookupBudget::new(DEFAULT_LOOKUPS_PER_SEC),
            worker_config: WorkerConfig::default(),
        }
    }

    /// Starts at most `per_sec` store lookups a second (a burst of one second's
    /// worth; 0: none) for clients this server has no record of; the rest are
    /// dropped silently, counted, and logged at most once a minute. The default is
    /// [`DEFAULT_LOOKUPS_PER_SEC`].
    pub fn with_lookup_rate(mut self, per_sec: u32) -> Self {
        self.budget = LookupBudget::new(per_sec);
        self
    }

    /// REQUESTs from clients unknown here dropped without a lookup: over the budget
    /// ([`with_lookup_rate`](Self::with_lookup_rate)).
    pub fn lookups_dropped(&self) -> u64 {
        self.budget.dropped()
    }

    /// Lets the store worker wait `delay` for more changes before each commit
    /// ([`WorkerConfig::commit_delay`]; `--commit-delay`).
    pub fn commit_delay(mut self, delay: Duration) -> Self {
        self.worker_config = self.worker_config.commit_delay(delay);
        self
    }

    /// The lease logic and its table.
    pub fn server(&self) -> &LeaseEngine {
        &self.server
    }

    /// Replies waiting for their changes to be durable.
    pub fn waiting(&self) -> usize {
        self.waiting.iter().filter(|h| h.answer.is_some()).count()
    }

    /// Handles a request at `now` and answers at once, with no store: for a server
    /// whose leases live in memory only (the PXE server's full mode).
    pub fn handle_at(&mut self, packet: &Packet, now: Secs) -> Reply {
        self.outcome(packet, now).reply.into()
    }

    fn outcome(&mut self, packet: &Packet, now: Secs) -> Outcome {
        let outcome = self.server.handle(packet, now);
        // One line per exchange at debug: through the tools' logger, which drops
        // lines rather than wait for a slow stdout.
        if log::log_enabled!(log::Level::Debug) {
            let answer = match &outcome.reply {
                Some(reply) => packet_summary(reply),
                None => "no reply".to_owned(),
            };
            log::debug!("{} -> {answer}", packet_summary(packet));
        }
        outcome
    }

    /// Handles a request: the reply now if it promises nothing durable, else the
    /// changes to the worker and the reply held until they are committed.
    fn handle(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        let outcome = self.outcome(packet, secs(ctx.system_time()));
        if self.mailbox.is_some() && outcome.reply.is_none() && self.may_be_elsewhere(packet) {
            return match self.budget.take(ctx.now()) {
                Take::Lookup => self.look_up(packet, from, ctx),
                Take::Drop { report } => {
                    if let Some(dropped) = report {
                        warn!(
                            "{dropped} REQUESTs from clients with no lease here dropped without \
                             a store lookup: over {} lookups a second (--lookup-rate; at most \
                             one such warning a minute)",
                            self.budget.per_sec()
                        );
                    }
                    Reply::None
                }
            };
        }
        self.hold(outcome, packet, from, ctx)
    }

    /// A RENEWING, REBINDING (ciaddr set) or INIT-REBOOT (option 50) request, no
    /// option 54, from a client this server has no record of: with a store shared by
    /// several servers, another one may have made its lease.
    fn may_be_elsewhere(&self, packet: &Packet) -> bool {
        packet.message_type() == Some(MessageType::Request)
            && packet.options.get(ServerIdentifier).is_none()
            && asked_for(packet).is_some()
            && self.server.table().get(&client_key(packet)).is_none()
    }

    /// Defers `packet` and asks the worker thread to look its client up in the store.
    fn look_up(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        let (Some(worker), Some(mailbox)) = (&mut self.worker, &self.mailbox) else {
            return Reply::None;
        };
        let id = self.next_lookup;
        self.next_lookup += 1;
        let mailbox = mailbox.clone();
        worker.lookup(client_key(packet), move |result| {
            // Fails only once the server stopped: nobody is left to answer.
            let _ = mailbox.post(Message::Found(id, result));
        });
        self.lookups.insert(id, ctx.defer(packet, from));
        Reply::None
    }

    /// The store answered a lookup: a live lease of the address the client asks for
    /// goes into the table, and the request is handled again (an ACK, held until its
    /// extension is durable); anything else is silence, since a server must not NAK a
    /// lease it cannot see.
    fn found(&mut self, id: u64, result: LookupResult, ctx: &mut Context<'_, Message>) {
        let Some(pending) = self.lookups.remove(&id) else {
            return;
        };
        let request = pending.request().clone();
        let now = secs(ctx.system_time());
        let lease = match result {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                log::debug!("no lease in the store for {}", client_key(&request));
                self.ready.push_back(pending.reply(Reply::None));
                return;
            }
            Err(e) => {
                warn!("looking up {}: {e}", client_key(&request));
                self.ready.push_back(pending.reply(Reply::None));
                return;
            }
        };
        // An address this server does not answer for (outside its range, without
        // --answer-subnet) stays out of the table: there it would earn the client's
        // next REQUEST a NAK.
        let usable = matches!(
            &lease,
            Change::Bound { addr, until, .. } if Some(*addr) == asked_for(&request)
                && *until > now
                && self.server.answers_for(*addr, request.mac())
        );
        if !usable || self.server.table().get(&client_key(&request)).is_some() {
            self.ready.push_back(pending.reply(Reply::None));
            return;
        }
        log::info!(
            "{} rebinds a lease from the store: {lease:?}",
            client_key(&request)
        );
        self.server.apply(&lease);
        let outcome = self.outcome(&request, now);
        let is_ack = outcome
            .reply
            .as_ref()
            .is_some_and(|r| r.message_type() == Some(MessageType::Ack));
        match (self.worker.as_mut(), is_ack) {
            (Some(worker), true) if !outcome.changes.is_empty() => {
                self.since_compact += outcome.changes.len() as u64;
                let changes = outcome.changes.len();
                let seq = worker.submit(outcome.changes);
                self.waiting.push_back(Held {
                    seq,
                    changes,
                    answer: outcome.reply.map(|reply| (pending, reply)),
                });
            }
            _ => self.ready.push_back(pending.reply(Reply::None)),
        }
    }

    /// The reply now if it promises nothing durable, else the changes to the worker
    /// and the reply held until they are committed.
    fn hold(
        &mut self,
        outcome: Outcome,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Message>,
    ) -> Reply {
        let Some(worker) = &mut self.worker else {
            return outcome.reply.into();
        };
        let is_ack = |reply: &Packet| reply.message_type() == Some(MessageType::Ack);
        let (seq, changes) = if !outcome.changes.is_empty() {
            self.since_compact += outcome.changes.len() as u64;
            let changes = outcome.changes.len();
            (worker.submit(outcome.changes), changes)
        } else if outcome.reply.as_ref().is_some_and(is_ack) && !self.waiting.is_empty() {
            // Nothing new, but it may confirm a lease whose write is still queued.
            (worker.next_seq() - 1, 0)
        } else {
            return outcome.reply.into();
        };
        let answer = outcome.reply.map(|reply| (ctx.defer(packet, from), reply));
        self.waiting.push_back(Held {
            seq,
            changes,
            answer,
        });
        Reply::None
    }

    /// A batch is committed: its replies go to `ready` (a NAK instead of an ACK whose
    /// address the shared store gave another client); or it failed: stop.
    fn durable(&mut self, done: Done, now: Secs) -> Option<Reply> {
        let committed = match done.result {
            Ok(committed) => committed,
            Err(e) => {
                // A lease we cannot write down is a lease we may hand out twice.
                error!("{e}; stopping rather than acknowledge leases that are not durable");
                return Some(Reply::stop_with_error(e.to_string()));
            }
        };
        let mut results = committed.iter();
        while self
            .waiting
            .front()
            .is_some_and(|held| held.seq < done.seqs.end)
        {
            let Some(held) = self.waiting.pop_front() else {
                break;
            };
            // Every one of its results is taken, so that the next reply's start where
            // they should, even when an early one was refused.
            let mut refused = None;
            for result in results.by_ref().take(held.changes) {
                if refused.is_none() && !matches!(result, Committed::Durable) {
                    refused = Some(result.clone());
                }
            }
            let Some((pending, reply)) = held.answer else {
                if let Some(refused) = refused {
                    warn!("the store refused a lease change: {refused:?}");
                }
                continue;
            };
            match refused {
                None => self.ready.push_back(pending.reply(reply)),
                Some(Committed::Conflict {
                    addr,
                    holder,
                    until,
                    ..
                }) => {
                    let held_by = holder
                        .as_ref()
                        .map_or_else(|| "taken".to_owned(), |h| format!("held by {h}"));
                    let request = pending.request();
                    let client = client_key(request);
                    let nak = self.server.conflict(request, addr, holder, until, now);
                    // A REQUEST's ACK becomes a NAK; a rapid-commit DISCOVER or a
                    // BOOTP request gets silence, and the client tries again.
                    if request.message_type() == Some(MessageType::Request)
                        && reply.message_type() == Some(MessageType::Ack)
                    {
                        warn!("{addr} is {held_by} in the shared store: NAK to {client}");
                        self.ready.push_back(pending.reply(nak));
                    } else {
                        warn!("{addr} is {held_by} in the shared store: no answer to {client}");
                        self.ready.push_back(pending.reply(Reply::None));
                    }
                }
                Some(refused) => {
                    warn!(
                        "not answering xid {:#010x}: {refused:?}",
                        pending.request().xid
                    );
                    self.ready.push_back(pending.reply(Reply::None));
                }
            }
        }
        None
    }

    /// The next released reply; more to come are continued with.
    fn next_ready(&mut self, ctx: &mut Context<'_, Message>) -> Reply {
        let reply = self.ready.pop_front().unwrap_or(Reply::None);
        if !self.ready.is_empty() {
            ctx.continue_with(Message::Release);
        }
        reply
    }

    /// Frees what expired by `now` and compacts the store if due: every
    /// [`TICK`].
    pub fn expire(&mut self, now: Secs) {
        for addr in self.server.tick(now) {
            log::info!("{addr} is free again");
        }
        self.compact_if_due(now);
    }

    /// Hands the worker a compaction when the log has grown well past the live
    /// leases; the snapshot is taken here, the file is rewritten on the worker.
    pub fn compact_if_due(&mut self, now: Secs) {
        let Some(worker) = &mut self.worker else {
            return;
        };
        if self.since_compact < COMPACT_AFTER.max(2 * self.kept) {
            return;
        }
        let live = self.server.snapshot(now);
        self.kept = live.len() as u64;
        self.since_compact = 0;
        worker.compact(live);
    }
}

/// The address a REQUEST asks to keep: ciaddr (RENEWING, REBINDING), else option 50
/// (INIT-REBOOT).
fn asked_for(packet: &Packet) -> Option<std::net::Ipv4Addr> {
    if packet.ciaddr != std::net::Ipv4Addr::UNSPECIFIED {
        Some(packet.ciaddr)
    } else {
        packet.options.get(RequestedIpAddress)
    }
}

/// `DHCPOFFER xid 0x... chaddr ... yiaddr ...`: a packet in one line.
fn packet_summary(packet: &Packet) -> String {
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

impl<S: LeaseStore> Handler for LeaseHandler<S> {
    type Message = Message;

    fn init(&mut self, ctx: &mut Context<'_, Message>) -> Result<(), HandlerError> {
        if let Some(store) = self.store.take() {
            if store.shared() {
                self.mailbox = Some(ctx.mailbox().clone());
            }
            let mailbox = ctx.mailbox().clone();
            let worker = StoreWorker::spawn_with(store, self.worker_config, move |done| {
                // Fails only once the server stopped: nobody is left to answer.
                let _ = mailbox.post(Message::Durable(done));
            })
            .map_err(HandlerError::new)?;
            self.worker = Some(worker);
        }
        Ok(())
    }

    fn discover(
        &mut self,
        packet: &Packet,
        from: &Source,
        ctx: &mut Context<'_, Message>,
    ) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn request(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn decline(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn inform(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn release(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn message(&mut self, message: Message, ctx: &mut Context<'_, Message>) -> Reply {
        match message {
            Message::Durable(done) => {
                if let Some(stop) = self.durable(done, secs(ctx.system_time())) {
                    return stop;
                }
            }
            Message::Found(id, result) => self.found(id, result, ctx),
            Message::Release => {}
        }
        self.next_ready(ctx)
    }

    /// BOOTP requests (no option 53): the engine answers them for good (RFC 951).
    fn other(&mut self, packet: &Packet, from: &Source, ctx: &mut Context<'_, Message>) -> Reply {
        self.handle(packet, from, ctx)
    }

    fn tick(&mut self, ctx: &mut Context<'_, Message>) -> Reply {
        self.expire(secs(ctx.system_time()));
        Reply::None
    }

    fn terminate(&mut self, _reason: &StopReason) {
        // Commits what is queued and joins the thread: no thread outlives the server.
        if let Some(worker) = self.worker.take() {
            drop(worker.shutdown());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease_server::args::parse;

    fn args(line: &str) -> Args {
        let line = format!("{line} --range 198.18.0.100-198.18.0.150");
        parse(&mut crate::cli::args::Args::split(&line)).unwrap()
    }

    #[test]
    fn the_server_is_bound_to_the_interface_it_was_given() {
        let config = server_config(&args("--server 198.18.0.1 --interface veth-s --port 67"));
        assert_eq!(config.sockets()[0].device.as_deref(), Some("veth-s"));
        assert_eq!(config.sockets()[0].addr.port(), 67);
        let config = server_config(&args("--server 198.18.0.1"));
        assert_eq!(config.sockets()[0].device, None);
    }

    #[test]
    fn a_lease_file_is_replayed_compacted_and_held() {
        use ex_dhcp::lease::{Change, ClientKey, Pool, Settings};
        use std::net::Ipv4Addr;

        let dir = std::env::temp_dir().join(format!("lease-handler-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("leases");
        let key = ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]);
        let addr = Ipv4Addr::new(198, 18, 0, 100);
        let (live, gone) = (
            Change::Bound {
                key: key.clone(),
                addr,
                until: 2_000,
            },
            Change::Bound {
                key: ClientKey::Id(vec![1]),
                addr: Ipv4Addr::new(198, 18, 0, 101),
                until: 500,
            },
        );
        LeaseFile::rewrite(&path, &[live.clone(), gone]).unwrap();
        let (server_id, mask) = (
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(255, 255, 255, 0),
        );
        let pool = Pool::new(
            server_id,
            mask,
            addr,
            Ipv4Addr::new(198, 18, 0, 110),
            Default::default(),
        )
        .unwrap();
        let mut server = LeaseEngine::new(Settings::new(server_id, mask), pool);
        let file = open_lease_file(&mut server, &path, 1_000).unwrap();
        assert_eq!(server.table().get(&key).map(|e| e.addr), Some(addr));
        assert_eq!(LeaseFile::load(&path).unwrap(), vec![live]);
        let mut again = server.clone();
        assert!(open_lease_file(&mut again, &path, 1_000).is_err(), "held");
        drop(file);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn loopback_overrides_reach_the_routing() {
        let config = server_config(&args(
            "--server 198.18.0.1 --client-port 6868 --broadcast 127.0.0.1",
        ));
        assert_eq!(config.routing().client_port, 6868);
        assert_eq!(config.routing().broadcast, std::net::Ipv4Addr::LOCALHOST);
        assert_eq!(config.get_tick(), Some(TICK));
        assert_eq!(
            config.sockets()[0].addr.ip(),
            &std::net::Ipv4Addr::UNSPECIFIED
        );
        let config = server_config(&args("--server 198.18.0.1 --bind 127.0.0.1"));
        assert_eq!(
            config.sockets()[0].addr.ip(),
            &std::net::Ipv4Addr::LOCALHOST
        );
    }
}
