//! Migration with the real servers: ISC dhcpd, Kea and dnsmasq each lease addresses
//! to real clients; the server is stopped, its lease file imported with
//! `lease_migrate`, and `lease_server` takes over with the same server identifier
//! and range: every client's RENEW is ACKed with the address it had, and no address
//! moves. From Kea, the way back too: `lease_migrate export --to kea`, and Kea,
//! started on the export, lists the leases and ACKs a RENEW.
//!
//! ```text
//! client namespaces                         server namespace
//! udhcpc   c1 ---- veth ---- s1 -+
//! dhclient c2 ---- veth ---- s2 -+- br0 198.18.0.1/24: dhcpd, Kea or dnsmasq,
//! dhcpcd   c3 ---- veth ---- s3 -+                      then lease_server
//! udhcpc   c4 ---- veth ---- s4 -+  (c4 releases its lease before the switch)
//! ```
//!
//! The servers answer through a bridge, whose UDP checksums the kernel leaves to the
//! hardware (veth has none): `ethtool -K br0 tx off` makes it fill them in, or the
//! clients' raw sockets drop every reply from dnsmasq and `lease_server`.
//!
//! The old servers give T1 = 30 s: udhcpc and dhcpcd are told to renew at once
//! (SIGUSR1, `dhcpcd -n`), dhclient renews at its T1, after the switch. Each case
//! takes about 40 s.
//!
//! With `EX_DHCP_SAVE_LEASES=DIR`, each old server's lease file is copied to DIR as
//! it was imported: how `tests/data/leases` was made (see its README).
//!
//! In a `postgres` build, `lease_migrate --database` is checked against a
//! throw-away PostgreSQL cluster too: an import, a conflicting one refused, the
//! export.

mod clients;
mod old;

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::lab::tag;
use crate::support::lease_server::{self, Record};
use crate::support::tools::{Tool, DHCLIENT, DHCPCD, UDHCPC};
use crate::support::{read, require_prerequisites, wait_for, Netns, Proc, TempDir};

use clients::{Client, Kind};
use old::Old;

const SERVER_IP: &str = "198.18.0.1";
const SUBNET: &str = "198.18.0.0";
const PREFIX: &str = "24";
const FIRST: &str = "198.18.0.100";
const LAST: &str = "198.18.0.150";
const LEASE_SECS: u64 = 120;
/// T1: long enough that dhclient renews after the switch, not with the old server.
const RENEW_SECS: u64 = 30;
const REBIND_SECS: u64 = 100;
/// dhclient's RENEW comes at its T1; the rest at once.
const RENEW_TIMEOUT: Duration = Duration::from_secs(RENEW_SECS + 20);
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// `ethtool`, to have the bridge fill in UDP checksums.
const ETHTOOL: Tool = Tool {
    what: "ethtool",
    probe: &["ethtool", "--version"],
    package: "ethtool",
};

/// The lab: processes drop first, then the directory, then the namespaces.
struct Lab {
    server: Option<Proc>,
    clients: Vec<Client>,
    releasing: Client,
    dir: TempDir,
    ns: Netns,
}

impl Lab {
    fn new(old: Old, case: &str) -> Lab {
        require_prerequisites(&[old.tool(), UDHCPC, DHCLIENT, DHCPCD, ETHTOOL]);
        let tag = tag(case);
        let ns = Netns::new(format!("{tag}-srv"));
        ns.ip(&["link", "add", "br0", "type", "bridge"]);
        ns.ip(&["link", "set", "br0", "up"]);
        ns.ip(&[
            "addr",
            "add",
            &format!("{SERVER_IP}/{PREFIX}"),
            "dev",
            "br0",
        ]);
        ns.exec(&["ethtool", "-K", "br0", "tx", "off"]);
        let dir = TempDir::new(&format!("ex_dhcp-interop-{tag}"));
        let client = |n: u8, kind, name| {
            let client_ns = Netns::new(format!("{tag}-c{n}"));
            let (port, iface) = (format!("s{n}"), format!("c{n}"));
            ns.ip(&["link", "add", &port, "type", "veth", "peer", "name", &iface]);
            ns.ip(&["link", "set", &iface, "netns", client_ns.name()]);
            ns.ip(&["link", "set", &port, "master", "br0"]);
            ns.ip(&["link", "set", &port, "up"]);
            let mac = format!("02:00:00:00:0{n}:01");
            Client::new(kind, name, client_ns, &iface, &mac, dir.join(""))
        };
        let clients = vec![
            client(1, Kind::Udhcpc, "udhcpc"),
            client(2, Kind::Dhclient, "dhclient"),
            client(3, Kind::Dhcpcd, "dhcpcd"),
        ];
        let releasing = client(4, Kind::Udhcpc, "releasing");
        Lab {
            server: None,
            clients,
            releasing,
            dir,
            ns,
        }
    }

