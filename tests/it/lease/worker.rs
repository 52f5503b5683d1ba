//! The store worker: group commit (everything queued while a commit ran goes into the
//! next one), each batch reported once and in order, errors reported, compaction in
//! order with the batches, and a thread that is joined.

use std::net::Ipv4Addr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use ex_dhcp::lease::{
    Change, ClientKey, Committed, Done, LeaseFile, LeaseStore, MemoryStore, StoreError,
    StoreWorker, WorkerConfig,
};

use super::file::Dir;
use ex_dhcp_testkit::stores::FullDisk;

const WAIT: Duration = Duration::from_secs(10);

fn bound(n: u8) -> Change {
    Change::Bound {
        key: ClientKey::Hw(1, vec![2, 0, 0, 0, 0, n]),
        addr: Ipv4Addr::new(10, 99, 0, n),
        until: 1_700_000_600,
    }
}

/// A store that counts its commits and holds the first one until the test opens the
/// gate, so that submissions pile up behind a commit in progress (an `fsync`, say).
struct Gated<S> {
    inner: S,
    commits: u64,
    started: Sender<()>,
    gate: Option<Receiver<()>>,
}

impl<S: LeaseStore> LeaseStore for Gated<S> {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.inner.load(apply)
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.commits += 1;
        let _ = self.started.send(());
        if let Some(gate) = self.gate.take() {
            gate.recv().unwrap();
        }
        self.inner.commit(batch)
    }
}

/// `inner` behind a gate: (the store, "a commit started", the gate's key).
fn gated<S: LeaseStore>(inner: S) -> (Gated<S>, Receiver<()>, Sender<()>) {
    let (started, commit_started) = mpsc::channel();
    let (open, gate) = mpsc::channel();
    let store = Gated {
        inner,
        commits: 0,
        started,
        gate: Some(gate),
    };
    (store, commit_started, open)
}

fn worker<S: LeaseStore>(store: S) -> (StoreWorker<S>, Receiver<Done>) {
    let (done, reports) = mpsc::channel();
    let worker = StoreWorker::spawn(store, move |batch| done.send(batch).unwrap()).unwrap();
    (worker, reports)
}

/// Submits one change, then 100 while its commit is held: two commits in all.
fn one_then_a_hundred<S: LeaseStore>(inner: S) -> (Gated<S>, Vec<Done>) {
    let (store, commit_started, open) = gated(inner);
    let (mut worker, reports) = worker(store);
    assert_eq!(worker.submit(vec![bound(1)]), 0);
    commit_started
        .recv_timeout(WAIT)
        .expect("the first commit starts");
    for n in 2..=101 {
        worker.submit(vec![bound(n)]);
    }
    open.send(()).unwrap();
    let first = reports.recv_timeout(WAIT).unwrap();
    let second = reports.recv_timeout(WAIT).unwrap();
    let store = worker.shutdown();
    (store, vec![first, second])
}

#[test]
fn what_queues_during_a_commit_goes_into_one_commit() {
    let (store, batches) = one_then_a_hundred(MemoryStore::new());
    assert_eq!(store.commits, 2, "one commit, then one for the hundred");
    assert_eq!(batches[0].seqs, 0..1);
    assert_eq!(batches[1].seqs, 1..101);
    let durable = batches[1].result.as_ref().unwrap();
    assert_eq!(durable, &vec![Committed::Durable; 100]);
    let all: Vec<Change> = (1..=101).map(bound).collect();
    assert_eq!(store.inner.records(), &all[..], "in submission order");
}

#[test]
fn a_commit_delay_lets_the_batch_fill_before_the_commit() {
    let delay = Duration::from_millis(200);
    let (done, reports) = mpsc::channel();
    let config = WorkerConfig::default().commit_delay(delay);
    let mut worker = StoreWorker::spawn_with(MemoryStore::new(), config, move |batch| {
        done.send(batch).unwrap()
    })
    .unwrap();
    // A new worker is idle, and so is one whose queue was empty once its last
    // commit was done (it looks before it reports): each round starts idle.
    for round in 0..3u8 {
        let first = worker.next_seq();
        let start = Instant::now();
        for n in 0..10 {
            worker.submit(vec![bound(round * 10 + n + 1)]);
        }
        let batch = reports.recv_timeout(WAIT).expect("a batch");
        let waited = start.elapsed();
        assert_eq!(
            batch.seqs,
            first..first + 10,
            "round {round}: one commit for ten"
        );
        assert!(waited >= delay, "round {round}: committed after {waited:?}");
    }
    drop(worker.shutdown());
}

