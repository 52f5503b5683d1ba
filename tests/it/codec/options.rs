//! Typed options: exact bytes for every built-in type, RFC 3396 joining and
//! splitting, option overload, malformed values isolated, user-defined options, and
//! the Intel NUC PXE regression packet.

use std::fmt::Debug;
use std::net::Ipv4Addr;

use ex_dhcp::options::*;
use ex_dhcp::{Encoding, MessageType, Packet};

/// Setting `value` writes exactly `bytes`, reading `bytes` gives `value`, and both
/// survive a packet encode/decode.
fn round_trip<O: DhcpOption>(key: O, value: O::Value, bytes: &[u8])
where
    O::Value: PartialEq + Debug + Clone,
{
    let mut packet = Packet::new(MessageType::Ack);
    packet.options.set(key, value.clone());
    assert_eq!(
        packet.options.get_raw(O::CODE).as_deref(),
        Some(bytes),
        "{} encodes",
        O::NAME
    );
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(
        decoded.options.try_get(key),
        Ok(Some(value)),
        "{} decodes",
        O::NAME
    );
    assert_eq!(
        O::NAME,
        name(O::CODE).unwrap(),
        "{} is in the table",
        O::CODE
    );
}

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

#[test]
fn scalar_and_address_options_round_trip_with_exact_bytes() {
    round_trip(SubnetMask, ip(255, 255, 255, 0), &[255, 255, 255, 0]);
    round_trip(TimeOffset, -18_000, &[0xff, 0xff, 0xb9, 0xb0]);
    round_trip(Router, vec![ip(10, 0, 0, 1)], &[10, 0, 0, 1]);
    round_trip(
        DomainNameServer,
        vec![ip(1, 1, 1, 1), ip(8, 8, 8, 8)],
        &[1, 1, 1, 1, 8, 8, 8, 8],
    );
    round_trip(HostName, "nuc".to_string(), b"nuc");
    round_trip(DomainName, "lan".to_string(), b"lan");
    round_trip(InterfaceMtu, 1500, &[0x05, 0xdc]);
    round_trip(BroadcastAddress, ip(10, 0, 0, 255), &[10, 0, 0, 255]);
    round_trip(IpForwarding, false, &[0]);
    round_trip(DefaultIpTtl, 64, &[64]);
    round_trip(PathMtuPlateauTable, vec![576, 1500], &[2, 64, 5, 220]);
    round_trip(NtpServers, vec![ip(10, 0, 0, 2)], &[10, 0, 0, 2]);
    round_trip(NetbiosNodeType, 8, &[8]);
    round_trip(RequestedIpAddress, ip(10, 0, 0, 9), &[10, 0, 0, 9]);
    round_trip(LeaseTime, 86_400, &[0, 1, 0x51, 0x80]);
    round_trip(OptionOverload, Overload::Both, &[3]);
    round_trip(DhcpMessageType, MessageType::Inform, &[8]);
    round_trip(ServerIdentifier, ip(10, 0, 0, 1), &[10, 0, 0, 1]);
    round_trip(
        ParameterRequestList,
        ParameterList(vec![1, 3, 6]),
        &[1, 3, 6],
    );
    round_trip(Message, "no".to_string(), b"no");
    round_trip(MaxMessageSize, 1472, &[0x05, 0xc0]);
    round_trip(RenewalTime, 1800, &[0, 0, 0x07, 0x08]);
    round_trip(RebindingTime, 3150, &[0, 0, 0x0c, 0x4e]);
    round_trip(VendorClassIdentifier, "MSFT 5.0".to_string(), b"MSFT 5.0");
    round_trip(
        ClientIdentifier,
        ClientId::from_mac([2, 0, 0, 0, 0, 1]),
        &[1, 2, 0, 0, 0, 0, 1],
    );
    round_trip(TftpServerName, "10.0.0.1".to_string(), b"10.0.0.1");
    round_trip(BootfileName, "ipxe.efi".to_string(), b"ipxe.efi");
    round_trip(RapidCommit, Present, &[]);
    round_trip(Authentication, vec![1, 2], &[1, 2]);
    round_trip(ClientLastTransactionTime, 10, &[0, 0, 0, 10]);
    round_trip(PosixTimezone, "CET-1".to_string(), b"CET-1");
    round_trip(Ipv6OnlyPreferred, 1800, &[0, 0, 0x07, 0x08]);
    round_trip(CaptivePortal, "https://p/".to_string(), b"https://p/");
    round_trip(AutoConfigure, 1, &[1]);
    round_trip(SubnetSelection, ip(10, 1, 0, 0), &[10, 1, 0, 0]);
    round_trip(ForcerenewNonceCapable, vec![1], &[1]);
    round_trip(TftpServerAddress, vec![ip(10, 0, 0, 5)], &[10, 0, 0, 5]);
    round_trip(
        PxelinuxConfigFile,
        "pxelinux.cfg/x".to_string(),
        b"pxelinux.cfg/x",
    );
    round_trip(PxelinuxPathPrefix, "/tftp/".to_string(), b"/tftp/");
    round_trip(PxelinuxRebootTime, 30, &[0, 0, 0, 30]);
    round_trip(WebProxyAutoDiscovery, "http://w/".to_string(), b"http://w/");
}