    fn lease_file(&self) -> std::path::PathBuf {
        self.dir.join("ex_dhcp.leases")
    }

    /// Runs `lease_migrate` with `args`; panics unless it succeeds; returns stdout.
    fn lease_migrate(&self, args: &[&str]) -> String {
        let output = lease_migrate(args);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "lease_migrate {args:?}: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Stops the running server with SIGTERM, as an operator would, and waits.
    fn stop_server(&mut self) {
        let mut server = self.server.take().expect("a server running");
        server.signal("TERM");
        let status = server.wait_exit(STEP_TIMEOUT);
        assert!(
            status.success() || status.code().is_none(),
            "{}: {status}",
            server.name
        );
    }
}

/// Runs `lease_migrate` with `args`.
fn lease_migrate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lease_migrate"))
        .args(args)
        .output()
        .expect("run lease_migrate")
}

/// The old server's lease file until it no longer leases `addr`: the release was
/// written.
fn wait_released(old: Old, file: &Path, addr: Ipv4Addr) {
    use ex_dhcp::lease::import::{self, BadLines, Status};
    let format = old.format().parse().expect("a format");
    wait_for(
        "the release in the old server's lease file",
        STEP_TIMEOUT,
        || {
            let parsed = import::read(format, file, BadLines::Fail).ok()?;
            let leased = parsed
                .records
                .iter()
                .any(|r| r.addr == addr && matches!(r.status, Status::Leased { .. }));
            (!leased).then_some(())
        },
    );
}

/// The whole migration from `old`; returns the lab, `lease_server` running on the
/// imported leases, and each client's address.
fn migrate_from(old: Old, case: &str) -> (Lab, Vec<Ipv4Addr>) {
    let mut lab = Lab::new(old, case);
    lab.server = Some(old.start(&lab.ns, "br0", lab.dir.join("").as_path()));
    for client in lab.clients.iter_mut().chain([&mut lab.releasing]) {
        client.start();
    }
    let addrs: Vec<Ipv4Addr> = lab
        .clients
        .iter()
        .map(|c| c.wait_bound().parse().expect("an address"))
        .collect();
    let released: Ipv4Addr = lab.releasing.wait_bound().parse().unwrap();
    let old_file = lab.dir.join(old.lease_file_name());
    lab.releasing.proc.as_ref().unwrap().signal("USR2");
    wait_released(old, &old_file, released);
    lab.stop_server();
    lab.releasing.proc.take();
    if let Some(dir) = std::env::var_os("EX_DHCP_SAVE_LEASES") {
        std::fs::copy(&old_file, Path::new(&dir).join(old.lease_file_name())).unwrap();
    }

    let lease_file = lab.lease_file();
    let report = lab.lease_migrate(&[
        "import",
        "--from",
        old.format(),
        old_file.to_str().unwrap(),
        "--lease-file",
        lease_file.to_str().unwrap(),
    ]);
    assert!(report.contains("imported: 3 leases"), "{report}");
    let keys = expected_keys(&lab);
    let mut expected: Vec<(String, Ipv4Addr)> = keys.iter().cloned().zip(addrs.clone()).collect();
    expected.sort();
    let mut bound = lease_server::bound(&lease_file);
    bound.sort();
    assert_eq!(
        bound, expected,
        "each client under the key it sends:\n{report}"
    );
    assert!(
        !bound.iter().any(|(_, addr)| *addr == released),
        "the released address stays free"
    );

    let before: Vec<usize> = lab.clients.iter().map(Client::lease_events).collect();
    let range = format!("{FIRST}-{LAST}");
    let lease_time = LEASE_SECS.to_string();
    let args = [
        "--server",
        SERVER_IP,
        "--mask",
        "255.255.255.0",
        "--range",
        &range,
        "--router",
        SERVER_IP,
        "--lease-time",
        &lease_time,
        "--interface",
        "br0",
        "--port",
        "67",
        "--log-level",
        "debug",
    ];
    lab.server = Some(lease_server::start(
        &lab.ns,
        &args,
        &lease_file,
        &lab.dir.join("lease_server.log"),
    ));
    for client in &lab.clients {
        client.renew_now();
    }
    for ((client, seen), addr) in lab.clients.iter().zip(before).zip(&addrs) {
        let event = client.wait_lease_event(seen, RENEW_TIMEOUT);
        assert_eq!(
            event.get("ip"),
            addr.to_string(),
            "{} keeps its address",
            client.name
        );
        assert_eq!(event.get("serverid"), SERVER_IP, "{}", client.name);
        assert_eq!(
            client.losses(),
            Vec::<String>::new(),
            "{} lost nothing",
            client.name
        );
    }
    // The import wrote one record per client; lease_server compacted its file to
    // those at start, so a second record of a client is lease_server's own ACK.
    for (key, addr) in keys.iter().zip(&addrs) {
        wait_for(
            &format!("lease_server's ACK of {key}"),
            STEP_TIMEOUT,
            || {
                let records = lease_server::bound(&lease_file);
                let acked = records
                    .iter()
                    .filter(|(k, a)| k == key && a == addr)
                    .count();
                (acked >= 2).then_some(())
            },
        );
    }
    let mut after = lease_server::bound(&lease_file);
    after.sort();
    after.dedup();
    assert_eq!(after, expected, "no address moved, no client got another");
    (lab, addrs)
}

