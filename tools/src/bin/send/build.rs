//! Building a client packet from flags: what dhtest and perfdhcp users expect to
//! type instead of crafting bytes.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use ex_dhcp::options::{
    ClientIdentifier, ClientNetworkInterface, ClientSystemArchitecture, DhcpOption,
    RequestedIpAddress, ServerIdentifier, VendorClassIdentifier,
};
use ex_dhcp::{Mac, MessageType, Packet};
use ex_dhcp_tools::cli::hex;

/// Option codes set from flags (RFC 2132, RFC 4578).
const REQUESTED_IP: u8 = RequestedIpAddress::CODE;
const SERVER_ID: u8 = ServerIdentifier::CODE;
const VENDOR_CLASS: u8 = VendorClassIdentifier::CODE;
const CLIENT_ID: u8 = ClientIdentifier::CODE;
const CLIENT_ARCH: u8 = ClientSystemArchitecture::CODE;
const CLIENT_NDI: u8 = ClientNetworkInterface::CODE;
/// The client's MAC when `--mac` is not given: locally administered.
pub const DEFAULT_MAC: Mac = Mac::new([0x02, 0, 0, 0, 0, 0x01]);
/// UNDI 3.16, what PXE 2.1 clients announce (option 94: type 1, major 3, minor 16).
const UNDI_VERSION: [u8; 3] = [1, 3, 16];

/// The message types `--build` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Discover,
    Request,
    Inform,
    Release,
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "discover" => Ok(Kind::Discover),
            "request" => Ok(Kind::Request),
            "inform" => Ok(Kind::Inform),
            "release" => Ok(Kind::Release),
            _ => Err("takes discover, request, inform or release".to_owned()),
        }
    }
}

impl From<Kind> for MessageType {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Discover => MessageType::Discover,
            Kind::Request => MessageType::Request,
            Kind::Inform => MessageType::Inform,
            Kind::Release => MessageType::Release,
        }
    }
}

/// What the packet flags say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub kind: Kind,
    pub mac: Mac,
    /// `None`: one from the clock.
    pub xid: Option<u32>,
    pub client_id: Option<Vec<u8>>,
    pub pxe_arch: Option<u16>,
    pub requested_ip: Option<Ipv4Addr>,
    pub server_id: Option<Ipv4Addr>,
    pub ciaddr: Ipv4Addr,
    /// `--option CODE=HEX`, in order; they replace what the other flags set.
    pub options: Vec<(u8, Vec<u8>)>,
}

impl Default for Build {
    fn default() -> Self {
        Build {
            kind: Kind::Discover,
            mac: DEFAULT_MAC,
            xid: None,
            client_id: None,
            pxe_arch: None,
            requested_ip: None,
            server_id: None,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            options: Vec::new(),
        }
    }
}

impl Build {
    /// The transaction id: the one given, or one from the clock.
    pub fn xid(&self) -> u32 {
        self.xid.unwrap_or_else(clock_xid)
    }

    /// The packet of this kind, with transaction id `xid`.
    pub fn packet(&self, kind: Kind, xid: u32) -> Packet {
        let mut packet = Packet::new(kind.into());
        packet.xid = xid;
        packet.set_mac(self.mac);
        packet.ciaddr = self.ciaddr;
        let options = &mut packet.options;
        if let Some(id) = &self.client_id {
            options.set_raw(CLIENT_ID, id);
        }
        if let Some(address) = self.requested_ip {
            options.set_raw(REQUESTED_IP, &address.octets());
        }
        if let Some(address) = self.server_id {
            options.set_raw(SERVER_ID, &address.octets());
        }
        if let Some(arch) = self.pxe_arch {
            options.set_raw(CLIENT_ARCH, &arch.to_be_bytes());
            options.set_raw(CLIENT_NDI, &UNDI_VERSION);
            let class = format!("PXEClient:Arch:{arch:05}:UNDI:003016");
            options.set_raw(VENDOR_CLASS, class.as_bytes());
        }
        for (code, value) in &self.options {
            options.set_raw(*code, value);
        }
        packet
    }

