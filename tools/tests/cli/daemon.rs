//! The daemons as a service manager runs them: signals stop them cleanly with
//! their statistics, and a stdout nobody reads never stops them serving.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::{Encoding, MessageType, Packet};

use crate::{free_udp_port, lease_server, tool, Running, MAC, POLL, PROCESS_TIMEOUT};

#[test]
fn sigterm_stops_lease_server_with_exit_0_and_final_statistics() {
    let (mut server, _) = lease_server(free_udp_port(), &["--stats-every", "0.2"]);
    // Periodic statistics, then on demand.
    server.wait_for_line("stats: received 0");
    server.signal("USR1");
    server.wait_for_line("stats: received");
    server.signal("TERM");
    let (status, output, stderr) = server.finish_all();
    assert!(status.success(), "{status:?}\n{output}\n{stderr}");
    assert!(output.contains("SIGTERM: stopping"), "{output}");
    assert!(output.contains("final stats: received 0"), "{output}");
    assert!(output.contains("stopped: shut down"), "{output}");
}

#[test]
fn sigint_stops_pxe_too() {
    let mut pxe = Running::spawn(
        "pxe",
        &[
            "--mode",
            "full",
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.100-198.18.0.150",
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
        ],
    );
    pxe.wait_for_line("serving on 127.0.0.1:");
    pxe.signal("INT");
    let (status, output, stderr) = pxe.finish_all();
    assert!(status.success(), "{status:?}\n{output}\n{stderr}");
    assert!(output.contains("SIGINT: stopping"), "{output}");
    assert!(output.contains("final stats"), "{output}");
}

/// Exchanges sent while the server's stdout is a pipe nobody reads: far more
/// log lines than the pipe and the logger's queue hold together.
const EXCHANGES: u32 = 12_000;
/// Generous for a debug build on a loaded machine; a blocked handler would
/// answer nothing at all after the first few hundred.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(2);

#[test]
fn a_lease_server_whose_stdout_nobody_reads_keeps_answering() {
    let client = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("a client socket");
    client
        .set_read_timeout(Some(EXCHANGE_TIMEOUT))
        .expect("a read timeout");
    let client_port = client.local_addr().expect("bound").port().to_string();
    let server_port = free_udp_port();
    let mut child = Command::new(tool("lease_server"))
        .args([
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.100-198.18.0.150",
            "--bind",
            "127.0.0.1",
            "--port",
            &server_port.to_string(),
            "--client-port",
            &client_port,
            "--broadcast",
            "127.0.0.1",
            // A line per exchange at least.
            "--log",
            "debug",
        ])
        // Piped, held, and never read: it fills after 64 KiB.
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lease_server");
    let server = SocketAddrV4::new(Ipv4Addr::LOCALHOST, server_port);

    let started = Instant::now();
    let mut answered = 0;
    let mut buffer = [0; 1500];
    for xid in 1..=EXCHANGES {
        let mut discover = Packet::new(MessageType::Discover);
        discover.xid = xid;
        discover.set_mac(MAC);
        // The first ones may beat the server's bind: retry until it answers.
        let reply = loop {
            client
                .send_to(&discover.encode(Encoding::Padded), server)
                .expect("send");
            match client.recv(&mut buffer) {
                Ok(len) => break Some(len),
                Err(_) if xid == 1 && started.elapsed() < PROCESS_TIMEOUT => continue,
                Err(_) => break None,
            }
        };
        let Some(len) = reply else { break };
        let offer = Packet::decode(&buffer[..len]).expect("a DHCP reply");
        assert_eq!(offer.xid, xid);
        answered += 1;
    }
    let elapsed = started.elapsed();
    assert_eq!(
        answered, EXCHANGES,
        "answered {answered} of {EXCHANGES} in {elapsed:?}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "lease_server did not stop on SIGTERM with a stuck stdout"
        );
        thread::sleep(POLL);
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(
        stderr.contains("log line(s) dropped: stdout did not keep up"),
        "{stderr}"
    );
    println!("{answered} exchanges in {elapsed:?} with stdout stuck; {stderr}");
}