#[test]
fn bootfile_name_can_be_written_nul_terminated_for_uefi_firmware() {
    round_trip(
        BootfileNameNul,
        NulTerminated("ipxe.efi".to_string()),
        b"ipxe.efi\0",
    );
    let packet = Packet::new(MessageType::Offer).with_option(BootfileNameNul, "ipxe.efi");
    assert_eq!(
        packet.options.get(BootfileName).as_deref(),
        Some("ipxe.efi")
    );
}

#[test]
fn structured_options_round_trip_with_exact_bytes() {
    round_trip(
        StaticRoutes,
        vec![StaticRoute {
            destination: ip(10, 9, 0, 0),
            router: ip(10, 0, 0, 1),
        }],
        &[10, 9, 0, 0, 10, 0, 0, 1],
    );
    round_trip(
        ClasslessStaticRoutes,
        vec![
            ClasslessRoute {
                destination: ip(10, 0, 1, 0),
                prefix_len: 24,
                router: ip(10, 0, 0, 254),
            },
            ClasslessRoute {
                destination: ip(0, 0, 0, 0),
                prefix_len: 0,
                router: ip(10, 0, 0, 1),
            },
            ClasslessRoute {
                destination: ip(10, 0, 0, 7),
                prefix_len: 32,
                router: ip(10, 0, 0, 2),
            },
        ],
        &[
            24, 10, 0, 1, 10, 0, 0, 254, 0, 10, 0, 0, 1, 32, 10, 0, 0, 7, 10, 0, 0, 2,
        ],
    );
    round_trip(
        VendorSpecificInformation,
        VendorInfo::pxe(SubOptions::new().with(pxe::DISCOVERY_CONTROL, [8])),
        &[6, 1, 8, 255],
    );
    round_trip(
        VendorSpecificInformation,
        VendorInfo::Raw(b"not tlv".to_vec()),
        b"not tlv",
    );
    round_trip(
        UserClass,
        UserClasses::Classes(vec![b"ab".to_vec(), b"c".to_vec()]),
        &[2, b'a', b'b', 1, b'c'],
    );
    round_trip(
        UserClass,
        UserClasses::Text(b"RRAS.Microsoft".to_vec()),
        b"RRAS.Microsoft",
    );
    round_trip(
        ClientFqdn,
        Fqdn::new(Fqdn::S, "pc.lan."),
        &[0x05, 0, 0, 2, b'p', b'c', 3, b'l', b'a', b'n', 0],
    );
    round_trip(
        ClientFqdn,
        Fqdn {
            flags: 0,
            rcode1: 0,
            rcode2: 0,
            name: "pc".into(),
        },
        &[0, 0, 0, b'p', b'c'],
    );
    round_trip(
        RelayAgentInformation,
        RelayAgentInfo::new()
            .with(relay::AGENT_CIRCUIT_ID, *b"eth0")
            .with(relay::LINK_SELECTION, [10, 1, 0, 0])
            .with(200, [9]),
        &[1, 4, b'e', b't', b'h', b'0', 5, 4, 10, 1, 0, 0, 200, 1, 9],
    );
    round_trip(ClientSystemArchitecture, vec![ARCH_X64_UEFI], &[0, 7]);
    round_trip(
        ClientNetworkInterface,
        ClientNdi {
            interface_type: 1,
            major: 3,
            minor: 16,
        },
        &[1, 3, 16],
    );
    round_trip(
        DomainSearch,
        DomainSearchList(vec!["eng.example.com".into(), "example.com".into()]),
        &[
            3, b'e', b'n', b'g', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm',
            0, 0xc0, 4,
        ],
    );
    round_trip(
        SipServers,
        SipServerList::Addresses(vec![ip(10, 0, 0, 3)]),
        &[1, 10, 0, 0, 3],
    );
    round_trip(
        CableLabsClientConfiguration,
        SubOptions::new().with(7, [1]),
        &[7, 1, 1],
    );
    round_trip(
        VendorIdentifyingVendorClass,
        VendorClasses(vec![VendorClass {
            enterprise: 4491,
            classes: vec![b"docsis".to_vec()],
        }]),
        &[0, 0, 0x11, 0x8b, 7, 6, b'd', b'o', b'c', b's', b'i', b's'],
    );
    round_trip(
        VendorIdentifyingVendorSpecific,
        VendorIdentifyingInfo(vec![VendorOptions {
            enterprise: 4491,
            sub_options: SubOptions::new().with(1, [4, 1]),
        }]),
        &[0, 0, 0x11, 0x8b, 4, 1, 2, 4, 1],
    );
}