/// The key each client's requests carry, in the order of `lab.clients`: udhcpc's
/// option 61 (type 1, MAC), dhclient's MAC, dhcpcd's option 61 (type 255, IAID,
/// DUID).
fn expected_keys(lab: &Lab) -> Vec<String> {
    lab.clients
        .iter()
        .map(|client| match client.kind {
            Kind::Udhcpc => "id:01020000000101".to_owned(),
            Kind::Dhclient => "hw:1:020000000201".to_owned(),
            Kind::Dhcpcd => {
                let duid = client.duid();
                assert!(!duid.is_empty(), "dhcpcd wrote no DUID");
                let records = lease_server::records(&lab.lease_file());
                let key = records
                    .iter()
                    .find_map(|r| match r {
                        Record::Bound { client, .. } if client.starts_with("id:ff") => {
                            Some(client.clone())
                        }
                        _ => None,
                    })
                    .expect("dhcpcd's lease, under its option 61");
                assert!(
                    key.ends_with(&duid),
                    "{key}: ff, IAID, then the DUID {duid}"
                );
                key
            }
        })
        .collect()
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn lease_server_takes_over_from_isc_dhcpd() {
    migrate_from(Old::Isc, "mi");
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn lease_server_takes_over_from_dnsmasq() {
    migrate_from(Old::Dnsmasq, "md");
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn lease_server_takes_over_from_kea_and_hands_back_to_kea() {
    let (mut lab, addrs) = migrate_from(Old::Kea, "mk");
    lab.stop_server();
    let export = lab.lease_migrate(&[
        "export",
        "--to",
        "kea",
        "--lease-file",
        lab.lease_file().to_str().unwrap(),
    ]);
    let back = lab.dir.join("kea-back").join("");
    std::fs::create_dir_all(&back).unwrap();
    let kea_file = back.join("kea-leases4.csv");
    std::fs::write(&kea_file, &export).unwrap();
    let (command, ready) = old::kea(&lab.ns, "br0", &back, &kea_file);
    let mut kea = Proc::spawn("kea-dhcp4", command, &back.join("kea.log"));
    wait_for("Kea on the export", STEP_TIMEOUT, || {
        kea.assert_running();
        read(&back.join("kea.log")).contains(ready).then_some(())
    });
    let log = read(&back.join("kea.log"));
    assert!(
        !log.contains("ERROR") && !log.contains("LOAD_ROW_ERROR"),
        "{log}"
    );
    let listed = old::kea_command(&back, "lease4-get-all");
    assert!(listed.contains("\"3 IPv4 lease(s) found.\""), "{listed}");
    for addr in &addrs {
        assert!(
            listed.contains(&format!("\"ip-address\": \"{addr}\"")),
            "{addr}: {listed}"
        );
    }
    assert!(
        listed.contains("\"client-id\": \"01:02:00:00:00:01:01\""),
        "{listed}"
    );
    assert!(
        listed.contains("\"hw-address\": \"02:00:00:00:02:01\""),
        "{listed}"
    );
    // udhcpc renews with Kea, which ACKs the address it has had all along.
    let udhcpc = &lab.clients[0];
    let seen = udhcpc.lease_events();
    udhcpc.renew_now();
    let event = udhcpc.wait_lease_event(seen, STEP_TIMEOUT);
    assert_eq!(event.get("ip"), addrs[0].to_string());
    let rows = read(&kea_file);
    assert!(
        rows.lines()
            .skip(1)
            .filter(|row| row.starts_with(&format!("{},", addrs[0])))
            .count()
            >= 2,
        "Kea wrote the renewal after the exported row:\n{rows}"
    );
    lab.server = Some(kea);
}

/// `lease_migrate --database`: an import into PostgreSQL (a throw-away cluster)
/// shows in the store, a second import that would take an address is refused, and
/// the export reads the database.
#[cfg(feature = "postgres")]
#[test]
#[ignore = "needs PostgreSQL (Debian postgresql, libpq-dev): run `.ci/interop migrate`"]
fn lease_migrate_imports_into_and_exports_from_postgresql() {
    use ex_dhcp::lease::{Change, ClientKey, LeaseStore, PgStore};
    use ex_dhcp_testkit::postgres::Cluster;

    let cluster = Cluster::start();
    let url = cluster.url();
    let dir = TempDir::new(&format!("ex_dhcp-interop-{}", tag("mp")));
    let first = dir.join("first.leases");
    std::fs::write(
        &first,
        "4000000000 02:00:00:00:00:01 198.18.0.100 * *\n\
         4000000000 02:00:00:00:00:02 198.18.0.101 * 01:02:00:00:00:00:02\n",
    )
    .unwrap();
    let output = lease_migrate(&[
        "import",
        "--from",
        "dnsmasq",
        first.to_str().unwrap(),
        "--database",
        &url,
    ]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(report.contains("imported: 2 leases"), "{report}");
    let mut store = PgStore::connect(&url).expect("connect");
    let mut held = Vec::new();
    store.load(&mut |change| held.push(change)).unwrap();
    held.sort_by_key(|change| format!("{change:?}"));
    let bound = |key, last| Change::Bound {
        key,
        addr: Ipv4Addr::new(198, 18, 0, last),
        until: 4_000_000_000,
    };
    assert_eq!(
        held,
        [
            bound(ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]), 100),
            bound(ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 2]), 101),
        ]
    );

    let second = dir.join("second.leases");
    std::fs::write(&second, "4000000000 02:00:00:00:00:09 198.18.0.100 * *\n").unwrap();
    let output = lease_migrate(&[
        "import",
        "--from",
        "dnsmasq",
        second.to_str().unwrap(),
        "--database",
        &url,
    ]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("conflicts: 1 (line 1)"),
        "{output:?}"
    );

    let output = lease_migrate(&[
        "export",
        "--to",
        "kea",
        "--database",
        &url,
        "--at",
        "3999999000",
    ]);
    assert!(output.status.success(), "{output:?}");
    let csv = String::from_utf8_lossy(&output.stdout);
    assert!(
        csv.contains("198.18.0.100,02:00:00:00:00:01,,1000,4000000000,1,0,0,,0,\n"),
        "{csv}"
    );
    assert!(
        csv.contains(
            "198.18.0.101,02:00:00:00:00:02,01:02:00:00:00:00:02,1000,4000000000,1,0,0,,0,\n"
        ),
        "{csv}"
    );
}
