//! Malformed and unexpected datagrams over real loopback UDP (issue 8, server half):
//! each one is counted exactly as the decoder's contract says, none stops the
//! server, and only requests reach the request callbacks.

use std::sync::mpsc;

use ex_dhcp::options::{DhcpMessageType, DhcpOption, END, OVERLOAD, PAD};
use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE};
use ex_dhcp::{respond, Config, Handler, MessageType, Packet, Reply, Source, StopReason};
use ex_dhcp_testkit::wait_until;
use ex_dhcp_testkit::{loopback_with, packet, MAC, OFFERED, WAIT};

/// The largest UDP payload over IPv4 (65535 less 20 bytes of IP and 8 of UDP).
const MAX_UDP_PAYLOAD: usize = 65_507;
/// Where the options start: the header, then the magic cookie.
const OPTIONS_AT: usize = HEADER_LEN + MAGIC_COOKIE.len();
/// The header fields the corpus sets by offset (RFC 2131 section 2).
const OP_AT: usize = 0;
const HTYPE_AT: usize = 1;
const HLEN_AT: usize = 2;
const XID_AT: usize = 4;
const CHADDR_AT: usize = 28;
/// RFC 2132 option 52: the `file` field holds options too.
const OVERLOAD_FILE: u8 = 1;
/// The `file` field, where an overloaded option can overrun.
const FILE_AT: usize = 108;
const FILE_LEN: usize = 128;
/// BOOTP op codes.
const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;
/// Ethernet, for `htype`.
const ETHERNET: u8 = 1;
/// Option 53 values that are known message types and have a counter of their own.
const COUNTED_TYPES: std::ops::RangeInclusive<u8> = 1..=18;
/// Room in the queue for the whole corpus: no packet is dropped for a full queue.
const QUEUE: usize = 1024;
/// The xid of the DISCOVER sent after the corpus to show the server still answers.
const PROBE_XID: u32 = 0xfeed_0001;

/// Which callback got a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Callback {
    Discover,
    Request,
    Decline,
    Inform,
    Release,
    Other,
}

/// What the handler saw: the callback, and the packet's op, message type and xid.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    callback: Callback,
    op: u8,
    kind: Option<u8>,
    xid: u32,
}

/// Records every callback; answers DISCOVERs with an OFFER.
struct Recorder {
    seen: mpsc::Sender<Seen>,
}

impl Recorder {
    fn record(&self, callback: Callback, packet: &Packet) {
        let seen = Seen {
            callback,
            op: packet.op.into(),
            kind: packet.message_type().map(u8::from),
            xid: packet.xid,
        };
        self.seen.send(seen).expect("the test is listening");
    }
}

impl Handler for Recorder {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.record(Callback::Discover, packet);
        respond(packet, MessageType::Offer)
            .with_yiaddr(OFFERED)
            .into()
    }
    fn request(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.record(Callback::Request, packet);
        Reply::None
    }
    fn decline(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.record(Callback::Decline, packet);
        Reply::None
    }
    fn inform(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.record(Callback::Inform, packet);
        Reply::None
    }
    fn release(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.record(Callback::Release, packet);
        Reply::None
    }
    fn other(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        self.record(Callback::Other, packet);
        Reply::None
    }
}

/// What the server must do with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Counted as received and malformed; the handler never sees it.
    Malformed,
    /// Given to this callback, and counted under this option 53 value.
    Handled(Callback, Option<u8>),
}

struct Case {
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

fn case(name: impl Into<String>, bytes: Vec<u8>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        bytes,
        expect,
    }
}

/// A 236-byte BOOTP header: op, Ethernet, the test MAC, this xid.
fn header(op: u8, xid: u32) -> Vec<u8> {
    let mut bytes = vec![0; HEADER_LEN];
    bytes[OP_AT] = op;
    bytes[HTYPE_AT] = ETHERNET;
    bytes[HLEN_AT] = MAC.len() as u8;
    bytes[XID_AT..XID_AT + 4].copy_from_slice(&xid.to_be_bytes());
    bytes[CHADDR_AT..CHADDR_AT + MAC.len()].copy_from_slice(&MAC);
    bytes
}

