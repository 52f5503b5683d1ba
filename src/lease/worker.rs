//! The store's own thread: lease changes are made durable there, in batches, never
//! on the handler thread.
//!
//! A [`StoreWorker`] owns a [`LeaseStore`] and a thread. The handler
//! [`submit`](StoreWorker::submit)s each request's changes and gets a sequence number
//! back; the thread takes everything queued, commits it with one
//! [`LeaseStore::commit`] call (group commit: one `fsync` for every submission that
//! arrived while the previous one ran) and reports the batch to a callback as a
//! [`Done`]: the range of sequence numbers it covered and the store's result. A server
//! posts that to its handler's [`Mailbox`](crate::Mailbox) and releases the replies
//! it held back ([`Context::defer`](crate::Context::defer)).
//!
//! The thread is not hidden: it lives as long as the `StoreWorker`, and
//! [`StoreWorker::shutdown`] (or drop) commits what is queued, ends it and joins it.

use std::fmt;
use std::ops::Range;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::engine::Change;
use super::pool::Subnet;
use super::reach::{Claim, Claims, Reach, Revoked};
use super::store::{Committed, LeaseStore, StoreError};
use super::table::ClientKey;
use crate::wake::{self, Waker};

/// One batch made durable (or not): what the worker's callback receives.
#[derive(Debug)]
#[non_exhaustive]
pub struct Done {
    /// The submissions the batch covered, by the sequence numbers
    /// [`StoreWorker::submit`] returned: always contiguous, always in order.
    pub seqs: Range<u64>,
    /// The store's answer for the batch's changes, in submission order (one
    /// [`Committed`] per change); an `Err` means none of them is durable.
    pub result: Result<Vec<Committed>, StoreError>,
    /// Whether the store could be reached, after the batch.
    pub reach: Reach,
    /// Leases the store took back since its last report (a journal written to the
    /// shared store after an outage).
    pub revoked: Vec<Revoked>,
    /// How long the store's commit took.
    pub took: Duration,
    /// How many changes the batch held.
    pub changes: usize,
}

/// What a [`StoreWorker::probe`] answers with.
#[derive(Debug)]
#[non_exhaustive]
pub struct Probed {
    /// `Ok` once the store answers.
    pub result: Result<(), StoreError>,
    /// Whether the store can be reached.
    pub reach: Reach,
    /// Leases the store took back (see [`Done::revoked`]).
    pub revoked: Vec<Revoked>,
}

/// What a [`StoreWorker::claim`] answers with.
#[derive(Debug)]
#[non_exhaustive]
pub struct Claimed {
    /// When the worker started the claim: a claim held lasts its time to live from
    /// at least then.
    pub started: Instant,
    /// The store's answer ([`LeaseStore::claim`]).
    pub result: Result<Option<Claims>, StoreError>,
    /// Whether the store can be reached.
    pub reach: Reach,
}

/// What a [`StoreWorker::lookup`] answers with.
pub type LookupResult = Result<Option<Change>, StoreError>;

type Answer<T> = Box<dyn FnOnce(T) + Send>;

enum Job {
    Commit(Vec<Change>),
    Compact(Vec<Change>),
    Lookup(ClientKey, Answer<LookupResult>),
    Subnets(Vec<Subnet>),
    Probe(Answer<Probed>),
    Claim(Claim, Answer<Claimed>),
    Load(Vec<Subnet>, Answer<Result<Vec<Change>, StoreError>>),
}

/// A thread that commits lease changes to a [`LeaseStore`] in batches (group commit)
/// and reports each batch to a callback.
///
/// ```
/// use std::net::Ipv4Addr;
/// use std::sync::mpsc;
/// use ex_dhcp::lease::{Change, Committed, MemoryStore, StoreWorker};
///
/// let (done, batches) = mpsc::channel();
/// let mut worker = StoreWorker::spawn(MemoryStore::new(), move |batch| {
///     // A server posts this to its handler's mailbox instead.
///     done.send(batch).unwrap();
/// })?;
/// let declined = |n| Change::Declined { addr: Ipv4Addr::new(10, 99, 0, n), until: 60 };
/// let first = worker.submit(vec![declined(100)]);
/// let second = worker.submit(vec![declined(101), declined(102)]);
/// assert_eq!((first, second), (0, 1));
///
/// // Every submission is covered by exactly one batch, in order.
/// let mut covered = 0;
/// while covered < 2 {
///     let batch = batches.recv().unwrap();
///     assert_eq!(batch.seqs.start, covered);
///     assert!(batch.result.unwrap().iter().all(|c| *c == Committed::Durable));
///     covered = batch.seqs.end;
/// }
/// let store = worker.shutdown(); // joins the thread, gives the store back
/// assert_eq!(store.records().len(), 3);
/// assert!(store.commits() <= 2, "queued submissions share a commit");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct StoreWorker<S: LeaseStore> {
    jobs: Option<wake::Sender<Job>>,
    thread: Option<JoinHandle<S>>,
    /// Disconnected when the thread has finished (its sender is dropped last).
    finished: crossbeam_channel::Receiver<()>,
    next: u64,
}

