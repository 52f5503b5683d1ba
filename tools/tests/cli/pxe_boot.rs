//! The `pxe` tool's handler through the injection harness, with the Intel NUC's PXE
//! DISCOVER from ExDhcp's regression test (see `ex_dhcp_testkit::fixtures`).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use ex_dhcp::options::{
    ClientSystemArchitecture, DhcpMessageType, RequestedIpAddress, ServerIdentifier,
    VendorClassIdentifier,
};
use ex_dhcp::server::Outgoing;
use ex_dhcp::{Config, Harness, MessageType, Packet};

use ex_dhcp::lease::{LeaseEngine, LeaseService, Pool, Settings};
use ex_dhcp::pxe::{Boot, BootMap, PXE_CLIENT, PXE_PORT};
use ex_dhcp_tools::pxe_server::handler::PxeHandler;

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const TFTP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 5);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const FIRST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 100);
const LAST: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 110);
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 120);
/// The NUC's option 93: x64 UEFI.
const NUC_FILE: &str = "ipxe.efi";

fn boot() -> Boot {
    Boot {
        server_id: SERVER,
        next_server: TFTP,
        files: BootMap::default(),
        ipxe_file: None,
    }
}

fn full(serve_4011: bool) -> Harness<PxeHandler> {
    let pool = Pool::new(SERVER, MASK, FIRST, LAST, BTreeMap::new()).unwrap();
    let leases = LeaseService::new(LeaseEngine::new(Settings::new(SERVER, MASK), pool));
    harness(PxeHandler::full(boot(), leases, serve_4011))
}

fn proxy() -> Harness<PxeHandler> {
    harness(PxeHandler::proxy(boot()))
}

fn harness(handler: PxeHandler) -> Harness<PxeHandler> {
    let config = handler.configure(Config::default().port(67), None);
    Harness::with_config(config, handler)
}

fn nuc_discover() -> Packet {
    let packet =
        Packet::decode(&ex_dhcp_testkit::pxe_discover_nuc()).expect("the NUC fixture decodes");
    assert_eq!(packet.xid, 205_646_044);
    assert!(packet.broadcast());
    packet
}

fn assert_boot_information(reply: &Packet) {
    assert_eq!(
        reply.siaddr, TFTP,
        "iPXE reads the next server from siaddr only"
    );
    assert_eq!(reply.file_str(), Some(NUC_FILE));
    let option_67 = format!("{NUC_FILE}\0");
    assert_eq!(
        reply.options.get_raw(67).as_deref(),
        Some(option_67.as_bytes()),
        "option 67 NUL-terminated"
    );
    assert_eq!(reply.options.get(ServerIdentifier), Some(SERVER));
    assert_eq!(
        reply.options.get_raw(97).as_deref(),
        Some(&ex_dhcp_testkit::NUC_GUID[..]),
        "option 97 echoed, as PXE 2.1 and dnsmasq do"
    );
}

fn pxeclient(reply: &Packet) -> Option<String> {
    reply.options.get(VendorClassIdentifier)
}

#[test]
fn full_mode_offers_an_address_with_boot_information() {
    let mut harness = full(false);
    let Outgoing { packet: offer, .. } = harness.inject(nuc_discover()).expect("an offer");
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.xid, 205_646_044);
    assert_eq!(offer.yiaddr, FIRST);
    assert_boot_information(&offer);
    assert_eq!(
        pxeclient(&offer),
        None,
        "no PXEClient beside an address without 4011"
    );

    let request = nuc_discover()
        .with_option(DhcpMessageType, MessageType::Request)
        .with_option(RequestedIpAddress, offer.yiaddr)
        .with_option(ServerIdentifier, SERVER);
    let ack = harness.inject(request).expect("an ack").packet;
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(
        ack.yiaddr, offer.yiaddr,
        "the ACK repeats the OFFER's address"
    );
    assert_boot_information(&ack);
}

#[test]
fn full_mode_announces_pxeclient_only_when_serving_4011() {
    let offer = full(true).inject(nuc_discover()).unwrap().packet;
    assert_eq!(offer.yiaddr, FIRST);
    assert_eq!(pxeclient(&offer).as_deref(), Some(PXE_CLIENT));
}

#[test]
fn the_boot_file_follows_option_93() {
    let bios = nuc_discover().with_option(ClientSystemArchitecture, vec![0]);
    let offer = full(false).inject(bios).unwrap().packet;
    assert_eq!(offer.file_str(), Some("undionly.kpxe"));
}

#[test]
fn proxy_mode_offers_boot_information_and_no_address() {
    let sent = proxy().inject(nuc_discover()).expect("a proxy offer");
    let offer = sent.packet;
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(pxeclient(&offer).as_deref(), Some(PXE_CLIENT));
    assert_boot_information(&offer);
    assert_eq!(*sent.to.ip(), Ipv4Addr::BROADCAST);
}

#[test]
fn proxy_mode_answers_port_4011_at_the_requests_source() {
    let mut harness = proxy();
    let peer = SocketAddrV4::new(CLIENT_IP, PXE_PORT);
    let source = harness.source(peer, 1).expect("the port-4011 socket");
    assert_eq!(source.local.port(), PXE_PORT);
    let mut request = nuc_discover()
        .with_option(DhcpMessageType, MessageType::Request)
        .with_option(ServerIdentifier, SERVER)
        .with_ciaddr(CLIENT_IP);
    request.flags = request.flags.with_broadcast(false);
    let sent = harness.inject_from(request, source).expect("a boot ack");
    assert_eq!(sent.to, peer, "UEFI ignores answers sent to port 68");
    assert_eq!(sent.listener, 1, "from the port-4011 socket");
    assert_eq!(sent.packet.message_type(), Some(MessageType::Ack));
    assert_eq!(sent.packet.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_boot_information(&sent.packet);
}

#[test]
fn proxy_mode_leaves_other_clients_and_servers_alone() {
    let mut harness = proxy();
    assert!(harness.inject(Packet::new(MessageType::Discover)).is_none());
    let for_the_dhcp_server = nuc_discover()
        .with_option(DhcpMessageType, MessageType::Request)
        .with_option(RequestedIpAddress, CLIENT_IP)
        .with_option(ServerIdentifier, Ipv4Addr::new(198, 18, 0, 254));
    assert!(harness.inject(for_the_dhcp_server).is_none());
}
