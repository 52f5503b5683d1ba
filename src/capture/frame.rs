//! From a captured frame to the UDP datagram inside it.
//!
//! The link-layer header is stripped according to the link type, 802.1Q and
//! 802.1ad VLAN tags are stepped over, and the IPv4 and UDP headers are read
//! with their own length fields, so trailers such as an Ethernet FCS or
//! padding never reach the payload. Checksums are not verified: captures
//! taken on the sending host often hold checksums the NIC fills in later.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::bytes::{array4, field, Endian};

/// Link types, as numbered by tcpdump.org's LINKTYPE_ list.
pub(crate) mod link_type {
    /// BSD loopback: a 4-byte address family in the capturing host's order.
    pub(crate) const NULL: u32 = 0;
    /// Ethernet II, possibly VLAN-tagged.
    pub(crate) const ETHERNET: u32 = 1;
    /// Raw IP: IPv4 or IPv6, told by the version nibble.
    pub(crate) const RAW: u32 = 101;
    /// OpenBSD loopback: a 4-byte address family in network order.
    pub(crate) const LOOP: u32 = 108;
    /// Linux "cooked" capture, version 1.
    pub(crate) const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub(crate) const IPV4: u32 = 228;
    /// Linux "cooked" capture, version 2.
    pub(crate) const LINUX_SLL2: u32 = 276;
}

pub(crate) mod ethertype {
    pub(crate) const IPV4: u16 = 0x0800;
    pub(crate) const VLAN: u16 = 0x8100;
    pub(crate) const QINQ: u16 = 0x88a8;
    /// The tag protocol some switches used for outer tags before 802.1ad.
    pub(crate) const QINQ_LEGACY: u16 = 0x9100;
}

pub(crate) const ETHERNET_HEADER_LEN: usize = 14;
const ETHERNET_TYPE: usize = 12;
/// A VLAN tag is a 2-byte TCI, then the ethertype of what follows.
const VLAN_TAG_LEN: usize = 4;
const VLAN_INNER_TYPE: usize = 2;
const SLL_HEADER_LEN: usize = 16;
const SLL_PROTOCOL: usize = 14;
const SLL2_HEADER_LEN: usize = 20;
const SLL2_PROTOCOL: usize = 0;
const NULL_HEADER_LEN: usize = 4;
const AF_INET: u32 = 2;

const IP_VERSION_SHIFT: u8 = 4;
const IP_IHL_MASK: u8 = 0x0f;
const IPV4_VERSION: u8 = 4;
const IPV6_VERSION: u8 = 6;
pub(crate) const IPV4_MIN_HEADER_LEN: usize = 20;
const IPV4_VERSION_IHL: usize = 0;
pub(crate) const IPV4_TOTAL_LENGTH: usize = 2;
const IPV4_FLAGS_FRAGMENT: usize = 6;
const IPV4_FRAGMENT_OFFSET_MASK: u16 = 0x1fff;
pub(crate) const IPV4_PROTOCOL: usize = 9;
pub(crate) const IPV4_SOURCE: usize = 12;
pub(crate) const IPV4_DESTINATION: usize = 16;
const IHL_UNIT: usize = 4;
pub(crate) const PROTOCOL_UDP: u8 = 17;

pub(crate) const UDP_HEADER_LEN: usize = 8;
pub(crate) const UDP_SOURCE_PORT: usize = 0;
pub(crate) const UDP_DESTINATION_PORT: usize = 2;
pub(crate) const UDP_LENGTH: usize = 4;

/// Whether [`dissect`] knows how to strip this link type's header.
pub(crate) fn is_supported(link_type: u32) -> bool {
    matches!(
        link_type,
        link_type::NULL
            | link_type::ETHERNET
            | link_type::RAW
            | link_type::LOOP
            | link_type::LINUX_SLL
            | link_type::IPV4
            | link_type::LINUX_SLL2
    )
}

/// A UDP datagram found in a frame, borrowing the frame's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Udp<'a> {
    pub(crate) source: SocketAddrV4,
    pub(crate) destination: SocketAddrV4,
    pub(crate) payload: &'a [u8],
    /// The payload is shorter than the UDP length says: cut by the snap
    /// length, or the first fragment of a fragmented datagram.
    pub(crate) partial: bool,
}

/// Why a frame holds no datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// ARP, IPv6, TCP, ICMP and anything else that is not UDP over IPv4.
    NotIpv4Udp,
    /// An IPv4 fragment after the first, which carries no UDP header.
    LaterFragment,
    /// The frame ends before the headers do.
    Truncated,
    /// A header field contradicts the others, such as an IHL below 5.
    Malformed,
    /// A link type with no dissector.
    UnsupportedLinkType,
}

/// Finds the UDP datagram in a frame of the given link type.
pub(crate) fn dissect(link_type: u32, frame: &[u8]) -> Result<Udp<'_>, Skip> {
    udp(ipv4_packet(link_type, frame)?)
}

