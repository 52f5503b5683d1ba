//! Many subnets: how a request finds its subnet, shared networks, per-subnet and
//! per-host data, and the changes a server's own moves produce.

use std::net::Ipv4Addr;

use crate::options::{
    BootfileName, DhcpOption, HostName, LeaseTime, NtpServers, ParameterRequestList,
    RelayAgentInfo, RelayAgentInformation, RequestedIpAddress, Router, ServerIdentifier,
    SubnetMask, SubnetSelection,
};
use crate::{MessageType, Op, Packet};

use super::*;
use crate::options::relay::LINK_SELECTION;

const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);
const NOW: Secs = 1_700_000_000;

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

/// The subnet 198.18.`n`.0/24 leasing .100 to .(100 + size - 1).
fn subnet(n: u8, size: u8) -> SubnetConfig {
    let pool = Pool::new(
        SERVER,
        MASK,
        Ipv4Addr::new(198, 18, n, 100),
        Ipv4Addr::new(198, 18, n, 100 + size - 1),
        Default::default(),
    )
    .unwrap();
    SubnetConfig::new(pool)
}

fn settings() -> Settings {
    Settings {
        allow_relays: true,
        ..Settings::new(SERVER, MASK)
    }
}

fn engine(subnets: Vec<SubnetConfig>) -> LeaseEngine {
    LeaseEngine::with_subnets(settings(), subnets).unwrap()
}

fn discover(n: u8) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.set_mac([2, 0, 0, 0, 7, n]);
    packet
}

fn relayed(mut packet: Packet, giaddr: Ipv4Addr) -> Packet {
    packet.giaddr = giaddr;
    packet
}

fn select(n: u8, addr: Ipv4Addr) -> Packet {
    let mut packet = Packet::new(MessageType::Request);
    packet.set_mac([2, 0, 0, 0, 7, n]);
    packet
        .with_option(RequestedIpAddress, addr)
        .with_option(ServerIdentifier, SERVER)
}

fn offered(engine: &mut LeaseEngine, request: &Packet) -> Option<Ipv4Addr> {
    engine.handle(request, NOW).reply.map(|offer| offer.yiaddr)
}

#[test]
fn a_relayed_request_gets_an_address_of_its_relays_subnet() {
    let mut engine = engine(vec![subnet(0, 10), subnet(1, 10), subnet(2, 10)]);
    let outcome = engine.handle(&relayed(discover(1), ip("198.18.2.1")), NOW);
    assert_eq!(outcome.reply.unwrap().yiaddr, ip("198.18.2.100"));
    assert_eq!(outcome.subnet, Some(SubnetId(2)));
    let local = offered(&mut engine, &discover(2));
    assert_eq!(local, Some(ip("198.18.0.100")), "the server's own subnet");
    assert_eq!(
        offered(&mut engine, &relayed(discover(3), ip("198.18.1.254"))),
        Some(ip("198.18.1.100"))
    );
}

#[test]
fn a_relay_on_no_subnet_is_ignored_and_counted() {
    let mut engine = engine(vec![subnet(0, 10)]);
    assert_eq!(
        offered(&mut engine, &relayed(discover(1), ip("198.19.9.1"))),
        None
    );
    assert_eq!(engine.stats().no_subnet, 1);
}

#[test]
fn a_relay_named_by_a_subnet_is_its_relay() {
    let mut engine = engine(vec![subnet(0, 10), subnet(5, 10).relay(ip("198.19.0.5"))]);
    assert_eq!(
        offered(&mut engine, &relayed(discover(1), ip("198.19.0.5"))),
        Some(ip("198.18.5.100"))
    );
}

#[test]
fn option_118_chooses_the_subnet_over_the_relay() {
    let mut engine = engine(vec![subnet(0, 10), subnet(1, 10), subnet(2, 10)]);
    let request =
        relayed(discover(1), ip("198.18.1.1")).with_option(SubnetSelection, ip("198.18.2.0"));
    assert_eq!(offered(&mut engine, &request), Some(ip("198.18.2.100")));
    let nowhere = discover(2).with_option(SubnetSelection, ip("198.19.0.0"));
    assert_eq!(
        offered(&mut engine, &nowhere),
        None,
        "a subnet not served: silence"
    );
}

