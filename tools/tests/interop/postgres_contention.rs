//! Two `lease_server`s on one throw-away PostgreSQL, the same clients doing DORA
//! against both at once, as clients on a link with two servers do (issue 22):
//! every ACK is captured on the wire and checked against the table afterwards.
//!
//! Four namespaces: each server with its own perfdhcp (a relay agent, giaddr its
//! own address) on a veth pair, every address in 198.18.64.0/18. Both servers have
//! the same range with `--share 1/2` and `--share 2/2`; both perfdhcp draw their
//! clients from one list of MAC addresses (`-M`), so each client asks both servers.
//! tcpdump records each server's interface; the captures are read back with
//! `ex_dhcp::capture`. Per rate (750, 1,500 and 2,000 DORA/s per server, 10 s),
//! on an emptied table and freshly started servers: neither server exits, no
//! client is ACKed two addresses and no address two clients (on the wire), every
//! ACKed lease is a bound row of the table, no client holds two bound rows,
//! PostgreSQL detected no deadlock, no change was contended, and both servers stop
//! cleanly on SIGTERM. The figures (ACKs, NAKs, the lease service's conflicts) are
//! printed for BENCHMARKS.md (`--nocapture`).

#[cfg(feature = "postgres")]
mod two_servers_same_clients {
    use std::collections::{BTreeMap, HashMap, HashSet};
    use std::fmt::Write as _;
    use std::net::Ipv4Addr;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use ex_dhcp::capture::read_file;
    use ex_dhcp::lease::{client_key, ClientKey};
    use ex_dhcp::{MessageType, Packet};
    use ex_dhcp_testkit::postgres::Cluster;

    use crate::support::lab::tag;
    use crate::support::tools::{Tool, PERFDHCP};
    use crate::support::{read, require_prerequisites, veth, wait_for, Netns, Proc, TempDir};

    const TCPDUMP: Tool = Tool {
        what: "tcpdump",
        probe: &["tcpdump", "--version"],
        package: "tcpdump",
    };

    const PREFIX: &str = "18";
    const MASK: &str = "255.255.192.0";
    /// About 16,000 addresses: each server's share holds every client.
    const RANGE: &str = "198.18.65.0-198.18.127.250";
    const SERVERS: [&str; 2] = ["198.18.64.1", "198.18.64.2"];
    const RELAYS: [&str; 2] = ["198.18.64.3", "198.18.64.4"];
    const CLIENTS: u32 = 5_000;
    const RATES: [u32; 3] = [750, 1_500, 2_000];
    const LOAD_SECS: u32 = 10;
    /// How long perfdhcp waits for late replies once it stops sending.
    const EXIT_WAIT_MICROS: &str = "2000000";
    /// A run takes about 12 s; anything past this is a hang.
    const RUN_TIMEOUT: Duration = Duration::from_secs(60);
    /// perfdhcp's exit status when some exchanges went unanswered.
    const SOME_EXCHANGES_FAILED: i32 = 3;

    /// One server's side: its namespace and interface, and its relay's.
    struct Side {
        server_ns: Netns,
        relay_ns: Netns,
        server_if: String,
        relay_if: String,
    }

    fn side(n: usize) -> Side {
        let tag = tag(&format!("pc{n}"));
        let server_ns = Netns::new(format!("{tag}-srv"));
        let relay_ns = Netns::new(format!("{tag}-rly"));
        let (server_if, relay_if) = (format!("{tag}s"), format!("{tag}r"));
        veth(&server_ns, &server_if, &relay_ns, &relay_if);
        let cidr = |ip: &str| format!("{ip}/{PREFIX}");
        server_ns.ip(&["addr", "add", &cidr(SERVERS[n]), "dev", &server_if]);
        relay_ns.ip(&["addr", "add", &cidr(RELAYS[n]), "dev", &relay_if]);
        Side {
            server_ns,
            relay_ns,
            server_if,
            relay_if,
        }
    }

