//! `lease_server --config FILE` as an operator runs it: the file checked without
//! binding anything, served, and reloaded on SIGHUP while clients hold leases: new
//! settings at once, leases kept, a removed subnet's clients refused, a broken file
//! refused with the running configuration kept. Real processes on loopback; the
//! clients are the `send` tool.

use std::fs;
use std::net::{Ipv4Addr, UdpSocket};
use std::path::Path;
use std::process::ExitStatus;

use ex_dhcp::options::LeaseTime;
use ex_dhcp::{MessageType, Packet};

use crate::{free_udp_port, lease_server, run, Running, TempDir, EXIT_USAGE};

const MAC_A: &str = "02:00:00:00:0a:01";
const MAC_B: &str = "02:00:00:00:0b:01";
/// Option 118 (subnet selection) naming 198.18.2.0: the second subnet.
const SECOND_SUBNET: &str = "118=c6120200";

/// A file with the server's own subnet, and the second one when `second`.
fn config(client_port: u16, lease_time: u32, second: bool, extra: &str) -> String {
    let mut text = format!(
        "[server]\nid = \"198.18.0.1\"\nlease-time = {lease_time}\n\n\
         [[subnet]]\nnetwork = \"198.18.0.0/24\"\nranges = [\"198.18.0.100-198.18.0.149\"]\n\n"
    );
    if second {
        text.push_str(
            "[[subnet]]\nnetwork = \"198.18.2.0/24\"\nranges = [\"198.18.2.100-198.18.2.149\"]\n\n",
        );
    }
    text.push_str(&format!(
        "[store]\nlease-file = \"leases\"\n\n[daemon]\nbind = \"127.0.0.1\"\nport = 0\n\
         client-port = {client_port}\nbroadcast = \"127.0.0.1\"\n{extra}"
    ));
    text
}

/// Starts `lease_server --config path`; returns it once it serves, with its port.
fn serve(path: &Path) -> (Running, u16) {
    let mut server = Running::spawn("lease_server", &["--config", path.to_str().unwrap()]);
    let line = server.wait_for_line("serving on 127.0.0.1:");
    let port = line
        .rsplit(':')
        .next()
        .and_then(|port| port.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (server, port)
}

/// Runs `send` against the server with `args`; returns its status and the reply it
/// saved, if any.
fn send(dir: &TempDir, port: u16, client_port: u16, args: &[&str]) -> (ExitStatus, Option<Packet>) {
    let saved = dir.join("reply.bin");
    let _ = fs::remove_file(&saved);
    let (port, client_port) = (port.to_string(), client_port.to_string());
    let mut all = vec![
        "--server-port",
        &port,
        "--client-port",
        &client_port,
        "--save",
        saved.to_str().unwrap(),
        "--timeout",
        "5",
    ];
    all.extend_from_slice(args);
    let (status, output) = run("send", &all);
    let reply = fs::read(&saved)
        .ok()
        .map(|bytes| Packet::decode(&bytes).unwrap_or_else(|e| panic!("{e}: {output}")));
    (status, reply)
}

/// An INIT-REBOOT client asking to keep `addr`: RFC 2131 has a server with no record
/// of it stay silent, so an ACK means the lease is there.
fn init_reboot<'a>(mac: &'a str, addr: &'a str) -> [&'a str; 6] {
    ["--build", "request", "--mac", mac, "--requested-ip", addr]
}

#[test]
fn sighup_applies_a_new_file_keeping_leases_and_refusing_a_removed_subnets_clients() {
    let dir = TempDir::new("config-reload");
    let client_port = free_udp_port();
    let path = dir.join("lease_server.toml");
    fs::write(&path, config(client_port, 3600, true, "")).unwrap();
    let (mut server, port) = serve(&path);

    let (status, ack_a) = send(&dir, port, client_port, &["--dora", "--mac", MAC_A]);
    let ack_a = ack_a.expect("an ACK for the first client");
    assert!(status.success());
    assert_eq!(ack_a.yiaddr, Ipv4Addr::new(198, 18, 0, 100));
    assert_eq!(ack_a.options.get(LeaseTime), Some(3600));
    let (status, ack_b) = send(
        &dir,
        port,
        client_port,
        &["--dora", "--mac", MAC_B, "--option", SECOND_SUBNET],
    );
    assert!(status.success());
    assert_eq!(ack_b.unwrap().yiaddr, Ipv4Addr::new(198, 18, 2, 100));
    // Before the reload B's renewal is ACKed, unicast to 198.18.2.100, which is not
    // on loopback: nothing comes back here, and above all no NAK.
    let renew_b = [
        "--build",
        "request",
        "--mac",
        MAC_B,
        "--ciaddr",
        "198.18.2.100",
        "--timeout",
        "1",
    ];
    let (_, reply) = send(&dir, port, client_port, &renew_b);
    assert_eq!(
        reply.map(|r| r.message_type()),
        None,
        "B renews before the reload"
    );

    // The new file: a shorter lease, the second subnet gone, and a setting that needs
    // a restart.
    fs::write(
        &path,
        config(client_port, 600, false, "stats-every = \"1h\"\n"),
    )
    .unwrap();
    server.signal("HUP");
    server.wait_for_line("reloaded");
    server.wait_for_line("subnet 198.18.2.0/24 is gone");
    server.wait_for_line("daemon.stats-every changed: it needs a restart");

    // A's lease is kept, and extended with the new lease time.
    let (_, reply) = send(&dir, port, client_port, &init_reboot(MAC_A, "198.18.0.100"));
    let reply = reply.expect("an ACK: A's lease was kept");
    assert_eq!(reply.message_type(), Some(MessageType::Ack), "{reply}");
    assert_eq!(reply.yiaddr, Ipv4Addr::new(198, 18, 0, 100));
    assert_eq!(
        reply.options.get(LeaseTime),
        Some(600),
        "the new lease time"
    );
    // B's subnet is gone: its renewal is refused (a NAK is broadcast: it comes back).
    let (_, reply) = send(&dir, port, client_port, &renew_b);
    let reply = reply.expect("a NAK for the removed subnet's client");
    assert_eq!(reply.message_type(), Some(MessageType::Nak), "{reply}");

    // A file that does not read is refused, naming where, and changes nothing.
    fs::write(&path, config(client_port, 60, false, "prot = 67\n")).unwrap();
    server.signal("HUP");
    let refused = server.wait_for_line("reload refused, the running configuration is kept");
    assert!(
        refused.contains(&format!("{}:17:1: unknown field `prot`", path.display())),
        "{refused}"
    );
    let (_, reply) = send(&dir, port, client_port, &init_reboot(MAC_A, "198.18.0.100"));
    assert_eq!(reply.expect("an ACK").options.get(LeaseTime), Some(600));

    server.signal("TERM");
    let (status, output, stderr) = server.finish_all();
    assert!(status.success(), "{status:?}\n{output}\n{stderr}");
    let leases = fs::read_to_string(dir.join("leases")).unwrap();
    assert!(leases.contains("198.18.0.100"), "{leases}");
}