#[test]
fn link_selection_in_option_82_chooses_the_subnet() {
    let mut engine = engine(vec![subnet(0, 10), subnet(1, 10), subnet(2, 10)]);
    let info = RelayAgentInfo::new().with(LINK_SELECTION, ip("198.18.2.0").octets());
    let request = relayed(discover(1), ip("198.18.1.1")).with_option(RelayAgentInformation, info);
    assert_eq!(offered(&mut engine, &request), Some(ip("198.18.2.100")));
}

#[test]
fn the_receiving_interface_chooses_the_subnet_of_a_local_client() {
    let mut engine = engine(vec![subnet(0, 10), subnet(3, 10).interface("eth3")]);
    let on_eth3 = engine.handle_with(&discover(1), &Hints::new().interface("eth3"), NOW);
    assert_eq!(on_eth3.reply.unwrap().yiaddr, ip("198.18.3.100"));
    let elsewhere = engine.handle_with(&discover(2), &Hints::new().interface("eth0"), NOW);
    assert_eq!(elsewhere.reply.unwrap().yiaddr, ip("198.18.0.100"));
    assert_eq!(engine.select(&discover(3), Some("eth3")), Some(SubnetId(1)));
}

#[test]
fn a_hint_chooses_the_subnet() {
    let mut engine = engine(vec![subnet(0, 10), subnet(4, 10)]);
    let outcome = engine.handle_with(&discover(1), &Hints::new().subnet(SubnetId(1)), NOW);
    assert_eq!(outcome.reply.unwrap().yiaddr, ip("198.18.4.100"));
}

#[test]
fn a_shared_network_falls_through_to_the_next_subnet_when_one_is_full() {
    let mut engine = engine(vec![
        subnet(0, 2).shared_network("hall"),
        subnet(1, 2).shared_network("hall"),
        subnet(2, 2),
    ]);
    let mut leased = Vec::new();
    for n in 1..=4 {
        let addr = offered(&mut engine, &discover(n)).expect("an offer");
        let ack = engine.handle(&select(n, addr), NOW).reply.unwrap();
        assert_eq!(ack.message_type(), Some(MessageType::Ack));
        assert_eq!(ack.options.get(SubnetMask), Some(MASK));
        leased.push(addr);
    }
    assert_eq!(
        leased,
        [
            ip("198.18.0.100"),
            ip("198.18.0.101"),
            ip("198.18.1.100"),
            ip("198.18.1.101")
        ]
    );
    assert_eq!(
        offered(&mut engine, &discover(5)),
        None,
        "the hall is full, .2 not on it"
    );
    // A client of the second subnet renews there although the link's first subnet
    // is the server's own.
    let mut renew = Packet::new(MessageType::Request);
    renew.set_mac([2, 0, 0, 0, 7, 3]);
    renew.ciaddr = ip("198.18.1.100");
    let ack = engine.handle(&renew, NOW + 10).reply.unwrap();
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), ip("198.18.1.100"))
    );
}

#[test]
fn overlapping_subnets_are_refused() {
    let wide = Pool::new(
        SERVER,
        ip("255.255.0.0"),
        ip("198.18.9.1"),
        ip("198.18.9.9"),
        Default::default(),
    )
    .unwrap();
    let error = LeaseEngine::with_subnets(settings(), vec![subnet(5, 10), SubnetConfig::new(wide)])
        .unwrap_err();
    assert_eq!(error, SubnetError::Overlap(SubnetId(0), SubnetId(1)));
    assert_eq!(
        LeaseEngine::with_subnets(settings(), vec![]).unwrap_err(),
        SubnetError::NoSubnets
    );
    let twice = vec![
        subnet(1, 5).relay(ip("10.0.0.1")),
        subnet(2, 5).relay(ip("10.0.0.1")),
    ];
    assert_eq!(
        LeaseEngine::with_subnets(settings(), twice).unwrap_err(),
        SubnetError::RelayTwice(ip("10.0.0.1"))
    );
}