#[test]
fn the_commit_delay_is_capped_at_a_second() {
    let config = WorkerConfig::default().commit_delay(Duration::from_secs(60));
    assert_eq!(config.delay(), Duration::from_secs(1));
    assert_eq!(WorkerConfig::default().delay(), Duration::ZERO);
}

#[test]
fn a_lease_file_gets_one_fsync_per_batch_and_keeps_every_record() {
    let dir = Dir::new("worker-file");
    let path = dir.path("leases");
    let file = LeaseFile::open(&path, |_| {}).unwrap();
    let (store, batches) = one_then_a_hundred(file);
    // Each commit is one LeaseFile::append: one write and one fsync.
    assert_eq!(store.commits, 2);
    assert_eq!(store.inner.appended(), 101);
    assert!(batches.iter().all(|batch| batch.result.is_ok()));
    drop(store);
    let all: Vec<Change> = (1..=101).map(bound).collect();
    assert_eq!(LeaseFile::load(&path).unwrap(), all);
}

#[test]
fn every_submission_is_reported_once_in_order() {
    let (mut worker, reports) = worker(MemoryStore::new());
    for n in 0..500u32 {
        assert_eq!(
            worker.submit(vec![bound((n % 200) as u8 + 1)]),
            u64::from(n)
        );
    }
    let mut covered = 0;
    while covered < 500 {
        let batch = reports.recv_timeout(WAIT).unwrap();
        assert_eq!(batch.seqs.start, covered, "contiguous, in order");
        assert_eq!(
            batch.result.unwrap().len() as u64,
            batch.seqs.end - batch.seqs.start
        );
        covered = batch.seqs.end;
    }
    let store = worker.shutdown();
    assert_eq!(store.records().len(), 500);
    assert!(store.commits() <= 500);
}

#[test]
fn a_failed_commit_reaches_the_callback() {
    let (mut worker, reports) = worker(FullDisk);
    worker.submit(vec![bound(1)]);
    let batch = reports.recv_timeout(WAIT).unwrap();
    assert_eq!(batch.seqs, 0..1);
    let error = batch.result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "lease store i/o error: no space left on device"
    );
}

#[test]
fn compaction_runs_between_the_batches_before_and_after_it() {
    let (mut worker, reports) = worker(MemoryStore::new());
    worker.submit(vec![bound(1), bound(2)]);
    // The snapshot after the first submission: only the second lease is still live.
    worker.compact(vec![bound(2)]);
    worker.submit(vec![bound(3)]);
    let store = worker.shutdown();
    assert_eq!(store.records(), &[bound(2), bound(3)][..]);
    assert_eq!(reports.iter().map(|d| d.seqs.end).max(), Some(2));
}

#[test]
fn shutdown_commits_what_is_queued_and_joins_the_thread() {
    let (store, commit_started, open) = gated(MemoryStore::new());
    let (mut worker, reports) = worker(store);
    worker.submit(vec![bound(1)]);
    commit_started.recv_timeout(WAIT).unwrap();
    worker.submit(vec![bound(2)]);
    open.send(()).unwrap();
    let store = worker.shutdown();
    assert_eq!(store.inner.records(), &[bound(1), bound(2)][..]);
    // The callback went with the thread: its sender is dropped, the channel drains.
    let seqs: Vec<_> = reports.iter().map(|d| d.seqs).collect();
    assert_eq!(seqs, vec![0..1, 1..2]);
}

#[test]
fn dropping_the_worker_joins_its_thread() {
    let (mut worker, reports) = worker(MemoryStore::new());
    worker.submit(vec![bound(1)]);
    drop(worker);
    // Only a finished thread drops the callback, and with it the last sender.
    assert_eq!(reports.iter().count(), 1);
    assert!(reports.recv_timeout(Duration::ZERO).is_err());
}

#[test]
fn a_memory_store_gives_back_what_it_holds() {
    let mut store = MemoryStore::with_records(vec![bound(1)]);
    store.commit(&[bound(2)]).unwrap();
    let mut loaded = Vec::new();
    store.load(&mut |change| loaded.push(change)).unwrap();
    assert_eq!(loaded, vec![bound(1), bound(2)]);
}

#[test]
fn a_lease_file_is_a_store() {
    let dir = Dir::new("file-store");
    let path = dir.path("leases");
    let mut file = LeaseFile::open(&path, |_| {}).unwrap();
    let store: &mut dyn LeaseStore = &mut file;
    assert_eq!(store.commit(&[bound(1)]).unwrap(), vec![Committed::Durable]);
    store.compact(&[bound(2)]).unwrap();
    let mut loaded = Vec::new();
    store.load(&mut |change| loaded.push(change)).unwrap();
    assert_eq!(loaded, vec![bound(2)]);
}
