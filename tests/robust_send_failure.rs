//! Replies the kernel refuses: the failure reaches `Handler::send_failed`, the
//! statistics and the log, and the server keeps serving.

mod common;
mod robust_support;

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;

use common::{loopback, packet, OFFERED, WAIT};
use ex_dhcp::{
    respond, Config, Handler, MessageType, Packet, Reply, SendFailure, Server, Source, StopReason,
};
use robust_support::{capture_logs, logged, require_tool, run_in_child, wait_until, Netns};

/// Linux errno values the failures must carry.
const EPERM: i32 = 1;
const EINVAL: i32 = 22;
/// A DISCOVER with this xid is answered at the address the handler was given to refuse.
const REFUSED_XID: u32 = 0x0bad_0001;
/// A DISCOVER answered normally.
const PROBE_XID: u32 = 0x600d_0001;
/// UDP port 0: `sendto` refuses it with EINVAL.
const REFUSING_PORT_ZERO: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);

/// What `send_failed` was given.
#[derive(Debug, PartialEq, Eq)]
struct Failed {
    xid: u32,
    to: SocketAddrV4,
    kind: io::ErrorKind,
    errno: Option<i32>,
}

/// Answers DISCOVERs; the one with [`REFUSED_XID`] goes to `refused`. A failed reply
/// is reported to the test and sent again to `fallback`, if there is one.
struct Misdirects {
    refused: SocketAddrV4,
    fallback: Option<SocketAddrV4>,
    failures: mpsc::Sender<Failed>,
}

impl Handler for Misdirects {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        let offer = respond(packet, MessageType::Offer).with_yiaddr(OFFERED);
        if packet.xid == REFUSED_XID {
            Reply::SendTo(offer, self.refused)
        } else {
            offer.into()
        }
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
    fn send_failed(&mut self, failure: SendFailure, _: &mut ex_dhcp::Context) -> Reply {
        let failed = Failed {
            xid: failure.packet.xid,
            to: failure.to,
            kind: failure
                .error
                .io()
                .map_or(io::ErrorKind::Other, io::Error::kind),
            errno: failure.error.io().and_then(io::Error::raw_os_error),
        };
        self.failures.send(failed).expect("the test is listening");
        match self.fallback {
            Some(to) => Reply::SendTo(failure.packet, to),
            None => Reply::None,
        }
    }
}

#[test]
fn a_refused_send_reaches_send_failed_the_stats_and_the_log_and_serving_goes_on() {
    capture_logs();
    let (failures, failed) = mpsc::channel();
    // The client's address is only known once it is bound: the fallback is set by a call.
    let (server, mut client) = loopback(Misdirects {
        refused: REFUSING_PORT_ZERO,
        fallback: None,
        failures,
    });
    let client_addr = client.local_addr().unwrap();
    server
        .call(move |state| state.fallback = Some(client_addr))
        .unwrap();
    let to = server.local_addr();

    let (retried, _) = client
        .exchange(&packet(MessageType::Discover, REFUSED_XID), to, WAIT)
        .expect("the reply sent again from send_failed arrives");
    assert_eq!(retried.xid, REFUSED_XID);
    assert_eq!(
        failed.recv_timeout(WAIT),
        Ok(Failed {
            xid: REFUSED_XID,
            to: REFUSING_PORT_ZERO,
            kind: io::ErrorKind::InvalidInput,
            errno: Some(EINVAL),
        })
    );
    let logs = logged(log::Level::Error, &format!("{REFUSED_XID:#010x}"));
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        logs[0].contains(&REFUSING_PORT_ZERO.to_string()),
        "{logs:?}"
    );
    assert!(
        !logs[0].contains("conntrack"),
        "no hint for EINVAL: {logs:?}"
    );

    let (offer, _) = client
        .exchange(&packet(MessageType::Discover, PROBE_XID), to, WAIT)
        .expect("still serving after a send failure");
    assert_eq!(offer.xid, PROBE_XID);
    // The client can read a reply before the sender thread has counted it.
    wait_until(WAIT, "the retry and the probe are counted as sent", || {
        server.stats().sent == 2
    });
    assert_eq!(server.stats().send_failures, 1, "{:?}", server.stats());
    assert!(failed.try_recv().is_err(), "exactly one failure");
    assert_eq!(server.shutdown().reason, StopReason::Shutdown);
}

/// Set in the child process that runs inside the network namespace.
const NETNS_CHILD: &str = "EX_DHCP_ROBUST_NETNS_CHILD";
/// The namespace's own address, on its loopback, and the address its firewall refuses.
const NETNS_ADDR: &str = "198.18.0.1/15";
const FIREWALLED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);

/// EPERM needs a firewall: this creates a network namespace, rejects UDP to
/// [`FIREWALLED`] there with iptables, and runs the test body inside it.
#[test]
fn a_send_refused_by_the_firewall_logs_the_conntrack_hint() {
    if robust_support::in_child(NETNS_CHILD) {
        return firewalled_child();
    }
    require_tool("iptables", "iptables");
    let netns = Netns::create("eperm");
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
        "a_send_refused_by_the_firewall_logs_the_conntrack_hint",
        NETNS_CHILD,
    );
}

fn firewalled_child() {
    capture_logs();
    let refused = SocketAddrV4::new(FIREWALLED, ex_dhcp::CLIENT_PORT);
    let (failures, failed) = mpsc::channel();
    let config = Config::default().port(0).bind_ip(Ipv4Addr::LOCALHOST);
    let handler = Misdirects {
        refused,
        fallback: None,
        failures,
    };
    let server = Server::start(config, handler).expect("a server in the namespace");
    server
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
    let stats = server.stats();
    assert_eq!((stats.send_failures, stats.sent), (1, 0), "{stats:?}");
    assert_eq!(server.shutdown().reason, StopReason::Shutdown);
}
