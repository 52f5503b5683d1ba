//! The lab on the harness: the exact service `main` starts (hosts, hooks, lease
//! file), driven packet by packet, the store's and the inventory's answers delivered
//! by the test.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use ex_dhcp::lease::{Change, ClientKey, Decide, LeaseFile, LeaseMessage, LeaseService, State};
use ex_dhcp::options::{
    ClientSystemArchitecture, HostName, RequestedIpAddress, Router, ServerIdentifier,
};
use ex_dhcp::replay::{Recording, Replay};
use ex_dhcp::{Harness, Mac, MessageType, Packet};

use crate::lab::{self, Lab, SERVER};

const WAIT: Duration = Duration::from_secs(10);
/// How long a test waits for something that must not come.
const QUIET: Duration = Duration::from_millis(300);
const RELAY_1: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
const RELAY_2: Ipv4Addr = Ipv4Addr::new(198, 18, 2, 1);
/// build-01, 198.18.1.10, boots by PXE (the example's hosts file).
const BUILD_01: Mac = Mac::new([2, 0, 0, 0, 1, 0x10]);
/// build-02, 198.18.1.11, does not.
const BUILD_02: Mac = Mac::new([2, 0, 0, 0, 1, 0x11]);
/// Locally administered, in no hosts file: a lab VM the inventory knows.
const NEW_VM: Mac = Mac::new([2, 0, 0, 0, 0x99, 1]);
/// A vendor MAC in no hosts file: the inventory does not know it.
const STRANGER: Mac = Mac::new([0, 0x1b, 0x21, 0x0a, 0x0b, 0x0c]);

/// A temporary directory for one test's lease file, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("ex_dhcp-lab-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn leases(&self) -> PathBuf {
        self.0.join("leases")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

type LabHarness = Harness<LeaseService<Lab>>;

/// The lab's service with the example's hosts file, on `leases`, asking `inventory`.
fn lab_on(leases: &Path, inventory: lab::Inventory) -> LabHarness {
    let service = lab::service(include_str!("hosts"), inventory)
        .unwrap()
        .with_lease_file(leases)
        .unwrap();
    Harness::new(service)
}

/// A request of `kind` from `mac` through the relay at `giaddr`.
fn relayed(kind: MessageType, mac: Mac, giaddr: Ipv4Addr, xid: u32) -> Packet {
    let mut packet = Packet::new(kind);
    packet.set_mac(mac);
    packet.xid = xid;
    packet.giaddr = giaddr;
    packet
}

fn select(offer: &Packet, mac: Mac, giaddr: Ipv4Addr) -> Packet {
    relayed(MessageType::Request, mac, giaddr, offer.xid)
        .with_option(RequestedIpAddress, offer.yiaddr)
        .with_option(ServerIdentifier, SERVER)
}

fn pxe(packet: Packet, arch: u16) -> Packet {
    packet
        .with_raw_option(
            60,
            format!("PXEClient:Arch:{arch:05}:UNDI:003016").as_bytes(),
        )
        .with_option(ClientSystemArchitecture, vec![arch])
}

/// Delivers what the service posted (a durable batch, a verdict) until a reply leaves.
fn answered(harness: &mut LabHarness) -> Packet {
    loop {
        let message: LeaseMessage = harness.posted(WAIT).expect("the service posts");
        if let Some(sent) = harness.deliver(message) {
            return sent.packet;
        }
    }
}

/// DISCOVER and REQUEST through `giaddr`: the OFFER and the ACK.
fn dora(harness: &mut LabHarness, mac: Mac, giaddr: Ipv4Addr, xid: u32) -> (Packet, Packet) {
    let discover = relayed(MessageType::Discover, mac, giaddr, xid);
    let offer = harness.inject(discover).expect("an offer, at once").packet;
    assert!(
        harness.inject(select(&offer, mac, giaddr)).is_none(),
        "the ACK waits for the file"
    );
    let ack = answered(harness);
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    (offer, ack)
}

fn bound_in(leases: &Path, addr: Ipv4Addr) -> bool {
    LeaseFile::load(leases)
        .unwrap()
        .iter()
        .any(|change| matches!(change, Change::Bound { addr: a, .. } if *a == addr))
}