#[test]
fn each_subnet_tells_its_clients_its_own_configuration() {
    let mut engine = engine(vec![
        subnet(0, 10),
        subnet(1, 10)
            .routers(vec![ip("198.18.1.1")])
            .lease_time(7200)
            .option(NtpServers, vec![ip("198.18.1.123")]),
    ]);
    let ask = |packet: Packet| packet.with_option(ParameterRequestList, [1, 3, 42, 51]);
    let offer = engine
        .handle(&ask(relayed(discover(1), ip("198.18.1.1"))), NOW)
        .reply
        .unwrap();
    assert_eq!(offer.options.get(Router), Some(vec![ip("198.18.1.1")]));
    assert_eq!(offer.options.get(LeaseTime), Some(7200));
    assert_eq!(
        offer.options.get(NtpServers),
        Some(vec![ip("198.18.1.123")])
    );
    let not_asked = engine
        .handle(&relayed(discover(2), ip("198.18.1.1")), NOW)
        .reply
        .unwrap();
    assert!(
        !not_asked.options.contains(NtpServers::CODE),
        "sent only when asked"
    );
    let local = engine.handle(&ask(discover(3)), NOW).reply.unwrap();
    assert_eq!(
        local.options.get(LeaseTime),
        Some(crate::lease::DEFAULT_LEASE_SECS)
    );
    assert_eq!(local.options.get(Router), None);
}

#[test]
fn a_host_gets_its_fixed_address_and_its_data() {
    let mut engine = engine(vec![subnet(0, 10), subnet(1, 10)]);
    let host = Host::new([2, 0, 0, 0, 7, 1])
        .address(ip("198.18.1.20"))
        .hostname("bench-1")
        .boot_file("ipxe.efi")
        .next_server(ip("198.18.1.2"))
        .option(NtpServers, vec![ip("198.18.1.123")]);
    assert_eq!(engine.add_host(host.clone()), Ok(None));
    let request = relayed(discover(1), ip("198.18.1.1")).with_option(ParameterRequestList, [1, 67]);
    let offer = engine.handle(&request, NOW).reply.unwrap();
    assert_eq!(offer.yiaddr, ip("198.18.1.20"));
    assert_eq!(offer.options.get(HostName).as_deref(), Some("bench-1"));
    assert_eq!(offer.file_str(), Some("ipxe.efi"));
    assert_eq!(offer.options.get(BootfileName).as_deref(), Some("ipxe.efi"));
    assert_eq!(offer.siaddr, ip("198.18.1.2"));
    assert_eq!(
        offer.options.get(NtpServers),
        Some(vec![ip("198.18.1.123")]),
        "always"
    );
    // The address is kept from everyone else.
    assert!(!engine
        .subnet(SubnetId(1))
        .unwrap()
        .pool()
        .assignable(ip("198.18.1.20"), None));
    assert_eq!(engine.remove_host([2, 0, 0, 0, 7, 1]), Some(host));
    assert!(engine
        .subnet(SubnetId(1))
        .unwrap()
        .pool()
        .reservations()
        .next()
        .is_none());
    let off = Host::new([2, 0, 0, 0, 7, 9]).address(ip("10.1.1.1"));
    assert_eq!(
        engine.add_host(off),
        Err(PoolError::OffSubnet(ip("10.1.1.1")))
    );
}

