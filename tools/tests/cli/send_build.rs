//! `send` building packets and running a DORA against `lease_server`, both as
//! users run them, on loopback.

use std::fs;

use ex_dhcp::{MessageType, Packet};

use crate::{free_udp_port, lease_server, run, TempDir, EXIT_NO_REPLY};

#[test]
fn send_dora_leases_an_address_from_lease_server_and_prints_each_step() {
    let client_port = free_udp_port();
    let (server, server_port) = lease_server(client_port, &[]);
    let dir = TempDir::new("dora");
    let ack = dir.join("ack.bin");
    let (status, output) = run(
        "send",
        &[
            "--dora",
            "--mac",
            "02:00:00:00:d0:0a",
            "--xid",
            "0xd0a",
            "--server-port",
            &server_port.to_string(),
            "--client-port",
            &client_port.to_string(),
            "--save",
            ack.to_str().unwrap(),
            "--timeout",
            "10",
        ],
    );
    assert!(status.success(), "{output}");
    for step in [
        "sent     DHCPDISCOVER xid 0x00000d0a",
        "received DHCPOFFER xid 0x00000d0a yiaddr 198.18.0.",
        "sent     DHCPREQUEST xid 0x00000d0a",
        "received DHCPACK xid 0x00000d0a yiaddr 198.18.0.",
        "DORA done: 198.18.0.",
        " ms",
    ] {
        assert!(output.contains(step), "no {step:?} in:\n{output}");
    }
    let ack = Packet::decode(&fs::read(&ack).expect("the ACK saved")).unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(
        ack.mac().map(<[u8; 6]>::from),
        Some([2, 0, 0, 0, 0xd0, 0x0a])
    );
    drop(server);
}

#[test]
fn send_build_discover_gets_an_offer_with_the_flags_it_was_given() {
    let client_port = free_udp_port();
    let (server, server_port) = lease_server(client_port, &[]);
    let dir = TempDir::new("build");
    let offer_file = dir.join("offer.bin");
    let (status, output) = run(
        "send",
        &[
            "--build",
            "discover",
            "--mac",
            "02:00:00:00:b0:01",
            "--xid",
            "4242",
            "--client-id",
            "0102000000b001",
            "--pxe-arch",
            "7",
            "--option",
            "12=6c6162",
            "--server-port",
            &server_port.to_string(),
            "--client-port",
            &client_port.to_string(),
            "--save",
            offer_file.to_str().unwrap(),
            "--timeout",
            "10",
        ],
    );
    assert!(status.success(), "{output}");
    // What was sent, as send logs it decoded.
    for sent in [
        "DHCPDISCOVER xid 0x00001092",
        "option  61 client identifier",
        "option  93",
        "PXEClient:Arch:00007:UNDI:003016",
        "option  12 host name",
    ] {
        assert!(output.contains(sent), "no {sent:?} in:\n{output}");
    }
    let offer = Packet::decode(&fs::read(&offer_file).expect("the OFFER saved")).unwrap();
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.xid, 4242);
    drop(server);
}

#[test]
fn send_dora_exits_1_when_nobody_answers() {
    let (status, output) = run(
        "send",
        &[
            "--dora",
            "--server-port",
            &free_udp_port().to_string(),
            "--client-port",
            &free_udp_port().to_string(),
            "--timeout",
            "0.3",
        ],
    );
    assert_eq!(status.code(), Some(EXIT_NO_REPLY), "{output}");
    assert!(output.contains("no OFFER within"), "{output}");
}
