//! The real `lease_server` process killed with SIGKILL right after an ACK, and at a
//! moment the exchanges do not choose: no ACKed lease is lost.

use std::fs;
use std::net::Ipv4Addr;
use std::time::Duration;

use ex_dhcp::lease::{Change, ClientKey, LeaseFile};

use crate::{free_udp_port, lease_server, run, TempDir};

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0xd0, 0, n]
}

fn bound_in(path: &std::path::Path, n: u8) -> Option<Ipv4Addr> {
    let key = ClientKey::Hw(1, mac(n).to_vec());
    LeaseFile::load(path)
        .unwrap()
        .into_iter()
        .rev()
        .find_map(|change| match change {
            Change::Bound { key: k, addr, .. } if k == key => Some(addr),
            _ => None,
        })
}

/// `send --dora` for `mac` against the server on `server_port`: the address ACKed.
fn dora(server_port: u16, client_port: u16, n: u8) -> Ipv4Addr {
    try_dora(server_port, client_port, n, "10").unwrap_or_else(|output| panic!("{output}"))
}

/// `send --dora` waiting `timeout` seconds a reply: the address ACKed, or the output.
fn try_dora(server_port: u16, client_port: u16, n: u8, timeout: &str) -> Result<Ipv4Addr, String> {
    let mac = mac(n)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    let (status, output) = run(
        "send",
        &[
            "--dora",
            "--mac",
            &mac,
            "--server-port",
            &server_port.to_string(),
            "--client-port",
            &client_port.to_string(),
            "--timeout",
            timeout,
        ],
    );
    if !status.success() {
        return Err(output);
    }
    let done = output
        .lines()
        .find_map(|line| line.split("DORA done: ").nth(1))
        .unwrap_or_else(|| panic!("no DORA in {output}"));
    Ok(done
        .split_whitespace()
        .next()
        .and_then(|addr| addr.trim_end_matches(',').parse().ok())
        .unwrap_or_else(|| panic!("no address in {done:?}")))
}

#[test]
fn every_acked_lease_survives_kill_9() {
    let dir = TempDir::new("kill-9");
    let path = dir.join("leases");
    let file = path.to_str().unwrap();
    let client_port = free_udp_port();
    let mut acked = Vec::new();
    for round in 0..3u8 {
        let (mut server, port) = lease_server(client_port, &["--lease-file", file]);
        // A client from an earlier life keeps its address after the restart.
        if let Some(&(n, addr)) = acked.last() {
            assert_eq!(dora(port, client_port, n), addr, "replayed");
        }
        for n in 1..=3 {
            let n = round * 3 + n;
            acked.push((n, dora(port, client_port, n)));
        }
        // SIGKILL the moment the last ACK is in: no shutdown, no flush.
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for &(n, addr) in &acked {
            assert_eq!(bound_in(&path, n), Some(addr), "client {n} after kill -9");
        }
    }
    assert!(fs::metadata(&path).unwrap().len() > 0);
}

#[test]
fn a_kill_9_in_the_middle_of_exchanges_loses_no_acked_lease() {
    let dir = TempDir::new("kill-9-anytime");
    let path = dir.join("leases");
    let file = path.to_str().unwrap();
    let client_port = free_udp_port();
    let mut acked = Vec::new();
    let mut n = 0u8;
    for round in 0..3u64 {
        let (server, port) = lease_server(client_port, &["--lease-file", file]);
        // A SIGKILL at a moment the exchanges do not choose: 30 to 100 ms in,
        // whatever is being received, decided, written or sent.
        let pid = server.pid().to_string();
        let delay =
            Duration::from_millis(30 + (u64::from(std::process::id()) * 7 + round * 23) % 70);
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let status = std::process::Command::new("kill")
                .args(["-9", &pid])
                .status()
                .unwrap();
            assert!(status.success());
        });
        // DORAs one after another until the server is gone; the one cut short was
        // never ACKed, so nothing is owed to it.
        while let Ok(addr) = try_dora(port, client_port, n + 1, "1") {
            n += 1;
            acked.push((n, addr));
            assert!(n < 200, "the server was never killed");
        }
        killer.join().unwrap();
        drop(server);
        for &(client, addr) in &acked {
            assert_eq!(
                bound_in(&path, client),
                Some(addr),
                "client {client} after kill -9"
            );
        }
        // The DORA cut short used client n + 1; the next round starts after it.
        n += 1;
    }
    assert!(!acked.is_empty(), "some DORAs completed before the kills");
}
