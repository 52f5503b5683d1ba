//! Real PXE clients against the `pxe` example: iPXE (BIOS, architecture 0) and the
//! UEFI firmware's own PXE client (OVMF, architecture 7), under qemu with software
//! emulation, in network namespaces (see `tests/interop/qemu.rs` for the layout).
//!
//! Each case boots until the client sends its TFTP read request: for the file chosen
//! for its architecture, to the next server (`siaddr`), from the address a DHCP
//! server leased it. Needs root, `ip`, qemu, iPXE's ROMs and OVMF: without them the
//! test fails, saying which is missing (CI installs them in `.ci/run`).
//!
//! The cases run one at a time: two emulated machines on two shared cores would
//! slow each other towards the timeouts.

use std::sync::Mutex;
use std::time::Duration;

use std::path::PathBuf;

use crate::support::qemu::{require_qemu, Firmware, Lab, Rrq};

const PXE_SERVER: &str = "198.18.0.1";
const DHCP_SERVER: &str = "198.18.0.2";
const TFTP: &str = "198.18.0.1:69";
/// The PXE example's own range in full mode.
const FULL_RANGE: &str = "198.18.0.100-198.18.0.150";
/// The other DHCP server's range in proxy mode: an address from here shows who leased it.
const OTHER_RANGE: &str = "198.18.0.200-198.18.0.220";
/// The example's default boot files.
const BIOS_FILE: &str = "undionly.kpxe";
const UEFI_FILE: &str = "ipxe.efi";
/// The file for clients that are iPXE already (`--ipxe-boot`).
const IPXE_FILE: &str = "boot.ipxe";
/// qemu start, firmware, DHCP (iPXE and OVMF each wait a few seconds for more
/// offers) and ARP take 8 to 20 seconds here; this leaves room for a slow machine.
const BOOT_TIMEOUT: Duration = Duration::from_secs(90);

/// One emulated machine at a time.
static QEMU: Mutex<()> = Mutex::new(());

/// The name of [`rrq_listener`], which the lab runs inside the server namespace.
/// `--exact` matches the full path, module included: this binary holds one test per
/// module of the suite.
const LISTENER_TEST: &str = "ipxe::rrq_listener";

/// Not a test: the TFTP read request listener, when the lab runs this binary inside
/// the server namespace (it returns at once otherwise).
#[test]
#[ignore = "a helper the other tests run inside a network namespace"]
fn rrq_listener() {
    crate::support::qemu::serve_rrq_listener();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The PXE example leases the address too.
    Full,
    /// The lease_server example leases it; the PXE example answers as proxyDHCP.
    Proxy,
    /// Full, with port 4011 served and announced (option 60 `PXEClient`).
    Full4011,
}

/// Boots `firmware` against the PXE example in `mode`, with `extra` flags, and returns
/// the read request and the lab, for its logs.
fn boot(case: &str, firmware: Firmware, mode: Mode, extra: &[&str]) -> (Rrq, Lab) {
    require_qemu(firmware);
    let pxe = PathBuf::from(env!("CARGO_BIN_EXE_pxe"));
    let lease_server = PathBuf::from(env!("CARGO_BIN_EXE_lease_server"));
    let mut lab = Lab::new(case);
    let server = lab.add_host("srv", &format!("{PXE_SERVER}/24"));
    let common = [
        "--interface",
        "eth0",
        "--port",
        "67",
        "--log-level",
        "debug",
    ];
    let mut args = vec!["--server", PXE_SERVER];
    match mode {
        Mode::Full => args.extend(["--range", FULL_RANGE]),
        Mode::Full4011 => args.extend(["--range", FULL_RANGE, "--serve-4011", "on"]),
        Mode::Proxy => {
            let other = lab.add_host("dhcp", &format!("{DHCP_SERVER}/24"));
            let mut dhcp = vec!["--server", DHCP_SERVER, "--range", OTHER_RANGE];
            dhcp.extend(common);
            lab.start("lease_server", other, &lease_server, &dhcp, "serving on");
            args.extend(["--mode", "proxy"]);
        }
    }
    args.extend(common);
    args.extend(extra);
    lab.start("pxe", server, &pxe, &args, "serving on");
    lab.listen_for_rrq(server, TFTP, LISTENER_TEST);
    lab.boot(firmware);
    (lab.wait_for_rrq(firmware, BOOT_TIMEOUT), lab)
}

