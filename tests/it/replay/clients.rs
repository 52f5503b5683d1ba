//! Replaying captures built in code: interleaved clients, captures without
//! server replies, saved `.bin` packets, and the differences a replay reports.

use std::net::Ipv4Addr;

use ex_dhcp::options::{DhcpOption, ServerIdentifier};
use ex_dhcp::replay::{Mismatch, Origin, Recording, Replay, ReplayError};
use ex_dhcp::{respond, Encoding, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::replay::{client, pcap_of, SERVER};

/// Offers 192.0.2.<last byte of the MAC> and acknowledges any request.
fn by_mac(packet: &Packet, _from: &Source) -> Reply {
    let host = packet.chaddr[5];
    let kind = match packet.message_type() {
        Some(MessageType::Discover) => MessageType::Offer,
        Some(MessageType::Request) => MessageType::Ack,
        _ => return Reply::None,
    };
    respond(packet, kind)
        .with_yiaddr(Ipv4Addr::new(192, 0, 2, host))
        .with_option(ServerIdentifier, SERVER)
        .into()
}

fn by_mac_replies(requests: &[Packet]) -> Vec<Packet> {
    requests
        .iter()
        .map(|request| match by_mac(request, &source()) {
            Reply::Send(reply) => reply,
            other => panic!("expected a reply, got {other:?}"),
        })
        .collect()
}

fn source() -> Source {
    ex_dhcp::Harness::new(by_mac)
        .source("0.0.0.0:68".parse().unwrap(), 0)
        .expect("the main socket")
}

fn recording(packets: &[Packet]) -> Recording {
    Recording::reader()
        .read_from(&pcap_of(packets)[..])
        .expect("a capture written in memory")
}

#[test]
fn interleaved_clients_are_matched_on_xid_and_chaddr() {
    // Three clients, two of them with the same xid, answered out of order.
    let requests = [
        client(MessageType::Discover, 0x11, 1),
        client(MessageType::Discover, 0x11, 2),
        client(MessageType::Discover, 0x22, 3),
    ];
    let replies = by_mac_replies(&requests);
    let capture = [
        requests[0].clone(),
        requests[1].clone(),
        requests[2].clone(),
        replies[2].clone(),
        replies[0].clone(),
        replies[1].clone(),
    ];
    let report = Replay::new(recording(&capture))
        .run(by_mac)
        .expect("every client gets its own address back");
    let matched: Vec<Origin> = report
        .exchanges
        .iter()
        .map(|e| e.recorded[0].origin.clone())
        .collect();
    assert_eq!(
        matched,
        [Origin::Frame(5), Origin::Frame(6), Origin::Frame(4)]
    );
}

#[test]
fn a_swapped_answer_between_interleaved_clients_is_a_difference() {
    let requests = [
        client(MessageType::Discover, 0x11, 1),
        client(MessageType::Discover, 0x11, 2),
    ];
    let replies = by_mac_replies(&requests);
    let capture = [
        requests[0].clone(),
        requests[1].clone(),
        replies[0].clone(),
        replies[1].clone(),
    ];
    let swapped = |packet: &Packet, from: &Source| {
        let mut packet = packet.clone();
        packet.chaddr[5] ^= 3; // 1 <-> 2
        let mut reply = by_mac(&packet, from);
        if let Reply::Send(reply) = &mut reply {
            reply.chaddr = packet.chaddr;
            reply.chaddr[5] ^= 3;
        }
        reply
    };
    let error = Replay::new(recording(&capture))
        .run(swapped)
        .expect_err("the addresses are swapped");
    let text = error.to_string();
    assert!(
        text.contains("yiaddr: recorded 192.0.2.1, got 192.0.2.2"),
        "{text}"
    );
    assert!(
        text.contains("yiaddr: recorded 192.0.2.2, got 192.0.2.1"),
        "{text}"
    );
}

#[test]
fn without_server_replies_the_handlers_replies_are_reported_not_compared() {
    let capture = [
        client(MessageType::Discover, 0x33, 7),
        client(MessageType::Request, 0x34, 7),
        client(MessageType::Release, 0x35, 7),
    ];
    let report = Replay::new(recording(&capture))
        .run(by_mac)
        .expect("nothing to compare with");
    assert!(!report.compared);
    assert_eq!(
        report.exchanges.iter().map(|e| e.got.len()).sum::<usize>(),
        2
    );
    let text = report.to_string();
    assert!(text.contains("reported, not compared"), "{text}");
    assert!(
        text.contains("the handler sent DHCPOFFER xid 0x00000033 to 255.255.255.255:68"),
        "{text}"
    );
    assert!(text.contains("yiaddr 192.0.2.7"), "{text}");
    assert!(text.contains("exchange 3: DHCPRELEASE"), "{text}");
    assert!(text.contains("the handler sent nothing"), "{text}");
}

#[test]
fn a_recorded_request_without_a_reply_expects_none() {
    let discover = client(MessageType::Discover, 0x44, 9);
    let offer = by_mac_replies(std::slice::from_ref(&discover)).remove(0);
    let request = client(MessageType::Request, 0x45, 9);
    let error = Replay::new(recording(&[discover, offer, request]))
        .run(by_mac)
        .expect_err("the handler acknowledges a request the recorded server ignored");
    let report = error.report().expect("a report");
    assert_eq!(
        report.exchanges[1].mismatches,
        [Mismatch::ExtraReply { got: 0 }]
    );
    let text = error.to_string();
    assert!(
        text.contains("extra reply: the handler sent DHCPACK xid 0x00000045"),
        "{text}"
    );
    assert!(text.contains("none was recorded"), "{text}");
}

#[test]
fn a_missing_reply_is_a_difference() {
    let discover = client(MessageType::Discover, 0x55, 4);
    let offer = by_mac_replies(std::slice::from_ref(&discover)).remove(0);
    let silent = |_: &Packet, _: &Source| Reply::None;
    let error = Replay::new(recording(&[discover, offer]))
        .run(silent)
        .expect_err("the handler stays silent");
    assert!(
        error.to_string().contains(
            "missing reply: recorded DHCPOFFER xid 0x00000055 (frame 2), the handler sent none"
        ),
        "{error}"
    );
}

#[test]
fn a_panicking_handler_fails_the_replay_even_without_expected_replies() {
    let capture = [client(MessageType::Release, 0x66, 1), {
        let discover = client(MessageType::Discover, 0x67, 1);
        by_mac_replies(&[discover]).remove(0)
    }];
    let panics = |_: &Packet, _: &Source| -> Reply { panic!("no release handling") };
    let error = Replay::new(recording(&capture))
        .run(panics)
        .expect_err("a panic is a failure");
    assert!(
        error
            .to_string()
            .contains("the handler panicked: no release handling"),
        "{error}"
    );
}

#[test]
fn a_server_identifier_from_another_server_can_be_ignored() {
    let discover = client(MessageType::Discover, 0x77, 5);
    let offer = by_mac_replies(std::slice::from_ref(&discover))
        .remove(0)
        .with_option(ServerIdentifier, Ipv4Addr::new(203, 0, 113, 1));
    let capture = [discover, offer];
    let error = Replay::new(recording(&capture))
        .run(by_mac)
        .expect_err("54 differs");
    assert!(
        error
            .to_string()
            .contains("option 54 (server identifier): recorded 203.0.113.1, got 192.168.0.1"),
        "{error}"
    );
    Replay::new(recording(&capture))
        .ignore_server_address()
        .run(by_mac)
        .expect("54 is present on both sides");
    let without = |packet: &Packet, from: &Source| match by_mac(packet, from) {
        Reply::Send(reply) => reply.without_option(ServerIdentifier::CODE).into(),
        other => other,
    };
    let error = Replay::new(recording(&capture))
        .ignore_server_address()
        .run(without)
        .expect_err("presence is still checked");
    assert!(error.to_string().contains("missing option 54"), "{error}");
}

#[test]
fn saved_bin_packets_replay_in_file_name_order() {
    let dir = std::env::temp_dir().join(format!("ex_dhcp_replay_bins_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let discover = client(MessageType::Discover, 0x88, 6);
    let offer = by_mac_replies(std::slice::from_ref(&discover)).remove(0);
    std::fs::write(
        dir.join("01-discover.bin"),
        discover.encode(Encoding::Padded),
    )
    .expect("write");
    std::fs::write(dir.join("02-offer.bin"), offer.encode(Encoding::Padded)).expect("write");
    std::fs::write(dir.join("notes.txt"), "not a packet").expect("write");
    let report = Recording::read(&dir)
        .and_then(|recording| Replay::new(recording).run(by_mac))
        .expect("the same offer");
    assert_eq!(report.exchanges.len(), 1);
    assert_eq!(
        report.exchanges[0].recorded[0].origin,
        Origin::File(dir.join("02-offer.bin"))
    );

    std::fs::write(dir.join("03-garbage.bin"), [1, 2, 3]).expect("write");
    let error = Recording::read(&dir).expect_err("garbage does not decode");
    assert!(
        matches!(&error, ReplayError::Decode { origin: Origin::File(path), .. } if path.ends_with("03-garbage.bin"))
    );
    assert!(
        error
            .to_string()
            .contains("03-garbage.bin is not a dhcp packet: packet of 3 bytes"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn capture_errors_name_the_file() {
    let path = std::env::temp_dir().join(format!("ex_dhcp_replay_bad_{}.pcap", std::process::id()));
    std::fs::write(&path, b"definitely not a capture").expect("write");
    let error = Recording::read(&path).expect_err("not a capture");
    assert!(matches!(error, ReplayError::Capture { path: Some(_), .. }));
    assert!(
        error.to_string().starts_with(&format!(
            "cannot read capture {}: not a pcap",
            path.display()
        )),
        "{error}"
    );
    std::fs::remove_file(&path).expect("cleanup");
}

#[test]
fn a_capture_without_client_packets_is_an_error() {
    let offer = by_mac_replies(&[client(MessageType::Discover, 1, 1)]).remove(0);
    let error = Replay::new(recording(&[offer]))
        .run(by_mac)
        .expect_err("nothing to replay");
    assert!(matches!(error, ReplayError::NoClientPackets { .. }));
}