impl<S: LeaseStore> fmt::Debug for StoreWorker<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreWorker")
            .field("next", &self.next)
            .field("queued", &self.jobs.as_ref().map_or(0, wake::Sender::len))
            .finish()
    }
}

/// How a [`StoreWorker`] batches: [`StoreWorker::spawn_with`].
///
/// ```
/// use std::time::{Duration, Instant};
/// use ex_dhcp::lease::WorkerConfig;
///
/// let config = WorkerConfig::default().commit_delay(Duration::from_millis(2));
/// assert_eq!(config.delay(), Duration::from_millis(2));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerConfig {
    commit_delay: Duration,
}

impl WorkerConfig {
    /// How long the worker waits for more submissions before it commits one that
    /// found it idle (nothing queued while its last commit ran, or the first): the
    /// idea of PostgreSQL's `commit_delay`. Zero, the default, commits at once.
    /// Batches form anyway while a commit runs, which under load is enough, and
    /// those do not wait; but at a few hundred requests a
    /// second each batch would hold one submission and cost an `fsync` and three
    /// thread wake-ups (the worker's, the handler's for the result, the sender's for
    /// the reply). A delay of a few milliseconds trades up to that much latency on
    /// each held reply (a DHCP client waits seconds before it retransmits) for fewer
    /// of all three. Lookups and compactions queued during the wait wait with it,
    /// and a shutdown may wait that long. Capped at one second.
    #[must_use]
    pub fn commit_delay(mut self, delay: Duration) -> Self {
        self.commit_delay = delay.min(MAX_COMMIT_DELAY);
        self
    }

    /// The commit delay set.
    pub fn delay(&self) -> Duration {
        self.commit_delay
    }
}

/// The longest [`WorkerConfig::commit_delay`]: a worker that waits longer holds up
/// its shutdown and every reply behind it for no further gain.
const MAX_COMMIT_DELAY: Duration = Duration::from_secs(1);

impl<S: LeaseStore> StoreWorker<S> {
    /// Starts the thread (named `lease-store`) with `store`; `on_done` runs on it after
    /// every batch. Fails only if the thread cannot be started.
    pub fn spawn(store: S, on_done: impl FnMut(Done) + Send + 'static) -> std::io::Result<Self> {
        StoreWorker::spawn_with(store, WorkerConfig::default(), on_done)
    }

    /// [`StoreWorker::spawn`] with a [`WorkerConfig`] (a commit delay, say).
    pub fn spawn_with(
        store: S,
        config: WorkerConfig,
        on_done: impl FnMut(Done) + Send + 'static,
    ) -> std::io::Result<Self> {
        // The thread parks without spinning while the queue is empty (`crate::wake`).
        let (jobs, queue) = wake::unbounded(&Waker::new());
        let (finishing, finished) = crossbeam_channel::bounded::<()>(0);
        let thread = thread::Builder::new()
            .name("lease-store".into())
            .spawn(move || {
                let _finishing = finishing;
                run(store, &queue, config.commit_delay, on_done)
            })?;
        Ok(StoreWorker {
            jobs: Some(jobs),
            thread: Some(thread),
            finished,
            next: 0,
        })
    }

    /// Queues `changes` (one request's, say) to be committed with whatever else is
    /// queued, and returns its sequence number: 0 for the first, then one more each
    /// time. Its [`Done`] comes to the callback once the batch is committed. Never
    /// blocks.
    pub fn submit(&mut self, changes: Vec<Change>) -> u64 {
        let seq = self.next;
        self.next += 1;
        self.send(Job::Commit(changes));
        seq
    }

