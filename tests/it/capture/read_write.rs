//! Reading the shared real-world fixtures, hand-built captures of every
//! supported format, and the writer's round trip.

use std::fs;
use std::net::SocketAddrV4;
use std::path::PathBuf;
use std::time::Duration;

use ex_dhcp::capture::{datagrams, read_datagrams, read_file, CaptureError, Datagram, PcapWriter};
use ex_dhcp_testkit::{captures_dir, CAPTURES};

const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;
const MAGIC_COOKIE_OFFSET: usize = 236;
const MAGIC_COOKIE: [u8; 4] = [0x63, 0x82, 0x53, 0x63];
const DHCP_PORTS: [u16; 2] = [67, 68];

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_LINUX_SLL: u32 = 113;
const LINKTYPE_IPV4: u32 = 228;
const LINKTYPE_LINUX_SLL2: u32 = 276;
const LINKTYPE_USB: u32 = 189;

fn fixture(name: &str) -> Vec<Datagram> {
    let capture = read_file(captures_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(capture.stats.skipped(), 0, "{name}: {:?}", capture.stats);
    capture.datagrams
}

#[test]
fn every_fixture_file_has_a_documented_count() {
    for entry in fs::read_dir(captures_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "README.md" {
            continue; // the captures' provenance
        }
        assert!(
            CAPTURES.iter().any(|(known, _)| *known == name),
            "{name} is not in the table of fixture counts"
        );
    }
}

#[test]
fn fixtures_yield_their_documented_datagram_counts() {
    for &(name, count) in CAPTURES {
        assert_eq!(fixture(name).len(), count, "{name}");
    }
}

#[test]
fn fixture_payloads_are_dhcp_between_dhcp_ports() {
    for &(name, _) in CAPTURES {
        for (index, datagram) in fixture(name).iter().enumerate() {
            let payload = &datagram.payload;
            assert!(
                [BOOTREQUEST, BOOTREPLY].contains(&payload[0]),
                "{name} #{index}: op {}",
                payload[0]
            );
            assert_eq!(
                payload[MAGIC_COOKIE_OFFSET..MAGIC_COOKIE_OFFSET + 4],
                MAGIC_COOKIE,
                "{name} #{index}"
            );
            assert!(
                DHCP_PORTS.contains(&datagram.source.port()),
                "{name} #{index}"
            );
            assert!(
                DHCP_PORTS.contains(&datagram.destination.port()),
                "{name} #{index}"
            );
            assert!(datagram.is_dhcp_port());
        }
    }
}

#[test]
fn fixture_fields_match_the_readme() {
    let dora = fixture("DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap");
    assert_eq!(
        dora[0].source,
        "0.0.0.0:68".parse::<SocketAddrV4>().unwrap()
    );
    assert_eq!(
        dora[0].destination,
        "255.255.255.255:67".parse::<SocketAddrV4>().unwrap()
    );
    assert_eq!(dora[1].destination.ip().octets(), [192, 168, 0, 10]);
    assert!(dora
        .windows(2)
        .all(|pair| pair[0].timestamp <= pair[1].timestamp));
    // The NAK is only 250 bytes of DHCP: the UDP length, not the frame, decides.
    assert_eq!(fixture("DHCP-NAK-SMALL.pcap")[0].payload.len(), 250);
}

// ---------------------------------------------------------------- frames

/// An IPv4 header (checksum left zero, which readers do not check), a UDP
/// header and the payload.
fn ipv4_udp(source: &str, destination: &str, payload: &[u8]) -> Vec<u8> {
    let source: SocketAddrV4 = source.parse().unwrap();
    let destination: SocketAddrV4 = destination.parse().unwrap();
    let udp_len = u16::try_from(8 + payload.len()).unwrap();
    let mut packet = vec![0x45, 0];
    packet.extend_from_slice(&(udp_len + 20).to_be_bytes());
    packet.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0]);
    packet.extend_from_slice(&source.ip().octets());
    packet.extend_from_slice(&destination.ip().octets());
    packet.extend_from_slice(&source.port().to_be_bytes());
    packet.extend_from_slice(&destination.port().to_be_bytes());
    packet.extend_from_slice(&udp_len.to_be_bytes());
    packet.extend_from_slice(&[0, 0]);
    packet.extend_from_slice(payload);
    packet
}

