//! Replies are boxed in the boxes of replies already sent: nothing of one reply may
//! reach the next.

use std::net::Ipv4Addr;

use ex_dhcp::options::{DomainName, DomainNameServer, LeaseTime, Router, ServerIdentifier};
use ex_dhcp::{respond, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback, packet, stats_when, SERVER_ID, WAIT};

/// More replies than the pool of spare boxes holds, so that boxes go round several times.
const EXCHANGES: u32 = 200;

/// Every other reply is a full one (options, `siaddr`, `file`); the others are bare.
fn reply_to(request: &Packet) -> Packet {
    let bare = respond(request, MessageType::Offer).with_option(ServerIdentifier, SERVER_ID);
    if request.xid % 2 == 1 {
        return bare;
    }
    bare.with_yiaddr(Ipv4Addr::new(198, 18, 0, 10))
        .with_siaddr(Ipv4Addr::new(198, 18, 0, 2))
        .with_file("pxelinux.0")
        .with_option(Router, vec![Ipv4Addr::new(198, 18, 0, 1)])
        .with_option(DomainNameServer, vec![Ipv4Addr::new(198, 18, 0, 53); 8])
        .with_option(DomainName, "a-long-enough-domain-name.example")
        .with_option(LeaseTime, 600)
        .with_raw_option(224, &[0xab; 64])
}

#[test]
fn a_reply_in_a_reused_box_carries_nothing_of_the_reply_before() {
    let (server, mut client) =
        loopback(|request: &Packet, _: &Source| -> Reply { reply_to(request).into() });
    let to = server.handle().local_addr();
    for xid in 0..EXCHANGES {
        let request = packet(MessageType::Discover, xid);
        let (reply, _) = client.exchange(&request, to, WAIT).expect("an offer");
        let expected = reply_to(&request);
        let codes = |p: &Packet| p.options.iter().map(|o| o.code).collect::<Vec<_>>();
        assert_eq!(codes(&reply), codes(&expected), "options of xid {xid}");
        assert_eq!(reply, expected, "xid {xid}");
    }
    stats_when(&server, |stats| stats.sent == u64::from(EXCHANGES));
}
