//! The tools as users run them: the installed binaries (cargo builds them for this
//! test and names them in `CARGO_BIN_EXE_*`) against each other and against a
//! server, on loopback with unprivileged ports; and the `pxe` tool's handler through
//! the injection harness.

mod config_file;
mod control;
mod convention;
mod daemon;
mod durable_acks;
mod lease_file;
mod metrics;
mod migrate;
mod pxe_boot;
mod record_test;
mod send_build;
mod snoop_folders;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::capture::read_file;
use ex_dhcp::{respond, Config, Encoding, MessageType, Packet, Reply, Server, Source};

/// Generous: debug binaries on a loaded two-core CI machine.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);
/// What the snooper logs once its sockets are bound.
const SNOOP_READY: &str = "listening on UDP port";
const XID: u32 = 0x7e57_0001;
const MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x7e, 0x57, 0x01];
const OFFERED: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 10);
const EXIT_NO_REPLY: i32 = 1;
const EXIT_USAGE: i32 = 2;

/// The path of one of this package's binaries, which cargo builds for its tests.
fn tool(name: &str) -> PathBuf {
    PathBuf::from(match name {
        "snoop" => env!("CARGO_BIN_EXE_snoop"),
        "send" => env!("CARGO_BIN_EXE_send"),
        "record_test" => env!("CARGO_BIN_EXE_record_test"),
        "lease_server" => env!("CARGO_BIN_EXE_lease_server"),
        "lease_ctl" => env!("CARGO_BIN_EXE_lease_ctl"),
        "pxe" => env!("CARGO_BIN_EXE_pxe"),
        "loadgen" => env!("CARGO_BIN_EXE_loadgen"),
        "dump_captures" => env!("CARGO_BIN_EXE_dump_captures"),
        "lease_migrate" => env!("CARGO_BIN_EXE_lease_migrate"),
        other => panic!("ex_dhcp-tools has no binary {other:?}"),
    })
}

/// A port nobody listens on right now.
fn free_udp_port() -> u16 {
    UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|socket| socket.local_addr())
        .expect("a free port")
        .port()
}

/// A fresh directory, removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "ex_dhcp-tools-{name}-{}-{unique}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create the test directory");
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A child process killed if the test ends before it does.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(name: &str, args: &[&str]) -> Running {
        let mut child = Command::new(tool(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line of output containing `text`, and returns it.
    fn wait_for_line(&mut self, text: &str) -> String {
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line.clone());
                    if found {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no line with {text:?}; output so far:\n{}\nstderr:\n{}",
            self.seen.join("\n"),
            self.stderr()
        );
    }

    /// Waits for the process to exit; returns its status and all of its stdout.
    fn finish(self) -> (ExitStatus, String) {
        let (status, stdout, _) = self.finish_all();
        (status, stdout)
    }

    /// Waits for the process to exit; returns its status, stdout and stderr.
    fn finish_all(mut self) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running after {PROCESS_TIMEOUT:?}; output:\n{}",
                self.seen.join("\n")
            );
            thread::sleep(POLL);
        };
        let mut seen = std::mem::take(&mut self.seen);
        seen.extend(self.lines.iter());
        let stderr = self.stderr();
        (status, seen.join("\n"), stderr)
    }

    /// Sends a signal by name (`TERM`, `USR1`) with kill(1): no unsafe code here.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(stderr) = self.child.stderr.as_mut() {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs a tool to completion; returns its status and stdout.
fn run(name: &str, args: &[&str]) -> (ExitStatus, String) {
    Running::spawn(name, args).finish()
}

fn discover() -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.xid = XID;
    packet.set_mac(MAC);
    packet
}

/// Answers every DISCOVER with an OFFER of [`OFFERED`].
fn offer_everyone(packet: &Packet, _from: &Source) -> Reply {
    match packet.message_type() {
        Some(MessageType::Discover) => respond(packet, MessageType::Offer)
            .with_yiaddr(OFFERED)
            .into(),
        _ => Reply::None,
    }
}

