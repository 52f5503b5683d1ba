//! The PostgreSQL lease store's integrity rules against a real PostgreSQL, each
//! test on a throw-away cluster (`ex_dhcp_testkit::postgres::Cluster`): one
//! bound lease per client in a subnet whichever servers commit, the schema's
//! migration from version 1, subnet labels, and batches that PostgreSQL aborts
//! (deadlocks with another session) retried, then reported contended.
//!
//! Built with the tools' `postgres` feature, as `postgres.rs` is.

#[cfg(feature = "postgres")]
mod store {
    use std::collections::BTreeMap;
    use std::net::Ipv4Addr;
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::{Duration, Instant, SystemTime};

    use ex_dhcp::lease::{
        secs, Change, ClientKey, Committed, LeaseStore, PgStore, Subnet, RETRIES, SCHEMA_VERSION,
    };
    use ex_dhcp_testkit::postgres::Cluster;
    use ex_dhcp_testkit::{capture_logs, logged};

    /// Schema version 1, as `src/lease/postgres/schema.sql` held it until version
    /// 2 (ex_dhcp 0.2.0, commit a29b552): a database left by that release.
    const SCHEMA_V1: &str = "
        CREATE TABLE ex_dhcp_schema_version (version integer NOT NULL);
        INSERT INTO ex_dhcp_schema_version (version) VALUES (1);
        CREATE TABLE ex_dhcp_leases (
            addr   inet    PRIMARY KEY CHECK (family(addr) = 4 AND masklen(addr) = 32),
            state  text    NOT NULL CHECK (state IN ('bound', 'declined')),
            client text    CHECK ((state = 'bound') = (client IS NOT NULL)),
            until  bigint  NOT NULL
        );
        CREATE INDEX ex_dhcp_leases_client ON ex_dhcp_leases (client)
            WHERE client IS NOT NULL;";

    fn now() -> u64 {
        secs(SystemTime::now())
    }

    fn client(n: u32) -> ClientKey {
        let [a, b, c, d] = n.to_be_bytes();
        ClientKey::Hw(1, vec![2, 0, a, b, c, d])
    }