/// An Ethernet frame whose ethertypes are the VLAN tag protocols, then the
/// payload's ethertype.
fn ethernet(ethertypes: &[u16], packet: &[u8]) -> Vec<u8> {
    let mut frame = vec![0xaa; 12];
    for (index, ethertype) in ethertypes.iter().enumerate() {
        if index > 0 {
            frame.extend_from_slice(&[0x00, 0x2a]); // VLAN 42's TCI
        }
        frame.extend_from_slice(&ethertype.to_be_bytes());
    }
    frame.extend_from_slice(packet);
    frame
}

fn sample() -> Vec<u8> {
    ipv4_udp("10.0.0.1:67", "10.0.0.2:68", b"sample payload")
}

fn assert_sample(datagram: &Datagram) {
    assert_eq!(datagram.payload, b"sample payload");
    assert_eq!(datagram.source, "10.0.0.1:67".parse().unwrap());
    assert_eq!(datagram.destination, "10.0.0.2:68".parse().unwrap());
}

// ------------------------------------------------------------ classic pcap

#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, value: u16) -> [u8; 2] {
        match self {
            Self::Little => value.to_le_bytes(),
            Self::Big => value.to_be_bytes(),
        }
    }

    fn u32(self, value: u32) -> [u8; 4] {
        match self {
            Self::Little => value.to_le_bytes(),
            Self::Big => value.to_be_bytes(),
        }
    }
}

const PCAP_MICROS: u32 = 0xa1b2_c3d4;
const PCAP_NANOS: u32 = 0xa1b2_3c4d;

fn pcap(order: Order, magic: u32, link_type: u32, records: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let mut file = order.u32(magic).to_vec();
    file.extend_from_slice(&order.u16(2));
    file.extend_from_slice(&order.u16(4));
    file.extend_from_slice(&[0; 8]);
    file.extend_from_slice(&order.u32(65_535));
    file.extend_from_slice(&order.u32(link_type));
    for &(seconds, fraction, data) in records {
        let len = u32::try_from(data.len()).unwrap();
        for field in [seconds, fraction, len, len] {
            file.extend_from_slice(&order.u32(field));
        }
        file.extend_from_slice(data);
    }
    file
}

#[test]
fn big_endian_nanosecond_pcap_reads() {
    let frame = ethernet(&[ETHERTYPE_IPV4], &sample());
    let file = pcap(
        Order::Big,
        PCAP_NANOS,
        LINKTYPE_ETHERNET,
        &[(7, 123_456_789, &frame)],
    );
    let capture = read_datagrams(&file).unwrap();
    assert_eq!(capture.datagrams.len(), 1);
    assert_sample(&capture.datagrams[0]);
    assert_eq!(
        capture.datagrams[0].timestamp,
        Duration::new(7, 123_456_789)
    );
}

#[test]
fn vlan_tagged_frames_read() {
    let single = ethernet(&[ETHERTYPE_VLAN, ETHERTYPE_IPV4], &sample());
    let double = ethernet(&[ETHERTYPE_QINQ, ETHERTYPE_VLAN, ETHERTYPE_IPV4], &sample());
    let file = pcap(
        Order::Little,
        PCAP_MICROS,
        LINKTYPE_ETHERNET,
        &[(1, 0, &single), (2, 0, &double)],
    );
    let capture = read_datagrams(&file).unwrap();
    assert_eq!(capture.datagrams.len(), 2);
    capture.datagrams.iter().for_each(assert_sample);
}

#[test]
fn linux_cooked_frames_read() {
    let mut sll = vec![0, 4, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0];
    sll.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    sll.extend_from_slice(&sample());
    let mut sll2 = ETHERTYPE_IPV4.to_be_bytes().to_vec();
    sll2.extend_from_slice(&[0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 1, 2, 3, 4, 5, 6, 0, 0]);
    sll2.extend_from_slice(&sample());
    for (link_type, frame) in [(LINKTYPE_LINUX_SLL, sll), (LINKTYPE_LINUX_SLL2, sll2)] {
        let file = pcap(Order::Little, PCAP_MICROS, link_type, &[(1, 0, &frame)]);
        let capture = read_datagrams(&file).unwrap();
        assert_eq!(capture.datagrams.len(), 1, "link type {link_type}");
        assert_sample(&capture.datagrams[0]);
    }
}

