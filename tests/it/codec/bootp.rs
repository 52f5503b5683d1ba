//! Plain BOOTP (RFC 951, RFC 1542) and BOOTP with RFC 1048 vendor extensions: decoded,
//! encoded back unchanged, answered without option 53, and handed to the handler's
//! `other` callback.

use std::net::Ipv4Addr;

use ex_dhcp::options::{DhcpOption, Router, SubnetMask, VendorArea, END};
use ex_dhcp::wire::{HEADER_LEN, MAGIC_COOKIE, MIN_PACKET_LEN};
use ex_dhcp::{respond_bootp, Encoding, Handler, Harness, Op, Packet, Reply, Source};

const MAC: [u8; 6] = [0x02, 0, 0x5e, 0, 0, 0x42];

/// A BOOTREQUEST as an RFC 951 client sends it: header, then `vendor` bytes.
fn bootrequest(vendor: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0; HEADER_LEN];
    bytes[0] = 1; // BOOTREQUEST
    bytes[1] = 1; // Ethernet
    bytes[2] = 6;
    bytes[4..8].copy_from_slice(&0x0b00_7e57_u32.to_be_bytes());
    bytes[28..34].copy_from_slice(&MAC);
    bytes[108..118].copy_from_slice(b"vmunix\0\0\0\0");
    bytes.extend_from_slice(vendor);
    bytes
}

#[test]
fn a_bootrequest_with_a_vendor_area_of_zeros_decodes_and_encodes_back_unchanged() {
    for vendor_len in [0, 1, 3, 4, 64, 100] {
        let bytes = bootrequest(&vec![0; vendor_len]);
        let packet = Packet::decode(&bytes).unwrap_or_else(|e| panic!("{vendor_len}: {e}"));
        assert_eq!(packet.options.vendor_area(), VendorArea::Zeros);
        assert!(packet.is_bootp());
        assert_eq!(packet.message_type(), None);
        assert_eq!(packet.message_type_checked(), Ok(None));
        assert!(packet.options.is_empty());
        assert!(!packet.options.has_end());
        assert_eq!((packet.op, packet.xid), (Op::Request, 0x0b00_7e57));
        assert_eq!(packet.mac().map(<[u8; 6]>::from), Some(MAC));
        assert_eq!(packet.file_str(), Some("vmunix"));
        assert_eq!(packet.encode(Encoding::Exact), bytes, "{vendor_len} zeros");
        let padded = packet.encode(Encoding::Padded);
        assert_eq!(padded.len(), MIN_PACKET_LEN);
        assert_eq!(&padded[..HEADER_LEN], &bytes[..HEADER_LEN]);
        assert!(padded[HEADER_LEN..].iter().all(|b| *b == 0), "no cookie");
    }
}

#[test]
fn a_vendor_area_that_is_neither_zeros_nor_the_cookie_is_still_refused() {
    let error = Packet::decode(&bootrequest(b"CMU\0rest")).unwrap_err();
    assert_eq!(
        error,
        ex_dhcp::DecodeError::BadMagicCookie { found: *b"CMU\0" }
    );
    let error = Packet::decode(&bootrequest(&[0, 1])).unwrap_err();
    assert_eq!(
        error,
        ex_dhcp::DecodeError::MissingMagicCookie {
            len: HEADER_LEN + 2
        }
    );
}

#[test]
fn rfc_1048_vendor_extensions_without_option_53_are_bootp_with_options() {
    let mut vendor = MAGIC_COOKIE.to_vec();
    vendor.extend_from_slice(&[SubnetMask::CODE, 4, 255, 255, 255, 0, END]);
    vendor.resize(64, 0);
    let bytes = bootrequest(&vendor);
    let packet = Packet::decode(&bytes).unwrap();
    assert_eq!(packet.options.vendor_area(), VendorArea::Options);
    assert!(packet.is_bootp());
    assert_eq!(packet.message_type(), None);
    assert_eq!(
        packet.options.get(SubnetMask),
        Some(Ipv4Addr::new(255, 255, 255, 0))
    );
    assert_eq!(packet.encode(Encoding::Exact), bytes);
    assert_eq!(
        packet.encode(Encoding::Padded),
        bytes,
        "300 bytes with zero padding: the padded form too"
    );
}

#[test]
fn a_bootp_reply_has_no_option_53_and_keeps_the_requests_vendor_form() {
    let request = Packet::decode(&bootrequest(&[0; 64])).unwrap();
    let reply = respond_bootp(&request)
        .with_yiaddr(Ipv4Addr::new(198, 18, 0, 42))
        .with_siaddr(Ipv4Addr::new(198, 18, 0, 1))
        .with_file("boot/vmunix");
    let bytes = reply.encode(Encoding::Padded);
    assert_eq!(bytes.len(), MIN_PACKET_LEN);
    assert!(bytes[HEADER_LEN..].iter().all(|b| *b == 0));
    let decoded = Packet::decode(&bytes).unwrap();
    assert_eq!(decoded.op, Op::Reply);
    assert_eq!(decoded.xid, request.xid);
    assert_eq!(decoded.mac().map(<[u8; 6]>::from), Some(MAC));
    assert_eq!(decoded.message_type(), None);
    assert_eq!(decoded.file_str(), Some("boot/vmunix"));

    // Options turn it into RFC 1048 vendor extensions, still without option 53.
    let with_options = respond_bootp(&request)
        .with_option(SubnetMask, Ipv4Addr::new(255, 255, 255, 0))
        .with_option(Router, vec![Ipv4Addr::new(198, 18, 0, 1)]);
    let bytes = with_options.encode(Encoding::Padded);
    assert_eq!(&bytes[HEADER_LEN..HEADER_LEN + 4], &MAGIC_COOKIE);
    let decoded = Packet::decode(&bytes).unwrap();
    assert!(decoded.is_bootp());
    assert_eq!(
        decoded.options.get(Router),
        Some(vec![Ipv4Addr::new(198, 18, 0, 1)])
    );
}

/// Answers BOOTP from `other`; the DHCP callbacks must not see it.
struct BootpOnly;

impl Handler for BootpOnly {
    type Message = ();
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("a BOOTP request reached discover")
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("a BOOTP request reached request")
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("a BOOTP request reached decline")
    }
    fn other(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        assert!(packet.is_bootp());
        respond_bootp(packet)
            .with_yiaddr(Ipv4Addr::new(198, 18, 0, 42))
            .into()
    }
}

#[test]
fn a_bootp_request_reaches_the_other_callback_and_its_reply_is_sent() {
    let mut harness = Harness::new(BootpOnly);
    let request = Packet::decode(&bootrequest(&[0; 64])).unwrap();
    let sent = harness.inject(request).expect("a reply");
    assert_eq!(sent.packet.yiaddr, Ipv4Addr::new(198, 18, 0, 42));
    assert_eq!(sent.packet.message_type(), None);
    assert_eq!(sent.packet.options.vendor_area(), VendorArea::Zeros);
}