#[test]
fn a_host_from_a_hint_is_used_for_that_request() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let host = Host::new([2, 0, 0, 0, 7, 1])
        .address(ip("198.18.0.30"))
        .hostname("dyn");
    let hints = Hints::new().host(&host);
    let offer = engine.handle_with(&discover(1), &hints, NOW).reply.unwrap();
    assert_eq!(offer.yiaddr, ip("198.18.0.30"));
    let ack = engine
        .handle_with(&select(1, offer.yiaddr), &hints, NOW)
        .reply
        .unwrap();
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), ip("198.18.0.30"))
    );
    assert_eq!(ack.options.get(HostName).as_deref(), Some("dyn"));
    // Another client holding the hinted address: the hinted client gets a pool address.
    let taken = Host::new([2, 0, 0, 0, 7, 2]).address(ip("198.18.0.30"));
    let other = engine.handle_with(&discover(2), &Hints::new().host(&taken), NOW);
    assert_eq!(other.reply.unwrap().yiaddr, ip("198.18.0.100"));
}

#[test]
fn moving_a_client_releases_its_old_lease_in_the_same_changes() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let first = offered(&mut engine, &discover(1)).unwrap();
    engine.handle(&select(1, first), NOW);
    engine
        .reserve([2, 0, 0, 0, 7, 1], ip("198.18.0.50"))
        .unwrap();
    // The reservation moves the client: its DISCOVER ends the old lease (a change
    // that the offer waits for), its REQUEST takes the new one.
    let key = client_key(&discover(1));
    let moved = engine.handle(&discover(1), NOW + 5);
    assert_eq!(moved.reply.unwrap().yiaddr, ip("198.18.0.50"));
    assert_eq!(
        moved.changes,
        vec![Change::Released {
            key: key.clone(),
            addr: first
        }]
    );
    let outcome = engine.handle(&select(1, ip("198.18.0.50")), NOW + 5);
    let until = NOW + 5 + u64::from(crate::lease::DEFAULT_LEASE_SECS);
    assert_eq!(
        outcome.changes,
        vec![Change::Bound {
            key,
            addr: ip("198.18.0.50"),
            until
        }]
    );
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].kind, LeaseEventKind::Bound);
}

#[test]
fn a_renewal_is_reported_as_renewed() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let addr = offered(&mut engine, &discover(1)).unwrap();
    let bound = engine.handle(&select(1, addr), NOW);
    assert_eq!(bound.events[0].kind, LeaseEventKind::Bound);
    let mut renew = Packet::new(MessageType::Request);
    renew.set_mac([2, 0, 0, 0, 7, 1]);
    renew.ciaddr = addr;
    let renewed = engine.handle(&renew, NOW + 100);
    assert_eq!(renewed.events[0].kind, LeaseEventKind::Renewed);
    assert_eq!(renewed.events[0].subnet, SubnetId(0));
}

#[test]
fn records_of_an_address_on_no_subnet_are_not_applied() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let key = ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]);
    let stray = Change::Bound {
        key: key.clone(),
        addr: ip("192.0.2.7"),
        until: NOW + 60,
    };
    assert!(!engine.apply(&stray));
    let ours = Change::Bound {
        key: key.clone(),
        addr: ip("198.18.0.105"),
        until: NOW + 60,
    };
    assert!(engine.apply(&ours));
    assert_eq!(
        engine
            .find(ip("198.18.0.105"))
            .map(|(s, k, _)| (s, k.clone())),
        Some((SubnetId(0), key))
    );
    assert_eq!(engine.snapshot(NOW), vec![ours]);
}

#[test]
fn a_bootp_reply_names_the_server_in_siaddr() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let mut request = Packet::bootp(Op::Request);
    request.set_mac([2, 0, 0, 0, 7, 1]);
    let reply = engine.handle(&request, NOW).reply.unwrap();
    assert_eq!(reply.siaddr, SERVER, "RFC 951: the server to boot from");
    assert_eq!(reply.yiaddr, ip("198.18.0.100"));
}

