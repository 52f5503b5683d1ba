//! Seeing traffic: each packet and reply in the log under its own target, with where
//! the reply went; the tap's pcap read back and replayed against the same handler.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;

use ex_dhcp::capture::read_file;
use ex_dhcp::options::{LeaseTime, RequestedIpAddress, ServerIdentifier};
use ex_dhcp::replay::{Recording, Replay};
use ex_dhcp::server::DEFAULT_PORT;
use ex_dhcp::{
    respond, Client, Config, Encoding, Handler, Harness, MessageType, Packet, Reply, Server,
    Source, StartError,
};
use ex_dhcp_testkit::{
    capture_logs, logged_to, loopback_with, packet, wait_until, OFFERED, SERVER_ID, WAIT,
};

/// Offers and acknowledges OFFERED to everyone: the same replies every run, so a
/// capture of it replays without differences.
struct OneAddress;

impl OneAddress {
    fn answer(packet: &Packet, kind: MessageType) -> Reply {
        respond(packet, kind)
            .with_yiaddr(OFFERED)
            .with_option(ServerIdentifier, SERVER_ID)
            .with_option(LeaseTime, 600)
            .into()
    }
}

impl Handler for OneAddress {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        OneAddress::answer(packet, MessageType::Offer)
    }
    fn request(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        OneAddress::answer(packet, MessageType::Ack)
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

/// DISCOVER, OFFER, REQUEST, ACK with `xid`, from the test client to the server.
fn dora<H: Handler>(server: &Server<H>, client: &mut Client, xid: u32) {
    let (offer, _) = client
        .exchange(
            &packet(MessageType::Discover, xid),
            server.handle().local_addr(),
            WAIT,
        )
        .expect("an offer");
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    let mut request = packet(MessageType::Request, xid);
    request.options.set(RequestedIpAddress, offer.yiaddr);
    request.options.set(ServerIdentifier, SERVER_ID);
    let (ack, _) = client
        .exchange(&request, server.handle().local_addr(), WAIT)
        .expect("an ack");
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
}

/// A file in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "ex_dhcp_observe_{name}_{}.pcap",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn each_packet_and_reply_is_logged_under_its_target_with_the_address_it_really_went_to() {
    capture_logs();
    let (server, mut client) = loopback_with(Config::default(), OneAddress);
    let client_addr = client.local_addr().expect("client address");
    let server_addr = server.handle().local_addr();
    let xid = 0x0b5e_0001;
    dora(&server, &mut client, xid);
    let tag = format!("xid {xid:#010x}");
    let mac = "chaddr 02:00:5e:10:00:01";
    let socket = format!("{server_addr} (listener 0)");

    let received = logged_to("ex_dhcp::rx", log::Level::Debug, &tag);
    assert_eq!(received.len(), 2, "{received:#?}");
    assert_eq!(
        received[0],
        format!(
            "DHCPDISCOVER {tag} {mac} ciaddr 0.0.0.0 yiaddr 0.0.0.0 from {client_addr} on {socket}"
        )
    );
    assert!(received[1].starts_with("DHCPREQUEST "), "{received:#?}");

    // The sender thread logs once `send_to` has returned, the summary and then the
    // whole packet: the client may be faster than both.
    wait_until(WAIT, "both replies logged", || {
        logged_to("ex_dhcp::tx", log::Level::Debug, &tag).len() == 2
            && logged_to("ex_dhcp::tx", log::Level::Trace, &tag).len() == 2
    });
    let sent = logged_to("ex_dhcp::tx", log::Level::Debug, &tag);
    // The broadcast address of this loopback server is 127.0.0.1, at the client's port.
    assert_eq!(
        sent[0],
        format!(
            "DHCPOFFER {tag} {mac} ciaddr 0.0.0.0 yiaddr {OFFERED} to {client_addr} from {socket}"
        )
    );
    assert!(sent[1].starts_with("DHCPACK "), "{sent:#?}");

    // Trace has the whole packet, options by name.
    let full = logged_to("ex_dhcp::tx", log::Level::Trace, &tag);
    assert_eq!(full.len(), 2, "{full:#?}");
    assert!(full[0].starts_with(&format!("to {client_addr}: DHCPOFFER {tag}")));
    assert!(full[0].contains("ip address lease time"), "{}", full[0]);
    assert_eq!(logged_to("ex_dhcp::rx", log::Level::Trace, &tag).len(), 2);
    server.shutdown();
}

