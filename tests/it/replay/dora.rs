//! Replaying the shared DORA fixture against handlers that do and do not
//! answer like the recorded server.

use std::net::Ipv4Addr;

use ex_dhcp::assert_replay;
use ex_dhcp::replay::{Field, Mismatch, Recording, Replay, ReplayError};
use ex_dhcp_testkit::replay::{fixture, pcap_to_pcapng, DoraServer, DORA};

#[test]
fn a_handler_that_answers_like_the_recorded_server_passes() {
    let report = Recording::read(fixture(DORA))
        .and_then(|recording| {
            Replay::new(recording)
                .compare_option_order()
                .run(DoraServer::new())
        })
        .expect("the same replies as recorded");
    assert!(report.compared);
    assert_eq!(report.exchanges.len(), 2);
    assert!(report.exchanges.iter().all(|e| e.got.len() == 1));
    assert!(report
        .to_string()
        .contains("the replies to all 2 client packets match"));
}

#[test]
fn the_assertion_macro_passes_on_the_same_replies() {
    let report = assert_replay!(DoraServer::new(), fixture(DORA));
    assert!(report.passed());
}

#[test]
fn another_address_fails_with_a_diff_naming_yiaddr() {
    let error = Recording::read(fixture(DORA))
        .and_then(|recording| {
            Replay::new(recording).run(DoraServer::handing_out(Ipv4Addr::new(192, 168, 0, 11)))
        })
        .expect_err("yiaddr differs");
    let text = error.to_string();
    assert!(
        text.contains("yiaddr: recorded 192.168.0.10, got 192.168.0.11"),
        "{text}"
    );
    assert!(
        text.contains("the replies to 2 of 2 client packets differ"),
        "{text}"
    );
    assert!(
        text.contains("exchange 1: DHCPDISCOVER xid 0x00003d1d"),
        "{text}"
    );
    assert!(
        text.contains("reply DHCPOFFER xid 0x00003d1d (frame 2):"),
        "{text}"
    );
    // Debug is the same text, for tests that return Result.
    assert_eq!(format!("{error:?}"), text);
    let report = error.report().expect("a report");
    assert!(matches!(
        &report.exchanges[0].mismatches[..],
        [Mismatch::Differs { differences, .. }] if differences.len() == 1
    ));
}

#[test]
#[should_panic(expected = "yiaddr: recorded 192.168.0.10, got 192.168.0.12")]
fn the_assertion_macro_panics_with_the_diff() {
    assert_replay!(
        DoraServer::handing_out(Ipv4Addr::new(192, 168, 0, 12)),
        fixture(DORA)
    );
}

#[test]
fn option_values_are_shown_decoded_and_can_be_ignored() {
    let error = Recording::read(fixture(DORA))
        .and_then(|recording| Replay::new(recording).run(DoraServer::leasing_for(7200)))
        .expect_err("the lease time differs");
    assert!(
        error
            .to_string()
            .contains("option 51 (ip address lease time): recorded 3600, got 7200"),
        "{error}"
    );
    assert_replay!(
        DoraServer::leasing_for(7200),
        fixture(DORA),
        ignore_option(51)
    );
    assert_replay!(
        DoraServer::leasing_for(7200),
        fixture(DORA),
        ignore_lease_times()
    );
}

#[test]
fn pcapng_captures_replay_like_classic_pcap() {
    let pcap = std::fs::read(fixture(DORA)).expect("the fixture reads");
    let pcapng = pcap_to_pcapng(&pcap);
    assert_ne!(pcapng[..4], pcap[..4], "really pcapng");
    let recording = Recording::reader()
        .read_from(&pcapng[..])
        .expect("pcapng reads");
    assert_eq!(
        recording,
        Recording::reader()
            .read_from(&pcap[..])
            .expect("pcap reads")
    );
    Replay::new(recording)
        .run(DoraServer::new())
        .expect("the same replies as recorded");
}

#[test]
fn the_recording_pairs_each_request_with_its_reply() {
    let recording = Recording::read(fixture(DORA)).expect("the fixture reads");
    let frames: Vec<String> = recording
        .exchanges
        .iter()
        .map(|e| format!("{} -> {}", e.request.origin, e.replies[0].origin))
        .collect();
    assert_eq!(frames, ["frame 1 -> frame 2", "frame 3 -> frame 4"]);
    assert!(recording.unmatched_replies.is_empty());
}

#[test]
fn destinations_are_compared_only_when_asked() {
    // The recorded server unicast to the new address; the harness broadcasts a
    // reply it cannot unicast (RFC 2131 4.1 without an ARP entry).
    let error = Recording::read(fixture(DORA))
        .and_then(|recording| {
            Replay::new(recording)
                .compare_destination()
                .run(DoraServer::new())
        })
        .expect_err("destinations differ");
    assert!(
        error
            .to_string()
            .contains("destination: recorded 192.168.0.10:68, got 255.255.255.255:68"),
        "{error}"
    );
}

#[test]
fn unknown_field_names_are_an_error_that_lists_the_known_ones() {
    let error = Recording::read(fixture(DORA))
        .and_then(|recording| {
            Replay::new(recording)
                .ignore_field("seconds")
                .run(DoraServer::new())
        })
        .expect_err("no such field");
    assert!(matches!(&error, ReplayError::UnknownField { name } if name == "seconds"));
    assert!(error.to_string().contains("secs"), "{error}");
    assert_replay!(DoraServer::new(), fixture(DORA), ignore_field(Field::Secs));
}
