//! The lab example (`examples/lab`) as a reader runs it, `cargo run --example lab`:
//! on loopback, as any user, answering a DORA, and stopping cleanly on SIGTERM with
//! its lease written down. Its hooks and hosts file are tested on the harness by its
//! own tests (`examples/lab/tests.rs`, run by `cargo test`).

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use ex_dhcp::options::{HostName, RequestedIpAddress, ServerIdentifier, SubnetSelection};
use ex_dhcp::{Client, MessageType, Packet};

/// Generous: the first run may compile the example on a loaded two-core machine.
const LIMIT: Duration = Duration::from_secs(300);
const REPLY: Duration = Duration::from_secs(5);
const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);

/// `cargo run --example lab -- ARGS`, its standard output and error read line by line.
fn lab(args: &[&str]) -> (Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "lab", "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs");
    let (lines, received) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    (child, received)
}

/// The first line containing `needle` within [`LIMIT`]; every line read on the way
/// is appended to `seen`.
fn line_with(lines: &Receiver<String>, needle: &str, seen: &mut Vec<String>) -> String {
    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                seen.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
            Err(_) => panic!(
                "no line with {needle:?} within {LIMIT:?}:\n{}",
                seen.join("\n")
            ),
        }
    }
}

fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().expect("the lab's status") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the lab did not end within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn lab_help_lists_its_flags() {
    let (mut child, lines) = lab(&["--help"]);
    assert!(wait(&mut child).success());
    let text: Vec<String> = lines.try_iter().collect();
    assert!(
        text[0].starts_with("usage: lab [--listen ADDR:PORT]"),
        "{text:?}"
    );
}

#[test]
fn lab_serves_a_known_host_on_loopback_and_stops_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("ex_dhcp-it-lab-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let leases = dir.join("leases");
    let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let client_port = client.local_addr().unwrap().port().to_string();
    let (mut child, lines) = lab(&[
        "--listen",
        "127.0.0.1:0",
        "--client-port",
        &client_port,
        "--lease-file",
        leases.to_str().unwrap(),
    ]);
    let mut seen = Vec::new();
    let serving = line_with(&lines, "serving on ", &mut seen);
    let server: SocketAddrV4 = serving
        .split("serving on ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {serving:?}"));

    // build-01 of examples/lab/hosts; no relay on loopback, so option 118 names its subnet.
    let packet = |kind| {
        let mut packet = Packet::new(kind);
        packet.set_mac("02:00:00:00:01:10".parse::<ex_dhcp::Mac>().unwrap());
        packet.xid = 0x1ab;
        packet.with_option(SubnetSelection, Ipv4Addr::new(198, 18, 1, 0))
    };
    let discover = packet(MessageType::Discover);
    let (offer, _) = client.exchange(&discover, server, REPLY).expect("an OFFER");
    assert_eq!(offer.yiaddr, Ipv4Addr::new(198, 18, 1, 10));
    let request = packet(MessageType::Request)
        .with_option(RequestedIpAddress, offer.yiaddr)
        .with_option(ServerIdentifier, SERVER);
    let (ack, _) = client.exchange(&request, server, REPLY).expect("an ACK");
    assert_eq!(ack.message_type(), Some(MessageType::Ack));
    assert_eq!(ack.options.get(HostName).as_deref(), Some("build-01"));
    line_with(&lines, "lease bound 198.18.1.10", &mut seen);

    // `cargo run` replaces itself with the program (on Unix): the child is the lab.
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .expect("sh runs");
    assert!(status.success());
    line_with(&lines, "stopped: shut down", &mut seen);
    assert!(wait(&mut child).success(), "{}", seen.join("\n"));
    let written = std::fs::read_to_string(&leases).unwrap();
    assert!(
        written.contains("bound hw:1:020000000110 198.18.1.10 "),
        "{written}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
