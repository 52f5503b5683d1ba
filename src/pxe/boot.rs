//! The boot server's answer: which file, from which server, beside an address or as
//! proxyDHCP.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::options::{
    pxe, BootfileNameNul, ClientMachineIdentifier, DhcpOption, NulTerminated, ServerIdentifier,
    SubOptions, VendorClassIdentifier, VendorInfo, VendorSpecificInformation, ARCH_ARM64_UEFI,
    ARCH_EBC, ARCH_X64_UEFI, ARCH_X86_BIOS,
};
use crate::{respond, MessageType, Packet};

use super::{ipxe, PxeClient, IPXE_ENCAPSULATED, PXE_CLIENT};

/// Discovery control (option 43, sub-option 6) bit 3: a boot file is in this reply,
/// download it, no menu or boot server discovery.
const USE_BOOT_FILE: u8 = 0x08;

/// Boot files by client architecture (option 93).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootMap(BTreeMap<u16, String>);

impl Default for BootMap {
    /// iPXE's usual names: BIOS `undionly.kpxe`, x64 UEFI (7 and 9) `ipxe.efi`, ARM64
    /// UEFI `ipxe-arm64.efi`.
    fn default() -> Self {
        BootMap(BTreeMap::from([
            (ARCH_X86_BIOS, "undionly.kpxe".to_owned()),
            (ARCH_X64_UEFI, "ipxe.efi".to_owned()),
            (ARCH_EBC, "ipxe.efi".to_owned()),
            (ARCH_ARM64_UEFI, "ipxe-arm64.efi".to_owned()),
        ]))
    }
}

impl BootMap {
    /// Sets the file for an architecture.
    pub fn set(&mut self, arch: u16, file: String) {
        self.0.insert(arch, file);
    }

    /// The file for an architecture.
    pub fn get(&self, arch: u16) -> Option<&str> {
        self.0.get(&arch).map(String::as_str)
    }
}

/// The boot server's identity and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boot {
    /// This server's address: option 54.
    pub server_id: Ipv4Addr,
    /// The TFTP server: `siaddr`.
    pub next_server: Ipv4Addr,
    /// The files.
    pub files: BootMap,
    /// The file for iPXE itself, whatever its architecture: usually a script. `None`
    /// gives iPXE the architecture's file like any other client.
    pub ipxe_file: Option<String>,
}

impl Boot {
    /// The boot server at `server_id`, which is its clients' TFTP server too, with
    /// iPXE's default files by architecture ([`BootMap::default`]) and no file of
    /// iPXE's own: set the fields to change them.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use ex_dhcp::pxe::Boot;
    ///
    /// let mut boot = Boot::new(Ipv4Addr::new(198, 18, 0, 1));
    /// boot.ipxe_file = Some("boot.ipxe".into());
    /// assert_eq!(boot.next_server, boot.server_id);
    /// assert_eq!(boot.files.get(7), Some("ipxe.efi"));
    /// ```
    pub fn new(server_id: Ipv4Addr) -> Self {
        Boot {
            server_id,
            next_server: server_id,
            files: BootMap::default(),
            ipxe_file: None,
        }
    }

    /// The file for this client: iPXE's own when the client is iPXE and there is one,
    /// else the file of its architecture; `None` if it is not a PXE client (option 60
    /// `PXEClient`) or has no file for its architecture.
    pub fn file_for(&self, client: &PxeClient) -> Option<&str> {
        if !client.is_pxe_client() {
            return None;
        }
        match &self.ipxe_file {
            Some(file) if client.is_ipxe() => Some(file),
            _ => self.files.get(client.architecture),
        }
    }

    /// Adds boot information to a reply that carries an address (full mode): next
    /// server, `file` and NUL-terminated option 67; option 60 `PXEClient` when
    /// `serves_4011`, which sends the client to port 4011 for its file. Otherwise an
    /// iPXE client is told that no ProxyDHCP offer is coming (175.176 = 1), so it
    /// boots at once instead of waiting for one.
    pub fn add_to(&self, reply: Packet, request: &Packet, serves_4011: bool) -> Packet {
        let Some(client) = PxeClient::from_request(request) else {
            return reply;
        };
        let Some(file) = self.file_for(&client) else {
            return reply;
        };
        let reply = with_file(reply, &client, self.next_server, file);
        if serves_4011 {
            reply.with_raw_option(VendorClassIdentifier::CODE, PXE_CLIENT.as_bytes())
        } else if client.is_ipxe() {
            reply.with_raw_option(IPXE_ENCAPSULATED, &[ipxe::NO_PXEDHCP, 1, 1])
        } else {
            reply
        }
    }