/// Strips the link-layer header, keeping only frames that carry IPv4.
fn ipv4_packet(link_type: u32, frame: &[u8]) -> Result<&[u8], Skip> {
    let network = Endian::Big;
    match link_type {
        link_type::ETHERNET => {
            let ethertype = network.u16(frame, ETHERNET_TYPE).ok_or(Skip::Truncated)?;
            after_ethertype(ethertype, tail(frame, ETHERNET_HEADER_LEN)?)
        }
        link_type::LINUX_SLL => {
            let protocol = network.u16(frame, SLL_PROTOCOL).ok_or(Skip::Truncated)?;
            after_ethertype(protocol, tail(frame, SLL_HEADER_LEN)?)
        }
        link_type::LINUX_SLL2 => {
            let protocol = network.u16(frame, SLL2_PROTOCOL).ok_or(Skip::Truncated)?;
            after_ethertype(protocol, tail(frame, SLL2_HEADER_LEN)?)
        }
        link_type::NULL | link_type::LOOP => {
            // NULL is in the capturing host's order, which the file does not
            // record; AF_INET is 2 everywhere, so accept it either way round.
            let family = array4(frame, 0).ok_or(Skip::Truncated)?;
            if u32::from_le_bytes(family) == AF_INET || u32::from_be_bytes(family) == AF_INET {
                tail(frame, NULL_HEADER_LEN)
            } else {
                Err(Skip::NotIpv4Udp)
            }
        }
        link_type::RAW | link_type::IPV4 => Ok(frame),
        _ => Err(Skip::UnsupportedLinkType),
    }
}

fn tail(frame: &[u8], header_len: usize) -> Result<&[u8], Skip> {
    frame.get(header_len..).ok_or(Skip::Truncated)
}

/// Steps over any VLAN tags, each of which consumes four bytes, so the loop
/// ends on any input.
fn after_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Result<&[u8], Skip> {
    loop {
        match ethertype {
            ethertype::IPV4 => return Ok(rest),
            ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_LEGACY => {
                ethertype = Endian::Big
                    .u16(rest, VLAN_INNER_TYPE)
                    .ok_or(Skip::Truncated)?;
                rest = tail(rest, VLAN_TAG_LEN)?;
            }
            _ => return Err(Skip::NotIpv4Udp),
        }
    }
}