    fn addr(n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 99, 0, 0)) + n)
    }

    fn bound(client_n: u32, addr_n: u32, until: u64) -> Change {
        Change::Bound {
            key: client(client_n),
            addr: addr(addr_n),
            until,
        }
    }

    fn subnet(network: [u8; 4], prefix: u32) -> Subnet {
        let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
        Subnet::new(Ipv4Addr::from(network), Ipv4Addr::from(mask))
    }

    fn load(store: &mut PgStore) -> Vec<Change> {
        let mut changes = Vec::new();
        store
            .load(&mut |change| changes.push(change))
            .expect("load");
        changes
    }

    /// The table's rows as `addr state client until subnet` lines, in address order.
    fn rows(cluster: &Cluster) -> Vec<String> {
        cluster
            .psql(
                "SELECT host(addr) || ' ' || state || ' ' || coalesce(client, '-') || ' ' \
                 || until || ' ' || subnet FROM ex_dhcp_leases ORDER BY addr",
            )
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The deadlocks PostgreSQL detected in the cluster's database, read once every
    /// other session has ended (a session's statistics are written when it ends).
    fn deadlocks(cluster: &Cluster) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(10);
        while cluster.psql(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
        ) != "0"
        {
            assert!(Instant::now() < deadline, "sessions still open after 10 s");
            thread::sleep(Duration::from_millis(50));
        }
        cluster
            .psql("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            .parse()
            .expect("a count of deadlocks")
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_client_bound_elsewhere_in_its_subnet_is_refused_with_the_lease_it_holds() {
        let cluster = Cluster::start();
        let mut one = PgStore::connect(&cluster.url()).expect("connect");
        let mut two = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        assert_eq!(
            one.commit(&[bound(1, 10, later)]).expect("commit"),
            vec![Committed::Durable]
        );
        // Server two, not knowing, binds the same client elsewhere: refused, and the
        // refusal names the lease the client holds, so server two can record it.
        assert_eq!(
            two.commit(&[bound(1, 20, later + 60), bound(2, 21, later)])
                .expect("commit"),
            vec![
                Committed::Conflict {
                    addr: addr(10),
                    holder: Some(client(1)),
                    until: Some(later),
                },
                Committed::Durable
            ]
        );
        assert_eq!(
            load(&mut two),
            vec![bound(1, 10, later), bound(2, 21, later)],
            "server one's lease untouched, nothing of the refused one written"
        );
        // Alone in a batch of other changes (the change-by-change path), the same.
        let released = Change::Released {
            key: client(2),
            addr: addr(21),
        };
        assert_eq!(
            two.commit(&[released, bound(1, 22, later)])
                .expect("commit"),
            vec![
                Committed::Durable,
                Committed::Conflict {
                    addr: addr(10),
                    holder: Some(client(1)),
                    until: Some(later),
                }
            ]
        );
        // Renewing the address it holds is no conflict, through either server.
        assert_eq!(
            two.commit(&[bound(1, 10, later + 600)]).expect("commit"),
            vec![Committed::Durable]
        );
        assert_eq!(load(&mut one), vec![bound(1, 10, later + 600)]);
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_clients_expired_lease_elsewhere_goes_when_it_is_bound_again() {
        let cluster = Cluster::start();
        let mut one = PgStore::connect(&cluster.url()).expect("connect");
        let mut two = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        one.commit(&[bound(1, 10, now() - 5), bound(2, 11, now() - 5)])
            .expect("commit");
        // One batch of distinct bounds, one change by change (a duplicate address).
        assert_eq!(
            two.commit(&[bound(1, 20, later)]).expect("commit"),
            vec![Committed::Durable]
        );
        assert_eq!(
            two.commit(&[bound(2, 21, later), bound(2, 21, later)])
                .expect("commit"),
            vec![Committed::Durable; 2]
        );
        let held = rows(&cluster);
        assert_eq!(
            held,
            [
                format!("10.99.0.20 bound hw:1:020000000001 {later} 0.0.0.0/0"),
                format!("10.99.0.21 bound hw:1:020000000002 {later} 0.0.0.0/0"),
            ],
            "the expired rows are gone, one row per client"
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_client_may_hold_one_address_in_each_subnet() {
        let cluster = Cluster::start();
        let subnets = [subnet([10, 99, 0, 0], 24), subnet([10, 99, 1, 0], 24)];
        let mut one = PgStore::connect(&cluster.url()).expect("connect");
        let mut two = PgStore::connect(&cluster.url()).expect("connect");
        one.subnets(&subnets).expect("subnets");
        two.subnets(&subnets).expect("subnets");
        let later = now() + 3600;
        assert_eq!(
            one.commit(&[bound(1, 10, later)]).expect("commit"),
            vec![Committed::Durable]
        );
        assert_eq!(
            two.commit(&[bound(1, 256 + 10, later)]).expect("commit"),
            vec![Committed::Durable],
            "10.99.1.10 is in the other subnet"
        );
        assert_eq!(
            two.commit(&[bound(1, 20, later)]).expect("commit"),
            vec![Committed::Conflict {
                addr: addr(10),
                holder: Some(client(1)),
                until: Some(later),
            }],
            "10.99.0.20 is in the subnet of 10.99.0.10"
        );
        assert_eq!(
            rows(&cluster),
            [
                format!("10.99.0.10 bound hw:1:020000000001 {later} 10.99.0.0/24"),
                format!("10.99.1.10 bound hw:1:020000000001 {later} 10.99.1.0/24"),
            ]
        );
    }

    /// Two servers binding the same clients at once, each to its own address and
    /// one server's addresses one above the other's (so each change races for its
    /// client with one change of the other server and for its address with
    /// another), one server's batches in reverse order: every client ends with one
    /// address, every address with one client, every `Durable` is in the table,
    /// every `Conflict` names a lease of the table, and nothing is contended (the
    /// lock order leaves no deadlock).
    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn two_servers_binding_the_same_clients_leave_each_client_one_address() {
        const ROUNDS: u32 = 150;
        const BATCH: u32 = 8;
        let cluster = Cluster::start();
        let later = now() + 3600;
        let barrier = Arc::new(Barrier::new(2));
        let servers: Vec<_> = (0..2u32)
            .map(|server| {
                let url = cluster.url();
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || {
                    let mut store = PgStore::connect(&url).expect("connect");
                    let mut results = Vec::new();
                    for round in 0..ROUNDS {
                        let mut batch: Vec<Change> = (0..BATCH)
                            .map(|i| {
                                let n = round * BATCH + i;
                                bound(n, n + server, later)
                            })
                            .collect();
                        if server == 1 {
                            batch.reverse();
                        }
                        barrier.wait();
                        let committed = store.commit(&batch).expect("commit, never an Err");
                        results.extend(batch.into_iter().zip(committed));
                    }
                    results
                })
            })
            .collect();
        let results: Vec<(Change, Committed)> = servers
            .into_iter()
            .flat_map(|s| s.join().expect("server thread"))
            .collect();

        let mut durable = BTreeMap::new();
        let mut conflicts = 0;
        for (change, committed) in &results {
            let Change::Bound { key, addr, .. } = change else {
                unreachable!("only Bound changes")
            };
            match committed {
                Committed::Durable => {
                    assert!(
                        durable.insert(key.clone(), *addr).is_none(),
                        "{key} committed twice"
                    );
                }
                Committed::Conflict { .. } => conflicts += 1,
                other => panic!("{key} at {addr}: {other:?}"),
            }
        }
        let table: BTreeMap<ClientKey, Ipv4Addr> =
            load(&mut PgStore::connect(&cluster.url()).expect("connect"))
                .into_iter()
                .map(|change| match change {
                    Change::Bound { key, addr, .. } => (key, addr),
                    other => panic!("unexpected {other:?}"),
                })
                .collect();
        assert_eq!(table, durable, "the table holds exactly the durable leases");
        let mut addrs: Vec<Ipv4Addr> = table.values().copied().collect();
        addrs.sort();
        addrs.dedup();
        assert_eq!(addrs.len(), table.len(), "an address held twice");
        for (change, committed) in &results {
            if let (Change::Bound { key, .. }, Committed::Conflict { addr, holder, .. }) =
                (change, committed)
            {
                let holder = holder.as_ref().expect("a lease's holder is named");
                assert_eq!(
                    table.get(holder),
                    Some(addr),
                    "{key}'s conflict names {holder} at {addr}, which the table does not hold"
                );
            }
        }
        assert!(conflicts > 0, "the servers never raced");
        assert_eq!(deadlocks(&cluster), 0, "PostgreSQL saw no deadlock");
        eprintln!(
            "{} changes: {} durable, {conflicts} conflicts",
            results.len(),
            durable.len()
        );
    }

    /// Two servers with their own clients, whose expired leases cross: server 0
    /// binds client `a` to an address where client `b`'s lease expired, server 1
    /// binds `b` to where `a`'s expired, at once, so each batch removes a row the
    /// other overwrites. Every lease is made, no deadlock, no expired row left.
    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn crossing_expired_leases_of_two_servers_clients_never_deadlock() {
        const ROUNDS: u32 = 100;
        const PAIRS: u32 = 8;
        const OFFSET: u32 = 10_000;
        let cluster = Cluster::start();
        let mut setup = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        let barriers = Arc::new(Barrier::new(3));
        let servers: Vec<_> = (0..2u32)
            .map(|server| {
                let url = cluster.url();
                let barriers = Arc::clone(&barriers);
                thread::spawn(move || {
                    let mut store = PgStore::connect(&url).expect("connect");
                    let mut results = Vec::new();
                    for round in 0..ROUNDS {
                        let mut batch: Vec<Change> = (0..PAIRS)
                            .map(|j| {
                                let a = 2 * (round * PAIRS + j);
                                match server {
                                    0 => bound(a, a, later),
                                    _ => bound(a + 1, a + 1 + OFFSET, later),
                                }
                            })
                            .collect();
                        if server == 1 {
                            batch.reverse();
                        }
                        barriers.wait(); // the round's expired leases are in place
                        results.extend(store.commit(&batch).expect("commit, never an Err"));
                        barriers.wait(); // both batches are done
                    }
                    results
                })
            })
            .collect();
        for round in 0..ROUNDS {
            let expired: Vec<Change> = (0..PAIRS)
                .flat_map(|j| {
                    let (a, b) = (2 * (round * PAIRS + j), 2 * (round * PAIRS + j) + 1);
                    [bound(b, a, now() - 10), bound(a, b + OFFSET, now() - 10)]
                })
                .collect();
            setup.commit(&expired).expect("commit");
            barriers.wait();
            barriers.wait();
        }
        for server in servers {
            let results = server.join().expect("server thread");
            assert_eq!(results, vec![Committed::Durable; (ROUNDS * PAIRS) as usize]);
        }
        assert_eq!(
            cluster.psql("SELECT count(*) FROM ex_dhcp_leases"),
            (2 * ROUNDS * PAIRS).to_string(),
            "the expired rows are gone"
        );
        assert_eq!(
            cluster.psql(&format!(
                "SELECT count(*) FROM ex_dhcp_leases WHERE state = 'bound' AND until = {later}"
            )),
            (2 * ROUNDS * PAIRS).to_string()
        );
        drop(setup);
        assert_eq!(deadlocks(&cluster), 0, "PostgreSQL saw no deadlock");
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_version_1_database_is_migrated_keeping_each_clients_lease_that_ends_last() {
        capture_logs();
        let cluster = Cluster::start();
        let t = now() + 3600;
        cluster.psql(SCHEMA_V1);
        cluster.psql(&format!(
            "INSERT INTO ex_dhcp_leases (addr, state, client, until) VALUES \
             ('10.99.0.10', 'bound', 'hw:1:020000000001', {}), \
             ('10.99.0.11', 'bound', 'hw:1:020000000001', {}), \
             ('10.99.0.12', 'bound', 'hw:1:020000000002', {t}), \
             ('10.99.0.13', 'declined', NULL, {t}), \
             ('10.99.0.14', 'bound', 'hw:1:020000000003', {}), \
             ('10.99.0.15', 'bound', 'hw:1:020000000003', {})",
            t - 100,
            t + 100,
            now() - 50,
            now() - 60
        ));
        let mut store = PgStore::connect(&cluster.url()).expect("connect migrates");
        assert_eq!(
            cluster.psql("SELECT version FROM ex_dhcp_schema_version"),
            SCHEMA_VERSION.to_string()
        );
        assert_eq!(
            load(&mut store),
            vec![
                Change::Declined {
                    addr: addr(10),
                    until: t - 100
                },
                bound(1, 11, t + 100),
                bound(2, 12, t),
                Change::Declined {
                    addr: addr(13),
                    until: t
                },
            ],
            "client 1 keeps the lease that ends last; the other is set aside until its end"
        );
        let set_aside = logged(
            log::Level::Warn,
            "hw:1:020000000001 held 10.99.0.11 and 10.99.0.10 bound in one subnet",
        );
        assert_eq!(set_aside.len(), 1, "{set_aside:?}");
        assert_eq!(
            logged(
                log::Level::Warn,
                "hw:1:020000000003 held 10.99.0.14 and 10.99.0.15"
            )
            .len(),
            1,
            "expired duplicates are resolved the same way"
        );
        assert_eq!(
            cluster.psql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'ex_dhcp_leases' \
                 ORDER BY indexname"
            ),
            "ex_dhcp_leases_one_per_client\nex_dhcp_leases_pkey"
        );
        // The rule holds from now on.
        assert_eq!(
            store.commit(&[bound(2, 30, t)]).expect("commit"),
            vec![Committed::Conflict {
                addr: addr(12),
                holder: Some(client(2)),
                until: Some(t),
            }]
        );
        // A second server connecting finds version 2 and changes nothing.
        let before = rows(&cluster);
        drop(PgStore::connect(&cluster.url()).expect("connect again"));
        assert_eq!(rows(&cluster), before);
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn subnets_relabel_the_rows_and_a_merge_of_subnets_sets_aside_the_second_lease() {
        capture_logs();
        let cluster = Cluster::start();
        let later = now() + 3600;
        let mut halves = PgStore::connect(&cluster.url()).expect("connect");
        halves
            .subnets(&[subnet([10, 99, 0, 0], 24), subnet([10, 99, 1, 0], 24)])
            .expect("subnets");
        halves
            .commit(&[bound(7, 10, later), bound(7, 256 + 10, later + 10)])
            .expect("commit");
        assert_eq!(
            rows(&cluster),
            [
                format!("10.99.0.10 bound hw:1:020000000007 {later} 10.99.0.0/24"),
                format!(
                    "10.99.1.10 bound hw:1:020000000007 {} 10.99.1.0/24",
                    later + 10
                ),
            ]
        );

        // Another server given the two as one subnet: the client's two leases are
        // now in one subnet, and the one that ends first is set aside.
        let mut whole = PgStore::connect(&cluster.url()).expect("connect");
        whole
            .subnets(&[subnet([10, 99, 0, 0], 23)])
            .expect("subnets");
        assert_eq!(
            rows(&cluster),
            [
                format!("10.99.0.10 declined - {later} 10.99.0.0/23"),
                format!(
                    "10.99.1.10 bound hw:1:020000000007 {} 10.99.0.0/23",
                    later + 10
                ),
            ]
        );
        assert_eq!(
            logged(log::Level::Warn, "2 lease(s) relabelled").len(),
            1,
            "the relabelling is logged"
        );
        // The first server, still labelling by halves, is told at its next load.
        load(&mut halves);
        assert!(!logged(
            log::Level::Warn,
            "labelled with subnets this server was not given"
        )
        .is_empty());
        // Given the same subnets again, nothing to relabel.
        whole
            .subnets(&[subnet([10, 99, 0, 0], 23)])
            .expect("subnets");
        assert_eq!(logged(log::Level::Warn, "lease(s) relabelled").len(), 1);
    }

    /// The address key PostgreSQL computes for `addr` (`locks.rs`), and the class
    /// of address locks (schema.sql names both).
    fn address_lock(addr: Ipv4Addr) -> String {
        format!("17473, (('{addr}'::inet - '0.0.0.0'::inet) - 2147483648)::int")
    }

    /// A second session's script that deadlocks with the store `times` times: it
    /// locks `addr`'s row, then, each time the store's transaction waits for that
    /// row (holding `addr`'s advisory lock), asks for the advisory lock itself,
    /// 0.3 s later, so the store's wait began first and the store's check (after
    /// `deadlock_timeout`, 1 s) finds the cycle and aborts the store's try.
    fn deadlocking_session(addr: Ipv4Addr, times: usize) -> String {
        let lock = address_lock(addr);
        format!(
            "BEGIN; \
             SELECT 1 FROM ex_dhcp_leases WHERE addr = '{addr}' FOR UPDATE; \
             DO $$ BEGIN \
               FOR attempt IN 1..{times} LOOP \
                 FOR i IN 1..2000 LOOP \
                   EXIT WHEN EXISTS (SELECT 1 FROM pg_locks \
                                     WHERE locktype = 'transactionid' AND NOT granted); \
                   PERFORM pg_sleep(0.005); \
                 END LOOP; \
                 PERFORM pg_sleep(0.3); \
                 PERFORM pg_advisory_lock({lock}); \
                 PERFORM pg_advisory_unlock({lock}); \
               END LOOP; \
             END $$; \
             COMMIT;"
        )
    }

    /// Waits until the session started by `deadlocking_session` holds the row lock
    /// (it sleeps in its loop).
    fn wait_for_session(cluster: &Cluster) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
            != "1"
        {
            assert!(
                Instant::now() < deadline,
                "the second session never started"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_batch_aborted_by_a_deadlock_is_tried_again_and_made() {
        let cluster = Cluster::start();
        let mut store = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        store.commit(&[bound(1, 10, later)]).expect("commit");
        let session = cluster.psql_spawn(&deadlocking_session(addr(10), 1));
        wait_for_session(&cluster);
        let started = Instant::now();
        assert_eq!(
            store
                .commit(&[bound(1, 10, later + 600), bound(2, 11, later)])
                .expect("commit"),
            vec![Committed::Durable; 2],
            "aborted once, then made"
        );
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "the store's try waited for the deadlock check"
        );
        let output = session.wait_with_output().expect("the session ends");
        assert!(
            output.status.success(),
            "the other session was not the one aborted: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            load(&mut store),
            vec![bound(1, 10, later + 600), bound(2, 11, later)]
        );
        drop(store);
        assert_eq!(deadlocks(&cluster), 1);
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_batch_aborted_on_every_try_is_contended_and_nothing_of_it_is_made() {
        let cluster = Cluster::start();
        let mut store = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        store.commit(&[bound(1, 10, later)]).expect("commit");
        let session = cluster.psql_spawn(&deadlocking_session(addr(10), RETRIES + 1));
        wait_for_session(&cluster);
        assert_eq!(
            store
                .commit(&[bound(1, 10, later + 600), bound(2, 11, later)])
                .expect("contention is not an error"),
            vec![Committed::Contended; 2]
        );
        let output = session.wait_with_output().expect("the session ends");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            load(&mut store),
            vec![bound(1, 10, later)],
            "nothing of the contended batch"
        );
        assert_eq!(
            store.commit(&[bound(2, 11, later)]).expect("commit"),
            vec![Committed::Durable],
            "the next batch is made"
        );
        drop(store);
        assert_eq!(deadlocks(&cluster), RETRIES as u64 + 1, "one per try");
    }
}
