//! Where a reply goes: RFC 2131, section 4.1, as a pure function.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::config::{DestinationPolicy, Routing};
use crate::{MessageType, Packet};

/// The address a reply to `request` goes to, under `routing`.
///
/// With [`DestinationPolicy::Rfc2131`], in this order (RFC 2131, section 4.1):
///
/// 1. `giaddr` set: to the relay agent, at the relay port (67). A NAK goes there too;
///    the server sets its broadcast bit so the relay broadcasts it.
/// 2. A NAK: broadcast.
/// 3. `ciaddr` set: unicast to `ciaddr` at the client port.
/// 4. Otherwise: broadcast. The RFC would unicast to `yiaddr` when the broadcast bit
///    is clear, but that needs an ARP entry for a client that has no address yet,
///    which a UDP socket cannot create; broadcasting is always delivered.
///
/// With [`DestinationPolicy::AlwaysBroadcast`], every reply is broadcast, as ExDhcp does.
/// "Broadcast" means the configured broadcast address at the client port.
///
/// `request` is the packet being answered (for a reply with no request, the reply
/// itself); `reply_type` is the reply's message type.
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddrV4};
/// use ex_dhcp::server::{destination, Routing};
/// use ex_dhcp::{MessageType, Packet};
///
/// let mut request = Packet::new(MessageType::Request);
/// request.ciaddr = Ipv4Addr::new(198, 18, 0, 10);
/// let to = destination(&request, Some(MessageType::Ack), &Routing::default());
/// assert_eq!(to, SocketAddrV4::new(Ipv4Addr::new(198, 18, 0, 10), 68));
/// ```
pub fn destination(
    request: &Packet,
    reply_type: Option<MessageType>,
    routing: &Routing,
) -> SocketAddrV4 {
    let broadcast = SocketAddrV4::new(routing.broadcast, routing.client_port);
    if routing.policy == DestinationPolicy::AlwaysBroadcast {
        return broadcast;
    }
    if request.giaddr != Ipv4Addr::UNSPECIFIED {
        return SocketAddrV4::new(request.giaddr, routing.relay_port);
    }
    if reply_type == Some(MessageType::Nak) {
        return broadcast;
    }
    if request.ciaddr != Ipv4Addr::UNSPECIFIED {
        return SocketAddrV4::new(request.ciaddr, routing.client_port);
    }
    broadcast
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
    const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);

    fn request(giaddr: Ipv4Addr, ciaddr: Ipv4Addr, broadcast_bit: bool) -> Packet {
        let mut packet = Packet::new(MessageType::Request);
        packet.giaddr = giaddr;
        packet.ciaddr = ciaddr;
        packet.flags = packet.flags.with_broadcast(broadcast_bit);
        packet
    }

    #[test]
    fn rfc2131_section_4_1_table() {
        let none = Ipv4Addr::UNSPECIFIED;
        let bcast = SocketAddrV4::new(Ipv4Addr::BROADCAST, 68);
        let relay = SocketAddrV4::new(RELAY, 67);
        let client = SocketAddrV4::new(CLIENT, 68);
        use MessageType::{Ack, Nak, Offer};
        // (giaddr, ciaddr, broadcast bit, reply type, expected)
        let table = [
            (RELAY, none, false, Offer, relay),
            (RELAY, CLIENT, true, Ack, relay),
            (RELAY, none, false, Nak, relay),
            (none, CLIENT, false, Nak, bcast),
            (none, none, false, Nak, bcast),
            (none, CLIENT, false, Ack, client),
            (none, CLIENT, true, Ack, client),
            (none, none, true, Offer, bcast),
            (none, none, false, Offer, bcast),
            (none, none, false, Ack, bcast),
        ];
        for (giaddr, ciaddr, bit, kind, expected) in table {
            let got = destination(
                &request(giaddr, ciaddr, bit),
                Some(kind),
                &Routing::default(),
            );
            assert_eq!(
                got, expected,
                "giaddr {giaddr}, ciaddr {ciaddr}, broadcast {bit}, {kind}"
            );
        }
    }

    #[test]
    fn always_broadcast_ignores_relay_and_ciaddr() {
        let routing = Routing {
            policy: DestinationPolicy::AlwaysBroadcast,
            client_port: 40000,
            broadcast: Ipv4Addr::LOCALHOST,
            ..Routing::default()
        };
        let got = destination(
            &request(RELAY, CLIENT, false),
            Some(MessageType::Ack),
            &routing,
        );
        assert_eq!(got, SocketAddrV4::new(Ipv4Addr::LOCALHOST, 40000));
    }

    #[test]
    fn configured_ports_and_broadcast_address_are_used() {
        let routing = Routing {
            client_port: 40000,
            relay_port: 40001,
            broadcast: Ipv4Addr::LOCALHOST,
            ..Routing::default()
        };
        let none = Ipv4Addr::UNSPECIFIED;
        assert_eq!(
            destination(&request(RELAY, none, false), None, &routing),
            SocketAddrV4::new(RELAY, 40001)
        );
        assert_eq!(
            destination(&request(none, none, true), None, &routing),
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, 40000)
        );
    }
}