/// The output of `id ARGS`, trimmed: no unsafe `getuid` in the tests.
fn id(args: &[&str]) -> Option<String> {
    let out = Command::new("id").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn user_drops_root_after_binding_or_says_why_it_cannot() {
    // A precondition, not a reason to pass: every Debian base system has nobody.
    let nobody = id(&["-u", "nobody"]).expect("this test needs a user named nobody");
    let client_port = free_udp_port();
    if id(&["-u"]).as_deref() != Some("0") {
        // As an ordinary user the switch must fail, loudly, and nothing serves.
        let server = Running::spawn(
            "lease_server",
            &[
                "--server",
                "198.18.0.1",
                "--range",
                "198.18.0.100-198.18.0.150",
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--user",
                "nobody",
            ],
        );
        let (status, output, stderr) = server.finish_all();
        assert_eq!(status.code(), Some(1), "{output}\n{stderr}");
        assert!(stderr.contains("only root can switch users"), "{stderr}");
        return;
    }
    let (server, server_port) = lease_server(client_port, &["--user", "nobody"]);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .expect("the server's /proc status");
    let uids = status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .expect("a Uid line");
    // Real, effective, saved and filesystem uid: all of them nobody's.
    assert!(
        uids.split_whitespace().skip(1).all(|uid| uid == nobody),
        "{uids}"
    );
    // And it still serves, from the sockets it bound as root.
    let (status, output) = crate::run(
        "send",
        &[
            "--dora",
            "--server-port",
            &server_port.to_string(),
            "--client-port",
            &client_port.to_string(),
            "--timeout",
            "10",
        ],
    );
    assert!(status.success(), "{output}");
    server.signal("TERM");
    let (status, output, stderr) = server.finish_all();
    assert!(status.success(), "{output}\n{stderr}");
    assert!(output.contains("running as nobody"), "{output}");
}

/// With `--user`, the lease file's directory must be writable by that user (its
/// compaction writes there): a server that could not compact refuses to start, as
/// root; as anyone else the switch itself is refused first.
#[test]
fn user_who_cannot_write_beside_the_lease_file_is_refused_at_start() {
    id(&["-u", "nobody"]).expect("this test needs a user named nobody");
    let dir = crate::TempDir::new("user-lease-dir");
    let lease_file = dir.join("leases");
    let lease_file = lease_file.to_str().expect("a UTF-8 path");
    let server = Running::spawn(
        "lease_server",
        &[
            "--server",
            "198.18.0.1",
            "--range",
            "198.18.0.100-198.18.0.150",
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--lease-file",
            lease_file,
            "--user",
            "nobody",
        ],
    );
    let (status, output, stderr) = server.finish_all();
    assert_eq!(status.code(), Some(1), "{output}\n{stderr}");
    if id(&["-u"]).as_deref() == Some("0") {
        // The directory is root's (created by this test): nobody may not write there.
        assert!(
            stderr.contains("--user nobody cannot write beside"),
            "{stderr}"
        );
    } else {
        assert!(stderr.contains("only root can switch users"), "{stderr}");
    }
}

/// `--user` with `--lease-file` in a directory the user owns: start-up replays and
/// compacts the file as root, then gives it (and its lock) to the user, so the
/// server serves as the user, syncs its ACKs there, and starts again on the same
/// file with the client's lease kept. As an ordinary user the switch is refused.
#[test]
fn user_keeps_serving_from_the_lease_file_over_a_restart() {
    let nobody = id(&["-u", "nobody"]).expect("this test needs a user named nobody");
    let group = id(&["-g", "nobody"]).expect("and its group");
    let dir = crate::TempDir::new("user-lease-file");
    let lease_file = dir.join("leases");
    let path = lease_file.to_str().expect("a UTF-8 path");
    let client_port = free_udp_port();
    if id(&["-u"]).as_deref() != Some("0") {
        let server = Running::spawn(
            "lease_server",
            &[
                "--server",
                "198.18.0.1",
                "--range",
                "198.18.0.100-198.18.0.150",
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--lease-file",
                path,
                "--user",
                "nobody",
            ],
        );
        let (status, _, stderr) = server.finish_all();
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("only root can switch users"), "{stderr}");
        return;
    }
    let (uid, gid) = (nobody.parse().unwrap(), group.parse().unwrap());
    std::os::unix::fs::chown(dir.join(""), Some(uid), Some(gid)).expect("the directory to nobody");
    let mut leased = None;
    for round in 0..2 {
        let (server, server_port) =
            lease_server(client_port, &["--lease-file", path, "--user", "nobody"]);
        let (status, output) = crate::run(
            "send",
            &[
                "--dora",
                "--mac",
                "02:00:00:00:0e:01",
                "--server-port",
                &server_port.to_string(),
                "--client-port",
                &client_port.to_string(),
                "--timeout",
                "10",
            ],
        );
        assert!(status.success(), "round {round}: {output}");
        let addr = output
            .lines()
            .find_map(|line| line.split("DORA done: ").nth(1))
            .and_then(|done| done.split_whitespace().next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no DORA in {output}"));
        assert_eq!(
            *leased.get_or_insert(addr.clone()),
            addr,
            "kept over the restart"
        );
        server.signal("TERM");
        let (status, output, stderr) = server.finish_all();
        assert!(status.success(), "round {round}: {output}\n{stderr}");
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(&lease_file)
            .expect("the lease file")
            .uid();
        assert_eq!(owner, uid, "round {round}: the lease file is nobody's");
    }
    let records = std::fs::read_to_string(&lease_file).expect("the lease file");
    assert!(records.contains("bound hw:1:020000000e01"), "{records}");
}
