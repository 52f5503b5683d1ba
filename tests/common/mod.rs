//! Helpers shared by tests and benchmarks: packets built byte by byte, capture
//! fixtures, and a loopback server and client.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ex_dhcp::capture;
use ex_dhcp::{Client, Config, Handler, MessageType, Packet, Server, Stats};

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

/// The directory of real captures shared by the project; fails the test clearly
/// when it is missing.
pub fn captures_dir() -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/captures");
    assert!(
        dir.is_dir(),
        "fixture directory {} is missing: the tests need ../shared/fixtures beside the crate",
        dir.display()
    );
    dir
}

/// The DHCP payloads of one capture file; fails the test clearly when it is missing.
pub fn capture_payloads(file: &str) -> Vec<Vec<u8>> {
    let path = captures_dir().join(file);
    assert!(
        path.is_file(),
        "fixture {} is missing: the codec tests need ../shared/fixtures/captures next to the crate",
        path.display()
    );
    let capture = capture::read_file(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    capture
        .datagrams
        .into_iter()
        .map(|datagram| datagram.payload)
        .collect()
}

/// Every capture file with the number of DHCP packets it holds (as
/// `shared/fixtures/README.md` documents them).
pub const CAPTURES: &[(&str, usize)] = &[
    ("DHCP-DISCOVER-OFFER-REQUEST-ACK.pcap", 4),
    ("DHCP-NAK-SMALL.pcap", 1),
    ("DHCP-O60-O43-O82.pcap", 2),
    ("DHCP-O122-O82.pcap", 2),
    ("DHCP-O90-O120.pcap", 1),
    ("DHCP_MessageType_10_11_12_13.pcap", 6),
];

/// How long any test waits for a reply before failing.
pub const WAIT: Duration = Duration::from_secs(2);
pub const MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
pub const SERVER_ID: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
pub const OFFERED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);

/// A client on 127.0.0.1 and a server whose broadcasts go to 127.0.0.1 at the
/// client's port, as ExDhcp's own tests do.
pub fn loopback<H: Handler>(handler: H) -> (Server<H>, Client) {
    loopback_with(Config::default(), handler)
}

pub fn loopback_with<H: Handler>(config: Config, handler: H) -> (Server<H>, Client) {
    let client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("client socket");
    let port = client.local_addr().expect("client address").port();
    let config = config
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .client_port(port);
    let server = Server::start(config, handler).expect("server starts");
    (server, client)
}

/// A client packet of the given type from MAC, with this xid.
pub fn packet(kind: MessageType, xid: u32) -> Packet {
    let mut packet = Packet::new(kind);
    packet.xid = xid;
    packet.set_mac(MAC);
    packet
}

/// Waits, at most [`WAIT`], until the server's counters satisfy `ready`; returns them.
///
/// The sender thread counts a reply after `send_to` returns, so a client can hold
/// the reply before it is counted: read `sent` through this, never right after an
/// exchange.
pub fn stats_when<H: Handler>(server: &Server<H>, ready: impl Fn(&Stats) -> bool) -> Stats {
    let deadline = Instant::now() + WAIT;
    loop {
        let stats = server.stats();
        if ready(&stats) {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "counters never got there: {stats:?}"
        );
        std::thread::yield_now();
    }
}

/// Threads of this process named `dhcp-*`: the server's and the supervisor's.
///
/// A joined thread can stay listed in /proc/self/task for a moment after `join`
/// returns (the kernel wakes the joiner before it has reaped the task), so await a
/// count of 0 within `WAIT` rather than read it once.
pub fn server_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("linux /proc/self/task")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("dhcp-"))
        .count()
}

/// Thread and descriptor counts are per process: a test binary that reads them runs
/// those tests one at a time, each holding this guard.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Callbacks, named in a handler's `impl`, that answer nothing: for handlers whose
/// point is an optional callback or their state, not the required three.
///
/// ```ignore
/// impl Handler for Informs {
///     type Message = ();
///     common::silent_callbacks!(discover, request, decline);
///     fn inform(&mut self, packet: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply { ... }
/// }
/// ```
macro_rules! silent_callbacks {
    ($($callback:ident),+ $(,)?) => {
        $(
            fn $callback(
                &mut self,
                _: &ex_dhcp::Packet,
                _: &ex_dhcp::Source,
                _: &mut ex_dhcp::Context,
            ) -> ex_dhcp::Reply {
                ex_dhcp::Reply::None
            }
        )+
    };
}
#[allow(unused_imports)] // not every test binary has such a handler
pub(crate) use silent_callbacks;

/// A handler that answers nothing and overrides no optional callback.
pub struct Silent;

impl Handler for Silent {
    type Message = ();
    silent_callbacks!(discover, request, decline);
}