#[test]
fn a_tapped_dora_reads_back_with_true_addresses_and_replays_without_differences() {
    let tap = TempFile::new("dora");
    let (server, mut client) = loopback_with(Config::default().tap(&tap.0), OneAddress);
    let client_addr = client.local_addr().expect("client address");
    let server_addr = server.handle().local_addr();
    dora(&server, &mut client, 0x0b5e_0002);
    let exit = server.shutdown(); // joins the tap thread, which has written everything
    assert_eq!(exit.stats.tap_dropped, 0);

    let capture = read_file(&tap.0).expect("the tap is a capture");
    let seen: Vec<(SocketAddrV4, SocketAddrV4, Option<MessageType>)> = capture
        .datagrams
        .iter()
        .map(|datagram| {
            let packet = Packet::decode(&datagram.payload).expect("dhcp");
            (datagram.source, datagram.destination, packet.message_type())
        })
        .collect();
    assert_eq!(
        seen,
        [
            (client_addr, server_addr, Some(MessageType::Discover)),
            (server_addr, client_addr, Some(MessageType::Offer)),
            (client_addr, server_addr, Some(MessageType::Request)),
            (server_addr, client_addr, Some(MessageType::Ack)),
        ]
    );
    assert_eq!(capture.stats.skipped(), 0);

    let recording = Recording::reader()
        .server_port(server_addr.port())
        .client_port(client_addr.port())
        .read(&tap.0)
        .expect("a capture");
    let report = Replay::new(recording)
        .run(OneAddress)
        .expect("the same handler gives the same replies");
    assert!(report.compared);
    assert_eq!(report.exchanges.len(), 2);
    assert!(report.passed());
}

#[test]
fn a_harness_taps_what_it_is_given_and_what_it_answers() {
    let tap = TempFile::new("harness");
    let mut harness = Harness::with_config(Config::default().tap(&tap.0), OneAddress);
    let offer = harness
        .inject(packet(MessageType::Discover, 0x0b5e_0003))
        .expect("an offer");
    drop(harness);

    let capture = read_file(&tap.0).expect("the tap is a capture");
    let server_side = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, DEFAULT_PORT);
    let addresses: Vec<(SocketAddrV4, SocketAddrV4)> = capture
        .datagrams
        .iter()
        .map(|datagram| (datagram.source, datagram.destination))
        .collect();
    assert_eq!(
        addresses,
        [
            (SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68), server_side),
            (server_side, offer.to),
        ]
    );
    assert_eq!(
        capture.datagrams[1].payload,
        offer.packet.encode(Encoding::Padded)
    );

    let recording = Recording::reader()
        .server_port(DEFAULT_PORT)
        .read(&tap.0)
        .expect("a capture");
    let report = Replay::new(recording)
        .run(OneAddress)
        .expect("the same offer");
    assert!(report.compared && report.passed());
}

#[test]
fn a_second_server_on_the_same_tap_file_continues_the_capture() {
    let tap = TempFile::new("append");
    for xid in [0x0b5e_0004, 0x0b5e_0005] {
        let (server, mut client) = loopback_with(Config::default().tap(&tap.0), OneAddress);
        dora(&server, &mut client, xid);
        server.shutdown();
    }
    let capture = read_file(&tap.0).expect("one capture");
    assert_eq!(capture.datagrams.len(), 8);
}

#[test]
fn a_tap_that_cannot_be_opened_fails_the_start_and_names_the_file() {
    let directory = std::env::temp_dir();
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .tap(&directory);
    let error = Server::start(config, OneAddress).expect_err("a directory is no pcap file");
    assert!(matches!(error, StartError::Tap { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&directory.display().to_string()),
        "{error}"
    );
}

#[test]
fn stats_display_is_one_line_naming_the_types_handled() {
    let mut harness = Harness::new(OneAddress);
    harness.inject(packet(MessageType::Discover, 1));
    harness.inject(packet(MessageType::Request, 1));
    let line = harness.stats().to_string();
    assert!(
        line.starts_with(
            "received 0 (malformed 0), handled 2 (DHCPDISCOVER 1, DHCPREQUEST 1), sent 0,"
        ),
        "{line}"
    );
    assert!(!line.contains('\n'), "{line}");
    assert!(
        !line.contains("tap"),
        "a counter of a feature not in use: {line}"
    );
}
