//! A real relay agent, ISC `dhcrelay`, between BusyBox `udhcpc` and the
//! `lease_server` example; and two subnets, each behind a relay of its own, served
//! by one `lease_server` with a range on each (see `support::relays`).
//!
//! Three network namespaces in a row, each link its own subnet:
//!
//! ```text
//! client ns              relay ns                          server ns
//! udhcpc ---- veth ---- 198.18.1.1  dhcrelay  198.18.0.2 ---- veth ---- 198.18.0.1
//!         198.18.1.0/24          (-a: option 82)          198.18.0.0/24   lease_server
//! ```
//!
//! The relay sets giaddr to 198.18.1.1 and unicasts the client's broadcasts to the
//! server, which must lease from giaddr's subnet (198.18.1.100-150, not its own) and
//! answer the relay at port 67 (RFC 2131, section 4.1); the relay logs every reply it
//! forwards. A renewal then goes straight to the server, routed through the relay
//! namespace (RFC 2131, section 4.4.5). Without `--allow-relays on` the server stays
//! silent and the client gets nothing.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::support::lab::{self, Lab, LEASE_SECS, MASK, PREFIX, SERVER_IP};
use crate::support::lease_server::{self, Record};
use crate::support::relays::Relays;
use crate::support::tools::{DHCRELAY, UDHCPC};
use crate::support::{read, require_prerequisites, veth, wait_for, Netns, Proc};

const RELAY_UP_IP: &str = "198.18.0.2";
const RELAY_DOWN_IP: &str = "198.18.1.1";
const CLIENT_SUBNET: &str = "198.18.1.0/24";
const RANGE: &str = "198.18.1.100-198.18.1.150";
/// udhcpc's discovers, one second apart, plus margin.
const STEP_TIMEOUT: Duration = Duration::from_secs(15);
/// Discovers the client sends before giving up when no server answers.
const DISCOVERS: &str = "3";

/// The udhcpc script: sets address and default route (renewals are unicast to the
/// server, through the relay), and logs one line per event.
const SCRIPT: &str = r#"#!/bin/sh
case "$1" in
    bound|renew)
        busybox ifconfig "$interface" "$ip" netmask "$subnet"
        ip route replace default via "$router" dev "$interface" ;;
    deconfig) busybox ifconfig "$interface" 0.0.0.0 ;;
esac
echo "event=$1|ip=$ip|subnet=$subnet|router=$router|lease=$lease|serverid=$serverid" >> "$EVENTS"
"#;

/// The lab with a relay between client and server; fields drop in the order
/// declared: the relay, then the lab (its processes, files and namespaces), then the
/// relay's namespace.
struct Relayed {
    _relay: Proc,
    lab: Lab,
    _relay_ns: Netns,
}

