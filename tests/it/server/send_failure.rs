//! Replies the kernel refuses: the failure reaches `Handler::send_failed`, the
//! statistics and the log, and the server keeps serving.

use std::io;

use std::sync::mpsc;

use ex_dhcp::{MessageType, StopReason};
use ex_dhcp_testkit::misdirect::{
    Failed, Misdirects, EINVAL, PROBE_XID, REFUSED_XID, REFUSING_PORT_ZERO,
};
use ex_dhcp_testkit::{capture_logs, logged, wait_until};
use ex_dhcp_testkit::{loopback, packet, WAIT};

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
        .handle()
        .call(move |state| state.fallback = Some(client_addr))
        .unwrap();
    let to = server.handle().local_addr();

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
        server.handle().stats().sent == 2
    });
    assert_eq!(
        server.handle().stats().send_failures,
        1,
        "{:?}",
        server.handle().stats()
    );
    assert!(failed.try_recv().is_err(), "exactly one failure");
    assert_eq!(server.shutdown().reason, StopReason::Shutdown);
}
