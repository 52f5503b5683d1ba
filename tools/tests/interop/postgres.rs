//! The PostgreSQL lease store (`ex_dhcp::lease::PgStore`) against a real PostgreSQL:
//! each test starts a throw-away cluster (`ex_dhcp_testkit::postgres::Cluster`: initdb
//! in a temporary directory, a Unix socket, no TCP) and removes it when it ends,
//! passed or failed. Two `PgStore`s on one database stand for two servers.
//!
//! Built with the tools' `postgres` feature (`.ci/interop` passes it), so a plain
//! `cargo test` never needs libpq; without it, one ignored test says how to run them.

#[cfg(not(feature = "postgres"))]
#[test]
#[ignore = "needs PostgreSQL and libpq: run `.ci/interop postgres` (it passes --features postgres)"]
fn postgres_store_tests_need_the_postgres_feature() {
    panic!(
        "the PostgreSQL lease store tests are built with `--features postgres`: \
         cargo test -p ex_dhcp-tools --features postgres --test interop -- --ignored postgres"
    );
}

#[cfg(feature = "postgres")]
mod store {
    use std::net::Ipv4Addr;
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::{SystemTime, UNIX_EPOCH};

    use ex_dhcp::lease::{
        Change, ClientKey, Committed, LeaseStore, PgStore, StoreError, SCHEMA_VERSION,
    };
    use ex_dhcp_testkit::postgres::Cluster;

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
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