#[test]
fn raw_ip_frames_read() {
    for link_type in [LINKTYPE_RAW, LINKTYPE_IPV4] {
        let file = pcap(Order::Little, PCAP_MICROS, link_type, &[(1, 0, &sample())]);
        assert_sample(&read_datagrams(&file).unwrap().datagrams[0]);
    }
}

#[test]
fn frames_without_datagrams_are_counted_not_fatal() {
    let arp = ethernet(&[0x0806], &[0; 28]);
    let ipv6 = ethernet(&[0x86dd], &[0x60; 48]);
    let mut tcp_packet = sample();
    tcp_packet[9] = 6;
    let tcp = ethernet(&[ETHERTYPE_IPV4], &tcp_packet);
    let udp = ethernet(&[ETHERTYPE_IPV4], &sample());
    let cut = &udp[..30];
    let records: [(u32, u32, &[u8]); 5] = [
        (1, 0, &arp),
        (2, 0, &ipv6),
        (3, 0, &tcp),
        (4, 0, cut),
        (5, 0, &udp),
    ];
    let capture = read_datagrams(&pcap(
        Order::Little,
        PCAP_MICROS,
        LINKTYPE_ETHERNET,
        &records,
    ))
    .unwrap();
    assert_eq!(capture.datagrams.len(), 1);
    assert_eq!(capture.stats.frames, 5);
    assert_eq!(capture.stats.not_ipv4_udp, 3);
    assert_eq!(capture.stats.truncated, 1);
    assert_eq!(capture.stats.skipped(), 4);
}

#[test]
fn unsupported_pcap_link_type_is_an_error() {
    let file = pcap(Order::Little, PCAP_MICROS, LINKTYPE_USB, &[]);
    assert!(matches!(
        read_datagrams(&file),
        Err(CaptureError::UnsupportedLinkType(LINKTYPE_USB))
    ));
}

#[test]
fn cut_record_is_an_error_after_the_datagrams_before_it() {
    let frame = ethernet(&[ETHERTYPE_IPV4], &sample());
    let mut file = pcap(
        Order::Little,
        PCAP_MICROS,
        LINKTYPE_ETHERNET,
        &[(1, 0, &frame), (2, 0, &frame)],
    );
    file.truncate(file.len() - 1);
    let second_record = 24 + 16 + frame.len();
    assert!(matches!(
        read_datagrams(&file),
        Err(CaptureError::Truncated { offset }) if offset == second_record
    ));
    let mut reader = datagrams(&file).unwrap();
    assert_sample(&reader.next().unwrap().unwrap());
    assert!(reader.next().unwrap().is_err());
    assert!(reader.next().is_none());
    assert_eq!(reader.stats().datagrams, 1);
}

#[test]
fn not_a_capture_says_what_it_saw() {
    let error = read_datagrams(b"GIF89a...").unwrap_err();
    assert!(matches!(error, CaptureError::NotACapture { magic } if &magic == b"GIF8"));
    assert_eq!(
        error.to_string(),
        "not a pcap or pcapng capture: unknown magic 47494638 at byte offset 0"
    );
    assert!(matches!(
        read_datagrams(&[]),
        Err(CaptureError::Truncated { offset: 0 })
    ));
}

// ------------------------------------------------------------------ pcapng

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const OPB: u32 = 2;
const SPB: u32 = 3;
const EPB: u32 = 6;
const NRB: u32 = 4;
const IF_TSRESOL: u16 = 9;

struct Pcapng {
    order: Order,
    bytes: Vec<u8>,
}

impl Pcapng {
    fn new() -> Self {
        Self {
            order: Order::Little,
            bytes: Vec::new(),
        }
    }

