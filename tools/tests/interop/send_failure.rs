//! A reply refused by a firewall (EPERM): the failure carries the errno and the log
//! names conntrack, the usual cause behind NAT rules.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;

use ex_dhcp::{Config, MessageType, Server, StopReason};
use ex_dhcp_testkit::misdirect::{Failed, Misdirects, EPERM, REFUSED_XID};
use ex_dhcp_testkit::{capture_logs, logged, packet, WAIT};

use crate::support::child::{in_child, run_in_child};
use crate::support::tools::IPTABLES;
use crate::support::{require_prerequisites, Netns};

/// Set in the child process that runs inside the network namespace.
const NETNS_CHILD: &str = "EX_DHCP_ROBUST_NETNS_CHILD";
/// The namespace's own address, on its loopback, and the address its firewall refuses.
const NETNS_ADDR: &str = "198.18.0.1/15";
const FIREWALLED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);

/// EPERM needs a firewall: this creates a network namespace, rejects UDP to
/// [`FIREWALLED`] there with iptables, and runs the test body inside it.
#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn a_send_refused_by_the_firewall_logs_the_conntrack_hint() {
    if in_child(NETNS_CHILD) {
        return firewalled_child();
    }
    require_prerequisites(&[IPTABLES]);
    let netns = Netns::new(format!("exdhcp-eperm-{}", std::process::id()));
    netns.exec(&["ip", "addr", "add", NETNS_ADDR, "dev", "lo"]);
    let firewalled = FIREWALLED.to_string();
    netns.exec(&[
        "iptables",
        "-A",
        "OUTPUT",
        "-p",
        "udp",
        "-d",
        &firewalled,
        "-j",
        "REJECT",
    ]);
    run_in_child(
        &netns.prefix(),
        "send_failure::a_send_refused_by_the_firewall_logs_the_conntrack_hint",
        NETNS_CHILD,
    );
}

fn firewalled_child() {
    capture_logs();
    let refused = SocketAddrV4::new(FIREWALLED, ex_dhcp::server::CLIENT_PORT);
    let (failures, failed) = mpsc::channel();
    let config = Config::default().port(0).bind_ip(Ipv4Addr::LOCALHOST);
    let handler = Misdirects {
        refused,
        fallback: None,
        failures,
    };
    let server = Server::start(config, handler).expect("a server in the namespace");
    server
        .handle()
        .inject(packet(MessageType::Discover, REFUSED_XID))
        .unwrap();
    assert_eq!(
        failed.recv_timeout(WAIT),
        Ok(Failed {
            xid: REFUSED_XID,
            to: refused,
            kind: io::ErrorKind::PermissionDenied,
            errno: Some(EPERM),
        })
    );
    let logs = logged(log::Level::Error, &format!("{REFUSED_XID:#010x}"));
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].contains("conntrack"), "the hint: {logs:?}");
    assert!(logs[0].contains(&refused.to_string()), "{logs:?}");
    let stats = server.handle().stats();
    assert_eq!((stats.send_failures, stats.sent), (1, 0), "{stats:?}");
    assert_eq!(server.shutdown().reason, StopReason::Shutdown);
}