/// Header, magic cookie, then `options` as given (no END added).
fn dhcp(op: u8, xid: u32, options: &[u8]) -> Vec<u8> {
    let mut bytes = header(op, xid);
    bytes.extend_from_slice(&MAGIC_COOKIE);
    bytes.extend_from_slice(options);
    bytes
}

fn message_type(value: u8) -> [u8; 3] {
    [DhcpMessageType::CODE, 1, value]
}

/// The callback RFC 2131 dispatch picks for a request (op 1) of this type.
fn callback_for(value: u8) -> Callback {
    match MessageType::from(value) {
        MessageType::Discover => Callback::Discover,
        MessageType::Request => Callback::Request,
        MessageType::Decline => Callback::Decline,
        MessageType::Inform => Callback::Inform,
        MessageType::Release => Callback::Release,
        _ => Callback::Other,
    }
}

/// The counter slot of an option 53 value: its own for known types, else "no type".
fn counted_as(value: u8) -> Option<u8> {
    COUNTED_TYPES.contains(&value).then_some(value)
}

/// The corpus, in the order it is sent. xids are unique so each handled case is
/// recognisable in the handler's record.
fn corpus() -> Vec<Case> {
    use Callback::{Discover, Other};
    use Expect::{Handled, Malformed};
    let discover = message_type(MessageType::Discover.into());
    let mut cases = vec![
        case("empty datagram", Vec::new(), Malformed),
        case("one byte", vec![BOOTREQUEST], Malformed),
        case(
            "239 bytes: the cookie cut short",
            dhcp(BOOTREQUEST, 1, &[])[..OPTIONS_AT - 1].to_vec(),
            Malformed,
        ),
        case(
            "240 bytes: header and cookie, no options",
            dhcp(BOOTREQUEST, 2, &[]),
            Handled(Other, None),
        ),
        case(
            "241 bytes: an option code with no length",
            dhcp(BOOTREQUEST, 3, &[DhcpMessageType::CODE]),
            Malformed,
        ),
        case(
            "241 bytes: a lone END",
            dhcp(BOOTREQUEST, 4, &[END]),
            Handled(Other, None),
        ),
        case(
            "no magic cookie (RFC 951 BOOTP): decoded, handled as other",
            {
                let mut bytes = header(BOOTREQUEST, 5);
                bytes.resize(ex_dhcp::wire::MIN_PACKET_LEN, 0);
                bytes
            },
            Handled(Other, None),
        ),
        case(
            "option length past the end of the datagram",
            dhcp(
                BOOTREQUEST,
                6,
                &[discover[0], discover[1], discover[2], 12, 200, b'a'],
            ),
            Malformed,
        ),
        case(
            "option 53 with its length past the end",
            dhcp(BOOTREQUEST, 7, &[DhcpMessageType::CODE, 2, 1]),
            Malformed,
        ),
        case(
            "overloaded file field with an option past its end",
            {
                let mut bytes = dhcp(BOOTREQUEST, 8, &[OVERLOAD, 1, OVERLOAD_FILE]);
                bytes.extend_from_slice(&discover);
                bytes.push(END);
                bytes[FILE_AT + FILE_LEN - 2] = 12;
                bytes[FILE_AT + FILE_LEN - 1] = 10;
                bytes
            },
            Malformed,
        ),
        case(
            "PAD storm to the largest UDP payload, no option 53",
            {
                let mut bytes = dhcp(BOOTREQUEST, 9, &[]);
                bytes.resize(MAX_UDP_PAYLOAD, PAD);
                bytes
            },
            Handled(Other, None),
        ),
        case(
            "PAD storm to the largest UDP payload, then a DISCOVER",
            {
                let mut bytes = dhcp(BOOTREQUEST, 10, &[]);
                bytes.resize(MAX_UDP_PAYLOAD - discover.len() - 1, PAD);
                bytes.extend_from_slice(&discover);
                bytes.push(END);
                bytes
            },
            Handled(Discover, Some(MessageType::Discover.into())),
        ),
        case(
            "END storm after a DISCOVER",
            {
                let mut bytes = dhcp(BOOTREQUEST, 11, &discover);
                bytes.resize(MAX_UDP_PAYLOAD, END);
                bytes
            },
            Handled(Discover, Some(MessageType::Discover.into())),
        ),
        case(
            "largest UDP payload of 0xff bytes",
            vec![0xff; MAX_UDP_PAYLOAD],
            Malformed,
        ),
        case(
            "largest UDP payload: a DISCOVER full of long options",
            {
                let mut bytes = dhcp(BOOTREQUEST, 12, &discover);
                let filler = [0xab_u8; 255];
                // Private-use option 224, 257 bytes at a time, while it fits before END.
                while bytes.len() + 2 + filler.len() < MAX_UDP_PAYLOAD {
                    bytes.extend_from_slice(&[224, 255]);
                    bytes.extend_from_slice(&filler);
                }
                bytes.push(END);
                bytes
            },
            Handled(Discover, Some(MessageType::Discover.into())),
        ),
        case(
            "hlen 0",
            {
                let mut bytes = dhcp(BOOTREQUEST, 13, &discover);
                bytes[HLEN_AT] = 0;
                bytes.push(END);
                bytes
            },
            Handled(Discover, Some(MessageType::Discover.into())),
        ),
        case(
            "hlen 255",
            {
                let mut bytes = dhcp(BOOTREQUEST, 14, &discover);
                bytes[HLEN_AT] = u8::MAX;
                bytes.push(END);
                bytes
            },
            Handled(Discover, Some(MessageType::Discover.into())),
        ),
        case(
            "op 2: an OFFER from another server",
            {
                let mut bytes = dhcp(BOOTREPLY, 15, &message_type(MessageType::Offer.into()));
                bytes.push(END);
                bytes
            },
            Handled(Other, Some(MessageType::Offer.into())),
        ),
        case(
            "op 2 carrying a DISCOVER type",
            {
                let mut bytes = dhcp(BOOTREPLY, 16, &discover);
                bytes.push(END);
                bytes
            },
            Handled(Other, Some(MessageType::Discover.into())),
        ),
        case(
            "op 0 carrying a REQUEST type",
            {
                let mut bytes = dhcp(0, 17, &message_type(MessageType::Request.into()));
                bytes.push(END);
                bytes
            },
            Handled(Other, Some(MessageType::Request.into())),
        ),
        case(
            "BOOTP request with the cookie but no option 53",
            {
                let mut bytes = dhcp(BOOTREQUEST, 18, &[END]);
                bytes.resize(ex_dhcp::wire::MIN_PACKET_LEN, PAD);
                bytes
            },
            Handled(Other, None),
        ),
        case(
            "option 53 with an empty value",
            dhcp(BOOTREQUEST, 19, &[DhcpMessageType::CODE, 0, END]),
            Handled(Other, None),
        ),
    ];
    for value in 0..=u8::MAX {
        let mut bytes = dhcp(BOOTREQUEST, 0x5300 + u32::from(value), &message_type(value));
        bytes.push(END);
        let expect = Handled(callback_for(value), counted_as(value));
        cases.push(case(format!("op 1, message type {value}"), bytes, expect));
    }
    cases
}