    fn load(store: &mut PgStore) -> Vec<Change> {
        let mut changes = Vec::new();
        store
            .load(&mut |change| changes.push(change))
            .expect("load");
        changes
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_failing_test_still_stops_and_removes_its_cluster() {
        let mut dir = None;
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let cluster = Cluster::start();
            dir = Some(cluster.dir().to_owned());
            assert_eq!(cluster.psql("SELECT 1"), "1");
            panic!("a test failing with its cluster running");
        }));
        assert!(failed.is_err());
        let dir = dir.expect("the cluster started");
        assert!(!dir.exists(), "{} is left behind", dir.display());
        assert!(
            !std::process::Command::new("pgrep")
                .args(["-f", &dir.display().to_string()])
                .status()
                .expect("pgrep")
                .success(),
            "a postgres process of {} still runs",
            dir.display()
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn connect_creates_the_schema_once_and_refuses_another_version() {
        let cluster = Cluster::start();
        let _first = PgStore::connect(&cluster.url()).expect("connect");
        let _second = PgStore::connect(&cluster.url()).expect("connect again");
        assert_eq!(
            cluster.psql("SELECT version FROM ex_dhcp_schema_version"),
            SCHEMA_VERSION.to_string(),
            "one row, this version, however many servers connect"
        );
        assert_eq!(
            cluster.psql("SELECT count(*) FROM ex_dhcp_leases"),
            "0",
            "an empty lease table"
        );

        cluster.psql("UPDATE ex_dhcp_schema_version SET version = 99");
        let refused = PgStore::connect(&cluster.url()).expect_err("a version it does not know");
        let text = refused.to_string();
        assert!(
            matches!(refused, StoreError::Backend(_)) && text.contains("99"),
            "{text}"
        );
        assert_eq!(
            cluster.psql("SELECT version FROM ex_dhcp_schema_version"),
            "99",
            "refused, not changed"
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn commit_then_load_gives_the_live_leases_as_the_lease_file_would() {
        let cluster = Cluster::start();
        let mut store = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        let batch = vec![
            bound(1, 10, later),
            bound(2, 11, later),
            bound(3, 12, later),
            // Client 2 moves: its old address is free.
            bound(2, 13, later),
            // Client 3 gives its address back.
            Change::Released {
                key: client(3),
                addr: addr(12),
            },
            // A release of an address the client does not hold changes nothing.
            Change::Released {
                key: client(3),
                addr: addr(10),
            },
            Change::Declined {
                addr: addr(20),
                until: later,
            },
            // Expired already: stored, but not live.
            bound(4, 14, now() - 10),
        ];
        let committed = store.commit(&batch).expect("commit");
        assert_eq!(committed, vec![Committed::Durable; batch.len()]);

        assert_eq!(
            load(&mut store),
            vec![
                bound(1, 10, later),
                bound(2, 13, later),
                Change::Declined {
                    addr: addr(20),
                    until: later
                },
            ]
        );

        // An expired lease is free: another client takes the address.
        assert_eq!(
            store.commit(&[bound(5, 14, later)]).expect("commit"),
            vec![Committed::Durable]
        );
        // A live quarantine is not.
        assert_eq!(
            store.commit(&[bound(6, 20, later)]).expect("commit"),
            vec![Committed::Conflict {
                addr: addr(20),
                holder: None
            }]
        );
        // A server whose clock is past the quarantine's end may take it.
        let mut tomorrow = PgStore::connect(&cluster.url())
            .expect("connect")
            .with_clock(move || later + 1);
        assert_eq!(
            tomorrow
                .commit(&[bound(6, 20, later + 3600)])
                .expect("commit"),
            vec![Committed::Durable]
        );
        assert_eq!(
            cluster.psql("SELECT count(*) FROM ex_dhcp_leases WHERE state = 'bound'"),
            "4"
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_conflicting_bound_names_the_holder_and_changes_nothing() {
        let cluster = Cluster::start();
        let mut one = PgStore::connect(&cluster.url()).expect("connect");
        let mut two = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        // Client 2 holds .11 through server two; its bid for .10 must not free .11.
        two.commit(&[bound(2, 11, later)]).expect("commit");
        one.commit(&[bound(1, 10, later)]).expect("commit");
        let committed = two
            .commit(&[bound(2, 10, later), bound(3, 12, later)])
            .expect("commit");
        assert_eq!(
            committed,
            vec![
                Committed::Conflict {
                    addr: addr(10),
                    holder: Some(client(1))
                },
                Committed::Durable
            ],
            "a conflict is a result, not an error: the rest of the batch is made"
        );
        assert_eq!(
            load(&mut one),
            vec![
                bound(1, 10, later),
                bound(2, 11, later),
                bound(3, 12, later)
            ]
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn an_address_freed_by_a_move_goes_to_another_client_in_the_same_batch() {
        let cluster = Cluster::start();
        let mut store = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        store.commit(&[bound(1, 10, later)]).expect("commit");
        // Client 1 moves to .11; client 2 gets .10, which the move frees: both are
        // made, as they would be one after the other.
        let committed = store
            .commit(&[bound(1, 11, later), bound(2, 10, later)])
            .expect("commit");
        assert_eq!(committed, vec![Committed::Durable, Committed::Durable]);
        assert_eq!(
            load(&mut store),
            vec![bound(2, 10, later), bound(1, 11, later)]
        );
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn two_servers_racing_for_each_address_give_it_to_exactly_one_client() {
        const ROUNDS: u32 = 200;
        const BATCH: u32 = 5;
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
                        // The same addresses for both servers, each its own clients;
                        // one server's batch in ascending order, the other's
                        // descending, so their locks would cross without ordering.
                        let mut batch: Vec<Change> = (0..BATCH)
                            .map(|i| {
                                let n = round * BATCH + i;
                                bound(server * 1_000_000 + n, n, later)
                            })
                            .collect();
                        if server == 1 {
                            batch.reverse();
                        }
                        barrier.wait();
                        let committed = store.commit(&batch).expect("commit");
                        results.extend(batch.into_iter().zip(committed));
                    }
                    results
                })
            })
            .collect();
        let results: Vec<Vec<(Change, Committed)>> = servers
            .into_iter()
            .map(|s| s.join().expect("server thread"))
            .collect();

        let mut winners = std::collections::BTreeMap::new();
        for (change, committed) in results.iter().flatten() {
            let Change::Bound { key, addr, .. } = change else {
                unreachable!("only Bound changes")
            };
            match committed {
                Committed::Durable => {
                    assert!(
                        winners.insert(*addr, key.clone()).is_none(),
                        "{addr} committed to two clients"
                    );
                }
                Committed::Conflict { addr: a, holder } => {
                    assert_eq!(a, addr);
                    assert!(holder.is_some(), "the holder of {addr} is named");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            winners.len() as u32,
            ROUNDS * BATCH,
            "every address went to one client"
        );
        for (change, committed) in results.iter().flatten() {
            if let (Change::Bound { addr, .. }, Committed::Conflict { holder, .. }) =
                (change, committed)
            {
                assert_eq!(
                    holder.as_ref(),
                    winners.get(addr),
                    "the holder is the winner"
                );
            }
        }
        let table: Vec<Change> = load(&mut PgStore::connect(&cluster.url()).expect("connect"));
        let stored: std::collections::BTreeMap<_, _> = table
            .into_iter()
            .map(|change| match change {
                Change::Bound { key, addr, .. } => (addr, key),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(stored, winners, "the database holds the winners");
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn lookup_finds_a_lease_another_server_made() {
        let cluster = Cluster::start();
        let mut maker = PgStore::connect(&cluster.url()).expect("connect");
        let mut other = PgStore::connect(&cluster.url()).expect("connect");
        let later = now() + 3600;
        maker
            .commit(&[bound(1, 10, later), bound(2, 11, now() - 1)])
            .expect("commit");
        assert_eq!(
            other.lookup(&client(1)).expect("lookup"),
            Some(bound(1, 10, later)),
            "a rebinding client of the other server (RFC 2131 4.4.5)"
        );
        assert_eq!(other.lookup(&client(2)).expect("lookup"), None, "expired");
        assert_eq!(other.lookup(&client(3)).expect("lookup"), None, "unknown");
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_restarted_server_loads_the_leases_every_server_committed() {
        let cluster = Cluster::start();
        let later = now() + 3600;
        let mut one = PgStore::connect(&cluster.url()).expect("connect");
        let mut two = PgStore::connect(&cluster.url()).expect("connect");
        one.commit(&[bound(1, 10, later)]).expect("commit");
        two.commit(&[bound(2, 11, later)]).expect("commit");
        let before = load(&mut one);
        drop(one);
        drop(two);

        let mut restarted = PgStore::connect(&cluster.url()).expect("connect");
        assert_eq!(load(&mut restarted), before);
        assert_eq!(before, vec![bound(1, 10, later), bound(2, 11, later)]);
    }
}