    /// The REQUEST that takes `offer` (RFC 2131 section 4.3.2, SELECTING): the
    /// offered address in option 50, the offering server in option 54.
    pub fn request_for(&self, offer: &Packet) -> Packet {
        let mut build = self.clone();
        build.requested_ip = Some(offer.yiaddr);
        build.server_id = offer
            .options
            .get_raw(SERVER_ID)
            .and_then(|bytes| <[u8; 4]>::try_from(bytes.as_ref()).ok())
            .map(Ipv4Addr::from)
            .or(self.server_id);
        build.ciaddr = Ipv4Addr::UNSPECIFIED;
        build.packet(Kind::Request, offer.xid)
    }
}

/// A transaction id that differs from run to run; `--xid` fixes it.
fn clock_xid() -> u32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
}

/// Hex bytes, `:` separators allowed: `01aabb` or `01:aa:bb`.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text.chars().filter(|&c| c != ':').collect();
    if !digits.len().is_multiple_of(2) || digits.is_empty() {
        return Err("needs hex bytes, two digits each".to_owned());
    }
    (0..digits.len())
        .step_by(2)
        .map(|at| {
            digits
                .get(at..at + 2)
                .and_then(hex::byte)
                .ok_or_else(|| format!("{:?} is not hex", digits.get(at..).unwrap_or_default()))
        })
        .collect()
}

/// A packet in one line for the steps: type, xid, addresses that matter.
pub struct Summary<'a>(pub &'a Packet);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let packet = self.0;
        match packet.message_type() {
            Some(kind) => write!(f, "{kind}")?,
            None => f.write_str("BOOTP")?,
        }
        write!(f, " xid {:#010x}", packet.xid)?;
        if packet.yiaddr != Ipv4Addr::UNSPECIFIED {
            write!(f, " yiaddr {}", packet.yiaddr)?;
        }
        if let Some(server) = packet
            .options
            .get_raw(SERVER_ID)
            .and_then(|bytes| <[u8; 4]>::try_from(bytes.as_ref()).ok())
        {
            write!(f, " server {}", Ipv4Addr::from(server))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pxe_discover_carries_arch_undi_and_class() {
        let build = Build {
            pxe_arch: Some(7),
            client_id: Some(vec![1, 2, 0, 0, 0, 0, 1]),
            ..Build::default()
        };
        let packet = build.packet(Kind::Discover, 42);
        assert_eq!(packet.message_type(), Some(MessageType::Discover));
        assert_eq!(packet.xid, 42);
        assert_eq!(packet.mac(), Some(DEFAULT_MAC));
        assert_eq!(
            packet.options.get_raw(CLIENT_ARCH).unwrap().as_ref(),
            [0, 7]
        );
        assert_eq!(
            packet.options.get_raw(VENDOR_CLASS).unwrap().as_ref(),
            b"PXEClient:Arch:00007:UNDI:003016"
        );
        assert_eq!(packet.options.get_raw(CLIENT_ID).unwrap().len(), 7);
    }

    #[test]
    fn the_request_names_the_offer_and_its_server() {
        let discover = Build::default().packet(Kind::Discover, 7);
        let mut offer = ex_dhcp::respond(&discover, MessageType::Offer);
        offer.yiaddr = Ipv4Addr::new(198, 18, 0, 100);
        offer.options.set_raw(SERVER_ID, &[198, 18, 0, 1]);
        let request = Build::default().request_for(&offer);
        assert_eq!(request.message_type(), Some(MessageType::Request));
        assert_eq!(request.xid, 7);
        assert_eq!(
            request.options.get_raw(REQUESTED_IP).unwrap().as_ref(),
            [198, 18, 0, 100]
        );
        assert_eq!(
            request.options.get_raw(SERVER_ID).unwrap().as_ref(),
            [198, 18, 0, 1]
        );
    }

    #[test]
    fn hex_is_read_strictly() {
        assert_eq!(parse_hex("01:aa:BB"), Ok(vec![1, 0xaa, 0xbb]));
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
        assert!(parse_hex("+a").is_err(), "a sign is not a hex digit");
        assert!(parse_hex("01:+a").is_err(), "a sign is not a hex digit");
    }
}
