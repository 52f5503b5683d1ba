//! Real PXE clients under qemu (software emulation, TCG): iPXE in BIOS and the UEFI
//! firmware's own PXE client (OVMF), on a switch (a bridge in its own namespace) with
//! the servers' namespaces as the other hosts.
//!
//! ```text
//!  qemu ── tap0 ─┐
//!                br0  (namespace "lan")
//!  host "srv" ───┤     198.18.0.1: the PXE example, and the TFTP read request listener
//!  host "dhcp" ──┘     198.18.0.2: the lease_server example (proxyDHCP cases)
//! ```
//!
//! Boot gets as far as the client's TFTP read request (RRQ) for its boot file: that
//! proves it accepted the DHCP answers (address, next server, file). No TFTP server
//! answers; a listener records the request. The test process stays in the host
//! namespace, so the listener is this same test binary run inside the server
//! namespace, where its helper test (see [`serve_rrq_listener`]) binds port 69.

use std::env;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::{SocketAddrV4, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{read, veth, wait_for, Netns, Proc, TempDir};

/// The iPXE option ROM for an emulated Intel e1000, BIOS only (Debian's ipxe-qemu).
pub const IPXE_BIOS_ROM: &str = "/usr/lib/ipxe/qemu/pxe-e1000.rom";
/// OVMF, the UEFI firmware for qemu (Debian's and Ubuntu's ovmf): its code, read-only
/// flash...
pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
/// ...and the template of its variable store, copied for each boot as it is written to.
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";
/// The emulator.
pub const QEMU: &str = "qemu-system-x86_64";

/// Tells the test binary, run inside a namespace, to be the RRQ listener on this address.
pub const RRQ_LISTEN: &str = "EX_DHCP_RRQ_LISTEN";
/// Where the RRQ listener writes what it saw.
pub const RRQ_OUT: &str = "EX_DHCP_RRQ_OUT";
/// How long the listener lives at most, whatever happens to the test that started it.
const LISTENER_LIFETIME: Duration = Duration::from_secs(180);
/// Servers and the listener start in well under this.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// TFTP opcode 1: read request (RFC 1350).
const TFTP_RRQ: u16 = 1;

/// A PXE client under qemu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS with iPXE as the network card's option ROM: architecture 0.
    IpxeBios,
    /// OVMF with its own PXE client over its own virtio-net driver: architecture 7.
    Uefi,
}

impl Firmware {
    /// The firmware and network card arguments. The UEFI case uses virtio-net with no
    /// option ROM, so the PXE client is the firmware's own and not iPXE's.
    /// `vars` is a writable copy of [`OVMF_VARS`], for UEFI.
    fn qemu_args(self, vars: &Path) -> Vec<String> {
        match self {
            Firmware::IpxeBios => vec![
                "-device".to_owned(),
                format!("e1000,netdev=n0,mac=52:54:00:18:00:00,romfile={IPXE_BIOS_ROM}"),
                "-boot".to_owned(),
                "n".to_owned(),
            ],
            Firmware::Uefi => vec![
                "-drive".to_owned(),
                format!("if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}"),
                "-drive".to_owned(),
                format!("if=pflash,format=raw,unit=1,file={}", vars.display()),
                "-device".to_owned(),
                "virtio-net-pci,netdev=n0,mac=52:54:00:18:00:07,romfile=,bootindex=1".to_owned(),
            ],
        }
    }

    /// What the firmware is, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Firmware::IpxeBios => "iPXE (BIOS)",
            Firmware::Uefi => "UEFI (OVMF)",
        }
    }
}

/// Fails the test, naming what is missing, unless it runs as root with `ip`, qemu,
/// `/dev/net/tun` and the firmware files. Never skips: CI installs them (`.ci/run`).
pub fn require_qemu(firmware: Firmware) {
    let mut missing = Vec::new();
    let root = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            line.split_whitespace().nth(2).map(|uid| uid == "0")
        })
        .unwrap_or(false);
    if !root {
        missing.push("root (network namespaces and tap devices need it)".to_owned());
    }
    if !succeeds(Command::new("ip").arg("-V")) {
        missing.push("the `ip` command (apt-get install iproute2)".to_owned());
    }
    if !succeeds(Command::new(QEMU).arg("--version")) {
        missing.push(format!("{QEMU} (apt-get install qemu-system-x86)"));
    }
    if !Path::new("/dev/net/tun").exists() {
        missing.push("/dev/net/tun (tap devices)".to_owned());
    }
    let (files, package): (&[&str], _) = match firmware {
        Firmware::IpxeBios => (&[IPXE_BIOS_ROM], "ipxe-qemu"),
        Firmware::Uefi => (&[OVMF_CODE, OVMF_VARS], "ovmf"),
    };
    for file in files.iter().filter(|f| !Path::new(f).is_file()) {
        missing.push(format!("{file} (apt-get install {package})"));
    }
    assert!(
        missing.is_empty(),
        "{} PXE test cannot run, missing: {}",
        firmware.name(),
        missing.join(", ")
    );
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A TFTP read request as the listener saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rrq {
    /// Who asked: the client's address, so which DHCP server leased it.
    pub from: SocketAddrV4,
    /// The file asked for.
    pub file: String,
    /// The transfer mode (`octet`).
    pub mode: String,
}

