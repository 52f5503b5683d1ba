//! The configuration file (feature `config`) as a library user meets it: a file read
//! into the engine, the service and the server's sockets; every mistake named with
//! its file, line and column; a new file applied to a running service keeping its
//! leases.

use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use ex_dhcp::config::{ConfigError, ServerConfig, StoreConfig};
use ex_dhcp::lease::{Host, LeaseService, Share, SubnetId};
use ex_dhcp::options::{
    DhcpOption, DomainSearch, LeaseTime, NtpServers, ParameterRequestList, RequestedIpAddress,
    ServerIdentifier,
};
use ex_dhcp::{Harness, MessageType, Packet};

/// The README's and the systemd directory's example file.
const EXAMPLE: &str = include_str!("../../tools/systemd/lease_server.toml");

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

fn parse(text: &str) -> Result<ServerConfig, ConfigError> {
    ServerConfig::parse(text, "/etc/ex_dhcp/test.toml")
}

/// The smallest file: a server and one subnet.
const SMALL: &str = r#"
[server]
id = "198.18.0.1"

[[subnet]]
network = "198.18.0.0/24"
ranges = ["198.18.0.100-198.18.0.149"]
"#;

#[test]
fn the_example_file_reads_into_settings_subnets_hosts_and_limits() {
    let config = parse(EXAMPLE).expect("the example is valid");
    let settings = config.settings();
    assert_eq!(settings.server_id, ip("198.18.0.1"));
    assert_eq!(settings.lease_secs, 12 * 3600);
    assert_eq!(settings.offer_secs, 30);
    assert!(settings.allow_relays && !settings.rapid_commit);
    assert_eq!(settings.domain.as_deref(), Some("lab.example"));
    assert_eq!(settings.share, Share::WHOLE);

    let subnets = config.subnets();
    assert_eq!(subnets.len(), 2);
    assert_eq!(subnets[0].pool().subnet().to_string(), "198.18.0.0/24");
    assert_eq!(subnets[0].pool().capacity(), 110);
    assert_eq!(subnets[0].interfaces(), ["eth1"]);
    let building = &subnets[1];
    assert_eq!(building.relays(), [ip("198.18.250.7")]);
    assert_eq!(building.lease_secs(settings), 3600);
    // The server's options reach every subnet; the subnet's own win.
    assert_eq!(
        subnets[0].options().get(NtpServers),
        Some(vec![ip("198.18.0.1")])
    );
    assert_eq!(
        building.options().get(NtpServers),
        Some(vec![ip("198.18.7.1")])
    );
    assert_eq!(
        building.options().get(DomainSearch).map(|list| list.0),
        Some(vec!["b7.lab.example".to_owned(), "lab.example".to_owned()])
    );
    assert_eq!(
        building.options().get_raw(121).as_deref(),
        Some(&[8, 10, 198, 18, 7, 1][..])
    );

    let hosts = config.hosts();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0].addr(), Some(ip("198.18.7.20")));
    assert_eq!(hosts[0].boot_file_str(), Some("ipxe.efi"));
    assert_eq!(hosts[0].next_server_addr(), Some(ip("198.18.7.2")));
    assert_eq!(
        hosts[0].options().get_raw(66).as_deref(),
        Some(&b"198.18.7.2"[..])
    );
    assert_eq!(hosts[1].hostname_str(), Some("printer"));

    assert_eq!(
        config.store(),
        &StoreConfig::LeaseFile("/var/lib/ex_dhcp/leases".into())
    );
    assert_eq!(
        config.service_config().commit_delay,
        Duration::from_millis(2)
    );
    assert_eq!(config.service_config().max_held, 1024);
    let daemon = config.daemon();
    assert_eq!((daemon.port, daemon.client_port), (67, 68));
    assert_eq!(daemon.user.as_deref(), Some("ex_dhcp"));
    assert_eq!(daemon.stats_every, Some(Duration::from_secs(300)));
    assert_eq!(daemon.log, Some(log::LevelFilter::Info));
    let server = config.server_config();
    assert_eq!(server.sockets()[0].addr.port(), 67);
    assert_eq!(server.sockets()[0].device.as_deref(), Some("eth1"));
    assert_eq!(server.get_tick(), Some(ex_dhcp::config::TICK));
}

fn discover(mac: [u8; 6], asks_for: &[u8]) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac(mac);
    packet.xid = u32::from(mac[5]);
    packet.options.set_raw(ParameterRequestList::CODE, asks_for);
    packet
}

fn request(offer: &Packet, mac: [u8; 6]) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac(mac);
    packet.xid = offer.xid;
    packet
        .with_option(RequestedIpAddress, offer.yiaddr)
        .with_option(ServerIdentifier, ip("198.18.0.1"))
}