/// A server on 127.0.0.1 that sends its replies to 127.0.0.1:`client_port`.
fn loopback_server(client_port: u16) -> Server<fn(&Packet, &Source) -> Reply> {
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .client_port(client_port)
        .broadcast_addr(Ipv4Addr::LOCALHOST);
    Server::start(config, offer_everyone as fn(&Packet, &Source) -> Reply)
        .expect("start a loopback server")
}

#[test]
fn snoop_saves_what_send_sends_and_send_replays_it_to_a_server() {
    let dir = TempDir::new("replay");
    let snoop_port = free_udp_port().to_string();
    let prefix = dir.join("cap");
    let pcap = dir.join("cap.pcap");
    // Numbering continues after what is there.
    fs::write(dir.join("cap-2.bin"), b"from an earlier run").unwrap();

    let mut snoop = Running::spawn(
        "snoop",
        &[
            "--port",
            &snoop_port,
            "--save",
            prefix.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
            "--count",
            "1",
        ],
    );
    snoop.wait_for_line(SNOOP_READY);

    let packet_file = dir.join("discover.bin");
    fs::write(&packet_file, discover().encode(Encoding::Padded)).unwrap();
    let (status, output) = run(
        "send",
        &[
            packet_file.to_str().unwrap(),
            "--port",
            &snoop_port,
            "--from-port",
            &free_udp_port().to_string(),
            "--no-wait",
        ],
    );
    assert!(status.success(), "send failed:\n{output}");

    let (status, snooped) = snoop.finish();
    assert!(status.success(), "snoop failed:\n{snooped}");
    assert!(snooped.contains("DHCPDISCOVER xid 0x7e570001"), "{snooped}");
    assert!(
        snooped.contains("option  53 dhcp message type"),
        "{snooped}"
    );

    let saved = dir.join("cap-0003.bin");
    let saved_bytes = fs::read(&saved).expect("snoop saved cap-0003.bin");
    assert_eq!(saved_bytes, discover().encode(Encoding::Padded));
    let capture = read_file(&pcap).expect("a readable pcap");
    assert_eq!(capture.datagrams.len(), 1);
    assert_eq!(capture.datagrams[0].payload, saved_bytes);
    assert_eq!(
        capture.datagrams[0].destination.port().to_string(),
        snoop_port
    );
    // snoop listens on 0.0.0.0; IP_PKTINFO tells it where the datagram really went.
    assert_eq!(
        *capture.datagrams[0].destination.ip(),
        Ipv4Addr::LOCALHOST,
        "the real destination, not the wildcard the socket is bound to"
    );

    let client_port = free_udp_port();
    let server = loopback_server(client_port);
    let server_port = server.handle().local_addr().port().to_string();
    let reply_file = dir.join("offer.bin");
    for input in [&saved, &pcap] {
        let (status, output) = run(
            "send",
            &[
                input.to_str().unwrap(),
                "--port",
                &server_port,
                "--from-port",
                &client_port.to_string(),
                "--save",
                reply_file.to_str().unwrap(),
                "--timeout",
                "10",
            ],
        );
        assert!(status.success(), "no reply:\n{output}");
        assert!(output.contains("DHCPOFFER xid 0x7e570001"), "{output}");
        let offer = Packet::decode(&fs::read(&reply_file).unwrap()).unwrap();
        assert_eq!(offer.message_type(), Some(MessageType::Offer));
        assert_eq!((offer.xid, offer.yiaddr), (XID, OFFERED));
        fs::remove_file(&reply_file).unwrap();
    }
    let exit = server.shutdown();
    assert!(!exit.reason.is_abnormal(), "{}", exit.reason);
}