#[test]
fn every_malformed_datagram_is_counted_and_the_server_still_answers() {
    let (seen_tx, seen) = mpsc::channel();
    let config = Config::default().queue_capacity(QUEUE);
    let (server, mut client) = loopback_with(config, Recorder { seen: seen_tx });
    let to = server.handle().local_addr();
    let cases = corpus();

    for (sent, case) in cases.iter().enumerate() {
        client
            .send_raw(&case.bytes, to)
            .unwrap_or_else(|error| panic!("sending {}: {error}", case.name));
        // One at a time, so no datagram can be lost in a full socket buffer and each
        // count below is exact.
        wait_until(WAIT, &format!("the server received {}", case.name), || {
            server.handle().stats().received == sent as u64 + 1
        });
        if let Expect::Handled(callback, kind) = case.expect {
            let got = seen
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("{} never reached the handler", case.name));
            let xid = u32::from_be_bytes(case.bytes[XID_AT..XID_AT + 4].try_into().unwrap());
            assert_eq!(
                (got.callback, got.op, got.xid, got.kind.and_then(counted_as)),
                (callback, case.bytes[OP_AT], xid, kind),
                "{}",
                case.name
            );
        }
    }

    let (offer, _) = client
        .exchange(&packet(MessageType::Discover, PROBE_XID), to, WAIT)
        .expect("the server answers a valid DISCOVER after the corpus");
    assert_eq!(offer.message_type(), Some(MessageType::Offer));
    assert_eq!(offer.yiaddr, OFFERED);
    assert_eq!(
        seen.recv_timeout(WAIT).map(|s| (s.callback, s.xid)),
        Ok((Callback::Discover, PROBE_XID))
    );

    let malformed = cases
        .iter()
        .filter(|c| c.expect == Expect::Malformed)
        .count() as u64;
    let handled = |kind: Option<u8>| {
        cases
            .iter()
            .filter(|c| matches!(c.expect, Expect::Handled(_, k) if k == kind))
            .count() as u64
    };
    let stats = server.handle().stats();
    let probe = 1;
    assert_eq!(stats.received, cases.len() as u64 + probe);
    assert_eq!(stats.malformed, malformed, "{stats:?}");
    assert_eq!(stats.dropped_full, 0);
    assert_eq!(
        stats.handled_total(),
        stats.received - stats.malformed,
        "{stats:?}"
    );
    assert_eq!(stats.handled(None), handled(None));
    for value in COUNTED_TYPES {
        let kind = MessageType::from(value);
        let extra = u64::from(kind == MessageType::Discover) * probe;
        assert_eq!(
            stats.handled(Some(kind)),
            handled(Some(value)) + extra,
            "{kind}"
        );
    }
    let exit = server.shutdown();
    assert_eq!(exit.reason, StopReason::Shutdown, "nothing panicked");
    assert!(seen.try_recv().is_err(), "nothing was handled twice");
    // The exact figures, so a change of the decoder's leniencies shows up here.
    // Plain BOOTP (no magic cookie) decodes since the codec learned RFC 951.
    assert_eq!((stats.received, stats.malformed), (279, 8));
}