    fn mac(n: u32) -> [u8; 6] {
        let [a, b, c, d] = n.to_be_bytes();
        [0x02, 0x22, a, b, c, d]
    }

    fn start_server(side: &Side, n: usize, url: &str, log: &Path) -> Proc {
        let binary = PathBuf::from(env!("CARGO_BIN_EXE_lease_server"));
        let mut command = side.server_ns.command(&binary);
        command
            .args(["--server", SERVERS[n], "--mask", MASK, "--range", RANGE])
            .args(["--share", &format!("{}/2", n + 1), "--lease-time", "600"])
            .args(["--allow-relays", "on", "--interface", &side.server_if])
            .args(["--port", "67", "--database", url]);
        let mut server = Proc::spawn("lease_server", command, log);
        wait_for("the server to serve", Duration::from_secs(30), || {
            server.assert_running();
            read(log).contains("serving on").then_some(())
        });
        server
    }

    fn start_tcpdump(side: &Side, pcap: &Path, log: &Path) -> Proc {
        let mut command = side.server_ns.command(Path::new("tcpdump"));
        command
            .args(["-i", &side.server_if, "-n", "-U", "-s", "0", "-B", "16384"])
            .arg("-w")
            .arg(pcap)
            .args(["udp", "port", "67"]);
        let tcpdump = Proc::spawn("tcpdump", command, log);
        wait_for("tcpdump to listen", Duration::from_secs(10), || {
            read(log).contains("listening on").then_some(())
        });
        tcpdump
    }

    fn start_perfdhcp(side: &Side, n: usize, rate: u32, macs: &Path, log: &Path) -> Proc {
        let mut command = side.relay_ns.command(Path::new("perfdhcp"));
        command
            .args(["-4", "-r", &rate.to_string(), "-p", &LOAD_SECS.to_string()])
            .arg("-M")
            .arg(macs)
            .args(["-W", EXIT_WAIT_MICROS, "-l", &side.relay_if, SERVERS[n]]);
        Proc::spawn("perfdhcp", command, log)
    }

    /// What one server sent, read from its capture.
    #[derive(Debug, Default)]
    struct Wire {
        requests: usize,
        acks: Vec<(ClientKey, Ipv4Addr)>,
        naks: usize,
    }

    fn wire(pcap: &Path, server: Ipv4Addr) -> Wire {
        let capture = read_file(pcap).unwrap_or_else(|e| panic!("{}: {e}", pcap.display()));
        let mut keys: HashMap<u32, ClientKey> = HashMap::new();
        let mut wire = Wire::default();
        for datagram in &capture.datagrams {
            let Ok(packet) = Packet::decode(&datagram.payload) else {
                continue;
            };
            if *datagram.destination.ip() == server {
                if packet.message_type() == Some(MessageType::Request) {
                    wire.requests += 1;
                    keys.insert(packet.xid, client_key(&packet));
                }
            } else if *datagram.source.ip() == server {
                match packet.message_type() {
                    Some(MessageType::Ack) => {
                        let key = keys
                            .get(&packet.xid)
                            .cloned()
                            .unwrap_or_else(|| client_key(&packet));
                        wire.acks.push((key, packet.yiaddr));
                    }
                    Some(MessageType::Nak) => wire.naks += 1,
                    _ => {}
                }
            }
        }
        wire
    }