#[test]
fn relay_agent_link_selection_and_override_read_as_addresses() {
    let info = RelayAgentInfo::new()
        .with(relay::LINK_SELECTION, [10, 1, 0, 0])
        .with(relay::SERVER_IDENTIFIER_OVERRIDE, [10, 0, 0, 1]);
    assert_eq!(info.link_selection(), Some(ip(10, 1, 0, 0)));
    assert_eq!(info.server_identifier_override(), Some(ip(10, 0, 0, 1)));
    assert_eq!(
        relay_sub_option_name(relay::SUBSCRIBER_ID),
        Some("subscriber id")
    );
}

#[test]
fn classless_routes_with_prefix_over_32_are_rejected() {
    let mut packet = Packet::new(MessageType::Ack);
    packet
        .options
        .set_raw(121, &[33, 10, 0, 0, 0, 0, 10, 0, 0, 1]);
    assert!(packet.options.try_get(ClasslessStaticRoutes).is_err());
}

#[test]
fn domain_search_pointer_loops_are_typed_errors_not_panics() {
    let mut packet = Packet::new(MessageType::Ack);
    packet.options.set_raw(119, &[1, b'a', 0xc0, 0]);
    let error = packet.options.try_get(DomainSearch).unwrap_err();
    assert_eq!(error.code, 119);
    assert!(error.to_string().contains("domain search"), "{error}");
}

#[test]
fn domain_search_pointers_are_relative_to_the_joined_value() {
    // A long list splits over two occurrences; the pointer in the second refers back
    // into the first.
    let mut names = vec!["x".repeat(60) + ".example.com"; 1];
    for i in 0..10 {
        names.push(format!("{}{i}.example.com", "h".repeat(30)));
    }
    let list = DomainSearchList(names);
    let mut packet = Packet::new(MessageType::Ack);
    packet.options.set(DomainSearch, list.clone());
    assert!(packet.options.iter().filter(|o| o.code == 119).count() > 1);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(decoded.options.get(DomainSearch), Some(list));
}

