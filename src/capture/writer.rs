//! Writing datagrams as classic pcap: microsecond timestamps, little-endian,
//! link type Ethernet, each datagram in a synthetic Ethernet, IPv4 and UDP
//! frame that Wireshark and tcpdump dissect like captured traffic.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::Ipv4Addr;
use std::path::Path;

use super::bytes::{array4, Endian};
use super::error::CaptureError;
use super::frame::{
    ethertype, link_type, ETHERNET_HEADER_LEN, IPV4_DESTINATION, IPV4_MIN_HEADER_LEN,
    IPV4_PROTOCOL, IPV4_SOURCE, IPV4_TOTAL_LENGTH, PROTOCOL_UDP, UDP_DESTINATION_PORT,
    UDP_HEADER_LEN, UDP_LENGTH, UDP_SOURCE_PORT,
};
use super::pcap::{self, Header};
use super::reader::Datagram;

/// Large enough for the largest frame this writer makes; libpcap's own
/// maximum, so readers accept it.
const SNAPLEN: u32 = 262_144;

const MAC_LEN: usize = 6;
const BROADCAST_MAC: [u8; MAC_LEN] = [0xff; MAC_LEN];
/// Locally administered, unicast: no real vendor owns these addresses.
const SYNTHETIC_MAC_PREFIX: [u8; 2] = [0x02, 0x00];
/// IPv4 multicast maps to 01:00:5e and the group's low 23 bits.
const MULTICAST_MAC_PREFIX: [u8; 3] = [0x01, 0x00, 0x5e];
const MULTICAST_MAC_LOW_MASK: u8 = 0x7f;

/// Version 4, header length 5 words: no options.
const IPV4_VERSION_IHL: u8 = 0x45;
const IPV4_TTL_FIELD: usize = 8;
const IPV4_TTL: u8 = 64;
const IPV4_CHECKSUM: usize = 10;
const UDP_CHECKSUM: usize = 6;
const PSEUDO_HEADER_LEN: usize = 12;
const PSEUDO_HEADER_PROTOCOL: usize = 9;
const PSEUDO_HEADER_LENGTH: usize = 10;
/// The IPv4 total length field is 16 bits wide.
const MAX_IPV4_TOTAL_LEN: usize = 65_535;
/// 65,507 bytes: what is left of an IPv4 datagram after its headers.
const MAX_PAYLOAD_LEN: usize = MAX_IPV4_TOTAL_LEN - IPV4_MIN_HEADER_LEN - UDP_HEADER_LEN;
/// A computed UDP checksum of zero is sent as all ones, since zero means
/// "no checksum".
const UDP_CHECKSUM_ZERO: u16 = 0xffff;

/// Writes datagrams to a classic pcap stream.
///
/// Each record is written with a single `write_all`, so a file cut short by a
/// crash loses at most the record being written.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    inner: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the pcap global header to `inner` and returns a writer for the
    /// records that follow.
    pub fn new(mut inner: W) -> io::Result<Self> {
        inner.write_all(&global_header())?;
        Ok(Self { inner })
    }

    /// Writes one datagram, in a frame between synthetic MAC addresses made
    /// from the IP addresses: `02:00` and the four octets, except that
    /// broadcast and multicast destinations get their usual MAC addresses.
    ///
    /// Fails with [`CaptureError::PayloadTooLarge`] for a payload over 65,507
    /// bytes and [`CaptureError::TimestampOutOfRange`] for a time after 2106.
    pub fn write_datagram(&mut self, datagram: &Datagram) -> Result<(), CaptureError> {
        let source = mac_for(*datagram.source.ip());
        let destination = mac_for(*datagram.destination.ip());
        self.write_datagram_with_macs(datagram, source, destination)
    }

    /// Writes one datagram in a frame between the given MAC addresses.
    pub fn write_datagram_with_macs(
        &mut self,
        datagram: &Datagram,
        source_mac: [u8; 6],
        destination_mac: [u8; 6],
    ) -> Result<(), CaptureError> {
        let record = record(datagram, source_mac, destination_mac)?;
        self.inner.write_all(&record)?;
        Ok(())
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// The underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gives back the underlying writer, without flushing it.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Read + Write + Seek> PcapWriter<W> {
    /// Continues a pcap stream: writes the global header if `inner` is
    /// empty, and otherwise checks that it is a microsecond, little-endian,
    /// Ethernet pcap that ends on a record boundary, then appends after its
    /// last record.
    pub fn append(mut inner: W) -> Result<Self, CaptureError> {
        let end = inner.seek(SeekFrom::End(0))?;
        if end == 0 {
            return Ok(Self::new(inner)?);
        }
        inner.seek(SeekFrom::Start(0))?;
        let mut header = Vec::new();
        (&mut inner)
            .take(to_u64(pcap::GLOBAL_HEADER_LEN))
            .read_to_end(&mut header)?;
        let magic = array4(&header, pcap::MAGIC).unwrap_or_default();
        let Some(parsed) = Header::parse(&header)? else {
            return Err(if super::pcapng::is_pcapng(&header) {
                CaptureError::CannotAppend {
                    magic,
                    link_type: None,
                }
            } else {
                CaptureError::NotACapture { magic }
            });
        };
        if parsed != appendable_header() {
            return Err(CaptureError::CannotAppend {
                magic,
                link_type: Some(parsed.link_type_field),
            });
        }
        check_record_boundaries(&mut inner, end)?;
        inner.seek(SeekFrom::End(0))?;
        Ok(Self { inner })
    }
}

