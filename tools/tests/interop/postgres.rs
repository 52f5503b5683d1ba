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
    use std::time::SystemTime;

    use ex_dhcp::lease::{
        secs, Change, ClientKey, Committed, LeaseStore, PgStore, StoreError, SCHEMA_VERSION,
    };
    use ex_dhcp_testkit::postgres::Cluster;

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
            matches!(refused, StoreError::Backend(_))
                && text.contains("version 99, newer than this ex_dhcp's"),
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
            // Client 2 moves: its old address is released first, then the new bound.
            Change::Released {
                key: client(2),
                addr: addr(11),
            },
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
                holder: None,
                until: Some(later),
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
        // Client 2 holds .11 through server two, client 1 holds .10 through one.
        two.commit(&[bound(2, 11, later)]).expect("commit");
        one.commit(&[bound(1, 10, later)]).expect("commit");
        let committed = two
            .commit(&[bound(4, 10, later), bound(3, 12, later)])
            .expect("commit");
        assert_eq!(
            committed,
            vec![
                Committed::Conflict {
                    addr: addr(10),
                    holder: Some(client(1)),
                    until: Some(later),
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
        // Client 1 moves to .11 (released, then bound); client 2 gets .10, which the
        // move frees: all made, as they would be one after the other.
        let moved = [
            Change::Released {
                key: client(1),
                addr: addr(10),
            },
            bound(1, 11, later),
            bound(2, 10, later),
        ];
        let committed = store.commit(&moved).expect("commit");
        assert_eq!(committed, vec![Committed::Durable; 3]);
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
                Committed::Conflict {
                    addr: a,
                    holder,
                    until,
                } => {
                    assert_eq!(a, addr);
                    assert!(holder.is_some(), "the holder of {addr} is named");
                    assert!(until.is_some(), "the end of {addr}'s lease is given");
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

/// Two `lease_server` processes on 127.0.0.1 sharing one throw-away cluster
/// (`--database`): DORAs at both, then the database shows every address held by one
/// client and every ACK; then one server is killed with SIGKILL and the other ACKs a
/// REBINDING client of the dead one (RFC 2131 section 4.4.5).
///
/// The pool is in 127.99.0.0/16, on the loopback interface: a REBINDING client's ACK
/// goes to its ciaddr (RFC 2131 section 4.1), and every address of 127/8 is this
/// machine's, so it arrives at the client's socket, bound to 0.0.0.0, and nothing
/// leaves the machine.
#[cfg(feature = "postgres")]
mod two_servers {
    use std::collections::{HashMap, HashSet};
    use std::io::{BufRead, BufReader};
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;
    use std::thread;
    use std::time::{Duration, Instant};

    use ex_dhcp::lease::ClientKey;
    use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
    use ex_dhcp::{Client, MessageType, Packet};
    use ex_dhcp_testkit::postgres::Cluster;

    const CLIENTS_PER_SERVER: u32 = 50;
    const WAIT: Duration = Duration::from_secs(5);
    /// A DORA that loses its address to the other server is NAKed and starts over.
    const TRIES: usize = 20;

    /// A running lease_server, killed (SIGKILL) when dropped.
    struct Server {
        child: Child,
        addr: SocketAddrV4,
        id: Ipv4Addr,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start(url: &str, id: Ipv4Addr, client_port: u16) -> Server {
        start_with(
            url,
            id,
            client_port,
            &["--range", "127.99.0.100-127.99.0.250"],
        )
    }

    /// A lease_server on the database at `url`, with `flags` (at least `--range`).
    fn start_with(url: &str, id: Ipv4Addr, client_port: u16, flags: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lease_server"))
            .args(["--server", &id.to_string()])
            .args(["--mask", "255.255.0.0", "--lease-time", "600"])
            .args(flags)
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--broadcast",
                "127.0.0.1",
            ])
            .args(["--client-port", &client_port.to_string()])
            .args(["--database", url])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start lease_server");
        let stdout = child.stdout.take().expect("piped");
        let (lines, read) = mpsc::channel();
        // Drains the log for the server's whole life: a full pipe would stall it.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = read
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("lease_server --server {id} did not start"));
            if let Some(port) = line.split("serving on 127.0.0.1:").nth(1) {
                break port.trim().parse().expect("a port");
            }
        };
        thread::spawn(move || while read.recv().is_ok() {});
        Server {
            child,
            addr: SocketAddrV4::new(Ipv4Addr::LOCALHOST, port),
            id,
        }
    }

    fn mac(n: u32) -> [u8; 6] {
        let [a, b, c, d] = n.to_be_bytes();
        [2, 0x99, a, b, c, d]
    }

    fn key(n: u32) -> String {
        ClientKey::Hw(1, mac(n).to_vec()).to_string()
    }

    fn packet(kind: MessageType, n: u32, xid: u32) -> Packet {
        let mut packet = Packet::new(kind);
        packet.set_mac(mac(n));
        packet.xid = xid;
        packet
    }

    /// DISCOVER, OFFER, REQUEST, ACK against `server`, started over after a NAK:
    /// the address ACKed.
    fn dora(
        client: &mut Client,
        server: &Server,
        n: u32,
        xid: &mut u32,
        naks: &mut usize,
    ) -> Ipv4Addr {
        for _ in 0..TRIES {
            *xid += 1;
            let discover = packet(MessageType::Discover, n, *xid);
            let (offer, _) = client
                .exchange(&discover, server.addr, WAIT)
                .expect("an OFFER");
            assert_eq!(offer.message_type(), Some(MessageType::Offer));
            let request = packet(MessageType::Request, n, *xid)
                .with_option(RequestedIpAddress, offer.yiaddr)
                .with_option(ServerIdentifier, server.id);
            let (answer, _) = client
                .exchange(&request, server.addr, WAIT)
                .expect("an answer");
            match answer.message_type() {
                Some(MessageType::Ack) => return answer.yiaddr,
                Some(MessageType::Nak) => *naks += 1,
                other => panic!("client {n}: {other:?} to a REQUEST"),
            }
        }
        panic!("client {n}: no ACK from {} in {TRIES} tries", server.id)
    }

    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn two_lease_servers_share_one_pool_and_survive_one_killed() {
        let cluster = Cluster::start();
        let url = cluster.url();
        let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).expect("bind");
        let client_port = client.local_addr().expect("bound").port();
        let a = start(&url, Ipv4Addr::new(127, 99, 0, 1), client_port);
        let b = start(&url, Ipv4Addr::new(127, 99, 0, 2), client_port);

        // Interleaved, so both servers reach for the same free addresses.
        let mut acked: HashMap<u32, Ipv4Addr> = HashMap::new();
        let mut xid = 0x9900_0000;
        let mut naks = 0;
        for i in 0..CLIENTS_PER_SERVER {
            let (n, m) = (i, CLIENTS_PER_SERVER + i);
            acked.insert(n, dora(&mut client, &a, n, &mut xid, &mut naks));
            acked.insert(m, dora(&mut client, &b, m, &mut xid, &mut naks));
        }

        // Interleaved, the servers race for the same addresses: the losers were NAKed.
        assert!(naks > 0, "no race was lost: the conflict path did not run");
        let rows = cluster
            .psql("SELECT host(addr) || ' ' || client FROM ex_dhcp_leases WHERE state = 'bound'");
        let rows: Vec<(Ipv4Addr, String)> = rows
            .lines()
            .map(|line| {
                let (addr, client) = line.split_once(' ').expect("addr client");
                (addr.parse().expect("an address"), client.to_owned())
            })
            .collect();
        let addrs: HashSet<_> = rows.iter().map(|(addr, _)| *addr).collect();
        let clients: HashSet<_> = rows.iter().map(|(_, client)| client.clone()).collect();
        assert_eq!(addrs.len(), rows.len(), "an address held twice: {rows:?}");
        assert_eq!(clients.len(), rows.len(), "a client holding two: {rows:?}");
        let distinct: HashSet<_> = acked.values().collect();
        assert_eq!(
            distinct.len(),
            acked.len(),
            "one address ACKed to two clients"
        );
        for (n, addr) in &acked {
            assert!(
                rows.contains(&(*addr, key(*n))),
                "client {n}'s ACKed {addr} is not in the table"
            );
        }

        // A last client of A, which B has never heard of (B learns other servers'
        // clients only from a lost race for their address); then A dies.
        let last = 2 * CLIENTS_PER_SERVER;
        let last_addr = dora(&mut client, &a, last, &mut xid, &mut naks);
        drop(a);
        // Both rebind at B: client 0 (which B may know from a lost race) and the last
        // client, whom B finds only by looking it up in the database.
        for (n, addr) in [(0, acked[&0]), (last, last_addr)] {
            xid += 1;
            let mut rebind = packet(MessageType::Request, n, xid);
            rebind.ciaddr = addr;
            rebind.flags = rebind.flags.with_broadcast(true);
            let (ack, _) = client.exchange(&rebind, b.addr, WAIT).expect("B answers");
            assert_eq!(ack.message_type(), Some(MessageType::Ack), "client {n}");
            assert_eq!(ack.yiaddr, addr);
        }
        let held_by_last = cluster.psql(&format!(
            "SELECT host(addr) FROM ex_dhcp_leases WHERE client = '{}'",
            key(last)
        ));
        assert_eq!(
            held_by_last,
            last_addr.to_string(),
            "B extended it in the table"
        );
        // And a client the database does not know gets silence, not a NAK.
        xid += 1;
        let mut stranger = packet(MessageType::Request, 9_999, xid);
        stranger.ciaddr = Ipv4Addr::new(127, 99, 0, 250);
        stranger.flags = stranger.flags.with_broadcast(true);
        client.send(&stranger, b.addr).expect("send");
        assert!(
            client.receive(xid, Duration::from_secs(2)).is_err(),
            "silence"
        );
        drop(b);
    }

    /// REBINDING (RFC 2131 4.3.2): ciaddr set, no option 54, broadcast.
    fn rebind(n: u32, addr: Ipv4Addr, xid: u32) -> Packet {
        let mut rebind = packet(MessageType::Request, n, xid);
        rebind.ciaddr = addr;
        rebind.flags = rebind.flags.with_broadcast(true);
        rebind
    }

    /// Disjoint ranges on one database: A leases from the first half, B from the
    /// second. A client of A rebinds at B once A is gone (RFC 2131 section 4.4.5):
    /// without `--answer-subnet` B stays silent (the address is not in its range:
    /// neither an ACK nor a NAK, also for the retransmission), with it B ACKs and
    /// extends the lease in the database.
    #[test]
    #[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop postgres`"]
    fn a_client_of_a_dead_server_rebinds_at_the_server_of_the_other_half() {
        const FIRST_HALF: &str = "127.99.0.100-127.99.0.174";
        const SECOND_HALF: &str = "127.99.0.175-127.99.0.250";
        let cluster = Cluster::start();
        let url = cluster.url();
        let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).expect("bind");
        let client_port = client.local_addr().expect("bound").port();
        let (a_id, b_id) = (Ipv4Addr::new(127, 99, 0, 1), Ipv4Addr::new(127, 99, 0, 2));
        let a = start_with(&url, a_id, client_port, &["--range", FIRST_HALF]);
        let (mut xid, mut naks) = (0x9a00_0000, 0);
        let addr = dora(&mut client, &a, 1, &mut xid, &mut naks);
        assert_eq!(naks, 0, "nobody else allocates from A's half");
        assert!(
            (Ipv4Addr::new(127, 99, 0, 100)..=Ipv4Addr::new(127, 99, 0, 174)).contains(&addr),
            "{addr} is in A's half"
        );
        let stored = || {
            cluster.psql(&format!(
                "SELECT host(addr) || ' ' || until FROM ex_dhcp_leases WHERE client = '{}'",
                key(1)
            ))
        };
        let by_a = stored();
        assert!(by_a.starts_with(&format!("{addr} ")), "{by_a}");
        drop(a); // SIGKILL: A is gone

        // B on its own half only: the client is not B's to answer for. Silence, and
        // silence again for the retransmission (nothing was put in B's table).
        let strict = start_with(&url, b_id, client_port, &["--range", SECOND_HALF]);
        for _ in 0..2 {
            xid += 1;
            client
                .send(&rebind(1, addr, xid), strict.addr)
                .expect("send");
            assert!(
                client.receive(xid, Duration::from_secs(2)).is_err(),
                "B without --answer-subnet must not answer (an ACK outside its range, or \
                 a NAK of a lease it does not own)"
            );
        }
        drop(strict);

        // B answering for the whole subnet: the lease is looked up and ACKed.
        let b = start_with(
            &url,
            b_id,
            client_port,
            &["--range", SECOND_HALF, "--answer-subnet", "on"],
        );
        xid += 1;
        let (ack, _) = client
            .exchange(&rebind(1, addr, xid), b.addr, WAIT)
            .expect("B answers the REBINDING client");
        assert_eq!(ack.message_type(), Some(MessageType::Ack));
        assert_eq!(ack.yiaddr, addr);
        assert_eq!(ack.options.get(ServerIdentifier), Some(b_id));
        let by_b = stored();
        assert!(by_b.starts_with(&format!("{addr} ")), "{by_b}");
        let until = |row: &str| -> u64 {
            row.split(' ')
                .nth(1)
                .expect("until")
                .parse()
                .expect("a number")
        };
        assert!(until(&by_b) >= until(&by_a), "{by_a} then {by_b}");

        // At T1 the client renews with B (unicast, ciaddr): B knows it now.
        xid += 1;
        let mut renew = packet(MessageType::Request, 1, xid);
        renew.ciaddr = addr;
        let (renewed, _) = client.exchange(&renew, b.addr, WAIT).expect("B renews");
        assert_eq!(renewed.message_type(), Some(MessageType::Ack));
        assert_eq!(renewed.yiaddr, addr);
        // New clients at B still get addresses from B's half.
        let fresh = dora(&mut client, &b, 2, &mut xid, &mut naks);
        assert!(
            (Ipv4Addr::new(127, 99, 0, 175)..=Ipv4Addr::new(127, 99, 0, 250)).contains(&fresh),
            "{fresh}"
        );
        drop(b);
    }
}