#[test]
fn every_built_in_key_name_matches_the_table() {
    fn check<O: DhcpOption>(_: O) {
        assert_eq!(name(O::CODE), Some(O::NAME), "option {}", O::CODE);
    }
    check(SubnetMask);
    check(ClientIdentifier);
    check(RelayAgentInformation);
    check(BootfileName);
    check(BootfileNameNul);
    check(DomainSearch);
    check(ClasslessStaticRoutes);
    check(WebProxyAutoDiscovery);
    // Every code ExDhcp's Basic and PXE sets know has a name.
    for code in [
        1, 3, 6, 12, 28, 50, 51, 53, 54, 55, 56, 57, 58, 59, 60, 61, 93, 94, 97, 145, 66, 67, 150,
        209, 210, 2, 15, 26, 33, 42, 43, 44, 52, 77, 81, 82, 119, 121, 125,
    ] {
        assert!(name(code).is_some(), "option {code} has no name");
    }
}

#[test]
fn a_malformed_value_fails_only_its_own_typed_read() {
    let mut packet = Packet::new(MessageType::Ack);
    packet.options.set_raw(SubnetMask::CODE, &[255, 255, 255]);
    packet.options.set(Router, vec![ip(10, 0, 0, 1)]);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    let error = decoded.options.try_get(SubnetMask).unwrap_err();
    assert_eq!(error.code, 1);
    assert_eq!(decoded.options.get(SubnetMask), None);
    assert_eq!(
        decoded.options.get_raw(1).as_deref(),
        Some(&[255, 255, 255][..])
    );
    assert_eq!(decoded.options.get(Router), Some(vec![ip(10, 0, 0, 1)]));
    assert_eq!(decoded.message_type(), Some(MessageType::Ack));
    assert_eq!(
        decoded.encode(Encoding::Padded),
        packet.encode(Encoding::Padded)
    );
    assert!(decoded.to_string().contains("ff ff ff"));
}

#[test]
fn all_occurrences_of_a_code_are_joined_even_when_not_adjacent() {
    let mut packet = Packet::new(MessageType::Ack);
    packet
        .options
        .push_raw(DomainNameServer::CODE, &[10, 0, 0, 1]);
    packet.options.push_raw(SubnetMask::CODE, &[255, 0, 0, 0]);
    packet
        .options
        .push_raw(DomainNameServer::CODE, &[10, 0, 0, 2]);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(
        decoded.options.get(DomainNameServer),
        Some(vec![ip(10, 0, 0, 1), ip(10, 0, 0, 2)])
    );
    assert_eq!(decoded, packet);
}

#[test]
fn values_over_255_bytes_are_split_when_written() {
    let servers: Vec<Ipv4Addr> = (0..100).map(|i| ip(10, 0, 0, i)).collect();
    let mut packet = Packet::new(MessageType::Ack);
    packet.options.set(DomainNameServer, servers.clone());
    let lengths: Vec<usize> = packet
        .options
        .iter()
        .filter(|o| o.code == 6)
        .map(|o| o.data.len())
        .collect();
    assert_eq!(lengths, [255, 145]);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(decoded.options.get(DomainNameServer), Some(servers));
}

/// A packet whose option 52 says `file` and `sname` carry options: the options field
/// has part of option 6, `file` the next part, `sname` the last.
fn overloaded_packet(file_options: &[u8]) -> Vec<u8> {
    let mut bytes = Packet::new(MessageType::Ack).encode(Encoding::Padded);
    bytes.truncate(240);
    bytes.extend_from_slice(&[53, 1, 5, 52, 1, 3, 6, 4, 10, 0, 0, 1, 255]);
    let file = 108;
    bytes[file..file + file_options.len()].copy_from_slice(file_options);
    let sname = 44;
    bytes[sname..sname + 7].copy_from_slice(&[6, 4, 10, 0, 0, 3, 255]);
    bytes
}