#[test]
fn a_known_host_gets_its_fixed_address_and_hostname() {
    let dir = Dir::new("known");
    let (ask, questions) = mpsc::channel();
    let mut harness = lab_on(&dir.leases(), ask);
    let (offer, ack) = dora(&mut harness, BUILD_02, RELAY_1, 1);
    for reply in [&offer, &ack] {
        assert_eq!(reply.yiaddr, Ipv4Addr::new(198, 18, 1, 11));
        assert_eq!(reply.options.get(HostName).as_deref(), Some("build-02"));
        assert_eq!(reply.options.get(Router), Some(vec![RELAY_1]));
        assert_eq!(reply.options.get(ServerIdentifier), Some(SERVER));
        assert_eq!(reply.file_str(), Some(""), "build-02 does not boot by PXE");
    }
    assert!(
        questions.try_recv().is_err(),
        "a host of the file is not asked about"
    );
}

#[test]
fn acks_wait_for_the_lease_file_and_a_restart_keeps_the_leases() {
    let dir = Dir::new("durable");
    let (ask, _questions) = mpsc::channel();
    let mut harness = lab_on(&dir.leases(), ask.clone());
    let discover = relayed(MessageType::Discover, BUILD_01, RELAY_1, 2);
    let offer = harness.inject(discover).expect("an offer").packet;
    assert!(
        !bound_in(&dir.leases(), offer.yiaddr),
        "an OFFER promises nothing"
    );
    assert!(harness.inject(select(&offer, BUILD_01, RELAY_1)).is_none());
    assert!(
        harness.sent().is_empty(),
        "no ACK before the lease is durable"
    );
    let ack = answered(&mut harness);
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert!(
        bound_in(&dir.leases(), ack.yiaddr),
        "the ACK left once the file had it"
    );
    drop(harness);
    let mut restarted = lab_on(&dir.leases(), ask);
    let found = restarted.call(|service| {
        let engine = service.engine();
        let (_, client, entry) = engine.find(ack.yiaddr).expect("the lease, replayed");
        (client.clone(), entry.state)
    });
    let (client, state) = found.expect("the restarted service runs");
    assert_eq!(client, ClientKey::Hw(1, BUILD_01.octets().to_vec()));
    assert!(matches!(state, State::Bound(_)), "{state:?}");
}

#[test]
fn a_pxe_host_gets_the_boot_file_of_its_architecture() {
    let dir = Dir::new("pxe");
    let (ask, _questions) = mpsc::channel();
    let mut harness = lab_on(&dir.leases(), ask);
    for (arch, file) in [(7, "ipxe.efi"), (0, "undionly.kpxe")] {
        let discover = pxe(relayed(MessageType::Discover, BUILD_01, RELAY_1, 3), arch);
        let offer = harness.inject(discover).expect("an offer").packet;
        assert_eq!(offer.file_str(), Some(file), "architecture {arch}");
        assert_eq!(offer.siaddr, SERVER, "the boot files' server");
        assert_eq!(
            offer.options.get_raw(67).as_deref(),
            Some(format!("{file}\0").as_bytes())
        );
        assert_eq!(offer.options.get(HostName).as_deref(), Some("build-01"));
    }
    let not_pxe = pxe(relayed(MessageType::Discover, BUILD_02, RELAY_1, 4), 7);
    let offer = harness.inject(not_pxe).expect("an offer").packet;
    assert_eq!(offer.file_str(), Some(""), "build-02 is no PXE host");
    assert!(!offer.options.contains(67));
}

#[test]
fn an_unknown_client_is_held_until_the_inventory_answers_and_then_served() {
    let dir = Dir::new("held");
    let (ask, questions): (_, Receiver<Decide>) = mpsc::channel();
    let mut harness = lab_on(&dir.leases(), ask);
    let discover = relayed(MessageType::Discover, NEW_VM, RELAY_2, 5);
    assert!(
        harness.inject(discover.clone()).is_none(),
        "held for the inventory"
    );
    assert!(
        harness.inject(discover).is_none(),
        "a retransmission, dropped"
    );
    let decide = questions.try_recv().expect("the inventory is asked");
    assert_eq!(decide.request().mac(), Some(NEW_VM));
    assert!(
        questions.try_recv().is_err(),
        "asked once, not per retransmission"
    );
    assert!(harness.sent().is_empty());
    assert!(decide.allow());
    let offer = answered(&mut harness);
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(
        offer.yiaddr.octets()[..3],
        [198, 18, 2],
        "the relay's subnet"
    );
    // The verdict is remembered: the REQUEST is served without asking again.
    assert!(harness.inject(select(&offer, NEW_VM, RELAY_2)).is_none());
    assert_eq!(
        answered(&mut harness).message_type(),
        Some(MessageType::Ack)
    );
    assert!(questions.try_recv().is_err());
}

