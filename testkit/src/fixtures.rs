//! The repository's fixtures: real captures and the packets built from them.

use std::path::{Path, PathBuf};

use ex_dhcp::capture;

/// The Intel NUC PXE DISCOVER from ExDhcp's regression test, as it went on the wire.
///
/// op 1, htype 1, hlen 6, flags 0x8000 (broadcast), secs 28, xid 205646044, chaddr
/// f4:4d:30:6c:93:b2; options 53 DISCOVER, 57 1472, 93 x64 UEFI, 94 UNDI 3.16,
/// 97 GUID, 60 `PXEClient:Arch:00007:UNDI:003016`, 55 with 35 codes, END. 347 bytes,
/// so no padding.
pub fn pxe_discover_nuc() -> Vec<u8> {
    let mut bytes = vec![
        1, 1, 6, 0, // op, htype, hlen, hops
        0x0c, 0x41, 0xe8, 0xdc, // xid 205646044
        0, 28, 0x80, 0, // secs 28, flags broadcast
    ];
    bytes.extend_from_slice(&[0; 16]); // ciaddr, yiaddr, siaddr, giaddr
    bytes.extend_from_slice(&NUC_MAC);
    bytes.extend_from_slice(&[0; 10]); // rest of chaddr
    bytes.extend_from_slice(&[0; 64 + 128]); // sname, file
    bytes.extend_from_slice(&[99, 130, 83, 99]);
    bytes.extend_from_slice(&[53, 1, 1]);
    bytes.extend_from_slice(&[57, 2, 0x05, 0xc0]);
    bytes.extend_from_slice(&[93, 2, 0x00, 0x07]);
    bytes.extend_from_slice(&[94, 3, 0x01, 0x03, 0x10]);
    bytes.extend_from_slice(&[97, 17]);
    bytes.extend_from_slice(&NUC_GUID);
    bytes.extend_from_slice(&[60, 32]);
    bytes.extend_from_slice(NUC_VENDOR_CLASS.as_bytes());
    bytes.extend_from_slice(&[55, 35]);
    bytes.extend_from_slice(&NUC_PARAMETERS);
    bytes.push(255);
    bytes
}

/// The NUC's MAC address.
pub const NUC_MAC: [u8; 6] = [0xf4, 0x4d, 0x30, 0x6c, 0x93, 0xb2];
/// Option 97 of the NUC: type 0 and the GUID.
pub const NUC_GUID: [u8; 17] = [
    0x00, 0xee, 0xc3, 0x5c, 0xc2, 0xfc, 0xb7, 0xfd, 0x15, 0xaa, 0x7c, 0xf4, 0x4d, 0x30, 0x6c, 0x93,
    0xb2,
];
/// Option 60 of the NUC.
pub const NUC_VENDOR_CLASS: &str = "PXEClient:Arch:00007:UNDI:003016";
/// Option 55 of the NUC.
pub const NUC_PARAMETERS: [u8; 35] = [
    1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66,
    67, 97, 128, 129, 130, 131, 132, 133, 134, 135,
];

/// `tests/data` of the repository: fixtures that live with the code.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

/// The real captures (`tests/data/captures`, provenance in its README); fails the
/// test clearly when the directory is missing.
pub fn captures_dir() -> PathBuf {
    let dir = data_dir().join("captures");
    assert!(
        dir.is_dir(),
        "fixture directory {} is missing: it is part of the repository",
        dir.display()
    );
    dir
}

/// The path of one capture in [`captures_dir`]; fails the test when it is missing,
/// so no test passes vacuously.
pub fn capture(name: &str) -> PathBuf {
    let path = captures_dir().join(name);
    assert!(path.is_file(), "fixture {} is missing", path.display());
    path
}

/// The DHCP payloads of one capture file; fails the test clearly when it is missing.
pub fn capture_payloads(file: &str) -> Vec<Vec<u8>> {
    let path = capture(file);
    let capture = capture::read_file(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    capture
        .datagrams
        .into_iter()
        .map(|datagram| datagram.payload)
        .collect()
}

/// Every capture file with the number of DHCP packets it holds (as
/// `tests/data/captures/README.md` documents them).
pub const CAPTURES: &[(&str, usize)] = &[
    ("DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap", 4),
    ("DHCP-NAK-SMALL.pcap", 1),
    ("DHCP-O60-O43-O82.pcap", 2),
    ("DHCP-O122-O82.pcap", 2),
    ("DHCP-O90-O120.pcap", 1),
    ("DHCP_MessageType_10_11_12_13.pcap", 6),
];

/// The DHCP payload of every packet in the fixture captures, named `file#index`.
///
/// Panics when the fixtures are missing: a test that relies on them must not pass
/// without them.
pub fn fixture_payloads() -> Vec<(String, Vec<u8>)> {
    let dir = captures_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixtures missing at {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pcap"))
        .collect();
    files.sort();
    let mut payloads = Vec::new();
    for path in files {
        let capture = ex_dhcp::capture::read_file(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (index, datagram) in capture.datagrams.into_iter().enumerate() {
            payloads.push((format!("{name}#{index}"), datagram.payload));
        }
    }
    assert_eq!(payloads.len(), 16, "the fixture README lists 16 packets");
    payloads
}
