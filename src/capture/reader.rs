//! Format detection, and the datagrams and counters that reading yields.

use std::net::SocketAddrV4;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::bytes::array4;
use super::error::CaptureError;
use super::frame::{self, Skip};
use super::{pcap, pcapng};

/// The DHCP server port.
const DHCP_SERVER_PORT: u16 = 67;
/// The DHCP client port.
const DHCP_CLIENT_PORT: u16 = 68;

/// One UDP datagram over IPv4 found in a capture, or to be written to one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Datagram {
    /// When the frame was captured, as time since the Unix epoch. Zero for
    /// pcapng simple packet blocks, which carry no timestamp.
    pub timestamp: Duration,
    /// The IPv4 source address and UDP source port.
    pub source: SocketAddrV4,
    /// The IPv4 destination address and UDP destination port.
    pub destination: SocketAddrV4,
    /// The UDP payload: at most the UDP length field minus the 8-byte
    /// header, and less if the capture holds less (see
    /// [`CaptureStats::partial_payloads`]).
    pub payload: Vec<u8>,
}

impl Datagram {
    /// Whether either port is a DHCP port (67 for servers, 68 for clients).
    ///
    /// Relayed traffic runs from port 67 to port 67, so this accepts it too.
    pub fn is_dhcp_port(&self) -> bool {
        [self.source.port(), self.destination.port()]
            .iter()
            .any(|&port| port == DHCP_SERVER_PORT || port == DHCP_CLIENT_PORT)
    }

    /// The capture time as a [`SystemTime`], or `None` if it does not fit.
    pub fn system_time(&self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(self.timestamp)
    }
}

/// What happened to the frames of a capture.
///
/// Every frame read is counted in [`frames`](Self::frames) and in exactly one
/// of `datagrams` or the skip counters; a datagram may also be counted in
/// `partial_payloads`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptureStats {
    /// Packet records read.
    pub frames: usize,
    /// Frames that held a UDP datagram over IPv4.
    pub datagrams: usize,
    /// Datagrams whose payload is shorter than their UDP length field says,
    /// because the snap length cut it or it is the first of several IPv4
    /// fragments; they are returned all the same.
    pub partial_payloads: usize,
    /// Skipped: ARP, IPv6, TCP, ICMP and everything else that is not UDP
    /// over IPv4.
    pub not_ipv4_udp: usize,
    /// Skipped: IPv4 fragments after the first, which carry no UDP header.
    pub later_fragments: usize,
    /// Skipped: frames captured too short to hold their own headers.
    pub truncated: usize,
    /// Skipped: frames whose header fields contradict each other, such as an
    /// IPv4 header length below 20 bytes or a UDP length below 8.
    pub malformed: usize,
    /// Skipped: frames from a pcapng interface whose link type cannot be
    /// dissected.
    pub unsupported_link_type: usize,
}

impl CaptureStats {
    /// Frames that held no datagram, for any reason.
    pub fn skipped(&self) -> usize {
        self.frames.saturating_sub(self.datagrams)
    }

    fn count(&mut self, skip: Skip) {
        let counter = match skip {
            Skip::NotIpv4Udp => &mut self.not_ipv4_udp,
            Skip::LaterFragment => &mut self.later_fragments,
            Skip::Truncated => &mut self.truncated,
            Skip::Malformed => &mut self.malformed,
            Skip::UnsupportedLinkType => &mut self.unsupported_link_type,
        };
        *counter += 1;
    }
}

/// Every datagram in a capture, in capture order, and what was skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capture {
    /// The datagrams found.
    pub datagrams: Vec<Datagram>,
    /// How many frames were read, and why those without a datagram were
    /// skipped.
    pub stats: CaptureStats,
}

/// One packet record of either format, before dissection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub(crate) timestamp: Duration,
    pub(crate) link_type: u32,
    pub(crate) data: &'a [u8],
}

#[derive(Debug, Clone)]
enum Records<'a> {
    Pcap(pcap::Records<'a>),
    Pcapng(pcapng::Records<'a>),
}

/// An iterator over the datagrams of a capture held in memory, made by
/// [`datagrams`].
///
/// It yields an error at most once, for a problem with the file structure,
/// and then ends; the datagrams before it stay usable. [`stats`](Self::stats)
/// counts what has been read so far.
#[derive(Debug, Clone)]
pub struct Datagrams<'a> {
    records: Records<'a>,
    stats: CaptureStats,
    finished: bool,
}

impl<'a> Datagrams<'a> {
    /// How many frames have been read so far, and why any were skipped.
    pub fn stats(&self) -> &CaptureStats {
        &self.stats
    }

    fn next_record(&mut self) -> Option<Result<Record<'a>, CaptureError>> {
        match &mut self.records {
            Records::Pcap(records) => records.next(),
            Records::Pcapng(records) => records.next(),
        }
    }
}

impl Iterator for Datagrams<'_> {
    type Item = Result<Datagram, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let record = match self.next_record() {
                Some(Ok(record)) => record,
                Some(Err(error)) => {
                    self.finished = true;
                    return Some(Err(error));
                }
                None => break,
            };
            self.stats.frames += 1;
            match frame::dissect(record.link_type, record.data) {
                Ok(udp) => {
                    self.stats.datagrams += 1;
                    self.stats.partial_payloads += usize::from(udp.partial);
                    return Some(Ok(Datagram {
                        timestamp: record.timestamp,
                        source: udp.source,
                        destination: udp.destination,
                        payload: udp.payload.to_vec(),
                    }));
                }
                Err(skip) => self.stats.count(skip),
            }
        }
        self.finished = true;
        None
    }
}

/// Starts reading a classic pcap or pcapng capture held in memory, telling
/// the format by its first bytes.
///
/// Fails at once if the input is not a capture, or is a pcap file whose link
/// type cannot be dissected; later problems come from the iterator.
pub fn datagrams(bytes: &[u8]) -> Result<Datagrams<'_>, CaptureError> {
    let records = if let Some(header) = pcap::Header::parse(bytes)? {
        let link_type = header.link_type();
        if !frame::is_supported(link_type) {
            return Err(CaptureError::UnsupportedLinkType(link_type));
        }
        Records::Pcap(pcap::Records::new(bytes, header))
    } else if pcapng::is_pcapng(bytes) {
        Records::Pcapng(pcapng::Records::new(bytes))
    } else {
        let magic = array4(bytes, 0).unwrap_or_default();
        return Err(CaptureError::NotACapture { magic });
    };
    Ok(Datagrams {
        records,
        stats: CaptureStats::default(),
        finished: false,
    })
}

/// Reads every datagram of a classic pcap or pcapng capture held in memory.
///
/// Frames without a UDP datagram over IPv4 are skipped and counted in
/// [`Capture::stats`]; only a broken file structure is an error, and it
/// discards what was read before it (use [`datagrams`] to keep that).
pub fn read_datagrams(bytes: &[u8]) -> Result<Capture, CaptureError> {
    let mut reader = datagrams(bytes)?;
    let datagrams = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok(Capture {
        datagrams,
        stats: reader.stats,
    })
}

/// Reads every datagram of the classic pcap or pcapng file at `path`, as
/// [`read_datagrams`] does.
pub fn read_file(path: impl AsRef<Path>) -> Result<Capture, CaptureError> {
    read_datagrams(&std::fs::read(path)?)
}