fn udp(packet: &[u8]) -> Result<Udp<'_>, Skip> {
    let network = Endian::Big;
    let &version_ihl = packet.get(IPV4_VERSION_IHL).ok_or(Skip::Truncated)?;
    match version_ihl >> IP_VERSION_SHIFT {
        IPV4_VERSION => {}
        IPV6_VERSION => return Err(Skip::NotIpv4Udp),
        _ => return Err(Skip::Malformed),
    }
    let header_len = usize::from(version_ihl & IP_IHL_MASK) * IHL_UNIT;
    if header_len < IPV4_MIN_HEADER_LEN {
        return Err(Skip::Malformed);
    }
    let header = packet.get(..header_len).ok_or(Skip::Truncated)?;
    let total_len = usize::from(network.u16(header, IPV4_TOTAL_LENGTH).unwrap_or_default());
    if total_len < header_len {
        return Err(Skip::Malformed);
    }
    if header.get(IPV4_PROTOCOL) != Some(&PROTOCOL_UDP) {
        return Err(Skip::NotIpv4Udp);
    }
    let fragment = network.u16(header, IPV4_FLAGS_FRAGMENT).unwrap_or_default();
    if fragment & IPV4_FRAGMENT_OFFSET_MASK != 0 {
        return Err(Skip::LaterFragment);
    }
    let address = |at| {
        array4(header, at)
            .map(Ipv4Addr::from)
            .unwrap_or(Ipv4Addr::UNSPECIFIED)
    };
    // What the IP header says it carries, less what the capture dropped.
    let cut_by_capture = total_len > packet.len();
    let ip_payload = packet
        .get(header_len..total_len.min(packet.len()))
        .unwrap_or_default();
    let udp_header = field(ip_payload, 0, UDP_HEADER_LEN).ok_or(if cut_by_capture {
        Skip::Truncated
    } else {
        Skip::Malformed
    })?;
    let port = |at| network.u16(udp_header, at).unwrap_or_default();
    let udp_len = usize::from(port(UDP_LENGTH));
    let declared = udp_len.checked_sub(UDP_HEADER_LEN).ok_or(Skip::Malformed)?;
    let available = ip_payload.get(UDP_HEADER_LEN..).unwrap_or_default();
    let payload = available.get(..declared).unwrap_or(available);
    Ok(Udp {
        source: SocketAddrV4::new(address(IPV4_SOURCE), port(UDP_SOURCE_PORT)),
        destination: SocketAddrV4::new(address(IPV4_DESTINATION), port(UDP_DESTINATION_PORT)),
        payload,
        partial: payload.len() < declared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 header with the given IHL, then a UDP header and payload.
    fn ipv4_udp(ihl: u8, payload: &[u8]) -> Vec<u8> {
        let header_len = usize::from(ihl) * IHL_UNIT;
        let udp_len = UDP_HEADER_LEN + payload.len();
        let total = u16::try_from(header_len + udp_len).unwrap();
        let mut packet = vec![0; header_len];
        packet[0] = (IPV4_VERSION << IP_VERSION_SHIFT) | ihl;
        packet[2..4].copy_from_slice(&total.to_be_bytes());
        packet[IPV4_PROTOCOL] = PROTOCOL_UDP;
        packet[12..16].copy_from_slice(&[10, 0, 0, 1]);
        packet[16..20].copy_from_slice(&[10, 0, 0, 2]);
        packet.extend_from_slice(&68u16.to_be_bytes());
        packet.extend_from_slice(&67u16.to_be_bytes());
        packet.extend_from_slice(&u16::try_from(udp_len).unwrap().to_be_bytes());
        packet.extend_from_slice(&[0, 0]);
        packet.extend_from_slice(payload);
        packet
    }

    #[test]
    fn ipv4_options_are_stepped_over() {
        let packet = ipv4_udp(7, b"hello");
        let udp = dissect(link_type::IPV4, &packet).unwrap();
        assert_eq!(udp.payload, b"hello");
        assert_eq!(udp.source, "10.0.0.1:68".parse().unwrap());
        assert_eq!(udp.destination, "10.0.0.2:67".parse().unwrap());
        assert!(!udp.partial);
    }

    #[test]
    fn ethernet_padding_is_not_payload() {
        let mut frame = vec![0; ETHERNET_TYPE];
        frame.extend_from_slice(&ethertype::IPV4.to_be_bytes());
        frame.extend_from_slice(&ipv4_udp(5, b"hi"));
        frame.extend_from_slice(&[0xee; 16]);
        assert_eq!(dissect(link_type::ETHERNET, &frame).unwrap().payload, b"hi");
    }

    #[test]
    fn stacked_vlan_tags_are_stepped_over() {
        let mut frame = vec![0; ETHERNET_TYPE];
        frame.extend_from_slice(&ethertype::QINQ.to_be_bytes());
        frame.extend_from_slice(&[0, 10]);
        frame.extend_from_slice(&ethertype::VLAN.to_be_bytes());
        frame.extend_from_slice(&[0, 20]);
        frame.extend_from_slice(&ethertype::IPV4.to_be_bytes());
        frame.extend_from_slice(&ipv4_udp(5, b"tagged"));
        assert_eq!(
            dissect(link_type::ETHERNET, &frame).unwrap().payload,
            b"tagged"
        );
    }

    #[test]
    fn null_loopback_accepts_either_byte_order() {
        for family in [AF_INET.to_le_bytes(), AF_INET.to_be_bytes()] {
            let mut frame = family.to_vec();
            frame.extend_from_slice(&ipv4_udp(5, b"lo"));
            assert_eq!(dissect(link_type::NULL, &frame).unwrap().payload, b"lo");
        }
    }

    #[test]
    fn later_fragments_are_skipped() {
        let mut packet = ipv4_udp(5, b"frag");
        packet[IPV4_FLAGS_FRAGMENT + 1] = 1;
        assert_eq!(dissect(link_type::RAW, &packet), Err(Skip::LaterFragment));
    }

    #[test]
    fn payload_cut_by_snaplen_is_kept_and_marked_partial() {
        let packet = ipv4_udp(5, b"0123456789");
        let udp = dissect(link_type::RAW, &packet[..packet.len() - 4]).unwrap();
        assert_eq!(udp.payload, b"012345");
        assert!(udp.partial);
    }

    #[test]
    fn headers_cut_short_are_truncated() {
        let packet = ipv4_udp(5, b"x");
        for len in 0..IPV4_MIN_HEADER_LEN + UDP_HEADER_LEN {
            assert_eq!(
                dissect(link_type::RAW, &packet[..len]),
                Err(Skip::Truncated),
                "{len}"
            );
        }
    }

    #[test]
    fn bad_lengths_are_malformed() {
        let mut short_ihl = ipv4_udp(5, b"x");
        short_ihl[0] = (IPV4_VERSION << IP_VERSION_SHIFT) | 4;
        assert_eq!(dissect(link_type::RAW, &short_ihl), Err(Skip::Malformed));
        let mut short_udp = ipv4_udp(5, b"x");
        short_udp[IPV4_MIN_HEADER_LEN + UDP_LENGTH + 1] = 7;
        assert_eq!(dissect(link_type::RAW, &short_udp), Err(Skip::Malformed));
    }

    #[test]
    fn non_udp_and_ipv6_are_not_datagrams() {
        let mut tcp = ipv4_udp(5, b"x");
        tcp[IPV4_PROTOCOL] = 6;
        assert_eq!(dissect(link_type::RAW, &tcp), Err(Skip::NotIpv4Udp));
        let ipv6 = [IPV6_VERSION << IP_VERSION_SHIFT; 40];
        assert_eq!(dissect(link_type::RAW, &ipv6), Err(Skip::NotIpv4Udp));
        let mut arp = vec![0; ETHERNET_TYPE];
        arp.extend_from_slice(&[0x08, 0x06]);
        arp.extend_from_slice(&[0; 28]);
        assert_eq!(dissect(link_type::ETHERNET, &arp), Err(Skip::NotIpv4Udp));
    }
}