#[test]
fn check_config_binds_nothing_opens_no_store_and_exits_2_naming_the_line() {
    let dir = TempDir::new("check-config");
    // A server on the port and lease file the file names: a check that bound the
    // port or locked the file would fail.
    let lease_file = dir.join("leases");
    let (server, port) = lease_server(
        free_udp_port(),
        &["--lease-file", lease_file.to_str().unwrap()],
    );
    let held = UdpSocket::bind((Ipv4Addr::LOCALHOST, port));
    assert!(held.is_err(), "the server holds its port");
    let path = dir.join("lease_server.toml");
    let text = config(6868, 3600, false, "").replace("port = 0", &format!("port = {port}"));
    fs::write(&path, &text).unwrap();
    let file = path.to_str().unwrap();

    let (status, output) = run("lease_server", &["--check-config", "--config", file]);
    assert!(status.success(), "{output}");
    assert!(output.contains("the configuration is valid"), "{output}");

    fs::write(
        &path,
        text.replace("lease-time = 3600", "lease-time = \"forever\""),
    )
    .unwrap();
    let checked = Running::spawn("lease_server", &["--config", file, "--check-config"]);
    let (status, _, stderr) = checked.finish_all();
    assert_eq!(status.code(), Some(EXIT_USAGE), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "lease_server: {file}:3:14: \"forever\" is not a duration"
        )),
        "{stderr}"
    );
    // Started with it, the same file is a failure to start.
    let started = Running::spawn("lease_server", &["--config", file]);
    let (status, _, stderr) = started.finish_all();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("{file}:3:14:")), "{stderr}");
    drop(server);
}

#[test]
fn flags_beside_a_config_file_are_a_usage_error_and_check_config_checks_flags_too() {
    let (status, _) = run(
        "lease_server",
        &["--config", "x.toml", "--range", "198.18.0.10-198.18.0.20"],
    );
    assert_eq!(status.code(), Some(EXIT_USAGE));
    let both = Running::spawn(
        "lease_server",
        &["--server", "198.18.0.1", "--config", "x.toml"],
    );
    let (status, _, stderr) = both.finish_all();
    assert_eq!(status.code(), Some(EXIT_USAGE));
    assert!(
        stderr.contains("--server does not go with --config: the file holds the configuration"),
        "{stderr}"
    );
    let (status, output) = run(
        "lease_server",
        &[
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.10-198.18.0.20",
            "--check-config",
        ],
    );
    assert!(status.success(), "{output}");
    let bad = Running::spawn(
        "lease_server",
        &[
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.1-198.18.0.20",
            "--check-config",
        ],
    );
    let (status, _, stderr) = bad.finish_all();
    assert_eq!(status.code(), Some(EXIT_USAGE), "{stderr}");
    assert!(
        stderr.contains("--range 198.18.0.1-198.18.0.20"),
        "{stderr}"
    );
}

#[test]
fn the_readme_example_file_is_the_shipped_one_and_lease_server_takes_it() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
        .expect("the README");
    let shipped = include_str!("../../systemd/lease_server.toml");
    let block = readme
        .split_once("### The configuration file")
        .and_then(|(_, section)| section.split_once("```toml\n"))
        .and_then(|(_, block)| block.split_once("```\n"))
        .map(|(block, _)| block)
        .expect("a ```toml block under \"### The configuration file\"");
    assert!(
        block == shipped,
        "the README's example and tools/systemd/lease_server.toml differ: copy one to the other"
    );
    // lease_server reads it; only its user is missing on a test machine.
    let dir = TempDir::new("readme-config");
    let path = dir.join("lease_server.toml");
    fs::write(&path, shipped.replace("user = \"ex_dhcp\"", "")).unwrap();
    let (status, output) = run(
        "lease_server",
        &["--check-config", "--config", path.to_str().unwrap()],
    );
    assert!(status.success(), "{output}");
}

#[test]
fn sighup_to_a_server_started_with_flags_is_logged_and_it_goes_on() {
    let (mut server, _) = lease_server(free_udp_port(), &[]);
    server.signal("HUP");
    server.wait_for_line("SIGHUP: nothing to reload: the server was started without --config");
    server.signal("TERM");
    let (status, output, stderr) = server.finish_all();
    assert!(status.success(), "{status:?}\n{output}\n{stderr}");
    assert!(output.contains("SIGTERM: stopping"), "{output}");
}