impl Relayed {
    fn new(case: &str, allow_relays: &str) -> Self {
        require_prerequisites(&[UDHCPC, DHCRELAY]);
        let tag = lab::tag(&format!("r{case}"));
        let client_ns = Netns::new(format!("{tag}-cli"));
        let relay_ns = Netns::new(format!("{tag}-rly"));
        let server_ns = Netns::new(format!("{tag}-srv"));
        let client_if = format!("{tag}c");
        let (down_if, up_if, server_if) = (format!("{tag}d"), format!("{tag}u"), format!("{tag}s"));
        veth(&client_ns, &client_if, &relay_ns, &down_if);
        veth(&relay_ns, &up_if, &server_ns, &server_if);
        let cidr = |ip: &str| format!("{ip}/{PREFIX}");
        relay_ns.ip(&["addr", "add", &cidr(RELAY_DOWN_IP), "dev", &down_if]);
        relay_ns.ip(&["addr", "add", &cidr(RELAY_UP_IP), "dev", &up_if]);
        server_ns.ip(&["addr", "add", &cidr(SERVER_IP), "dev", &server_if]);
        server_ns.ip(&["route", "add", CLIENT_SUBNET, "via", RELAY_UP_IP]);
        // Forwarding is per namespace: this touches the relay namespace alone.
        let sysctl = relay_ns
            .command("sysctl".as_ref())
            .args(["-qw", "net.ipv4.ip_forward=1"])
            .status();
        assert!(
            sysctl.is_ok_and(|s| s.success()),
            "cannot enable forwarding in the relay namespace"
        );

        let mut lab = Lab::assemble(&tag, server_ns, server_if, client_ns, client_if);
        lab.write_script(SCRIPT);
        let options = [
            "--server",
            SERVER_IP,
            "--router",
            RELAY_DOWN_IP,
            "--range",
            RANGE,
            "--lease-time",
            LEASE_SECS,
            "--allow-relays",
            allow_relays,
            "--log-level",
            "debug",
        ];
        lab.start_server_with(&options, "server.log");
        let mut command = relay_ns.command("dhcrelay".as_ref());
        command.args([
            "-4", "-d", "-a", "--no-pid", "-id", &down_if, "-iu", &up_if, SERVER_IP,
        ]);
        let relay_log = lab.path("dhcrelay.log");
        let mut relay = Proc::spawn("dhcrelay", command, &relay_log);
        wait_for("dhcrelay to listen", STEP_TIMEOUT, || {
            relay.assert_running();
            read(&relay_log)
                .contains("Sending on   Socket/fallback")
                .then_some(())
        });
        Relayed {
            _relay: relay,
            lab,
            _relay_ns: relay_ns,
        }
    }
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn a_client_behind_dhcrelay_leases_on_the_relay_subnet_and_renews() {
    let mut relayed = Relayed::new("a", "on");
    let lab = &mut relayed.lab;
    lab.start_udhcpc(DISCOVERS, &["-n"]);
    let bound = lab.wait_event("bound", 1, STEP_TIMEOUT);
    let ip: Ipv4Addr = bound.get("ip").parse().expect("an address");
    assert!(
        ip.to_string().starts_with("198.18.1.") && (100..=150).contains(&ip.octets()[3]),
        "{ip} is not in the relayed range {RANGE}"
    );
    assert_eq!(bound.get("subnet"), MASK);
    assert_eq!(bound.get("router"), RELAY_DOWN_IP);
    assert_eq!(bound.get("serverid"), SERVER_IP);
    let records = lease_server::bound(&lab.lease_file());
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].1, ip);

    // The OFFER and the ACK came back to the relay (giaddr, port 67), which passed
    // them on; it added option 82, which the server echoed (else dhcrelay -a drops).
    let relay_log = read(&lab.path("dhcrelay.log"));
    assert!(
        relay_log.contains("-byte relay agent option"),
        "{relay_log}"
    );
    assert_eq!(
        relay_log.matches("Forwarded BOOTREPLY").count(),
        2,
        "{relay_log}"
    );
    assert!(
        relay_log.contains(&format!("BOOTREPLY giaddr: {RELAY_DOWN_IP}")),
        "{relay_log}"
    );

    // SIGUSR1: a unicast renewal to the server, routed through the relay namespace.
    lab.client().signal("USR1");
    let renew = lab.wait_event("renew", 1, STEP_TIMEOUT);
    assert_eq!(renew.get("ip"), ip.to_string());
    lab.wait_records(
        "the renewal",
        2,
        STEP_TIMEOUT,
        |r| matches!(r, Record::Bound { addr, .. } if *addr == ip),
    );
    lab.assert_server_running();
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn without_allow_relays_a_relayed_discover_gets_no_answer() {
    let mut relayed = Relayed::new("b", "off");
    let lab = &mut relayed.lab;
    lab.start_udhcpc(DISCOVERS, &["-n"]);
    // udhcpc -n exits with failure after its last discover goes unanswered.
    let status = lab.client().wait_exit(STEP_TIMEOUT);
    assert!(!status.success(), "udhcpc got a lease: {status}");
    let relay_log = read(&lab.path("dhcrelay.log"));
    assert!(
        relay_log.contains("Forwarded BOOTREQUEST"),
        "the relay relayed:\n{relay_log}"
    );
    assert!(
        !relay_log.contains("BOOTREPLY"),
        "the server answered:\n{relay_log}"
    );
    let server_log = read(&lab.path("server.log"));
    assert!(
        server_log.contains("relays are not allowed"),
        "{server_log}"
    );
    assert!(lease_server::records(&lab.lease_file()).is_empty());
    assert!(read(&lab.path("events"))
        .lines()
        .all(|l| !l.starts_with("event=bound")));
    lab.assert_server_running();
}