#[test]
fn overloaded_file_and_sname_are_read_after_the_options_field_in_rfc_order() {
    let bytes = overloaded_packet(&[6, 4, 10, 0, 0, 2, 12, 2, b'p', b'c', 255]);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(
        packet.options.get(DomainNameServer),
        Some(vec![ip(10, 0, 0, 1), ip(10, 0, 0, 2), ip(10, 0, 0, 3)])
    );
    assert_eq!(packet.options.get(HostName).as_deref(), Some("pc"));
    let areas: Vec<Area> = packet.options.iter().map(|o| o.area).collect();
    assert_eq!(
        areas,
        [
            Area::Options,
            Area::Options,
            Area::Options,
            Area::File,
            Area::File,
            Area::Sname
        ]
    );
    let mut out = [0u8; 600];
    let len = packet.encode_to(&mut out, Encoding::Unpadded).unwrap();
    assert_eq!(&out[..len], &bytes[..]);
}

#[test]
fn overloaded_file_filled_to_its_last_byte_without_end_round_trips() {
    // 128 bytes of file: one option of 126 bytes, no room and no END.
    let mut file = vec![43, 126];
    file.extend(std::iter::repeat_n(7, 126));
    let bytes = overloaded_packet(&file);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.options.get_raw(43).map(|v| v.len()), Some(126));
    let mut out = [0u8; 600];
    let len = packet.encode_to(&mut out, Encoding::Unpadded).unwrap();
    assert_eq!(&out[..len], &bytes[..]);
}

#[test]
fn options_set_after_decoding_an_overloaded_packet_stay_in_the_options_field() {
    let bytes = overloaded_packet(&[6, 4, 10, 0, 0, 2, 255]);
    let mut packet = Packet::decode(&bytes).unwrap();
    packet
        .options
        .push_raw(DomainNameServer::CODE, &[10, 0, 0, 4]);
    packet.options.set(LeaseTime, 60);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(decoded, packet);
    assert_eq!(
        decoded.options.get(DomainNameServer),
        Some(vec![
            ip(10, 0, 0, 1),
            ip(10, 0, 0, 4),
            ip(10, 0, 0, 2),
            ip(10, 0, 0, 3)
        ])
    );
}

#[test]
fn replacing_options_that_came_in_file_and_sname_keeps_every_area_encodable() {
    // The encoder walks each area's entries as one run, so edits must keep the
    // options field's entries before file's and file's before sname's.
    let bytes = overloaded_packet(&[6, 4, 10, 0, 0, 2, 12, 2, b'p', b'c', 255]);
    let mut packet = Packet::decode(&bytes).unwrap();
    packet.options.set(DomainNameServer, vec![ip(10, 0, 0, 9)]);
    packet.options.set_raw(HostName::CODE, b"renamed");
    packet.options.push_raw(LeaseTime::CODE, &[0, 0, 0, 60]);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    // (file and sname, emptied of options, now start with END: only options compare)
    assert_eq!(decoded.options, packet.options);
    assert_eq!(
        decoded.options.get(DomainNameServer),
        Some(vec![ip(10, 0, 0, 9)])
    );
    assert_eq!(decoded.options.get(HostName).as_deref(), Some("renamed"));
    assert_eq!(decoded.options.get(LeaseTime), Some(60));
}