/// A RENEWING client: its address in ciaddr, no server identifier.
fn renew(addr: Ipv4Addr, mac: [u8; 6]) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac(mac);
    packet.xid = 0x0e4e_0000 | u32::from(mac[5]);
    packet.ciaddr = addr;
    packet
}

#[test]
fn the_example_files_engine_serves_a_relayed_client_with_its_subnets_options() {
    let config = parse(EXAMPLE).unwrap();
    let mut engine = config.engine().expect("an engine");
    let mut relayed = discover([2, 0, 0, 0, 7, 1], &[1, 3, 42, 119]);
    relayed.giaddr = ip("198.18.250.7");
    let offer = engine
        .handle(&relayed, 1_700_000_000)
        .reply
        .expect("an offer");
    assert_eq!(offer.yiaddr, ip("198.18.7.100"));
    assert_eq!(offer.options.get(NtpServers), Some(vec![ip("198.18.7.1")]));
    assert_eq!(offer.options.get(LeaseTime), Some(3600));
    let mut host = discover([2, 0, 0, 0, 7, 0x20], &[1, 3]);
    host.giaddr = ip("198.18.250.7");
    let offer = engine.handle(&host, 1_700_000_000).reply.expect("an offer");
    assert_eq!(offer.yiaddr, ip("198.18.7.20"), "the host's fixed address");
    assert_eq!(offer.siaddr, ip("198.18.7.2"));
}

/// (file text, line, column, words the message has)
const MISTAKES: &[(&str, usize, usize, &str)] = &[
    ("[server\nid = 1", 1, 8, ""),
    ("[server]\nid = \"198.18.0.1\"\nlease-tme = 5\n", 3, 1, "unknown field `lease-tme`"),
    ("[server]\nid = \"198.18.0.300\"\n", 2, 6, "invalid IPv4 address"),
    ("[server]\nid = \"198.18.0.1\"\nlease-time = true\n", 3, 14, "a number of seconds"),
    ("[server]\nid = \"198.18.0.1\"\nlease-time = \"1.5h\"\n", 3, 14, "not a duration"),
    ("[server]\nid = \"198.18.0.1\"\nlease-time = 0\n", 3, 14, "more than 0"),
    ("[server]\nid = \"198.18.0.1\"\nshare = \"3/2\"\n", 3, 9, "K/N"),
    ("[server]\nid = \"198.18.0.1\"\n", 1, 1, "no [[subnet]]"),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.100-198.18.0.99\"]\n",
        5, 11, "range 198.18.0.100-198.18.0.99: the range ends before it starts",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\", \"198.18.1.10-198.18.1.20\"]\n",
        5, 38, "198.18.1.10 is not on the subnet 198.18.0.0/24",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.1-198.18.0.20\"]\n",
        5, 11, "server, network or broadcast",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = []\n",
        5, 10, "no range",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n",
        4, 11, "not an IPv4 address",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [[subnet]]\nnetwork = \"198.18.0.0/23\"\nranges = [\"198.18.1.10-198.18.1.20\"]\n",
        6, 1, "subnet 198.18.0.0/23 overlaps subnet 198.18.0.0/24",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\nrouter = [\"198.18.0.1\"]\n",
        6, 1, "unknown field `router`, expected one of",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\noptions = { warp-drive = 1 }\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n",
        3, 13, "no option is named \"warp-drive\"",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\noptions = { 51 = 60 }\n",
        6, 13, "option 51 (ip address lease time): the lease time is set with the lease-time key",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\noptions = { interface-mtu = 99999 }\n",
        6, 29, "option 26 (interface mtu): 99999 does not fit",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [[host]]\nmac = \"02:00:00:00:00:01\"\naddress = \"10.0.0.5\"\n",
        6, 1, "host 02:00:00:00:00:01: 10.0.0.5 is on none of the subnets",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [[host]]\nmac = \"02:00:00:00:00:01\"\naddress = \"198.18.0.5\"\n[[host]]\nmac = \"02:00:00:00:00:02\"\naddress = \"198.18.0.5\"\n",
        9, 1, "198.18.0.5 is already reserved for another MAC",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [[host]]\nmac = \"02:00:00:00:00:01\"\n[[host]]\nmac = \"02:00:00:00:00:01\"\n",
        9, 7, "written twice",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [[host]]\nmac = \"02:00:00:00:01\"\n",
        7, 7, "\"02:00:00:00:01\"",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [store]\nlease-file = \"a\"\ndatabase-file = \"b\"\n",
        8, 17, "one of lease-file, database and database-file",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [service]\ncommit-delay = 2\n",
        7, 16, "commit-delay is at most 1s",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [daemon]\nport = 70000\n",
        7, 8, "",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [daemon]\nlog = \"loud\"\n",
        7, 7, "a log level is off, error",
    ),
    (
        "[server]\nid = \"198.18.0.1\"\n[[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.10-198.18.0.20\"]\n\
         [deamon]\nport = 67\n",
        6, 2, "unknown field `deamon`",
    ),
];

