//! The in-process tap (`Config::tap`) is a capture Wireshark's own dissector reads:
//! tshark decodes a loopback DORA from it as DHCP, with the true ports.

use std::net::Ipv4Addr;
use std::process::Command;

use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{respond, Config, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback_with, packet, OFFERED, SERVER_ID, WAIT};

use crate::support::require_prerequisites;
use crate::support::tools::TSHARK;

fn one_address(packet: &Packet, _: &Source) -> Reply {
    let kind = match packet.message_type() {
        Some(MessageType::Discover) => MessageType::Offer,
        Some(MessageType::Request) => MessageType::Ack,
        _ => return Reply::None,
    };
    respond(packet, kind)
        .with_yiaddr(OFFERED)
        .with_option(ServerIdentifier, SERVER_ID)
        .into()
}

#[test]
#[ignore = "needs tshark (and root, like the rest of the suite): sudo .ci/interop tshark"]
fn tshark_decodes_the_tap_of_a_loopback_dora_as_dhcp() {
    require_prerequisites(&[TSHARK]);
    let path = std::env::temp_dir().join(format!("ex_dhcp_tshark_{}.pcap", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (server, mut client) = loopback_with(Config::default().tap(&path), one_address);
    let port = server.handle().local_addr().port();
    let client_port = client.local_addr().expect("client address").port();
    let (offer, _) = client
        .exchange(
            &packet(MessageType::Discover, 0x75a4),
            server.handle().local_addr(),
            WAIT,
        )
        .expect("an offer");
    let mut request = packet(MessageType::Request, 0x75a4);
    request.options.set(RequestedIpAddress, offer.yiaddr);
    request.options.set(ServerIdentifier, SERVER_ID);
    client
        .exchange(&request, server.handle().local_addr(), WAIT)
        .expect("an ack");
    server.shutdown();

    let output = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-d", &format!("udp.port=={port},dhcp")])
        .args(["-T", "fields", "-E", "separator=,"])
        .args([
            "-e",
            "ip.src",
            "-e",
            "udp.srcport",
            "-e",
            "ip.dst",
            "-e",
            "udp.dstport",
        ])
        .args([
            "-e",
            "dhcp.option.dhcp",
            "-e",
            "dhcp.id",
            "-e",
            "dhcp.ip.your",
        ])
        .output()
        .expect("tshark runs");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lo = Ipv4Addr::LOCALHOST;
    let (to_server, to_client) = (
        format!("{lo},{client_port},{lo},{port}"),
        format!("{lo},{port},{lo},{client_port}"),
    );
    let expected = [
        format!("{to_server},1,0x000075a4,0.0.0.0"),
        format!("{to_client},2,0x000075a4,{OFFERED}"),
        format!("{to_server},3,0x000075a4,0.0.0.0"),
        format!("{to_client},5,0x000075a4,{OFFERED}"),
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, expected, "tshark said:\n{stdout}");
}