    /// `N packets dropped by kernel`, from tcpdump's last words.
    fn dropped(log: &str) -> u64 {
        log.lines()
            .find_map(|l| l.strip_suffix(" packets dropped by kernel"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("tcpdump said nothing of drops:\n{log}"))
    }

    /// `conflicts N` and `contended N` from the last `lease service:` statistics line
    /// a server logged (at its stop).
    fn service_counters(log: &str) -> (u64, u64) {
        let line = log
            .lines()
            .rev()
            .find(|l| l.contains("lease service:"))
            .unwrap_or_else(|| panic!("no lease service statistics in the log:\n{log}"));
        let counter = |name: &str| -> u64 {
            line.split(", ")
                .find_map(|part| part.trim().strip_prefix(name)?.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {line:?}"))
        };
        (counter("conflicts "), counter("contended "))
    }

    /// The deadlocks PostgreSQL detected, once no other session is open.
    fn deadlocks(cluster: &Cluster) -> u64 {
        wait_for(
            "the servers' sessions to end",
            Duration::from_secs(10),
            || {
                (cluster.psql(
                    "SELECT count(*) FROM pg_stat_activity \
                 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
                ) == "0")
                    .then_some(())
            },
        );
        cluster
            .psql("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            .parse()
            .expect("a count")
    }

    #[test]
    #[ignore = "needs root, namespaces, PostgreSQL, perfdhcp and tcpdump: run `.ci/interop postgres`"]
    fn two_servers_with_the_same_clients_never_bind_one_client_twice() {
        require_prerequisites(&[PERFDHCP, TCPDUMP]);
        let sides = [side(0), side(1)];
        let dir = TempDir::new(&format!("ex_dhcp-interop-{}", tag("pc")));
        let cluster = Cluster::start();
        let url = cluster.url();
        let macs = dir.join("macs");
        let list: String = (0..CLIENTS).fold(String::new(), |mut list, n| {
            let [a, b, c, d, e, f] = mac(n);
            let _ = writeln!(list, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}");
            list
        });
        std::fs::write(&macs, list).expect("write the MAC list");
        let mut report = vec![
            "| rate/s per server | REQUESTs 1 + 2 | ACKs 1 + 2 | ACK/s 1 + 2 | NAKs 1 + 2 \
             | conflicts 1 + 2 | contended | bound rows | clients with 2 rows |"
                .to_owned(),
            "|---|---|---|---|---|---|---|---|---|".to_owned(),
        ];
        for rate in RATES {
            // A fresh table, and servers that load it.
            cluster.psql("DROP TABLE IF EXISTS ex_dhcp_leases, ex_dhcp_schema_version");
            let logs: Vec<PathBuf> = (0..2)
                .map(|n| dir.join(&format!("server{n}-{rate}.log")))
                .collect();
            let mut servers: Vec<Proc> = (0..2)
                .map(|n| start_server(&sides[n], n, &url, &logs[n]))
                .collect();
            let pcaps: Vec<PathBuf> = (0..2)
                .map(|n| dir.join(&format!("server{n}-{rate}.pcap")))
                .collect();
            let dump_logs: Vec<PathBuf> = (0..2)
                .map(|n| dir.join(&format!("tcpdump{n}-{rate}.log")))
                .collect();
            let mut dumps: Vec<Proc> = (0..2)
                .map(|n| start_tcpdump(&sides[n], &pcaps[n], &dump_logs[n]))
                .collect();
            let perf_logs: Vec<PathBuf> = (0..2)
                .map(|n| dir.join(&format!("perfdhcp{n}-{rate}.log")))
                .collect();
            let started = Instant::now();
            let mut perfs: Vec<Proc> = (0..2)
                .map(|n| start_perfdhcp(&sides[n], n, rate, &macs, &perf_logs[n]))
                .collect();
            for (perf, log) in perfs.iter_mut().zip(&perf_logs) {
                let status = perf.wait_exit(RUN_TIMEOUT);
                assert!(
                    status.success() || status.code() == Some(SOME_EXCHANGES_FAILED),
                    "perfdhcp failed: {status}\n{}",
                    read(log)
                );
            }
            eprintln!("{rate}/s: load done in {:?}", started.elapsed());
            for server in &mut servers {
                server.assert_running();
            }
            for (dump, log) in dumps.iter_mut().zip(&dump_logs) {
                dump.signal("INT");
                dump.wait_exit(Duration::from_secs(10));
                assert_eq!(dropped(&read(log)), 0, "tcpdump lost packets");
            }

            let wires: Vec<Wire> = (0..2)
                .map(|n| wire(&pcaps[n], SERVERS[n].parse().expect("an address")))
                .collect();
            // On the wire: one address per client, one client per address.
            let mut by_client: HashMap<&ClientKey, HashSet<Ipv4Addr>> = HashMap::new();
            let mut by_addr: HashMap<Ipv4Addr, HashSet<&ClientKey>> = HashMap::new();
            for (key, addr) in wires.iter().flat_map(|w| &w.acks) {
                by_client.entry(key).or_default().insert(*addr);
                by_addr.entry(*addr).or_default().insert(key);
            }
            let twice: Vec<_> = by_client.iter().filter(|(_, a)| a.len() > 1).collect();
            assert!(
                twice.is_empty(),
                "{rate}/s: {} clients ACKed two addresses, such as {:?}",
                twice.len(),
                &twice[..twice.len().min(3)]
            );
            let shared: Vec<_> = by_addr.iter().filter(|(_, c)| c.len() > 1).collect();
            assert!(
                shared.is_empty(),
                "{rate}/s: {} addresses ACKed to two clients, such as {:?}",
                shared.len(),
                &shared[..shared.len().min(3)]
            );
            // In the table: every ACKed lease, and one bound row per client.
            let table: BTreeMap<Ipv4Addr, String> = cluster
                .psql(
                    "SELECT host(addr) || ' ' || client FROM ex_dhcp_leases WHERE state = 'bound'",
                )
                .lines()
                .map(|line| {
                    let (addr, client) = line.split_once(' ').expect("addr client");
                    (addr.parse().expect("an address"), client.to_owned())
                })
                .collect();
            for (key, addr) in wires.iter().flat_map(|w| &w.acks) {
                assert_eq!(
                    table.get(addr),
                    Some(&key.to_string()),
                    "{rate}/s: {key} was ACKed {addr}, which the table does not give it"
                );
            }
            let rows: HashSet<&String> = table.values().collect();
            let doubled = table.len() - rows.len();
            assert_eq!(doubled, 0, "{rate}/s: clients with two bound rows");
            // A clean stop, whose last words are the lease service's counters.
            for server in &mut servers {
                server.signal("TERM");
                assert!(server.wait_exit(Duration::from_secs(10)).success());
            }
            let counters: Vec<(u64, u64)> = logs
                .iter()
                .map(|log| service_counters(&read(log)))
                .collect();
            let conflicts: Vec<u64> = counters.iter().map(|(c, _)| *c).collect();
            let contended: u64 = counters.iter().map(|(_, c)| c).sum();
            drop(servers);
            assert_eq!(
                deadlocks(&cluster),
                0,
                "{rate}/s: PostgreSQL saw a deadlock"
            );
            assert_eq!(contended, 0, "{rate}/s: changes contended");
            let secs = f64::from(LOAD_SECS);
            report.push(format!(
                "| {rate} | {} + {} | {} + {} | {:.0} + {:.0} | {} + {} | {} + {} | {contended} | {} | {doubled} |",
                wires[0].requests,
                wires[1].requests,
                wires[0].acks.len(),
                wires[1].acks.len(),
                wires[0].acks.len() as f64 / secs,
                wires[1].acks.len() as f64 / secs,
                wires[0].naks,
                wires[1].naks,
                conflicts[0],
                conflicts[1],
                table.len(),
            ));
            for log in &perf_logs {
                let text = read(log);
                if let Some(rest) = text.split_once("***Statistics for: REQUEST-ACK***") {
                    let summary: Vec<&str> = rest.1.lines().take(8).collect();
                    eprintln!("{rate}/s {}: {}", log.display(), summary.join(" / "));
                }
            }
            drop(dumps);
            drop(perfs);
        }
        eprintln!("{}", report.join("\n"));
    }
}
