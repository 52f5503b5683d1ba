//! What a PXE client says about itself, read once from its request.

use crate::options::{
    ClientMachineIdentifier, ClientNdi, ClientNetworkInterface, ClientSystemArchitecture,
    DhcpOption, UserClass, UserClasses, VendorClassIdentifier, ARCH_X86_BIOS,
};
use crate::Packet;

use super::ipxe::IpxeFeatures;
use super::{IPXE, IPXE_ENCAPSULATED, PXE_CLIENT};

/// A PXE client's request, parsed: who it is and what it can boot.
///
/// Built by [`PxeClient::from_request`] from the options PXE 2.1 and RFC 4578 define
/// (60, 93, 94, 97) and those iPXE adds (77, 175). Every field is what the client
/// sent, so logs and boot decisions read the same facts.
///
/// ```
/// use ex_dhcp::pxe::PxeClient;
/// use ex_dhcp::options::ClientSystemArchitecture;
/// use ex_dhcp::{MessageType, Packet};
///
/// let discover = Packet::new(MessageType::Discover)
///     .with_raw_option(60, b"PXEClient:Arch:00007:UNDI:003016")
///     .with_option(ClientSystemArchitecture, vec![7]);
/// let client = PxeClient::from_request(&discover).expect("a PXE client");
/// assert_eq!(client.architecture, 7); // x64 UEFI
/// assert!(!client.is_ipxe());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PxeClient {
    /// The architecture to boot for: the first of option 93, or x86 BIOS (0) when the
    /// option is absent (PXE 2.1 clients all send it; only old BIOS ROMs do not).
    pub architecture: u16,
    /// Every architecture of option 93, in the client's order of preference.
    pub architectures: Vec<u16>,
    /// Option 94: the UNDI version of the network interface, if sent.
    pub undi: Option<ClientNdi>,
    /// Option 97 as sent (type byte, then the UUID/GUID): replies echo it, since some
    /// firmware drops a PXE offer without it.
    pub machine_id: Option<Vec<u8>>,
    /// Option 60 as sent, such as `PXEClient:Arch:00007:UNDI:003016` (bytes: clients
    /// are not bound to UTF-8; [`PxeClient::vendor_class_text`] reads it as text).
    pub vendor_class: Vec<u8>,
    /// iPXE's own description (options 77 and 175), when the client is iPXE.
    pub ipxe: Option<IpxeFeatures>,
}

impl PxeClient {
    /// The client's description, or `None` when the request is not from a PXE client
    /// (option 60 does not start with `PXEClient`) and not from iPXE either.
    pub fn from_request(request: &Packet) -> Option<PxeClient> {
        let vendor_class = request
            .options
            .get_raw(VendorClassIdentifier::CODE)
            .map(|raw| raw.into_owned())
            .unwrap_or_default();
        let ipxe = is_ipxe(request).then(|| {
            IpxeFeatures::parse(
                request
                    .options
                    .get_raw(IPXE_ENCAPSULATED)
                    .as_deref()
                    .unwrap_or_default(),
            )
        });
        if !vendor_class.starts_with(PXE_CLIENT.as_bytes()) && ipxe.is_none() {
            return None;
        }
        let architectures = request
            .options
            .get(ClientSystemArchitecture)
            .unwrap_or_default();
        Some(PxeClient {
            architecture: architectures.first().copied().unwrap_or(ARCH_X86_BIOS),
            architectures,
            undi: request.options.get(ClientNetworkInterface),
            machine_id: request
                .options
                .get_raw(ClientMachineIdentifier::CODE)
                .map(|raw| raw.into_owned()),
            vendor_class,
            ipxe,
        })
    }

    /// True when option 60 starts with `PXEClient`: the firmware's PXE client, or iPXE
    /// (which sends it too).
    pub fn is_pxe_client(&self) -> bool {
        self.vendor_class.starts_with(PXE_CLIENT.as_bytes())
    }

    /// Option 60 as text, for logs (bytes that are not UTF-8 shown as U+FFFD).
    pub fn vendor_class_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.vendor_class)
    }

    /// True when the client is iPXE (option 77 `iPXE`).
    pub fn is_ipxe(&self) -> bool {
        self.ipxe.is_some()
    }
}

/// True when the client is iPXE: option 77 is `iPXE`, as iPXE sends it (plain text)
/// or as one of an RFC 3004 list.
fn is_ipxe(request: &Packet) -> bool {
    match request.options.get(UserClass) {
        Some(UserClasses::Text(text)) => text == IPXE.as_bytes(),
        Some(UserClasses::Classes(classes)) => classes.iter().any(|c| c == IPXE.as_bytes()),
        _ => false,
    }
}