#[test]
fn every_mistake_is_named_with_its_file_line_and_column() {
    for &(text, line, column, words) in MISTAKES {
        let error = parse(text).expect_err(text);
        let shown = error.to_string();
        assert_eq!(error.position(), Some((line, column)), "{text}\n{shown}");
        assert!(
            shown.starts_with(&format!("/etc/ex_dhcp/test.toml:{line}:{column}: ")),
            "{shown}"
        );
        assert!(shown.contains(words), "{text}\n{shown}");
        assert!(!shown.trim_end().contains('\n'), "one line: {shown}");
    }
}

#[test]
fn a_database_needs_the_postgres_feature_and_its_url_never_shows_in_debug() {
    let text = format!("{SMALL}[store]\ndatabase = \"postgresql://dhcp:secret@db/dhcp\"\n");
    let parsed = parse(&text);
    if cfg!(feature = "postgres") {
        let config = parsed.unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("(hidden)"), "{shown}");
    } else {
        let error = parsed.unwrap_err();
        assert_eq!(error.position(), Some((9, 12)), "{error}");
        assert!(error.to_string().contains("feature postgres"), "{error}");
    }
}

#[test]
fn a_missing_file_is_named_and_relative_store_paths_start_at_the_files_directory() {
    let error = ServerConfig::load("/nonexistent/ex_dhcp.toml").unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    assert_eq!(error.position(), None);
    assert!(
        error
            .to_string()
            .starts_with("/nonexistent/ex_dhcp.toml: cannot read the file: "),
        "{error}"
    );
    let text = format!("{SMALL}[store]\nlease-file = \"leases/main\"\n");
    let config = ServerConfig::parse(&text, "/etc/ex_dhcp/lease_server.toml").unwrap();
    assert_eq!(
        config.store(),
        &StoreConfig::LeaseFile("/etc/ex_dhcp/leases/main".into())
    );
}

#[test]
fn the_service_opens_the_files_lease_file_and_an_error_opening_it_names_the_line() {
    let dir = std::env::temp_dir().join(format!("ex_dhcp-config-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.toml");
    fs::write(
        &path,
        format!("{SMALL}\n[store]\nlease-file = \"leases\"\n"),
    )
    .unwrap();
    let config = ServerConfig::load(&path).unwrap();
    let service = config.service().expect("the lease file opens");
    assert!(dir.join("leases").exists());
    // A second service on the same file finds it locked.
    let error = config.service().unwrap_err();
    assert!(matches!(error, ConfigError::Store { .. }), "{error}");
    assert_eq!(error.position(), Some((10, 14)), "{error}");
    assert!(
        error.to_string().contains("cannot open the store"),
        "{error}"
    );
    drop(service);
    fs::remove_dir_all(&dir).unwrap();
}

const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 0xa];
const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 0xb];

/// Two subnets: the server's own link, and one selected by option 118.
fn two_subnets(lease_time: u32, second: bool, host: &str) -> String {
    let mut text = format!(
        "[server]\nid = \"198.18.0.1\"\nlease-time = {lease_time}\n\
         [[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.100-198.18.0.149\"]\n"
    );
    if second {
        text.push_str(
            "[[subnet]]\nnetwork = \"198.18.2.0/24\"\nranges = [\"198.18.2.100-198.18.2.149\"]\n",
        );
    }
    text.push_str(host);
    text
}

fn dora(harness: &mut Harness<LeaseService>, discover: Packet, mac: [u8; 6]) -> Packet {
    let offer = harness.inject(discover).expect("an offer").packet;
    harness.inject(request(&offer, mac)).expect("an ACK").packet
}