    /// [`add_to`](Self::add_to) in place, for a lease service's reply hook: only an
    /// OFFER or ACK that gives an address gets boot information (a NAK, an INFORM's
    /// ACK and a reply without `yiaddr` are left as they are).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use ex_dhcp::lease::{Hooks, RequestInfo};
    /// use ex_dhcp::pxe::Boot;
    /// use ex_dhcp::Packet;
    ///
    /// struct Pxe(Boot);
    ///
    /// impl Hooks for Pxe {
    ///     fn reply(&mut self, info: &RequestInfo<'_>, reply: &mut Packet) {
    ///         self.0.apply(reply, info.request, false);
    ///     }
    /// }
    /// # let _ = Pxe(Boot::new(Ipv4Addr::new(198, 18, 0, 1)));
    /// ```
    pub fn apply(&self, reply: &mut Packet, request: &Packet, serves_4011: bool) {
        let leases = matches!(
            reply.message_type(),
            Some(MessageType::Offer | MessageType::Ack)
        ) && reply.yiaddr != Ipv4Addr::UNSPECIFIED;
        if leases {
            *reply = self.add_to(std::mem::take(reply), request, serves_4011);
        }
    }

    /// A proxyDHCP reply (PXE 2.1, section 2.2.4): no address (`yiaddr` 0.0.0.0),
    /// option 54, option 60 `PXEClient`, option 43 with discovery control "use the
    /// boot file in this reply" (no menu, no boot server discovery), and the boot
    /// file. `None` for clients that are not PXE clients or have no file for their
    /// architecture.
    pub fn proxy_reply(&self, request: &Packet, message_type: MessageType) -> Option<Packet> {
        let client = PxeClient::from_request(request)?;
        let file = self.file_for(&client)?;
        let discovery = SubOptions::new().with(pxe::DISCOVERY_CONTROL, [USE_BOOT_FILE]);
        let reply = respond(request, message_type)
            .with_yiaddr(Ipv4Addr::UNSPECIFIED)
            .with_option(ServerIdentifier, self.server_id)
            .with_raw_option(VendorClassIdentifier::CODE, PXE_CLIENT.as_bytes())
            .with_option(VendorSpecificInformation, VendorInfo::pxe(discovery));
        Some(with_file(reply, &client, self.next_server, file))
    }
}