#[test]
fn intel_nuc_pxe_discover_round_trips_with_every_typed_value() {
    let bytes = ex_dhcp_testkit::pxe_discover_nuc();
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.encode(Encoding::Padded), bytes);
    assert_eq!(u8::from(packet.op), 1);
    assert!(packet.broadcast());
    assert_eq!(packet.flags.0, 0x8000);
    assert_eq!(packet.secs, 28);
    assert_eq!(packet.xid, 205_646_044);
    assert_eq!(
        packet.mac().map(<[u8; 6]>::from),
        Some(ex_dhcp_testkit::NUC_MAC)
    );
    assert_eq!(packet.message_type(), Some(MessageType::Discover));
    assert_eq!(packet.options.get(MaxMessageSize), Some(1472));
    assert_eq!(
        packet.options.get(ClientSystemArchitecture),
        Some(vec![ARCH_X64_UEFI])
    );
    assert_eq!(
        packet.options.get(ClientNetworkInterface),
        Some(ClientNdi {
            interface_type: 1,
            major: 3,
            minor: 16
        })
    );
    let guid = packet.options.get(ClientMachineIdentifier).unwrap();
    assert_eq!(guid.id_type, 0);
    assert_eq!(guid.id[..], ex_dhcp_testkit::NUC_GUID[1..]);
    assert_eq!(
        packet.options.get(VendorClassIdentifier).as_deref(),
        Some(ex_dhcp_testkit::NUC_VENDOR_CLASS)
    );
    let requested = packet.options.get(ParameterRequestList).unwrap();
    assert_eq!(requested.len(), 35);
    assert_eq!(&requested[..], &ex_dhcp_testkit::NUC_PARAMETERS[..]);

    // The same packet built with the typed API gives the same bytes.
    let mut built = Packet::new(MessageType::Discover)
        .with_broadcast(true)
        .with_option(MaxMessageSize, 1472)
        .with_option(ClientSystemArchitecture, vec![ARCH_X64_UEFI])
        .with_option(
            ClientNetworkInterface,
            ClientNdi {
                interface_type: 1,
                major: 3,
                minor: 16,
            },
        )
        .with_option(ClientMachineIdentifier, guid)
        .with_option(VendorClassIdentifier, ex_dhcp_testkit::NUC_VENDOR_CLASS)
        .with_option(ParameterRequestList, requested);
    built.xid = 205_646_044;
    built.secs = 28;
    built.set_mac(ex_dhcp_testkit::NUC_MAC);
    assert_eq!(built.encode(Encoding::Padded), bytes);
    assert!(packet.to_string().contains("7 (x64 UEFI)"));
}

/// An option set defined outside the library, the way ExDhcp's option parser modules
/// group a site's options: keys and their own value types, used like built-in ones.
mod site_options {
    use ex_dhcp::dhcp_option;
    use ex_dhcp::options::{OptionValue, ValueError};

    /// The rack a machine sits in: row and slot.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Rack {
        pub row: u8,
        pub slot: u8,
    }

    impl OptionValue for Rack {
        fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
            match *bytes {
                [row, slot] => Ok(Rack { row, slot }),
                _ => Err(ValueError::Length {
                    expected: "2",
                    actual: bytes.len(),
                }),
            }
        }
        fn encode_value(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&[self.row, self.slot]);
        }
    }

    dhcp_option! {
        /// Option 224: where the machine is racked.
        pub struct RackLocation = 224, "rack location", Rack;
        /// Option 225: the image to install.
        pub struct InstallImage = 225, "install image", String;
    }
}

#[test]
fn user_defined_options_work_like_built_in_ones() {
    use site_options::{InstallImage, Rack, RackLocation};
    round_trip_user(RackLocation, Rack { row: 2, slot: 9 }, &[2, 9]);
    round_trip_user(InstallImage, "debian".to_string(), b"debian");
}

fn round_trip_user<O: DhcpOption>(key: O, value: O::Value, bytes: &[u8])
where
    O::Value: PartialEq + Debug + Clone,
{
    let packet = Packet::new(MessageType::Offer).with_option(key, value);
    let decoded = Packet::decode(&packet.encode(Encoding::Padded)).unwrap();
    assert_eq!(decoded.options.get_raw(O::CODE).as_deref(), Some(bytes));
    assert_eq!(decoded, packet);
}