#[test]
fn send_exits_1_when_no_reply_comes_before_the_timeout() {
    let dir = TempDir::new("silence");
    let packet_file = dir.join("discover.bin");
    fs::write(&packet_file, discover().encode(Encoding::Padded)).unwrap();
    let silent_port = free_udp_port().to_string();
    let started = Instant::now();
    let (status, output) = run(
        "send",
        &[
            packet_file.to_str().unwrap(),
            "--port",
            &silent_port,
            "--from-port",
            &free_udp_port().to_string(),
            "--timeout",
            "0.3",
        ],
    );
    assert_eq!(status.code(), Some(EXIT_NO_REPLY), "{output}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(output.contains("no reply"), "{output}");
}

#[test]
fn send_and_snoop_exit_2_on_usage_errors() {
    let code = |name, args| run(name, args).0.code();
    assert_eq!(code("send", &[]), Some(EXIT_USAGE));
    assert_eq!(
        code("send", &["missing-file.bin", "--from-port", "0"]),
        Some(EXIT_USAGE)
    );
    assert_eq!(code("snoop", &["--port", "not-a-port"]), Some(EXIT_USAGE));
    assert!(run("snoop", &["--help"]).0.success());
}

#[test]
fn snoop_hex_dumps_what_is_not_dhcp() {
    let port = free_udp_port();
    let mut snoop = Running::spawn("snoop", &["--port", &port.to_string(), "--count", "1"]);
    snoop.wait_for_line(SNOOP_READY);
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    socket
        .send_to(
            b"not a DHCP packet",
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, port),
        )
        .unwrap();
    let (status, output) = snoop.finish();
    assert!(status.success(), "{output}");
    assert!(output.contains("not DHCP"), "{output}");
    assert!(output.contains("  0000  6e 6f 74 20"), "{output}");
}

#[test]
fn snoop_ends_after_its_duration_without_traffic() {
    let (status, output) = run(
        "snoop",
        &["--port", &free_udp_port().to_string(), "--duration", "0.2"],
    );
    assert!(status.success(), "{output}");
    assert!(output.contains("0 datagram(s) seen"), "{output}");
}

/// Every binary of the package.
const TOOLS: [&str; 9] = [
    "snoop",
    "send",
    "record_test",
    "lease_server",
    "lease_ctl",
    "pxe",
    "loadgen",
    "dump_captures",
    "lease_migrate",
];

/// A `lease_server` on 127.0.0.1, any free port, answering to
/// 127.0.0.1:`client_port`; returns it once it serves, with its port.
fn lease_server(client_port: u16, extra: &[&str]) -> (Running, u16) {
    let client_port = client_port.to_string();
    let mut args = vec![
        "--server",
        "198.18.0.1",
        "--range",
        "198.18.0.100-198.18.0.150",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--client-port",
        &client_port,
        "--broadcast",
        "127.0.0.1",
    ];
    args.extend_from_slice(extra);
    let mut server = Running::spawn("lease_server", &args);
    let line = server.wait_for_line("serving on 127.0.0.1:");
    let port = line
        .rsplit(':')
        .next()
        .and_then(|port| port.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (server, port)
}

/// A BOOTP client (no option 53) over real UDP: the lease server answers it with a
/// BOOTREPLY carrying an address from its range and no DHCP options (RFC 951).
#[test]
fn lease_server_answers_a_plain_bootp_client() {
    let mut client =
        ex_dhcp::Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("a socket");
    let client_port = client.local_addr().expect("its address").port();
    let (server, port) = lease_server(client_port, &[]);
    let mut request = Packet::bootp(ex_dhcp::Op::Request);
    request.set_mac(MAC);
    request.xid = XID;
    let (reply, _) = client
        .exchange(
            &request,
            SocketAddrV4::new(Ipv4Addr::LOCALHOST, port),
            PROCESS_TIMEOUT,
        )
        .expect("a BOOTREPLY");
    assert!(reply.is_bootp(), "no option 53: {reply}");
    assert_eq!(reply.op, ex_dhcp::Op::Reply);
    let octets = reply.yiaddr.octets();
    assert_eq!(octets[..3], [198, 18, 0], "{reply}");
    assert!((100..=150).contains(&octets[3]), "{reply}");
    drop(server);
}
