//! The smaller API promises of issues 12 and 15: names for user options, option 52
//! read by one rule, absent vs malformed message type, short area names, reply
//! builder helpers, sub-option codes apart from option codes.

use std::net::Ipv4Addr;

use ex_dhcp::options::{
    self, relay, Area, Authentication, DhcpMessageType, DhcpOption, LeaseTime, OptionNames,
    OptionOverload, Overload, RebindingTime, RenewalTime, OVERLOAD,
};
use ex_dhcp::{dhcp_option, respond, Encoding, MessageType, Packet};

dhcp_option! {
    /// Option 224 (site-specific): the rack a machine sits in.
    pub struct RackLocation = 224, "rack location", String;
}

#[test]
fn a_registered_user_option_is_named_in_dumps_and_errors() {
    let names = OptionNames::new().with(RackLocation);
    let mut packet = Packet::new(MessageType::Discover);
    packet.options.set(RackLocation, "r3".to_string());
    let dump = packet.display_with(&names).to_string();
    assert!(dump.contains("option 224 rack location: "), "{dump}");
    assert!(packet.to_string().contains("option 224 unknown: "));

    packet.options.set_raw(RackLocation::CODE, &[0xff]);
    let error = packet.options.try_get(RackLocation).unwrap_err();
    assert!(
        error
            .display_with(&names)
            .to_string()
            .starts_with("option 224 (rack location): "),
        "{}",
        error.display_with(&names)
    );
    assert!(error.to_string().starts_with("option 224: "));
}

#[test]
fn a_name_added_for_a_builtin_code_replaces_it_only_in_that_table() {
    let names = OptionNames::new().with_name(1, "netmask");
    assert_eq!(names.name(1), Some("netmask"));
    assert_eq!(OptionNames::new().name(1), Some("subnet mask"));
    assert_eq!(options::label(1).to_string(), "option 1 (subnet mask)");
}

#[test]
fn option_52_is_read_from_its_first_occurrence_by_the_decoder_and_the_typed_read() {
    let mut bytes = Packet::new(MessageType::Discover).encode(Encoding::Exact);
    bytes.pop();
    // Three occurrences, as in a malformed real packet: file, then sname, then both.
    bytes.extend_from_slice(&[OVERLOAD, 1, 1, OVERLOAD, 1, 2, OVERLOAD, 1, 3, 255]);
    bytes[108] = 255; // file: END at once
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.options.get(OptionOverload), Some(Overload::File));
    assert_eq!(
        packet.options.get_raw(OVERLOAD).as_deref(),
        Some(&[1, 2, 3][..])
    );
    // The decoder followed the same value: sname was not read as options.
    assert!(packet.options.iter().all(|o| o.area != Area::Sname));
    assert_eq!(packet.encode(Encoding::Exact), bytes);
}

#[test]
fn message_type_checked_tells_absent_from_malformed() {
    let mut packet = Packet::new(MessageType::Inform);
    assert_eq!(packet.message_type_checked(), Ok(Some(MessageType::Inform)));
    packet.options.set_raw(DhcpMessageType::CODE, &[]);
    let error = packet.message_type_checked().unwrap_err();
    assert_eq!(error.code, DhcpMessageType::CODE);
    assert_eq!(packet.message_type(), None);
    packet.options.remove(DhcpMessageType::CODE);
    assert_eq!(packet.message_type_checked(), Ok(None));
}

#[test]
fn areas_have_a_short_form() {
    assert_eq!(format!("{}", Area::Sname), "sname field");
    assert_eq!(format!("{:#}", Area::Sname), "sname");
    assert_eq!(format!("{:#}", Area::Options), "options");
}

#[test]
fn reply_builder_sets_xid_mac_and_the_three_lease_times() {
    let request = Packet::new(MessageType::Request);
    let ack = respond(&request, MessageType::Ack)
        .with_xid(0xfeed)
        .with_mac([2, 0, 0, 0, 0, 9])
        .with_lease_times(86_400);
    assert_eq!(ack.xid, 0xfeed);
    assert_eq!(ack.mac().map(<[u8; 6]>::from), Some([2, 0, 0, 0, 0, 9]));
    assert_eq!(ack.options.get(LeaseTime), Some(86_400));
    assert_eq!(ack.options.get(RenewalTime), Some(43_200));
    assert_eq!(ack.options.get(RebindingTime), Some(75_600));
    let forever = Packet::new(MessageType::Ack).with_lease_times(u32::MAX);
    assert_eq!(forever.options.get(RebindingTime), Some(3_758_096_383));
}

#[test]
fn sub_option_codes_live_apart_from_option_codes() {
    assert_eq!(relay::AUTHENTICATION, 8);
    assert_eq!(Authentication::CODE, 90);
    assert_eq!(options::pxe::DISCOVERY_CONTROL, 6);
}

#[test]
fn owned_borrowed_and_shorthand_values_set_the_same_bytes() {
    let routers = vec![Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2)];
    let owned = Packet::new(MessageType::Offer).with_option(options::Router, routers.clone());
    let borrowed = Packet::new(MessageType::Offer).with_option(options::Router, &routers);
    let shorthand =
        Packet::new(MessageType::Offer).with_option(options::Router, [routers[0], routers[1]]);
    let wire = [198, 18, 0, 1, 198, 18, 0, 2];
    for packet in [&owned, &borrowed, &shorthand] {
        assert_eq!(
            packet.options.get_raw(options::Router::CODE).as_deref(),
            Some(&wire[..])
        );
    }
    let domain = String::from("lab.example");
    let text = Packet::new(MessageType::Offer).with_option(options::DomainName, &domain);
    assert_eq!(text.options.get(options::DomainName), Some(domain));
}