/// The relayed subnets of the two-subnet lab: 198.18.1.0/24 and 198.18.2.0/24.
const TWO_SUBNETS: [u8; 2] = [1, 2];

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn clients_behind_two_relays_lease_on_their_own_subnets_and_keep_them_over_a_restart() {
    require_prerequisites(&[UDHCPC, DHCRELAY]);
    let mut lab = Relays::new(&lab::tag("r2"), &TWO_SUBNETS);
    let lease_file = lab.path("leases");
    let bridge = lab.bridge.clone();
    let options = [
        "--server",
        SERVER_IP,
        "--range",
        "198.18.1.100-198.18.1.150",
        "--range",
        "198.18.2.100-198.18.2.150",
        "--lease-time",
        LEASE_SECS,
        "--allow-relays",
        "on",
        "--log-level",
        "debug",
        "--interface",
        &bridge,
        "--port",
        "67",
    ];
    let start = |lab: &Relays, log: &str| {
        lease_server::start(&lab.server_ns, &options, &lease_file, &lab.path(log))
    };
    lab.server = Some(start(&lab, "server.log"));
    lab.start_clients(DISCOVERS);
    let mut leased = Vec::new();
    for subnet in &lab.subnets {
        let bound = lab.wait_event(subnet.n, "bound", 1, STEP_TIMEOUT);
        let ip: Ipv4Addr = bound.get("ip").parse().expect("an address");
        assert!(
            subnet.contains(ip) && (100..=150).contains(&ip.octets()[3]),
            "the client behind {} got {ip}, not an address of its range",
            subnet.relay_ip()
        );
        assert_eq!(bound.get("subnet"), MASK);
        assert_eq!(bound.get("serverid"), SERVER_IP);
        assert!(
            lab.relay_log(subnet.n)
                .contains(&format!("BOOTREPLY giaddr: {}", subnet.relay_ip())),
            "the reply went through the client's own relay:\n{}",
            lab.relay_log(subnet.n)
        );
        leased.push((subnet.n, ip));
    }
    let records = lease_server::bound(&lease_file);
    assert_eq!(records.len(), 2, "{records:?}");
    for (_, ip) in &leased {
        assert!(records.iter().any(|(_, addr)| addr == ip), "{records:?}");
    }

    // A crash, not a stop: every ACKed lease was synced before its ACK left.
    lab.server.as_mut().expect("started").kill();
    lab.server = Some(start(&lab, "server-2.log"));
    let restarted = read(&lab.path("server-2.log"));
    assert!(restarted.contains("2 live records"), "{restarted}");
    lab.signal_clients("USR1");
    for &(n, ip) in &leased {
        let renew = lab.wait_event(n, "renew", 1, STEP_TIMEOUT);
        assert_eq!(renew.get("ip"), ip.to_string(), "subnet {n}'s client moved");
        let events = lab.events_of(n);
        assert!(
            events.iter().all(|e| e.get("event") != "nak"),
            "the restarted server refused subnet {n}'s client"
        );
    }
    lease_server::wait_records(
        &lease_file,
        "both renewals",
        4,
        STEP_TIMEOUT,
        |r| matches!(r, Record::Bound { addr, .. } if leased.iter().any(|(_, ip)| ip == addr)),
    );
    lab.server.as_mut().expect("restarted").assert_running();
    lab.assert_relays_running();
}