fn assert_read_request(rrq: &Rrq, file: &str, range: &str) {
    assert_eq!(rrq.file, file, "the file for the client's architecture");
    assert_eq!(rrq.mode, "octet");
    let (first, last) = range.split_once('-').unwrap();
    let octet = |a: &str| -> u8 { a.rsplit('.').next().unwrap().parse().unwrap() };
    let from = rrq.from.ip().octets()[3];
    assert!(
        rrq.from.ip().to_string().starts_with("198.18.0.")
            && (octet(first)..=octet(last)).contains(&from),
        "the read request comes from {}, not from an address in {range}",
        rrq.from
    );
}

/// The DHCP requests the PXE example logged carried this architecture.
fn assert_client_architecture(lab: &Lab, arch: &str) {
    let log = lab.log("pxe");
    assert!(
        log.contains(&format!("client system architecture: {arch}")),
        "no request with option 93 {arch} in the server log"
    );
}

fn serial(lock: &Mutex<()>) -> std::sync::MutexGuard<'_, ()> {
    // A failed case poisons the lock; the next one may still run.
    lock.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn ipxe_bios_boots_from_the_full_server() {
    let _one = serial(&QEMU);
    let (rrq, lab) = boot("a", Firmware::IpxeBios, Mode::Full, &[]);
    assert_read_request(&rrq, BIOS_FILE, FULL_RANGE);
    assert_client_architecture(&lab, "0 (x86 BIOS)");
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn ipxe_bios_boots_from_the_proxy_beside_another_dhcp_server() {
    let _one = serial(&QEMU);
    let (rrq, lab) = boot("b", Firmware::IpxeBios, Mode::Proxy, &[]);
    // The address from the other server, the file from the proxy's siaddr (the
    // listener is on the proxy's address).
    assert_read_request(&rrq, BIOS_FILE, OTHER_RANGE);
    assert_client_architecture(&lab, "0 (x86 BIOS)");
    assert!(lab.log("lease_server").contains("leases 198.18.0.2"));
}

/// iPXE says who it is (option 77 `iPXE`): once loaded by PXE, it must get a file of
/// its own (a script), or it would load itself again and again.
#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn ipxe_gets_its_own_file_when_there_is_one() {
    let _one = serial(&QEMU);
    let (rrq, lab) = boot(
        "f",
        Firmware::IpxeBios,
        Mode::Full,
        &["--ipxe-boot", IPXE_FILE],
    );
    assert_read_request(&rrq, IPXE_FILE, FULL_RANGE);
    assert!(lab.log("pxe").contains("user class: \"iPXE\""));
}

#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn uefi_boots_from_the_full_server() {
    let _one = serial(&QEMU);
    let (rrq, lab) = boot("c", Firmware::Uefi, Mode::Full, &[]);
    assert_read_request(&rrq, UEFI_FILE, FULL_RANGE);
    assert_client_architecture(&lab, "7 (x64 UEFI)");
}

/// The firmware's own client is not iPXE: `--ipxe-boot` leaves it the file of its
/// architecture.
#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn uefi_boots_from_the_proxy_beside_another_dhcp_server() {
    let _one = serial(&QEMU);
    let (rrq, lab) = boot(
        "d",
        Firmware::Uefi,
        Mode::Proxy,
        &["--ipxe-boot", IPXE_FILE],
    );
    assert_read_request(&rrq, UEFI_FILE, OTHER_RANGE);
    assert_client_architecture(&lab, "7 (x64 UEFI)");
    assert!(lab.log("lease_server").contains("leases 198.18.0.2"));
}

/// With `PXEClient` in the OFFER and no option 43, the UEFI client asks port 4011
/// from port 4011 after its DHCP exchange, and takes the boot file from that answer.
#[test]
#[ignore = "needs root, network namespaces and Debian packages: run `.ci/interop`"]
fn uefi_asks_port_4011_when_the_offer_says_pxeclient() {
    let _one = serial(&QEMU);
    let (rrq, lab) = boot("e", Firmware::Uefi, Mode::Full4011, &[]);
    assert_read_request(&rrq, UEFI_FILE, FULL_RANGE);
    let log = lab.log("pxe");
    let asked = log
        .lines()
        .find(|l| l.contains(":4011 to 0.0.0.0:4011: DHCPREQUEST"))
        .expect("a DHCPREQUEST from port 4011 to port 4011 in the server log");
    let peer = asked
        .split(" from ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        log.contains(&format!("reply to {peer}: DHCPACK")),
        "the boot ACK goes back to {peer}"
    );
}