/// The file name and mode of a TFTP read request: opcode 1, then two NUL-terminated
/// strings (options may follow). `None` for anything else.
pub fn parse_rrq(datagram: &[u8]) -> Option<(String, String)> {
    let opcode = u16::from_be_bytes([*datagram.first()?, *datagram.get(1)?]);
    if opcode != TFTP_RRQ {
        return None;
    }
    let mut fields = datagram[2..].split(|&b| b == 0);
    let file = String::from_utf8(fields.next()?.to_vec()).ok()?;
    let mode = String::from_utf8(fields.next()?.to_vec()).ok()?;
    Some((file, mode))
}

/// The listener's body, run by a helper test of the binary that includes this file,
/// inside a namespace: does nothing unless [`RRQ_LISTEN`] and [`RRQ_OUT`] are set.
/// Binds, says `listening`, then writes each read request as `rrq FROM FILE MODE`
/// (clients retry) until the lab kills it, or at the latest after [`LISTENER_LIFETIME`]:
/// exiting early would look like a failure to the lab, which checks its processes.
pub fn serve_rrq_listener() {
    let (Ok(addr), Ok(out)) = (env::var(RRQ_LISTEN), env::var(RRQ_OUT)) else {
        return;
    };
    let note = |line: String| {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&out)
            .expect("listener output file");
        file.write_all(format!("{line}\n").as_bytes())
            .expect("listener output");
    };
    let socket = UdpSocket::bind(&addr).unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    note("listening".to_owned());
    let deadline = Instant::now() + LISTENER_LIFETIME;
    let mut buf = [0_u8; 2048];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("read timeout");
        let Ok((len, from)) = socket.recv_from(&mut buf) else {
            break;
        };
        match parse_rrq(&buf[..len]) {
            Some((file, mode)) => note(format!("rrq {from} {file} {mode}")),
            None => note(format!("not a read request: {len} bytes from {from}")),
        }
    }
    note("lifetime over".to_owned());
}

/// The switch, the hosts on it and the processes of one test; dropped in order:
/// processes, then the files (printed if the test failed), then the namespaces.
#[derive(Debug)]
pub struct Lab {
    processes: Vec<Proc>,
    dir: TempDir,
    lan: Netns,
    hosts: Vec<Netns>,
    tag: String,
    booted: Option<Instant>,
}

impl Lab {
    /// A switch in a namespace of its own, named after the process and `case`.
    pub fn new(case: &str) -> Self {
        let tag = format!("exq{}{case}", std::process::id());
        let lan = Netns::new(format!("{tag}-lan"));
        lan.ip(&["link", "add", "br0", "type", "bridge"]);
        lan.ip(&["link", "set", "br0", "up"]);
        let dir = TempDir::new(&format!("ex_dhcp-qemu-{tag}"));
        Lab {
            processes: Vec::new(),
            dir,
            lan,
            hosts: Vec::new(),
            tag,
            booted: None,
        }
    }

    /// A path in the lab's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Adds a host: a namespace with `eth0` at `addr` (with its prefix) on the switch.
    /// Returns its index for [`Lab::start`] and [`Lab::listen_for_rrq`].
    pub fn add_host(&mut self, name: &str, addr: &str) -> usize {
        let host = Netns::new(format!("{}-{name}", self.tag));
        let port = format!("v{}", self.hosts.len());
        veth(&self.lan, &port, &host, "eth0");
        self.lan.ip(&["link", "set", &port, "master", "br0"]);
        host.ip(&["addr", "add", addr, "dev", "eth0"]);
        self.hosts.push(host);
        self.hosts.len() - 1
    }