    fn block(&mut self, block_type: u32, mut body: Vec<u8>) -> &mut Self {
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let len = self.order.u32(u32::try_from(body.len() + 12).unwrap());
        self.bytes.extend_from_slice(&self.order.u32(block_type));
        self.bytes.extend_from_slice(&len);
        self.bytes.extend_from_slice(&body);
        self.bytes.extend_from_slice(&len);
        self
    }

    fn section(&mut self, order: Order) -> &mut Self {
        self.order = order;
        let mut body = order.u32(0x1a2b_3c4d).to_vec();
        body.extend_from_slice(&order.u16(1));
        body.extend_from_slice(&order.u16(0));
        body.extend_from_slice(&[0xff; 8]); // section length unknown
        self.block(SHB, body)
    }

    fn interface(&mut self, link_type: u32, tsresol: Option<u8>) -> &mut Self {
        let order = self.order;
        let mut body = order.u16(u16::try_from(link_type).unwrap()).to_vec();
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&order.u32(0));
        if let Some(resolution) = tsresol {
            body.extend_from_slice(&order.u16(IF_TSRESOL));
            body.extend_from_slice(&order.u16(1));
            body.extend_from_slice(&[resolution, 0, 0, 0]);
            body.extend_from_slice(&[0; 4]); // opt_endofopt
        }
        self.block(IDB, body)
    }

    /// What enhanced and obsolete packet blocks share after the interface: the
    /// timestamp (high, low), captured and original length (equal here), the data.
    fn packet_fields(&self, body: &mut Vec<u8>, ticks: u64, data: &[u8]) {
        let order = self.order;
        body.extend_from_slice(&order.u32(u32::try_from(ticks >> 32).unwrap()));
        body.extend_from_slice(&order.u32(u32::try_from(ticks & 0xffff_ffff).unwrap()));
        let len = order.u32(u32::try_from(data.len()).unwrap());
        body.extend_from_slice(&len);
        body.extend_from_slice(&len);
        body.extend_from_slice(data);
    }

    fn enhanced(&mut self, interface: u32, ticks: u64, data: &[u8]) -> &mut Self {
        let mut body = self.order.u32(interface).to_vec();
        self.packet_fields(&mut body, ticks, data);
        self.block(EPB, body)
    }

    fn obsolete(&mut self, interface: u16, ticks: u64, data: &[u8]) -> &mut Self {
        let mut body = self.order.u16(interface).to_vec();
        body.extend_from_slice(&self.order.u16(0)); // drops count
        self.packet_fields(&mut body, ticks, data);
        self.block(OPB, body)
    }

    fn simple(&mut self, data: &[u8]) -> &mut Self {
        let mut body = self.order.u32(u32::try_from(data.len()).unwrap()).to_vec();
        body.extend_from_slice(data);
        self.block(SPB, body)
    }
}

#[test]
fn pcapng_reads_in_both_byte_orders_with_nondefault_resolution() {
    let frame = ethernet(&[ETHERTYPE_IPV4], &sample());
    for order in [Order::Little, Order::Big] {
        // if_tsresol 3: milliseconds, so 1_500 ticks are 1.5 s.
        let file = Pcapng::new()
            .section(order)
            .interface(LINKTYPE_ETHERNET, Some(3))
            .enhanced(0, 1_500, &frame)
            .bytes
            .clone();
        let capture = read_datagrams(&file).unwrap();
        assert_eq!(capture.datagrams.len(), 1);
        assert_sample(&capture.datagrams[0]);
        assert_eq!(capture.datagrams[0].timestamp, Duration::from_millis(1_500));
    }
}

#[test]
fn pcapng_binary_resolution_and_large_tick_counts_convert_exactly() {
    let frame = ethernet(&[ETHERTYPE_IPV4], &sample());
    // 2^-20 s ticks: 2^20 ticks are 1 s, and half of that is 0.5 s.
    let ticks = (1_700_000_000_u64 << 20) + (1 << 19);
    let file = Pcapng::new()
        .section(Order::Little)
        .interface(LINKTYPE_ETHERNET, Some(0x80 | 20))
        .enhanced(0, ticks, &frame)
        .bytes
        .clone();
    let datagram = &read_datagrams(&file).unwrap().datagrams[0];
    assert_eq!(
        datagram.timestamp,
        Duration::new(1_700_000_000, 500_000_000)
    );
}