#[test]
fn a_store_conflict_naming_the_client_offers_it_the_address_it_holds() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let offer = offered(&mut engine, &discover(1)).unwrap();
    let request = select(1, offer);
    engine.handle(&request, NOW);
    // The shared store says the client holds .107 through another server.
    let key = client_key(&request);
    let nak = engine.conflict(
        &request,
        ip("198.18.0.107"),
        Some(key.clone()),
        Some(NOW + 900),
        NOW,
    );
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert_eq!(offered(&mut engine, &discover(1)), Some(ip("198.18.0.107")));
    assert_eq!(engine.stats().lost_races, 1);
    assert!(engine
        .find(offer)
        .is_none_or(|(_, holder, e)| holder != &key || !e.held(NOW)));
}

#[test]
fn a_reload_keeps_the_leases_of_every_subnet_that_stays() {
    let mut engine = engine(vec![subnet(0, 10), subnet(1, 10)]);
    let local = offered(&mut engine, &discover(1)).unwrap();
    engine.handle(&select(1, local), NOW);
    let relayed_offer = offered(&mut engine, &relayed(discover(2), ip("198.18.1.1"))).unwrap();
    engine.handle(&relayed(select(2, relayed_offer), ip("198.18.1.1")), NOW);
    // Subnet 1 is gone, subnet 0 gets a wider range and a router, subnet 3 is new.
    let wider = Pool::new(
        SERVER,
        MASK,
        ip("198.18.0.100"),
        ip("198.18.0.199"),
        Default::default(),
    )
    .unwrap();
    let report = engine
        .reconfigure(
            settings(),
            vec![
                subnet(3, 10),
                SubnetConfig::new(wider).routers(vec![ip("198.18.0.254")]),
            ],
        )
        .unwrap();
    assert_eq!(report.removed, vec!["198.18.1.0/24".parse().unwrap()]);
    assert_eq!(report.dropped, 1);
    let (subnet, _, entry) = engine.find(local).expect("kept");
    assert_eq!((subnet, entry.bound(NOW + 1)), (SubnetId(1), true));
    // The kept client renews; the dropped one is refused and starts over.
    let mut renew = Packet::new(MessageType::Request);
    renew.set_mac([2, 0, 0, 0, 7, 1]);
    renew.ciaddr = local;
    let ack = engine.handle(&renew, NOW + 10).reply.unwrap();
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.options.get(Router), Some(vec![ip("198.18.0.254")]));
    let mut orphan = Packet::new(MessageType::Request);
    orphan.set_mac([2, 0, 0, 0, 7, 2]);
    orphan.ciaddr = relayed_offer;
    let nak = engine.handle(&orphan, NOW + 10).reply.unwrap();
    assert_eq!(nak.message_type(), Some(MessageType::Nak));
    assert_eq!(
        offered(&mut engine, &relayed(discover(4), ip("198.18.3.1"))),
        Some(ip("198.18.3.100"))
    );
}

#[test]
fn a_reload_that_cannot_be_served_changes_nothing() {
    let mut engine = engine(vec![subnet(0, 10)]);
    let addr = offered(&mut engine, &discover(1)).unwrap();
    let wide = Pool::new(
        SERVER,
        ip("255.255.0.0"),
        ip("198.18.9.1"),
        ip("198.18.9.9"),
        Default::default(),
    )
    .unwrap();
    let error = engine
        .reconfigure(settings(), vec![subnet(0, 10), SubnetConfig::new(wide)])
        .unwrap_err();
    assert!(matches!(error, SubnetError::Overlap(..)));
    assert!(engine.find(addr).is_some());
    assert_eq!(engine.subnets().count(), 1);
}

#[test]
fn a_reload_reserves_the_hosts_again() {
    let mut engine = engine(vec![subnet(0, 10)]);
    engine
        .add_host(Host::new([2, 0, 0, 0, 7, 1]).address(ip("198.18.0.20")))
        .unwrap();
    engine.reconfigure(settings(), vec![subnet(0, 20)]).unwrap();
    assert_eq!(offered(&mut engine, &discover(1)), Some(ip("198.18.0.20")));
    assert!(!engine
        .subnet(SubnetId(0))
        .unwrap()
        .pool()
        .assignable(ip("198.18.0.20"), None));
}