    /// Starts `program` in host `index`, logging to `log`, and waits until the log
    /// contains `ready`.
    pub fn start(
        &mut self,
        name: &'static str,
        index: usize,
        program: &Path,
        args: &[&str],
        ready: &str,
    ) {
        let log = self.path(&format!("{name}.log"));
        let mut command = self.hosts[index].command(program);
        command.args(args);
        let mut process = Proc::spawn(name, command, &log);
        wait_for(&format!("{name} to start"), START_TIMEOUT, || {
            process.assert_running();
            read(&log).contains(ready).then_some(())
        });
        self.processes.push(process);
    }

    /// Starts the RRQ listener on `addr` in host `index`: this test binary again,
    /// running only its helper test `listener_test`.
    pub fn listen_for_rrq(&mut self, index: usize, addr: &str, listener_test: &str) {
        let exe = env::current_exe().expect("test executable path");
        let out = self.path("rrq");
        let mut command = self.hosts[index].command(&exe);
        command
            .args([listener_test, "--exact", "--ignored", "--nocapture"])
            .env(RRQ_LISTEN, addr)
            .env(RRQ_OUT, &out);
        let mut process = Proc::spawn("rrq listener", command, &self.path("listener.log"));
        wait_for("the RRQ listener to bind", START_TIMEOUT, || {
            process.assert_running();
            read(&out).contains("listening").then_some(())
        });
        self.processes.push(process);
    }

    /// Boots `firmware` in qemu on a tap port of the switch, its serial console in
    /// `serial.log`.
    pub fn boot(&mut self, firmware: Firmware) {
        self.lan
            .ip(&["tuntap", "add", "dev", "tap0", "mode", "tap"]);
        self.lan.ip(&["link", "set", "tap0", "master", "br0"]);
        self.lan.ip(&["link", "set", "tap0", "up"]);
        let mut command = self.lan.command(Path::new(QEMU));
        command.args(["-machine", "q35,accel=tcg", "-m", "256"]);
        command.args(["-display", "none", "-monitor", "none", "-no-reboot"]);
        command
            .arg("-serial")
            .arg(format!("file:{}", self.path("serial.log").display()));
        command.args(["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"]);
        let vars = self.path("OVMF_VARS.fd");
        if firmware == Firmware::Uefi {
            fs::copy(OVMF_VARS, &vars).expect("a copy of the UEFI variable store");
        }
        command.args(firmware.qemu_args(&vars));
        let process = Proc::spawn("qemu", command, &self.path("qemu.log"));
        self.processes.push(process);
        self.booted = Some(Instant::now());
    }

    /// Waits for the client's read request: the proof that it accepted the answers.
    pub fn wait_for_rrq(&mut self, firmware: Firmware, timeout: Duration) -> Rrq {
        let out = self.path("rrq");
        let what = format!(
            "the {} client's TFTP read request (it never accepted the DHCP answers, \
             or qemu is too slow here: see pxe.log and serial.log below)",
            firmware.name()
        );
        let line = wait_for(&what, timeout, || {
            for process in &mut self.processes {
                process.assert_running();
            }
            read(&out)
                .lines()
                .find(|l| l.starts_with("rrq "))
                .map(str::to_owned)
        });
        if let Some(booted) = self.booted {
            eprintln!(
                "{}: read request {:.1?} after qemu started",
                firmware.name(),
                booted.elapsed()
            );
        }
        let fields: Vec<&str> = line.split(' ').collect();
        match fields[..] {
            ["rrq", from, file, mode] => Rrq {
                from: from.parse().expect("listener writes the peer address"),
                file: file.to_owned(),
                mode: mode.to_owned(),
            },
            _ => panic!("unexpected listener line {line:?}"),
        }
    }

    /// A log written by one of the lab's processes.
    pub fn log(&self, name: &str) -> String {
        read(&self.path(&format!("{name}.log")))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for process in &mut self.processes {
            process.kill();
        }
        // The tap device is persistent: delete it before its namespace goes.
        let _ = Command::new("ip")
            .args(["-n", self.lan.name(), "link", "del", "tap0"])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_request_gives_its_file_and_mode() {
        let rrq = b"\x00\x01ipxe.efi\x00octet\x00tsize\x000\x00";
        assert_eq!(
            parse_rrq(rrq),
            Some(("ipxe.efi".to_owned(), "octet".to_owned()))
        );
        assert_eq!(parse_rrq(b"\x00\x02ipxe.efi\x00octet\x00"), None);
        assert_eq!(parse_rrq(b"\x00"), None);
    }
}
