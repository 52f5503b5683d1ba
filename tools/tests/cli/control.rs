//! `lease_ctl` against a running `lease_server --control`: leases made by the `send`
//! tool are listed, found, released (durably: the lease file says so) and reserved
//! around; the statistics, the configuration and a reload come through the socket;
//! the socket is its owner's alone. Real processes on loopback.

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Instant;

use ex_dhcp::options::LeaseTime;
use serde_json::Value;

use crate::config_file::{config, init_reboot, send, serve};
use crate::{free_udp_port, lease_server, Running, TempDir, POLL, PROCESS_TIMEOUT};

const MAC_A: &str = "02:00:00:00:0a:01";
const MAC_B: &str = "02:00:00:00:0b:01";
const PRINTER: &str = "02:00:00:00:00:07";

/// Runs `lease_ctl --socket socket ARGS`; returns its status, stdout and stderr.
fn ctl(socket: &Path, args: &[&str]) -> (ExitStatus, String, String) {
    let mut all = vec!["--socket", socket.to_str().unwrap()];
    all.extend_from_slice(args);
    Running::spawn("lease_ctl", &all).finish_all()
}

/// `lease_ctl --json ARGS`, which must succeed: its result.
fn json(socket: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (status, stdout, stderr) = ctl(socket, &all);
    assert!(status.success(), "lease_ctl {args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Waits until `path` holds `text`: the store's writes are asynchronous.
fn wait_for_text(path: &Path, text: &str) -> String {
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    loop {
        let found = fs::read_to_string(path).unwrap_or_default();
        if found.contains(text) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "no {text:?} in {}:\n{found}",
            path.display()
        );
        std::thread::sleep(POLL);
    }
}

#[test]
fn lease_ctl_lists_finds_releases_and_reserves_on_a_running_server() {
    let dir = TempDir::new("control");
    let (socket, leases) = (dir.join("control.sock"), dir.join("leases"));
    let client_port = free_udp_port();
    let (server, port) = lease_server(
        client_port,
        &[
            "--lease-file",
            leases.to_str().unwrap(),
            "--control",
            socket.to_str().unwrap(),
        ],
    );
    let mode = fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "owner-only");

    for mac in [MAC_A, MAC_B] {
        let (status, ack) = send(&dir, port, client_port, &["--dora", "--mac", mac]);
        assert!(status.success() && ack.is_some(), "{mac}: no ACK");
    }
    let (status, table, _) = ctl(&socket, &["leases"]);
    assert!(status.success());
    assert!(table.starts_with("ADDRESS"), "{table}");
    for (addr, mac) in [("198.18.0.100", MAC_A), ("198.18.0.101", MAC_B)] {
        let row = table
            .lines()
            .find(|l| l.starts_with(addr))
            .unwrap_or_else(|| panic!("{table}"));
        assert!(row.contains("bound") && row.contains(mac), "{row}");
        assert!(
            row.contains("198.18.0.0/24") && row.contains("ends in"),
            "{row}"
        );
    }
    let bound = json(&socket, &["leases", "--state", "bound"]);
    assert_eq!(bound["leases"].as_array().unwrap().len(), 2, "{bound}");
    assert_eq!(bound["leases"][0]["client"], "hw:1:020000000a01");
    let none = json(&socket, &["leases", "--subnet", "198.18.9.0/24"]);
    assert_eq!(none["leases"], Value::Array(Vec::new()));

    let found = json(&socket, &["find", MAC_B]);
    assert_eq!(found["leases"][0]["address"], "198.18.0.101");
    let found = json(&socket, &["find", "hw:1:020000000a01"]);
    assert_eq!(found["leases"][0]["address"], "198.18.0.100");
    let (status, stdout, _) = ctl(&socket, &["find", "02:00:00:00:00:ff"]);
    assert_eq!((status.code(), stdout.as_str()), (Some(1), "nothing found"));

    // Released by the operator: written down as a client's RELEASE would be.
    let (status, stdout, stderr) = ctl(&socket, &["release", "198.18.0.100"]);
    assert!(status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!("released 198.18.0.100 (bound to {MAC_A})")),
        "{stdout}"
    );
    wait_for_text(&leases, "released hw:1:020000000a01 198.18.0.100");
    let found = json(&socket, &["find", "198.18.0.100"]);
    assert_eq!(found["leases"][0]["state"], "free", "{found}");
    let (status, _, stderr) = ctl(&socket, &["release", "198.18.0.100"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.starts_with("lease_ctl: 198.18.0.100 is not held"),
        "{stderr}"
    );

    // A reservation of an address another client holds is refused without --force.
    let (status, _, stderr) = ctl(&socket, &["reserve", PRINTER, "198.18.0.101"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.contains("198.18.0.101 is leased to hw:1:020000000b01"),
        "{stderr}"
    );
    assert!(stderr.contains("force"), "{stderr}");
    let (status, stdout, stderr) = ctl(
        &socket,
        &["reserve", PRINTER, "198.18.0.120", "--hostname", "printer"],
    );
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, format!("198.18.0.120 reserved for {PRINTER}"));
    let (_, ack) = send(&dir, port, client_port, &["--dora", "--mac", PRINTER]);
    assert_eq!(
        ack.expect("an ACK").yiaddr,
        Ipv4Addr::new(198, 18, 0, 120),
        "the reservation holds"
    );
    let (_, hosts, _) = ctl(&socket, &["hosts"]);
    assert!(
        hosts.contains(PRINTER) && hosts.contains("printer"),
        "{hosts}"
    );
    let (status, stdout, _) = ctl(&socket, &["unreserve", PRINTER]);
    assert!(status.success());
    assert_eq!(stdout, format!("removed host {PRINTER} (198.18.0.120)"));
    assert_eq!(ctl(&socket, &["hosts"]).1, "no hosts");

    // The statistics count what was sent: three DORAs.
    let stats = json(&socket, &["stats"]);
    let metric = |name: &str, key: &str, value: &str| {
        stats["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name && (key.is_empty() || m["labels"][key] == value))
            .map(|m| m["value"].clone())
            .unwrap_or_else(|| panic!("no {name}: {stats}"))
    };
    assert_eq!(
        metric("ex_dhcp_packets_received_total", "type", "DHCPDISCOVER"),
        3
    );
    assert_eq!(metric("ex_dhcp_packets_sent_total", "type", "DHCPACK"), 3);
    assert_eq!(metric("ex_dhcp_pool_used_addresses", "state", "bound"), 2.0);
    let (status, people, _) = ctl(&socket, &["stats"]);
    assert!(
        status.success() && people.contains("198.18.0.0/24  51"),
        "{people}"
    );

    let running = json(&socket, &["config"]);
    assert_eq!(running["subnets"][0]["network"], "198.18.0.0/24");
    assert_eq!(
        running["subnets"][0]["ranges"][0],
        "198.18.0.100-198.18.0.150"
    );
    assert_eq!(running["control"], socket.to_str().unwrap());
    let (status, _, stderr) = ctl(&socket, &["reload"]);
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("nothing to reload"), "{stderr}");

    server.signal("TERM");
    let (status, _, stderr) = server.finish_all();
    assert!(status.success(), "{stderr}");
    assert!(!socket.exists(), "the socket goes with the server");
    let (status, _, stderr) = ctl(&socket, &["leases"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.contains("is lease_server running with --control"),
        "{stderr}"
    );
}

#[test]
fn lease_ctl_reloads_the_configuration_file_and_a_broken_one_changes_nothing() {
    let dir = TempDir::new("control-reload");
    let client_port = free_udp_port();
    let path = dir.join("lease_server.toml");
    let control = "control = \"control.sock\"\n";
    fs::write(&path, config(client_port, 3600, false, control)).unwrap();
    let (server, port) = serve(&path);
    let socket = dir.join("control.sock");
    let (_, ack) = send(&dir, port, client_port, &["--dora", "--mac", MAC_A]);
    assert_eq!(ack.expect("an ACK").options.get(LeaseTime), Some(3600));

    fs::write(&path, config(client_port, 600, false, control)).unwrap();
    let (status, stdout, stderr) = ctl(&socket, &["reload"]);
    assert!(status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!("reloaded {}", path.display())),
        "{stdout}"
    );
    let (_, reply) = send(&dir, port, client_port, &init_reboot(MAC_A, "198.18.0.100"));
    assert_eq!(
        reply
            .expect("an ACK: the lease kept")
            .options
            .get(LeaseTime),
        Some(600)
    );

    fs::write(&path, config(client_port, 60, false, "contrl = 1\n")).unwrap();
    let (status, _, stderr) = ctl(&socket, &["reload"]);
    assert_eq!(status.code(), Some(1));
    assert!(
        stderr.contains("reload refused, the running configuration is kept"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field `contrl`"), "{stderr}");
    let running = json(&socket, &["config"]);
    assert_eq!(running["server"]["lease_time"], 600, "{running}");
    assert_eq!(running["file"], path.to_str().unwrap());
    drop(server);
}

#[test]
fn a_control_socket_another_server_answers_on_is_refused() {
    let dir = TempDir::new("control-twice");
    let socket = dir.join("control.sock");
    let flag = ["--control", socket.to_str().unwrap()];
    let (first, _) = lease_server(free_udp_port(), &flag);
    let second = Running::spawn(
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
            flag[0],
            flag[1],
        ],
    );
    let (status, _, stderr) = second.finish_all();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another server answers on it"), "{stderr}");
    let (status, _, _) = ctl(&socket, &["hosts"]);
    assert!(status.success(), "the first server still answers");
    drop(first);
}
