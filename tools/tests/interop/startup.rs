//! Start-up failures are errors that name the address and the fix, never panics.
//!
//! The privilege checks run the test again in a child process that has dropped
//! root (`setpriv` to nobody), since root passes them all.

use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};

use crate::support::child::{in_child, run_in_child};
use crate::support::require_prerequisites;
use crate::support::tools::SETPRIV;
use ex_dhcp::server::SERVER_PORT;
use ex_dhcp::{Config, Packet, Reply, Server, Source, StartError};
use ex_dhcp_testkit::{serial, server_threads};

/// Set in the child process that runs without privileges.
const UNPRIVILEGED_CHILD: &str = "EX_DHCP_ROBUST_UNPRIVILEGED_CHILD";
/// The user and group the child runs as.
const NOBODY: &str = "65534";
/// Ports below this need `cap_net_bind_service`.
const UNPRIVILEGED_PORT_START: &str = "/proc/sys/net/ipv4/ip_unprivileged_port_start";

fn silent(_: &Packet, _: &Source) -> Reply {
    Reply::None
}

/// Runs `test` again in a child process as nobody. Holds the serial guard meanwhile:
/// between fork and exec the child holds a copy of every descriptor of this process,
/// so a port another test here just closed would still look taken.
fn unprivileged(test: &str) {
    let _serial = serial();
    require_prerequisites(&[SETPRIV]);
    let setpriv = "setpriv";
    let reuid = format!("--reuid={NOBODY}");
    let regid = format!("--regid={NOBODY}");
    run_in_child(
        &[setpriv, &reuid, &regid, "--clear-groups"],
        test,
        UNPRIVILEGED_CHILD,
    );
}

/// Fails unless this process really lacks the privilege to bind port 67.
fn assert_unprivileged() {
    let start: u16 = fs::read_to_string(UNPRIVILEGED_PORT_START)
        .expect("linux /proc/sys")
        .trim()
        .parse()
        .expect("a port number");
    assert!(
        start > SERVER_PORT,
        "net.ipv4.ip_unprivileged_port_start is {start}: port 67 is not privileged here"
    );
    let probe = UdpSocket::bind((Ipv4Addr::LOCALHOST, SERVER_PORT));
    assert_eq!(
        probe.map_err(|error| error.kind()).err(),
        Some(io::ErrorKind::PermissionDenied),
        "the child still has cap_net_bind_service"
    );
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn a_privileged_port_without_the_capability_names_cap_net_bind_service() {
    if !in_child(UNPRIVILEGED_CHILD) {
        return unprivileged(
            "startup::a_privileged_port_without_the_capability_names_cap_net_bind_service",
        );
    }
    assert_unprivileged();
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, SERVER_PORT);
    let config = Config::default().bind_ip(*addr.ip()).port(SERVER_PORT);
    let error = Server::start(config, silent).expect_err("port 67 needs a privilege");
    assert!(
        matches!(&error, StartError::Bind { addr: at, source }
            if *at == addr && source.kind() == io::ErrorKind::PermissionDenied),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("cap_net_bind_service"), "{text}");
    assert!(text.contains(&addr.to_string()), "{text}");
    assert_eq!(server_threads(), 0);
}

/// Since Linux 5.7 binding a socket to its first device needs no capability; before,
/// it needed `cap_net_raw`. Either way start-up must not panic, and a refusal must
/// name the capability.
#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn binding_to_a_device_without_cap_net_raw_works_or_names_cap_net_raw() {
    if !in_child(UNPRIVILEGED_CHILD) {
        return unprivileged(
            "startup::binding_to_a_device_without_cap_net_raw_works_or_names_cap_net_raw",
        );
    }
    assert_unprivileged();
    let config = Config::default()
        .bind_ip(Ipv4Addr::LOCALHOST)
        .port(0)
        .bind_device("lo");
    match Server::start(config, silent) {
        Ok(server) => {
            assert_eq!(server.handle().listeners()[0].device.as_deref(), Some("lo"));
            drop(server);
        }
        Err(error) => {
            assert!(
                matches!(&error, StartError::BindToDevice { device, .. } if device == "lo"),
                "{error:?}"
            );
            assert!(error.to_string().contains("cap_net_raw"), "{error}");
        }
    }
    assert_eq!(server_threads(), 0);
}
