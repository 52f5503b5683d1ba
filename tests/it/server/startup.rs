//! Start-up failures are errors that name the address and the fix, never panics.
//! (The privilege checks, which need root to drop it, are in the tools' interop suite.)

use std::io;
use std::net::{Ipv4Addr, UdpSocket};

use ex_dhcp::server::SocketConfig;
use ex_dhcp::{Config, Packet, Reply, Server, Source, StartError};
use ex_dhcp_testkit::serial;

fn silent(_: &Packet, _: &Source) -> Reply {
    Reply::None
}

/// The second socket's port is taken: the error names that address, and the first
/// socket, already bound, is released.
#[test]
fn a_taken_port_on_an_extra_socket_names_it_and_releases_the_others() {
    // Not while another test forks: the fork would hold the released socket too.
    let _serial = serial();
    let taken = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let Ok(std::net::SocketAddr::V4(taken_addr)) = taken.local_addr() else {
        panic!("an ipv4 socket")
    };
    let free = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let free_addr = free.local_addr().unwrap();
    drop(free);
    let config = Config::default()
        .bind_ip(Ipv4Addr::LOCALHOST)
        .port(free_addr.port())
        .also_listen(SocketConfig::new(taken_addr));
    let error = Server::start(config, silent).expect_err("the port is taken");
    assert!(
        matches!(&error, StartError::Bind { addr, source }
            if *addr == taken_addr && source.kind() == io::ErrorKind::AddrInUse),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains(&taken_addr.to_string()), "{text}");
    assert!(text.contains("already in use"), "{text}");
    UdpSocket::bind(free_addr).expect("the first socket was closed");
}
