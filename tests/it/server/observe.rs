//! Seeing traffic: each packet and reply in the log under its own target, with where
//! the reply went.

use ex_dhcp::options::{LeaseTime, RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{respond, Client, Config, Handler, MessageType, Packet, Reply, Server, Source};
use ex_dhcp_testkit::{
    capture_logs, logged_to, loopback_with, packet, wait_until, OFFERED, SERVER_ID, WAIT,
};

/// Offers and acknowledges OFFERED to everyone: the same replies every run, so a
/// capture of it replays without differences.
struct OneAddress;

impl OneAddress {
    fn answer(packet: &Packet, kind: MessageType) -> Reply {
        respond(packet, kind)
            .with_yiaddr(OFFERED)
            .with_option(ServerIdentifier, SERVER_ID)
            .with_option(LeaseTime, 600)
            .into()
    }
}

impl Handler for OneAddress {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        OneAddress::answer(packet, MessageType::Offer)
    }
    fn request(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        OneAddress::answer(packet, MessageType::Ack)
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

/// DISCOVER, OFFER, REQUEST, ACK with `xid`, from the test client to the server.
fn dora<H: Handler>(server: &Server<H>, client: &mut Client, xid: u32) {
    let (offer, _) = client
        .exchange(
            &packet(MessageType::Discover, xid),
            server.local_addr(),
            WAIT,
        )
        .expect("an offer");
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    let mut request = packet(MessageType::Request, xid);
    request.options.set(RequestedIpAddress, &offer.yiaddr);
    request.options.set(ServerIdentifier, &SERVER_ID);
    let (ack, _) = client
        .exchange(&request, server.local_addr(), WAIT)
        .expect("an ack");
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
}

#[test]
fn each_packet_and_reply_is_logged_under_its_target_with_the_address_it_really_went_to() {
    capture_logs();
    let (server, mut client) = loopback_with(Config::default(), OneAddress);
    let client_addr = client.local_addr().expect("client address");
    let server_addr = server.local_addr();
    let xid = 0x0b5e_0001;
    dora(&server, &mut client, xid);
    let tag = format!("xid {xid:#010x}");
    let mac = "chaddr 02:00:5e:10:00:01";
    let socket = format!("{server_addr} (listener 0)");

    let received = logged_to("ex_dhcp::rx", log::Level::Debug, &tag);
    assert_eq!(received.len(), 2, "{received:#?}");
    assert_eq!(
        received[0],
        format!(
            "DHCPDISCOVER {tag} {mac} ciaddr 0.0.0.0 yiaddr 0.0.0.0 from {client_addr} on {socket}"
        )
    );
    assert!(received[1].starts_with("DHCPREQUEST "), "{received:#?}");

    // The sender thread logs once `send_to` has returned: the client may be faster.
    wait_until(WAIT, "both replies logged", || {
        logged_to("ex_dhcp::tx", log::Level::Debug, &tag).len() == 2
    });
    let sent = logged_to("ex_dhcp::tx", log::Level::Debug, &tag);
    // The broadcast address of this loopback server is 127.0.0.1, at the client's port.
    assert_eq!(
        sent[0],
        format!(
            "DHCPOFFER {tag} {mac} ciaddr 0.0.0.0 yiaddr {OFFERED} to {client_addr} from {socket}"
        )
    );
    assert!(sent[1].starts_with("DHCPACK "), "{sent:#?}");

    // Trace has the whole packet, options by name.
    let full = logged_to("ex_dhcp::tx", log::Level::Trace, &tag);
    assert_eq!(full.len(), 2, "{full:#?}");
    assert!(full[0].starts_with(&format!("to {client_addr}: DHCPOFFER {tag}")));
    assert!(full[0].contains("ip address lease time"), "{}", full[0]);
    assert_eq!(logged_to("ex_dhcp::rx", log::Level::Trace, &tag).len(), 2);
    server.shutdown();
}