#[test]
fn apply_changes_settings_and_hosts_keeps_leases_and_drops_a_removed_subnets() {
    let first = parse(&two_subnets(3600, true, "")).unwrap();
    let mut harness = Harness::new(first.service().unwrap());
    let ack = dora(&mut harness, discover(MAC_A, &[1, 3]), MAC_A);
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    let kept = ack.yiaddr;
    let mut other = discover(MAC_B, &[1, 3]);
    other.options.set_raw(118, &[198, 18, 2, 0]);
    let offer = harness.inject(other).expect("an offer").packet;
    assert_eq!(offer.yiaddr, ip("198.18.2.100"));
    let mut select = request(&offer, MAC_B);
    select.options.set_raw(118, &[198, 18, 2, 0]);
    let ack_b = harness.inject(select).expect("an ACK").packet;
    assert_eq!(ack_b.message_type(), Some(MessageType::Ack));

    let host = "[[host]]\nmac = \"02:00:00:00:00:0c\"\naddress = \"198.18.0.5\"\n";
    let second = parse(&two_subnets(600, false, host)).unwrap();
    let applied = harness
        .call(|service| second.apply(&first, service))
        .unwrap()
        .expect("applied");
    assert_eq!(applied.removed.len(), 1);
    assert_eq!(applied.removed[0].to_string(), "198.18.2.0/24");
    assert_eq!(applied.dropped, 1);
    assert_eq!((applied.hosts, applied.hosts_removed), (1, 0));

    // The lease on the kept subnet is kept, and renewed with the new lease time.
    let renewed = harness.inject(renew(kept, MAC_A)).expect("an ACK").packet;
    assert_eq!(renewed.message_type(), Some(MessageType::Ack), "{renewed}");
    assert_eq!(renewed.yiaddr, kept);
    assert_eq!(renewed.options.get(LeaseTime), Some(600));
    // The client of the removed subnet is refused when it renews.
    let refused = harness
        .inject(renew(ack_b.yiaddr, MAC_B))
        .expect("a NAK")
        .packet;
    assert_eq!(refused.message_type(), Some(MessageType::Nak), "{refused}");
    // The new file's host is served.
    let offer = harness
        .inject(discover([2, 0, 0, 0, 0, 0xc], &[1]))
        .expect("an offer")
        .packet;
    assert_eq!(offer.yiaddr, ip("198.18.0.5"));

    // A file without the host removes it; a host added while serving stays.
    harness
        .call(|service| service.add_host(Host::new([2, 0, 0, 0, 0, 0xd]).address(ip("198.18.0.6"))))
        .unwrap()
        .unwrap();
    let third = parse(&two_subnets(600, false, "")).unwrap();
    let applied = harness
        .call(|service| third.apply(&second, service))
        .unwrap()
        .unwrap();
    assert_eq!((applied.hosts, applied.hosts_removed), (0, 1));
    let macs = harness
        .call(|service| {
            service
                .engine()
                .hosts()
                .map(|h| h.mac().to_string())
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(macs, ["02:00:00:00:00:0d"]);
}

#[test]
fn apply_refuses_a_file_that_gives_away_the_address_of_a_host_added_while_serving() {
    let first = parse(&two_subnets(3600, false, "")).unwrap();
    let mut harness = Harness::new(first.service().unwrap());
    harness
        .call(|service| service.add_host(Host::new([2, 0, 0, 0, 0, 0xd]).address(ip("198.18.0.6"))))
        .unwrap()
        .unwrap();
    let clash = "[[host]]\nmac = \"02:00:00:00:00:0e\"\naddress = \"198.18.0.6\"\n";
    let second = parse(&two_subnets(600, false, clash)).unwrap();
    let error = harness
        .call(|service| second.apply(&first, service))
        .unwrap()
        .unwrap_err();
    assert_eq!(error.position(), Some((7, 1)), "{error}");
    assert!(
        error.to_string().contains("a host added while serving"),
        "{error}"
    );
    // Nothing changed: the old lease time still applies.
    let ack = dora(&mut harness, discover(MAC_A, &[1]), MAC_A);
    assert_eq!(ack.options.get(LeaseTime), Some(3600));
}

#[test]
fn restart_needed_names_the_sockets_the_user_the_store_and_the_commit_delay() {
    let running = parse(SMALL).unwrap();
    assert!(parse(SMALL).unwrap().restart_needed(&running).is_empty());
    let changed = format!(
        "{SMALL}[daemon]\nport = 67\nuser = \"nobody\"\nlog = \"debug\"\n\
         [store]\nlease-file = \"/tmp/x\"\n[service]\ncommit-delay = \"5ms\"\nmax-held = 5\n"
    );
    let keys = parse(&changed).unwrap().restart_needed(&running);
    assert_eq!(
        keys,
        [
            "daemon.port",
            "daemon.user",
            "store",
            "service.commit-delay"
        ]
    );
}

#[test]
fn a_subnet_id_is_its_place_in_the_file() {
    let config = parse(EXAMPLE).unwrap();
    let engine = config.engine().unwrap();
    let (id, subnet) = engine.subnets().nth(1).unwrap();
    assert_eq!(id, SubnetId::new(1));
    assert_eq!(subnet.pool().subnet().to_string(), "198.18.7.0/24");
    let _ = Path::new(config.path());
}