impl PcapWriter<File> {
    /// Opens the pcap file at `path` for appending, creating it if it does
    /// not exist, as [`append`](Self::append) does.
    pub fn append_to_file(path: impl AsRef<Path>) -> Result<Self, CaptureError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        Self::append(file)
    }
}

/// The header this writer writes, as the reader sees it.
fn appendable_header() -> Header {
    Header {
        endian: Endian::Little,
        nanosecond: false,
        link_type_field: link_type::ETHERNET,
    }
}

fn global_header() -> [u8; pcap::GLOBAL_HEADER_LEN] {
    let mut header = [0; pcap::GLOBAL_HEADER_LEN];
    let mut put = |at: usize, bytes: &[u8]| header[at..at + bytes.len()].copy_from_slice(bytes);
    put(pcap::MAGIC, &pcap::MAGIC_MICROS.to_le_bytes());
    put(
        pcap::VERSION_MAJOR_FIELD,
        &pcap::VERSION_MAJOR.to_le_bytes(),
    );
    put(
        pcap::VERSION_MINOR_FIELD,
        &pcap::VERSION_MINOR.to_le_bytes(),
    );
    put(pcap::SNAPLEN_FIELD, &SNAPLEN.to_le_bytes());
    put(pcap::LINK_TYPE_FIELD, &link_type::ETHERNET.to_le_bytes());
    header
}

/// Walks the record headers so that appending never follows a record cut
/// short, which would misalign every record after it.
fn check_record_boundaries<R: Read + Seek>(inner: &mut R, end: u64) -> Result<(), CaptureError> {
    let mut offset = to_u64(pcap::GLOBAL_HEADER_LEN);
    let truncated = |offset: u64| CaptureError::Truncated {
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
    };
    while offset < end {
        let mut header = [0; pcap::RECORD_HEADER_LEN];
        inner.seek(SeekFrom::Start(offset))?;
        inner
            .read_exact(&mut header)
            .map_err(|error| match error.kind() {
                io::ErrorKind::UnexpectedEof => truncated(offset),
                _ => CaptureError::Io(error),
            })?;
        let captured = Endian::Little
            .u32(&header, pcap::INCL_LEN_FIELD)
            .unwrap_or_default();
        let next = offset + to_u64(pcap::RECORD_HEADER_LEN) + u64::from(captured);
        if next > end {
            return Err(truncated(offset));
        }
        offset = next;
    }
    Ok(())
}

fn to_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn mac_for(ip: Ipv4Addr) -> [u8; MAC_LEN] {
    let octets = ip.octets();
    if ip.is_broadcast() {
        BROADCAST_MAC
    } else if ip.is_multicast() {
        let [p0, p1, p2] = MULTICAST_MAC_PREFIX;
        [
            p0,
            p1,
            p2,
            octets[1] & MULTICAST_MAC_LOW_MASK,
            octets[2],
            octets[3],
        ]
    } else {
        let [p0, p1] = SYNTHETIC_MAC_PREFIX;
        [p0, p1, octets[0], octets[1], octets[2], octets[3]]
    }
}

/// A whole pcap record: record header, Ethernet, IPv4, UDP, payload.
fn record(
    datagram: &Datagram,
    source_mac: [u8; MAC_LEN],
    destination_mac: [u8; MAC_LEN],
) -> Result<Vec<u8>, CaptureError> {
    let payload = &datagram.payload;
    if payload.len() > MAX_PAYLOAD_LEN {
        return Err(CaptureError::PayloadTooLarge {
            length: payload.len(),
        });
    }
    let seconds = datagram.timestamp.as_secs();
    let seconds =
        u32::try_from(seconds).map_err(|_| CaptureError::TimestampOutOfRange { seconds })?;
    let frame_len = ETHERNET_HEADER_LEN + IPV4_MIN_HEADER_LEN + UDP_HEADER_LEN + payload.len();
    // The payload bound above keeps every length below 65,536.
    let frame_len_field = u32::try_from(frame_len).unwrap_or(u32::MAX);

    let mut record = Vec::with_capacity(pcap::RECORD_HEADER_LEN + frame_len);
    record.extend_from_slice(&seconds.to_le_bytes());
    record.extend_from_slice(&datagram.timestamp.subsec_micros().to_le_bytes());
    record.extend_from_slice(&frame_len_field.to_le_bytes());
    record.extend_from_slice(&frame_len_field.to_le_bytes());
    record.extend_from_slice(&destination_mac);
    record.extend_from_slice(&source_mac);
    record.extend_from_slice(&ethertype::IPV4.to_be_bytes());
    record.extend_from_slice(&ipv4_header(datagram));
    record.extend_from_slice(&udp_header(datagram));
    record.extend_from_slice(payload);
    Ok(record)
}

