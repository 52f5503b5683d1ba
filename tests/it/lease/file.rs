//! The lease file on a real disk: one owner, collision-free temporary names, torn
//! tails recovered, compaction while serving, batches with one fsync.

use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ex_dhcp::lease::{Change, ClientKey, LeaseFile, LeaseFileError};

/// A fresh directory for one test, removed when dropped.
pub struct Dir(PathBuf);

impl Dir {
    pub fn new(name: &str) -> Dir {
        let dir =
            std::env::temp_dir().join(format!("ex_dhcp-it-lease-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn bound(n: u8) -> Change {
    Change::Bound {
        key: ClientKey::Hw(1, vec![2, 0, 0, 0, 0, n]),
        addr: Ipv4Addr::new(10, 99, 0, n),
        until: 1_700_000_000 + u64::from(n),
    }
}

fn replay(path: &Path) -> (LeaseFile, Vec<Change>) {
    let mut records = Vec::new();
    let file = LeaseFile::open(path, |c| records.push(c)).unwrap();
    (file, records)
}

#[test]
fn a_second_instance_on_the_same_file_fails_naming_it_and_changes_nothing() {
    let dir = Dir::new("locked");
    let path = dir.path("leases");
    let (mut first, _) = replay(&path);
    first.append(&[bound(1)]).unwrap();

    let error = LeaseFile::open(&path, |_| {}).unwrap_err();
    assert!(matches!(error, LeaseFileError::Locked { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("in use by another server"), "{text}");
    assert!(
        LeaseFile::rewrite(&path, &[]).is_err(),
        "no rewrite behind its back"
    );
    assert_eq!(LeaseFile::load(&path).unwrap(), vec![bound(1)]);

    first.append(&[bound(2)]).unwrap();
    drop(first);
    let (_again, records) = replay(&path);
    assert_eq!(
        records,
        vec![bound(1), bound(2)],
        "free once the first is gone"
    );
}

/// The lock is the kernel's: a lock file left by a process that died holds nothing.
#[test]
fn a_lock_left_by_a_dead_process_is_taken_over() {
    let dir = Dir::new("stale");
    let path = dir.path("leases");
    // No process has this id (Linux gives out ids below 2^22). Spawning a process to
    // get a dead one's id would hand every lock open in this test binary to the child
    // for a moment; see the next test.
    let dead = u32::MAX;
    fs::write(dir.path(".leases.lock"), format!("{dead}\n")).unwrap();
    let (file, _) = replay(&path);
    assert_eq!(
        fs::read_to_string(file.lock_path()).unwrap().trim(),
        std::process::id().to_string()
    );
    drop(file);
    let (again, _) = replay(&path);
    assert_eq!(
        again.lock_path(),
        dir.path(".leases.lock").canonicalize().unwrap()
    );
}

/// A child being started holds a copy of every open file of this process until it
/// runs its program, the lease file's lock included: a lease file closed and opened
/// again meanwhile finds its own lock held. Here another open of the lock file plays
/// the child, and lets go a moment later.
#[test]
fn a_lock_this_process_holds_for_a_moment_is_waited_for() {
    let dir = Dir::new("fork");
    let path = dir.path("leases");
    fs::write(&path, "bound hw:1:020000000001 10.99.0.1 1700000001\n").unwrap();
    // The lock file as this process leaves it, held by the "child": no lease file was
    // opened here before, so no real child of this test binary can hold it.
    let lock_path = dir.path(".leases.lock");
    fs::write(&lock_path, format!("{}\n", std::process::id())).unwrap();
    let child = fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    child.try_lock().expect("nothing else knows this file");
    let (held, was_held) = std::sync::mpsc::channel();
    let letting_go = std::thread::spawn(move || {
        held.send(()).unwrap();
        // How long a child takes to start its program, give or take.
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(child);
    });
    was_held.recv().unwrap();
    let (again, records) = replay(&path);
    assert_eq!(records, vec![bound(1)]);
    letting_go.join().unwrap();
    drop(again);
}

#[test]
fn a_lease_file_named_tmp_survives_compaction() {
    let dir = Dir::new("tmp");
    let path = dir.path("leases.tmp");
    let (mut file, _) = replay(&path);
    file.append(&[bound(1), bound(2)]).unwrap();
    file.compact(&[bound(2)]).unwrap();
    file.append(&[bound(3)]).unwrap();
    drop(file);
    let rewritten = LeaseFile::rewrite(&path, &LeaseFile::load(&path).unwrap()).unwrap();
    drop(rewritten);
    assert_eq!(LeaseFile::load(&path).unwrap(), vec![bound(2), bound(3)]);
    assert_eq!(
        dir.names(),
        vec![".leases.tmp.lock", "leases.tmp"],
        "no temporary file left behind, only the lock file (which stays)"
    );
}

#[test]
fn a_torn_last_line_is_truncated_with_a_warning() {
    ex_dhcp_testkit::capture_logs();
    let dir = Dir::new("torn");
    let path = dir.path("leases");
    let good = "bound hw:1:020000000001 10.99.0.1 1700000001\n";
    for torn in [
        "bound hw:1:0200000",
        "bound hw:1:020000000002 10.99.0.2 17000\u{0}\u{0}\n",
        "bound hw:1:0\u{e9}0 10.99.0.2 1700000002\n",
    ] {
        fs::write(&path, format!("{good}{torn}")).unwrap();
        let (mut file, records) = replay(&path);
        assert_eq!(records, vec![bound(1)]);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            good,
            "cut after the last good line"
        );
        file.append(&[bound(3)]).unwrap();
        drop(file);
        assert_eq!(LeaseFile::load(&path).unwrap(), vec![bound(1), bound(3)]);
    }
    let warned = ex_dhcp_testkit::logged(log::Level::Warn, "the last line is torn");
    assert!(warned.iter().any(|w| w.contains("line 2")), "{warned:?}");
}

#[test]
fn a_corrupt_record_before_the_end_is_an_error_naming_file_and_line() {
    let dir = Dir::new("corrupt");
    let path = dir.path("leases");
    let text =
        "bound hw:1:020000000001 10.99.0.1 1700000001\nbound what\nreleased hw:1:0201 10.99.0.1\n";
    fs::write(&path, text).unwrap();
    let error = LeaseFile::open(&path, |_| {}).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "lease file {} line 2: bound record has 1 fields",
            path.display()
        )
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), text, "left as it was");
}

#[test]
fn compaction_keeps_what_it_is_given_and_later_appends() {
    let dir = Dir::new("compact");
    let path = dir.path("leases");
    let (mut file, _) = replay(&path);
    let many: Vec<Change> = (1..=200).map(|n| bound(n as u8)).collect();
    for batch in many.chunks(7) {
        file.append(batch).unwrap();
    }
    assert_eq!(file.appended(), 200);
    let live = [bound(5), bound(6)];
    file.compact(&live).unwrap();
    assert_eq!(file.appended(), 0);
    file.append(&[bound(7)]).unwrap();
    drop(file);
    let (_file, records) = replay(&path);
    assert_eq!(records, vec![bound(5), bound(6), bound(7)]);
    assert!(!dir.names().iter().any(|n| n.ends_with(".compact")));
}

#[test]
fn a_batch_is_one_append_read_back_in_order() {
    let dir = Dir::new("batch");
    let path = dir.path("leases");
    let (mut file, _) = replay(&path);
    let batch: Vec<Change> = (1..=50).map(bound).collect();
    file.append(&batch).unwrap();
    file.append(&[]).unwrap();
    drop(file);
    assert_eq!(LeaseFile::load(&path).unwrap(), batch);
}