#[test]
fn packets_that_are_not_requests_never_reach_the_request_callbacks() {
    let (seen_tx, seen) = mpsc::channel();
    let (server, mut client) = loopback_with(Config::default(), Recorder { seen: seen_tx });
    let to = server.handle().local_addr();
    let mut from_server = packet(MessageType::Offer, 1);
    from_server.op = ex_dhcp::Op::Reply;
    let mut reply_typed_as_request = packet(MessageType::Request, 2);
    reply_typed_as_request.op = ex_dhcp::Op::Reply;
    let mut bootp = packet(MessageType::Discover, 3);
    bootp.options.remove(DhcpMessageType::CODE);
    for sent in [&from_server, &reply_typed_as_request, &bootp] {
        client.send(sent, to).unwrap();
    }
    let (offer, _) = client
        .exchange(&packet(MessageType::Discover, PROBE_XID), to, WAIT)
        .expect("still answering");
    assert_eq!(offer.xid, PROBE_XID);
    let got: Vec<(Callback, u32)> = (0..4)
        .map(|_| seen.recv_timeout(WAIT).expect("four packets handled"))
        .map(|s| (s.callback, s.xid))
        .collect();
    assert_eq!(
        got,
        [
            (Callback::Other, 1),
            (Callback::Other, 2),
            (Callback::Other, 3),
            (Callback::Discover, PROBE_XID),
        ]
    );
    drop(server);
}