/// Next server, `file`, option 67 with its NUL, and option 97 echoed when sent.
fn with_file(reply: Packet, client: &PxeClient, next_server: Ipv4Addr, file: &str) -> Packet {
    let reply = reply
        .with_siaddr(next_server)
        .with_file(file)
        .with_option(BootfileNameNul, NulTerminated(file.to_owned()));
    match &client.machine_id {
        Some(uuid) => reply.with_raw_option(ClientMachineIdentifier::CODE, uuid),
        None => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{BootfileName, ClientSystemArchitecture};
    use crate::pxe::IPXE;

    const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const TFTP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);

    fn boot() -> Boot {
        Boot {
            server_id: SERVER,
            next_server: TFTP,
            files: BootMap::default(),
            ipxe_file: None,
        }
    }

    fn client(request: &Packet) -> PxeClient {
        PxeClient::from_request(request).expect("a PXE client")
    }

    fn pxe_discover(arch: u16) -> Packet {
        Packet::new(MessageType::Discover)
            .with_raw_option(60, b"PXEClient:Arch:00007:UNDI:003016")
            .with_option(ClientSystemArchitecture, vec![arch])
    }

    #[test]
    fn the_file_follows_the_architecture() {
        assert_eq!(
            boot().file_for(&client(&pxe_discover(0))),
            Some("undionly.kpxe")
        );
        assert_eq!(boot().file_for(&client(&pxe_discover(7))), Some("ipxe.efi"));
        assert_eq!(boot().file_for(&client(&pxe_discover(9))), Some("ipxe.efi"));
        assert_eq!(
            boot().file_for(&client(&pxe_discover(11))),
            Some("ipxe-arm64.efi")
        );
        assert_eq!(boot().file_for(&client(&pxe_discover(1))), None);
    }

    #[test]
    fn ipxe_gets_its_own_file_so_it_does_not_load_itself_again() {
        let ipxe = pxe_discover(0).with_raw_option(77, IPXE.as_bytes());
        assert_eq!(
            boot().file_for(&client(&ipxe)),
            Some("undionly.kpxe"),
            "no iPXE file"
        );
        let boot = Boot {
            ipxe_file: Some("boot.ipxe".to_owned()),
            ..boot()
        };
        assert_eq!(boot.file_for(&client(&ipxe)), Some("boot.ipxe"));
        let rfc3004 = pxe_discover(7).with_raw_option(77, b"\x03abc\x04iPXE");
        assert_eq!(boot.file_for(&client(&rfc3004)), Some("boot.ipxe"));
        let firmware = pxe_discover(7);
        assert_eq!(boot.file_for(&client(&firmware)), Some("ipxe.efi"));
        let other_class = pxe_discover(7).with_raw_option(77, b"iPXE-like");
        assert_eq!(boot.file_for(&client(&other_class)), Some("ipxe.efi"));
    }

    #[test]
    fn non_pxe_clients_get_no_boot_information() {
        let plain = Packet::new(MessageType::Discover);
        let reply = respond(&plain, MessageType::Offer);
        assert_eq!(boot().add_to(reply.clone(), &plain, true), reply);
        assert_eq!(boot().proxy_reply(&plain, MessageType::Offer), None);
    }

    #[test]
    fn option_67_is_nul_terminated_and_matches_the_file_field() {
        let request = pxe_discover(7);
        let reply = boot().add_to(respond(&request, MessageType::Offer), &request, false);
        assert_eq!(
            reply.options.get_raw(67).as_deref(),
            Some(&b"ipxe.efi\0"[..])
        );
        assert_eq!(reply.options.get(BootfileName).as_deref(), Some("ipxe.efi"));
        assert_eq!(reply.file_str(), Some("ipxe.efi"));
        assert_eq!(reply.siaddr, TFTP);
        assert!(!reply.options.contains(60), "no 4011 served, no PXEClient");
    }

    #[test]
    fn option_97_is_echoed_in_every_boot_reply() {
        let uuid = [
            0, 0x4c, 0x4c, 0x45, 0x44, 0, 0x4e, 0x10, 0x80, 0x35, 0xb4, 0xc0, 0x4f, 0x4e, 0x38,
            0x33, 0x32,
        ];
        let request = pxe_discover(7).with_raw_option(97, &uuid);
        let full = boot().add_to(respond(&request, MessageType::Offer), &request, false);
        assert_eq!(full.options.get_raw(97).as_deref(), Some(&uuid[..]));
        let proxy = boot().proxy_reply(&request, MessageType::Ack).unwrap();
        assert_eq!(proxy.options.get_raw(97).as_deref(), Some(&uuid[..]));
        let without = boot()
            .proxy_reply(&pxe_discover(7), MessageType::Offer)
            .unwrap();
        assert!(!without.options.contains(97), "nothing to echo");
    }

    #[test]
    fn proxy_replies_carry_no_address_but_pxeclient_and_54() {
        let reply = boot()
            .proxy_reply(&pxe_discover(0), MessageType::Offer)
            .unwrap();
        assert_eq!(reply.yiaddr, Ipv4Addr::UNSPECIFIED);
        assert_eq!(
            reply.options.get_raw(60).as_deref(),
            Some(PXE_CLIENT.as_bytes())
        );
        assert_eq!(reply.options.get(ServerIdentifier), Some(SERVER));
        assert_eq!(reply.file_str(), Some("undionly.kpxe"));
        assert_eq!(
            reply.options.get_raw(43).as_deref(),
            Some(&[6, 1, USE_BOOT_FILE, 255][..]),
            "discovery control: use the boot file in this reply, END after it"
        );
    }

    #[test]
    fn ipxe_in_full_mode_is_told_no_proxydhcp_is_coming() {
        let ipxe = pxe_discover(7).with_raw_option(77, IPXE.as_bytes());
        let reply = boot().add_to(respond(&ipxe, MessageType::Offer), &ipxe, false);
        assert_eq!(
            reply.options.get_raw(175).as_deref(),
            Some(&[176, 1, 1][..])
        );
        let firmware = pxe_discover(7);
        let reply = boot().add_to(respond(&firmware, MessageType::Offer), &firmware, false);
        assert!(!reply.options.contains(175), "only iPXE reads 175");
        let reply = boot().add_to(respond(&ipxe, MessageType::Offer), &ipxe, true);
        assert!(
            !reply.options.contains(175),
            "serving 4011, the client is sent there instead"
        );
    }
}