fn length_field(len: usize) -> [u8; 2] {
    u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes()
}

fn ipv4_header(datagram: &Datagram) -> [u8; IPV4_MIN_HEADER_LEN] {
    let total_len = IPV4_MIN_HEADER_LEN + UDP_HEADER_LEN + datagram.payload.len();
    // Identification, flags, fragment offset and TOS all stay zero.
    let mut header = [0; IPV4_MIN_HEADER_LEN];
    header[0] = IPV4_VERSION_IHL;
    header[IPV4_TOTAL_LENGTH..IPV4_TOTAL_LENGTH + 2].copy_from_slice(&length_field(total_len));
    header[IPV4_TTL_FIELD] = IPV4_TTL;
    header[IPV4_PROTOCOL] = PROTOCOL_UDP;
    header[IPV4_SOURCE..IPV4_SOURCE + 4].copy_from_slice(&datagram.source.ip().octets());
    header[IPV4_DESTINATION..IPV4_DESTINATION + 4]
        .copy_from_slice(&datagram.destination.ip().octets());
    let sum = checksum(&[&header]);
    header[IPV4_CHECKSUM..IPV4_CHECKSUM + 2].copy_from_slice(&sum.to_be_bytes());
    header
}

fn udp_header(datagram: &Datagram) -> [u8; UDP_HEADER_LEN] {
    let udp_len = length_field(UDP_HEADER_LEN + datagram.payload.len());
    let mut header = [0; UDP_HEADER_LEN];
    header[UDP_SOURCE_PORT..UDP_SOURCE_PORT + 2]
        .copy_from_slice(&datagram.source.port().to_be_bytes());
    header[UDP_DESTINATION_PORT..UDP_DESTINATION_PORT + 2]
        .copy_from_slice(&datagram.destination.port().to_be_bytes());
    header[UDP_LENGTH..UDP_LENGTH + 2].copy_from_slice(&udp_len);
    // RFC 768 pseudo-header: addresses, a zero byte, protocol, UDP length.
    let mut pseudo_header = [0; PSEUDO_HEADER_LEN];
    pseudo_header[..4].copy_from_slice(&datagram.source.ip().octets());
    pseudo_header[4..8].copy_from_slice(&datagram.destination.ip().octets());
    pseudo_header[PSEUDO_HEADER_PROTOCOL] = PROTOCOL_UDP;
    pseudo_header[PSEUDO_HEADER_LENGTH..].copy_from_slice(&udp_len);
    let sum = match checksum(&[&pseudo_header, &header, &datagram.payload]) {
        0 => UDP_CHECKSUM_ZERO,
        sum => sum,
    };
    header[UDP_CHECKSUM..UDP_CHECKSUM + 2].copy_from_slice(&sum.to_be_bytes());
    header
}

/// The Internet checksum (RFC 1071) over the concatenated chunks.
fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let bytes = chunks.iter().flat_map(|chunk| chunk.iter());
    for (index, &byte) in bytes.enumerate() {
        // Even positions are the high byte of a 16-bit word.
        sum += if index % 2 == 0 {
            u64::from(byte) << 8
        } else {
            u64::from(byte)
        };
    }
    while sum > u64::from(u16::MAX) {
        sum = (sum & u64::from(u16::MAX)) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc_1071_example() {
        // RFC 1071 section 3: the words sum to 0xddf2, so the checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&[&data]), !0xddf2);
        assert_eq!(checksum(&[&data[..3], &data[3..]]), !0xddf2);
    }

    #[test]
    fn ipv4_header_checksum_verifies_to_zero() {
        let datagram = Datagram {
            timestamp: std::time::Duration::ZERO,
            source: "192.168.0.1:67".parse().unwrap(),
            destination: "255.255.255.255:68".parse().unwrap(),
            payload: vec![1, 2, 3],
        };
        assert_eq!(checksum(&[&ipv4_header(&datagram)]), 0);
    }

    #[test]
    fn macs_follow_the_destination_kind() {
        assert_eq!(mac_for(Ipv4Addr::BROADCAST), BROADCAST_MAC);
        assert_eq!(
            mac_for(Ipv4Addr::new(224, 129, 2, 3)),
            [0x01, 0x00, 0x5e, 1, 2, 3]
        );
        assert_eq!(
            mac_for(Ipv4Addr::new(10, 1, 2, 3)),
            [0x02, 0x00, 10, 1, 2, 3]
        );
    }
}