#[test]
fn pcapng_sections_interfaces_and_block_kinds_all_read() {
    let ethernet_frame = ethernet(&[ETHERTYPE_IPV4], &sample());
    let file = Pcapng::new()
        .section(Order::Big)
        .interface(LINKTYPE_ETHERNET, None)
        .interface(LINKTYPE_IPV4, Some(9))
        .block(NRB, vec![0; 8]) // name resolution: skipped
        .enhanced(1, 2_000_000_001, &sample())
        .simple(&ethernet_frame)
        .obsolete(0, 3_000_000, &ethernet_frame)
        .section(Order::Little) // a new section forgets the interfaces
        .interface(LINKTYPE_USB, None)
        .interface(LINKTYPE_RAW, None)
        .enhanced(0, 0, &[0; 64])
        .enhanced(1, 4_000_000, &sample())
        .bytes
        .clone();
    let capture = read_datagrams(&file).unwrap();
    let times: Vec<_> = capture.datagrams.iter().map(|d| d.timestamp).collect();
    assert_eq!(
        times,
        [
            Duration::new(2, 1),
            Duration::ZERO,
            Duration::from_secs(3),
            Duration::from_secs(4)
        ]
    );
    capture.datagrams.iter().for_each(assert_sample);
    assert_eq!(capture.stats.unsupported_link_type, 1);
    assert_eq!(capture.stats.frames, 5);
}

#[test]
fn pcapng_structure_errors_say_where() {
    let mut unknown_interface = Pcapng::new();
    unknown_interface
        .section(Order::Little)
        .interface(LINKTYPE_RAW, None);
    let offset = unknown_interface.bytes.len();
    unknown_interface.enhanced(3, 0, &sample());
    let error = read_datagrams(&unknown_interface.bytes).unwrap_err();
    assert!(matches!(
        error,
        CaptureError::UnknownInterface { offset: o, interface_id: 3 } if o == offset
    ));

    let mut bad_trailer = Pcapng::new();
    bad_trailer
        .section(Order::Little)
        .interface(LINKTYPE_RAW, None);
    let offset = bad_trailer.bytes.len();
    bad_trailer.enhanced(0, 0, &sample());
    let last = bad_trailer.bytes.len() - 4;
    bad_trailer.bytes[last] ^= 4;
    let error = read_datagrams(&bad_trailer.bytes).unwrap_err();
    assert!(matches!(
        error,
        CaptureError::BadBlock { offset: o, block_type: EPB } if o == offset
    ));
    assert_eq!(
        error.to_string(),
        format!("malformed pcapng block of type 0x00000006 at byte offset {offset}")
    );
}

// ------------------------------------------------------------------ writer

fn unique_temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ex_dhcp-{}-{name}.pcap", std::process::id()))
}

fn all_fixture_datagrams() -> Vec<Datagram> {
    CAPTURES
        .iter()
        .flat_map(|(name, _)| fixture(name))
        .collect()
}

#[test]
fn written_datagrams_read_back_equal() {
    let originals = all_fixture_datagrams();
    let mut writer = PcapWriter::new(Vec::new()).unwrap();
    for datagram in &originals {
        writer.write_datagram(datagram).unwrap();
    }
    let capture = read_datagrams(writer.get_ref()).unwrap();
    assert_eq!(capture.datagrams, originals);
    assert_eq!(capture.stats.skipped(), 0);
}

#[test]
fn writer_keeps_timestamps_to_the_microsecond() {
    let datagram = Datagram {
        timestamp: Duration::new(1_234_567_890, 123_456_789),
        source: "192.0.2.1:67".parse().unwrap(),
        destination: "192.0.2.2:68".parse().unwrap(),
        payload: vec![BOOTREPLY; 300],
    };
    let mut writer = PcapWriter::new(Vec::new()).unwrap();
    writer.write_datagram(&datagram).unwrap();
    let read = &read_datagrams(&writer.into_inner()).unwrap().datagrams[0];
    assert_eq!(read.timestamp, Duration::new(1_234_567_890, 123_456_000));
    assert_eq!(read.payload, datagram.payload);
}