    /// The sequence number the next [`submit`](StoreWorker::submit) will return: every
    /// submission below it is reported by a [`Done`] before any later one.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Queues a compaction to `live`, the store's records as they stand after every
    /// submission made so far (a [`LeaseEngine::snapshot`](super::LeaseEngine::snapshot)
    /// taken now): it runs after those submissions are committed and before any later
    /// one. Its outcome is logged; a store it broke fails the next batch.
    pub fn compact(&mut self, live: Vec<Change>) {
        self.send(Job::Compact(live));
    }

    /// Queues [`LeaseStore::subnets`] with the server's new subnets (after a reload):
    /// it runs after every submission made so far is committed and before any later
    /// one. A failure is logged.
    pub fn subnets(&mut self, subnets: Vec<Subnet>) {
        self.send(Job::Subnets(subnets));
    }

    /// Queues a [`LeaseStore::probe`] (the store is down: is it back?); `answer`
    /// gets the result on the worker thread, after every submission made so far.
    pub fn probe(&mut self, answer: impl FnOnce(Probed) + Send + 'static) {
        self.send(Job::Probe(Box::new(answer)));
    }

    /// Queues a load of the store (a store that could not be read at start-up):
    /// [`LeaseStore::subnets`] then [`LeaseStore::load`]; `answer` gets every record
    /// (or the error) on the worker thread.
    pub fn load(
        &mut self,
        subnets: Vec<Subnet>,
        answer: impl FnOnce(Result<Vec<Change>, StoreError>) + Send + 'static,
    ) {
        self.send(Job::Load(subnets, Box::new(answer)));
    }

    /// Queues a [`LeaseStore::claim`] renewal; `answer` gets the result on the worker
    /// thread, after every submission made so far.
    pub fn claim(&mut self, claim: Claim, answer: impl FnOnce(Claimed) + Send + 'static) {
        self.send(Job::Claim(claim, Box::new(answer)));
    }

    /// Queues a [`LeaseStore::lookup`] of `client`'s lease: it runs on the worker
    /// thread after every submission made so far is committed, and `answer` gets the
    /// store's result there (a server posts it to its handler's mailbox). Never
    /// blocks: the handler thread never waits for the store.
    pub fn lookup(
        &mut self,
        client: ClientKey,
        answer: impl FnOnce(LookupResult) + Send + 'static,
    ) {
        self.send(Job::Lookup(client, Box::new(answer)));
    }