#[test]
fn the_inventory_thread_admits_lab_machines_and_a_denied_client_gets_silence() {
    let dir = Dir::new("inventory");
    let mut harness = lab_on(&dir.leases(), lab::inventory(Duration::ZERO));
    let (offer, _) = {
        let discover = relayed(MessageType::Discover, NEW_VM, RELAY_1, 6);
        assert!(harness.inject(discover).is_none());
        let offer = answered(&mut harness);
        assert!(harness.inject(select(&offer, NEW_VM, RELAY_1)).is_none());
        (offer, answered(&mut harness))
    };
    assert_eq!(offer.yiaddr.octets()[..3], [198, 18, 1]);
    let stranger = relayed(MessageType::Discover, STRANGER, RELAY_1, 7);
    assert!(harness.inject(stranger.clone()).is_none());
    let verdict = harness.posted(WAIT).expect("the inventory's verdict");
    assert!(harness.deliver(verdict).is_none(), "denied: no reply");
    assert!(
        harness.inject(stranger).is_none(),
        "the denial is remembered"
    );
    assert!(
        harness.posted(QUIET).is_none(),
        "and the inventory is not asked again"
    );
    assert!(harness.sent().is_empty());
    assert_eq!(harness.call(|service| service.stats().denied), Some(2));
}

#[test]
fn the_hosts_file_of_the_example_parses_and_bad_lines_are_named() {
    let hosts = lab::parse_hosts(include_str!("hosts")).unwrap();
    assert_eq!(hosts.len(), 4);
    assert_eq!(hosts.iter().filter(|host| host.has_tag("pxe")).count(), 2);
    assert_eq!(hosts[0].mac(), BUILD_01);
    assert_eq!(hosts[0].hostname_str(), Some("build-01"));
    assert_eq!(hosts[0].addr(), Some(Ipv4Addr::new(198, 18, 1, 10)));
    let error = |text: &str| lab::parse_hosts(text).expect_err("an error");
    assert!(error("# ok\n\n02:00 198.18.1.9 x").starts_with("hosts line 3: \"02:00\""));
    assert!(error("02:00:00:00:00:01 198.18.1 x").contains("\"198.18.1\""));
    assert!(error("02:00:00:00:00:01 198.18.1.9 x uefi").contains("MAC ADDRESS HOSTNAME [pxe]"));
}

#[test]
fn a_host_off_both_subnets_is_refused_by_name() {
    let (ask, _questions) = mpsc::channel();
    let error = lab::service("02:00:00:00:00:01 10.0.0.5 stray", ask)
        .err()
        .unwrap();
    assert!(
        error.to_string().starts_with("02:00:00:00:00:01: "),
        "{error}"
    );
}

#[test]
fn flags_are_read_by_name_and_mistakes_are_named() {
    let args = |line: &str| -> Vec<String> { line.split_whitespace().map(String::from).collect() };
    let line = args("--client-port 68 --listen 0.0.0.0:67");
    assert_eq!(crate::flag(&line, "--client-port", 6868), Ok(68));
    assert_eq!(
        crate::flag(
            &line,
            "--listen",
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6767)
        ),
        Ok(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 67))
    );
    assert_eq!(
        crate::flag(&line, "--log", log::Level::Info),
        Ok(log::Level::Info),
        "the default"
    );
    let error = crate::flag(&args("--client-port x"), "--client-port", 6868u16).unwrap_err();
    assert_eq!(error, "--client-port \"x\": not valid");
    let error = crate::flag(&args("--frobnicate 1"), "--log", 0u8).unwrap_err();
    assert!(error.starts_with("--frobnicate: unknown"), "{error}");
    let error = crate::flag(&args("--log"), "--log", 0u8).unwrap_err();
    assert!(error.contains("without a value"), "{error}");
}

/// A capture of this server on loopback (`examples/lab/dora.pcap`: `tcpdump -i lo`
/// while `cargo run --example lab` served `send --dora` for build-01 as a UEFI PXE
/// client, then build-02, both naming 198.18.1.0 in option 118) replays against the
/// same service with a fresh lease file: the ACKs, held until their leases are
/// synced, are waited for, and every reply matches the recorded one.
#[test]
fn a_capture_of_the_lab_replays_against_it() {
    let dir = Dir::new("replay");
    let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/lab/dora.pcap");
    let recording = Recording::reader()
        .server_port(6767)
        .client_port(6868)
        .read(capture)
        .expect("the capture reads");
    let service = lab::service(include_str!("hosts"), lab::inventory(Duration::ZERO))
        .unwrap()
        .with_lease_file(dir.leases())
        .unwrap();
    let report = Replay::new(recording)
        .ignore_field("secs")
        .run(service)
        .expect("every reply as recorded");
    assert_eq!(report.exchanges.len(), 4);
    assert!(bound_in(&dir.leases(), Ipv4Addr::new(198, 18, 1, 10)));
}