#[test]
fn writer_bounds_payloads_by_what_ipv4_can_carry() {
    let mut datagram = Datagram {
        timestamp: Duration::ZERO,
        source: "192.0.2.1:67".parse().unwrap(),
        destination: "192.0.2.2:68".parse().unwrap(),
        payload: vec![0; 65_507],
    };
    let mut writer = PcapWriter::new(Vec::new()).unwrap();
    writer.write_datagram(&datagram).unwrap();
    datagram.payload.push(0);
    assert!(matches!(
        writer.write_datagram(&datagram),
        Err(CaptureError::PayloadTooLarge { length: 65_508 })
    ));
    let capture = read_datagrams(&writer.into_inner()).unwrap();
    assert_eq!(capture.datagrams.len(), 1);
    assert_eq!(capture.datagrams[0].payload.len(), 65_507);
}

#[test]
fn append_creates_then_continues_a_file() {
    let path = unique_temp_path("append");
    let _ = fs::remove_file(&path);
    let originals = all_fixture_datagrams();
    let (first, second) = originals.split_at(5);
    for part in [first, second] {
        let mut writer = PcapWriter::append_to_file(&path).unwrap();
        for datagram in part {
            writer.write_datagram(datagram).unwrap();
        }
    }
    let read = read_file(&path).unwrap();
    fs::remove_file(&path).unwrap();
    assert_eq!(read.datagrams, originals);
}

#[test]
fn append_refuses_captures_it_would_corrupt() {
    let path = unique_temp_path("refuse");
    let frame = ethernet(&[ETHERTYPE_IPV4], &sample());
    let nanosecond = pcap(Order::Little, PCAP_NANOS, LINKTYPE_ETHERNET, &[]);
    let raw = pcap(Order::Little, PCAP_MICROS, LINKTYPE_RAW, &[]);
    let mut cut = pcap(
        Order::Little,
        PCAP_MICROS,
        LINKTYPE_ETHERNET,
        &[(1, 0, &frame)],
    );
    cut.pop();
    let pcapng = Pcapng::new().section(Order::Little).bytes.clone();
    type Expected = fn(&CaptureError) -> bool;
    let cases: [(&[u8], Expected); 5] = [
        (&nanosecond, |e| {
            matches!(
                e,
                CaptureError::CannotAppend {
                    link_type: Some(1),
                    ..
                }
            )
        }),
        (&raw, |e| {
            matches!(
                e,
                CaptureError::CannotAppend {
                    link_type: Some(101),
                    ..
                }
            )
        }),
        (&cut, |e| {
            matches!(e, CaptureError::Truncated { offset: 24 })
        }),
        (&pcapng, |e| {
            matches!(
                e,
                CaptureError::CannotAppend {
                    link_type: None,
                    ..
                }
            )
        }),
        (b"hello, world", |e| {
            matches!(e, CaptureError::NotACapture { .. })
        }),
    ];
    for (contents, expected) in cases {
        fs::write(&path, contents).unwrap();
        let error = PcapWriter::append_to_file(&path).unwrap_err();
        assert!(expected(&error), "{error:?}");
        assert_eq!(
            fs::read(&path).unwrap(),
            contents,
            "refused file left unchanged"
        );
    }
    fs::remove_file(&path).unwrap();
}

#[test]
fn error_messages_are_lowercase_without_full_stop() {
    let io = CaptureError::from(std::io::Error::other("disk full"));
    let errors = [
        CaptureError::Truncated { offset: 24 },
        CaptureError::UnsupportedLinkType(189),
        CaptureError::PayloadTooLarge { length: 70_000 },
        CaptureError::TimestampOutOfRange { seconds: 1 << 40 },
        io,
    ];
    for error in &errors {
        let text = error.to_string();
        assert!(!text.ends_with('.'), "{text}");
        assert!(text.starts_with(|c: char| c.is_lowercase()), "{text}");
    }
    assert!(std::error::Error::source(&errors[4]).is_some());
}