    /// Commits what is queued, ends the thread, joins it and gives the store back.
    ///
    /// # Panics
    ///
    /// If the store or the callback panicked on the worker thread.
    pub fn shutdown(mut self) -> S {
        match self.stop() {
            Ok(Some(store)) => store,
            Ok(None) => unreachable!("a worker is stopped once"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Commits what is queued and ends the thread, waiting at most `deadline`: the
    /// store back when the thread finished in time; `None` when it did not (a store
    /// that hangs: a database that stopped answering), and the thread is left to end
    /// by itself when the store returns, with nobody to report to.
    ///
    /// # Panics
    ///
    /// If the store or the callback panicked on the worker thread.
    pub fn shutdown_within(mut self, deadline: Duration) -> Option<S> {
        drop(self.jobs.take());
        match self.finished.recv_timeout(deadline) {
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                // Detached: dropping the handle does not wait for the thread.
                drop(self.thread.take());
                None
            }
            _ => match self.stop() {
                Ok(store) => store,
                Err(panic) => std::panic::resume_unwind(panic),
            },
        }
    }

    /// Submissions queued and not yet taken by the thread.
    pub fn queued(&self) -> usize {
        self.jobs.as_ref().map_or(0, wake::Sender::len)
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            // The thread only ends after this sender is dropped (or it panicked, which
            // shutdown reports): a failed send has nowhere better to go.
            let _ = jobs.send(job);
        }
    }

    fn stop(&mut self) -> thread::Result<Option<S>> {
        // Disconnection ends the loop once the queue is drained.
        drop(self.jobs.take());
        self.thread.take().map(JoinHandle::join).transpose()
    }
}

impl<S: LeaseStore> Drop for StoreWorker<S> {
    fn drop(&mut self) {
        if let Err(_panic) = self.stop() {
            log::error!("the lease store thread panicked");
        }
    }
}

/// At most this many submissions go into one commit, so that a queue that never
/// empties still gets its batches reported.
const MAX_BATCH: u64 = 4096;

fn run<S: LeaseStore>(
    mut store: S,
    queue: &wake::Receiver<Job>,
    delay: Duration,
    mut on_done: impl FnMut(Done),
) -> S {
    let mut batch = Batch::default();
    // Whether nothing queued while the last commit ran (and at the start): the next
    // submission then starts a batch alone, and may wait for company.
    let mut idle = true;
    // `recv` fails only once the StoreWorker is gone and the queue is empty.
    while let Some(job) = queue.recv() {
        if idle && !delay.is_zero() && matches!(job, Job::Commit(_)) {
            // Let the batch fill. A sleep, not a park: the submissions arriving
            // meanwhile must not wake this thread one by one (their wake-ups only
            // leave the parker's token set, which costs them no system call). What
            // queued during the last commit is a batch already and does not wait.
            thread::sleep(delay);
        }
        let mut job = Some(job);
        // Group commit: everything that queued up while the last commit ran.
        while let Some(current) = job.take().or_else(|| queue.inner().try_recv().ok()) {
            match current {
                Job::Commit(changes) => {
                    batch.changes.extend(changes);
                    batch.next += 1;
                    if batch.next - batch.first >= MAX_BATCH {
                        batch.flush(&mut store, queue, &mut on_done);
                    }
                }
                Job::Compact(live) => {
                    // The snapshot already holds what is batched: commit that first.
                    batch.flush(&mut store, queue, &mut on_done);
                    match store.compact(&live) {
                        Ok(()) => log::info!("lease store compacted to {} records", live.len()),
                        Err(e) => log::error!("{e}; compaction will be tried again later"),
                    }
                }
                Job::Subnets(subnets) => {
                    batch.flush(&mut store, queue, &mut on_done);
                    if let Err(e) = store.subnets(&subnets) {
                        log::error!("telling the lease store the new subnets: {e}");
                    }
                }
                Job::Probe(answer) => {
                    batch.flush(&mut store, queue, &mut on_done);
                    let result = store.probe();
                    answer(Probed {
                        result,
                        reach: store.reach(),
                        revoked: store.revoked(),
                    });
                }
                Job::Claim(claim, answer) => {
                    batch.flush(&mut store, queue, &mut on_done);
                    let started = Instant::now();
                    let result = store.claim(&claim);
                    answer(Claimed {
                        started,
                        result,
                        reach: store.reach(),
                    });
                }
                Job::Load(subnets, answer) => {
                    batch.flush(&mut store, queue, &mut on_done);
                    let mut records = Vec::new();
                    let result = store
                        .subnets(&subnets)
                        .and_then(|()| store.load(&mut |change| records.push(change)));
                    answer(result.map(|()| records));
                }
                Job::Lookup(client, answer) => {
                    // The lease may be in what is batched: commit that first.
                    batch.flush(&mut store, queue, &mut on_done);
                    answer(store.lookup(&client));
                }
            }
        }
        // The pass ends when the queue is empty: what it batched is committed now.
        idle = batch.flush(&mut store, queue, &mut on_done);
    }
    store
}

/// Submissions `first..next`, whose `changes` are not committed yet.
#[derive(Default)]
struct Batch {
    changes: Vec<Change>,
    first: u64,
    next: u64,
}

impl Batch {
    /// Commits the batch with one call and reports it; returns whether the queue was
    /// empty once the commit was done (looked at before the report, so that a
    /// submission made after the report always finds the worker idle).
    fn flush<S: LeaseStore>(
        &mut self,
        store: &mut S,
        queue: &wake::Receiver<Job>,
        on_done: &mut impl FnMut(Done),
    ) -> bool {
        if self.first == self.next {
            return queue.inner().is_empty();
        }
        let started = Instant::now();
        let result = store.commit(&self.changes);
        let took = started.elapsed();
        let changes = self.changes.len();
        self.changes.clear();
        let idle = queue.inner().is_empty();
        on_done(Done {
            seqs: self.first..self.next,
            result,
            reach: store.reach(),
            revoked: store.revoked(),
            took,
            changes,
        });
        self.first = self.next;
        idle
    }
}
