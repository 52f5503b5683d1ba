//! Captures on other ports than 67 and 68 (a test server on ex_dhcp's 6767), and
//! directories of `.bin` files numbered past 9.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ex_dhcp::capture::{Datagram, PcapWriter};
use ex_dhcp::replay::{Origin, Recording, Replay, ReplayError};
use ex_dhcp::{respond, Encoding, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::replay::client;

const SERVER_PORT: u16 = 6767;
const CLIENT_PORT: u16 = 6868;
const OFFERED: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);

fn offer(packet: &Packet, _from: &Source) -> Reply {
    match packet.message_type() {
        Some(MessageType::Discover) => respond(packet, MessageType::Offer)
            .with_yiaddr(OFFERED)
            .into(),
        _ => Reply::None,
    }
}

/// A DISCOVER and its OFFER between 127.0.0.1:6868 and 127.0.0.1:6767.
fn loopback_capture() -> Vec<u8> {
    let discover = client(MessageType::Discover, 0x6767, 1);
    let reply = respond(&discover, MessageType::Offer).with_yiaddr(OFFERED);
    let client_side = SocketAddrV4::new(Ipv4Addr::LOCALHOST, CLIENT_PORT);
    let server_side = SocketAddrV4::new(Ipv4Addr::LOCALHOST, SERVER_PORT);
    let mut writer = PcapWriter::new(Vec::new()).expect("a header in memory");
    for (packet, source, destination) in [
        (&discover, client_side, server_side),
        (&reply, server_side, client_side),
    ] {
        writer
            .write_datagram(&Datagram {
                timestamp: Duration::ZERO,
                source,
                destination,
                payload: packet.encode(Encoding::Padded),
            })
            .expect("a small datagram");
    }
    writer.into_inner()
}

#[test]
fn a_capture_on_other_ports_says_which_ports_were_looked_for() {
    let error = Recording::reader()
        .read_from(&loopback_capture()[..])
        .and_then(|recording| Replay::new(recording).run(offer))
        .expect_err("nothing on 67 and 68");
    assert!(matches!(error, ReplayError::NoClientPackets { .. }));
    let text = error.to_string();
    assert!(
        text.contains("looked for udp ports 67 (server) and 68 (client)"),
        "{text}"
    );
    assert!(
        text.contains("left out 2 udp datagram(s) on ports 6767, 6868"),
        "{text}"
    );
}

#[test]
fn a_capture_on_named_ports_replays() {
    let recording = Recording::reader()
        .server_port(SERVER_PORT)
        .client_port(CLIENT_PORT)
        .read_from(&loopback_capture()[..])
        .expect("a capture in memory");
    assert_eq!(recording.exchanges.len(), 1);
    assert_eq!(recording.exchanges[0].replies.len(), 1);
    let report = Replay::new(recording).run(offer).expect("the same offer");
    assert!(report.compared);
}

#[test]
fn naming_only_the_server_port_is_enough_for_a_capture_of_it() {
    let recording = Recording::reader()
        .server_port(SERVER_PORT)
        .read_from(&loopback_capture()[..])
        .expect("a capture in memory");
    assert_eq!(recording.exchanges.len(), 1);
}

#[test]
fn bin_directories_replay_in_numeric_order_padded_or_not() {
    let dir = std::env::temp_dir().join(format!("ex_dhcp_replay_numbers_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    // Twelve DISCOVERs, each answered by the next file: old unpadded names for
    // the first ten, padded ones (what snoop writes now) after.
    let mut names = Vec::new();
    for n in 1..=12u32 {
        let name = if n <= 10 {
            format!("dhcp-{n}.bin")
        } else {
            format!("dhcp-{n:04}.bin")
        };
        let packet = client(MessageType::Discover, n, 1);
        std::fs::write(dir.join(&name), packet.encode(Encoding::Padded)).expect("write");
        names.push(name);
    }
    let recording = Recording::read(&dir).expect("a directory of .bin files");
    let order: Vec<Origin> = recording
        .exchanges
        .iter()
        .map(|exchange| exchange.request.origin.clone())
        .collect();
    let expected: Vec<Origin> = names
        .iter()
        .map(|name| Origin::File(dir.join(name)))
        .collect();
    assert_eq!(order, expected);
    let xids: Vec<u32> = recording
        .exchanges
        .iter()
        .map(|exchange| exchange.request.packet.xid)
        .collect();
    assert_eq!(xids, (1..=12).collect::<Vec<_>>());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// The loopback capture in a file of its own, removed on drop.
struct CaptureFile(std::path::PathBuf);

impl CaptureFile {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("ex_dhcp_replay_{name}_{}.pcap", std::process::id()));
        std::fs::write(&path, loopback_capture()).expect("write the capture");
        CaptureFile(path)
    }
}

impl Drop for CaptureFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_capture_file_is_read_on_the_ports_named_before_reading() {
    let file = CaptureFile::new("reader");
    let recording = Recording::reader()
        .server_port(SERVER_PORT)
        .client_port(CLIENT_PORT)
        .read(&file.0)
        .expect("a capture");
    assert_eq!(recording.path.as_deref(), Some(file.0.as_path()));
    let report = Replay::new(recording).run(offer).expect("the same offer");
    assert!(report.compared);
    assert_eq!(report.exchanges.len(), 1);
}

#[test]
fn a_capture_file_read_on_the_standard_ports_names_the_file_and_the_ports() {
    let file = CaptureFile::new("standard");
    let error = Recording::read(&file.0)
        .and_then(|recording| Replay::new(recording).run(offer))
        .expect_err("nothing on 67 and 68");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("{} holds no dhcp client packet", file.0.display())),
        "{text}"
    );
    assert!(text.contains("on ports 6767, 6868"), "{text}");
}
