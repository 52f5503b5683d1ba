//! A PXE client's request read as a user would: the Intel NUC's real DISCOVER.

use ex_dhcp::options::{ClientNdi, ARCH_X64_UEFI};
use ex_dhcp::pxe::PxeClient;
use ex_dhcp::{MessageType, Packet};
use ex_dhcp_testkit::{pxe_discover_nuc, NUC_GUID, NUC_VENDOR_CLASS};

#[test]
fn the_nuc_describes_itself_as_an_x64_uefi_pxe_client() {
    let request = Packet::decode(&pxe_discover_nuc()).expect("the fixture decodes");
    let client = PxeClient::from_request(&request).expect("a PXE client");
    assert_eq!(client.architecture, ARCH_X64_UEFI);
    assert_eq!(client.architectures, vec![ARCH_X64_UEFI]);
    assert_eq!(
        client.undi,
        Some(ClientNdi {
            interface_type: 1,
            major: 3,
            minor: 16
        })
    );
    assert_eq!(client.machine_id.as_deref(), Some(&NUC_GUID[..]));
    assert_eq!(client.vendor_class, NUC_VENDOR_CLASS.as_bytes());
    assert_eq!(client.vendor_class_text(), NUC_VENDOR_CLASS);
    assert!(client.is_pxe_client());
    assert!(!client.is_ipxe());
}

#[test]
fn ipxe_and_its_features_are_read_from_77_and_175() {
    let request = Packet::new(MessageType::Discover)
        .with_raw_option(60, b"PXEClient:Arch:00000:UNDI:002001")
        .with_raw_option(77, b"iPXE")
        .with_raw_option(175, &[19, 1, 1, 36, 1, 1, 235, 3, 1, 21, 1]);
    let client = PxeClient::from_request(&request).expect("a PXE client");
    let ipxe = client.ipxe.expect("iPXE");
    assert!(ipxe.http());
    assert_eq!(ipxe.version(), Some((1, 21, 1)));
    assert_eq!(ipxe.to_string(), "iPXE 1.21.1: HTTP, EFI");
    assert_eq!(client.architecture, 0, "no option 93: BIOS");
}

#[test]
fn a_plain_dhcp_client_is_not_a_pxe_client() {
    let request = Packet::new(MessageType::Discover).with_raw_option(60, b"MSFT 5.0");
    assert_eq!(PxeClient::from_request(&request), None);
}
