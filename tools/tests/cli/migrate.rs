//! `lease_migrate` as an operator runs it: the three servers' own lease files
//! (`tests/data/leases`) imported into a lease file, bad entries stopping the
//! import or skipped when asked, a dry run that writes nothing, conflicts and a
//! running server's lock refused, the export to Kea, and `lease_server` answering
//! an imported client.

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::process::{Command, Output};

use ex_dhcp::options::RequestedIpAddress;
use ex_dhcp::{MessageType, Packet};

use super::{lease_server, TempDir, PROCESS_TIMEOUT};

/// When the lab's leases were granted (see tests/data/leases/README.md).
const GRANTED: &str = "1796700557";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/leases")
        .join(name);
    path.to_str().unwrap().to_owned()
}

fn lease_migrate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lease_migrate"))
        .args(args)
        .output()
        .expect("run lease_migrate")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn each_servers_file_is_imported_and_reported() {
    let dir = TempDir::new("migrate-import");
    for (format, name, report) in [
        (
            "isc",
            "dhcpd.leases",
            "imported: 3 leases, 0 quarantined addresses\nexpired: 0\nfree: 1 (line 51)\n",
        ),
        (
            "kea",
            "kea-leases4.csv",
            "imported: 3 leases, 0 quarantined addresses\nexpired: 0\nfree: 1 (line 6)\n",
        ),
        (
            "dnsmasq",
            "dnsmasq.leases",
            "imported: 3 leases, 0 quarantined addresses\nexpired: 0\nfree: 0\n",
        ),
    ] {
        let leases = dir.join(format);
        let out = lease_migrate(&[
            "import",
            "--from",
            format,
            &fixture(name),
            "--lease-file",
            leases.to_str().unwrap(),
            "--at",
            GRANTED,
        ]);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{format}: {out:?}");
        assert!(stdout.contains(report), "{format}:\n{stdout}");
        assert!(
            stdout.contains("conflicts: 0\nskipped: 0\n"),
            "{format}:\n{stdout}"
        );
        let bound = fs::read_to_string(&leases)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("bound "))
            .count();
        assert_eq!(bound, 3, "{format}");
        // Again: the same leases are no conflict, and nothing is lost.
        let again = lease_migrate(&[
            "import",
            "--from",
            format,
            &fixture(name),
            "--lease-file",
            leases.to_str().unwrap(),
            "--at",
            GRANTED,
        ]);
        assert!(again.status.success(), "{format} again: {again:?}");
    }
    // An hour later every lease has ended.
    let late = lease_migrate(&[
        "import",
        "--from",
        "isc",
        &fixture("dhcpd.leases"),
        "--lease-file",
        dir.join("late").to_str().unwrap(),
        "--at",
        "1796704157",
    ]);
    assert!(
        text(&late.stdout).contains(
            "imported: 0 leases, 0 quarantined addresses\nexpired: 3 (lines 9, 18, 29)\n"
        ),
        "{late:?}"
    );
}

#[test]
fn a_bad_entry_stops_the_import_unless_skip_bad_and_a_dry_run_writes_nothing() {
    let dir = TempDir::new("migrate-bad");
    let file = dir.join("dnsmasq.leases");
    fs::write(
        &file,
        "4000000000 02:00:00:00:00:01 198.18.0.100 * *\n4000000000 02:00:00:00:00:02 198.18.0.1011 * *\n",
    )
    .unwrap();
    let leases = dir.join("leases");
    let (file, leases) = (file.to_str().unwrap(), leases.to_str().unwrap());
    let out = lease_migrate(&["import", "--from", "dnsmasq", file, "--lease-file", leases]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        format!("lease_migrate: {file} line 2: \"198.18.0.1011\" is not an IPv4 address\n")
    );
    assert!(!dir.join("leases").exists(), "nothing written");

    let dry = lease_migrate(&[
        "import",
        "--from",
        "dnsmasq",
        file,
        "--lease-file",
        leases,
        "--skip-bad",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{dry:?}");
    let stdout = text(&dry.stdout);
    assert!(stdout.contains("would import: 1 leases"), "{stdout}");
    assert!(
        stdout.contains(&format!("skipped: 1\n  {file} line 2: ")),
        "{stdout}"
    );
    assert!(!dir.join("leases").exists(), "a dry run writes nothing");

    let out = lease_migrate(&[
        "import",
        "--from",
        "dnsmasq",
        file,
        "--lease-file",
        leases,
        "--skip-bad",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        fs::read_to_string(dir.join("leases"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("bound"))
            .collect::<Vec<_>>(),
        ["bound hw:1:020000000001 198.18.0.100 4000000000"]
    );
}

#[test]
fn leases_the_store_gives_to_others_are_refused_and_a_running_servers_file_is_locked() {
    let dir = TempDir::new("migrate-conflict");
    let leases = dir.join("leases");
    fs::write(&leases, "bound hw:1:020000000009 198.18.0.100 4000000000\n").unwrap();
    let file = dir.join("dnsmasq.leases");
    fs::write(&file, "4000000000 02:00:00:00:00:01 198.18.0.100 * *\n4000000000 02:00:00:00:00:02 198.18.0.101 * *\n").unwrap();
    let (file, leases_text) = (file.to_str().unwrap(), leases.to_str().unwrap());
    let out = lease_migrate(&[
        "import",
        "--from",
        "dnsmasq",
        file,
        "--lease-file",
        leases_text,
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stdout).contains("imported: 1 leases"), "{out:?}");
    assert!(
        text(&out.stdout).contains("conflicts: 1 (line 1)"),
        "{out:?}"
    );
    assert!(text(&out.stderr).contains("1 leases left out"), "{out:?}");
    let kept = fs::read_to_string(&leases).unwrap();
    assert!(
        kept.contains("bound hw:1:020000000009 198.18.0.100 4000000000"),
        "{kept}"
    );
    assert!(!kept.contains("bound hw:1:020000000001"), "{kept}");

    let (server, _port) = lease_server(super::free_udp_port(), &["--lease-file", leases_text]);
    let out = lease_migrate(&[
        "import",
        "--from",
        "dnsmasq",
        file,
        "--lease-file",
        leases_text,
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("is in use by another server"),
        "{out:?}"
    );
    // Exporting reads without the lock: allowed while the server runs.
    let export = lease_migrate(&["export", "--to", "kea", "--lease-file", leases_text]);
    assert!(export.status.success(), "{export:?}");
    drop(server);
}

#[test]
fn the_export_is_keas_csv_of_the_live_leases() {
    let dir = TempDir::new("migrate-export");
    let leases = dir.join("leases");
    fs::write(
        &leases,
        "bound hw:1:020000000001 198.18.0.100 4000000000\n\
         bound id:01020000000002 198.18.0.101 4000000000\n\
         bound hw:1:020000000003 198.18.0.102 1000\n\
         declined 198.18.0.103 4000000000\n",
    )
    .unwrap();
    let out = lease_migrate(&[
        "export",
        "--to",
        "kea",
        "--lease-file",
        leases.to_str().unwrap(),
        "--at",
        "3999999000",
        "--subnet-id",
        "5",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n\
         198.18.0.100,02:00:00:00:00:01,,1000,4000000000,5,0,0,,0,\n\
         198.18.0.101,02:00:00:00:00:02,01:02:00:00:00:00:02,1000,4000000000,5,0,0,,0,\n\
         198.18.0.103,,,1000,4000000000,5,0,0,,1,\n"
    );
    assert_eq!(
        text(&out.stderr),
        "lease_migrate: exported 2 leases, 1 quarantined addresses\n"
    );
}

/// An imported client rebooting (INIT-REBOOT: a REQUEST for its address) is ACKed
/// by `lease_server`; another client's DISCOVER is offered another address.
#[test]
fn lease_server_answers_an_imported_client_with_its_address() {
    let dir = TempDir::new("migrate-serve");
    let file = dir.join("dhcpd.leases");
    fs::write(
        &file,
        "lease 198.18.0.120 {\n  ends epoch 4000000000;\n  binding state active;\n  hardware ethernet 02:00:00:00:00:07;\n}\n",
    )
    .unwrap();
    let leases = dir.join("leases");
    let out = lease_migrate(&[
        "import",
        "--from",
        "isc",
        file.to_str().unwrap(),
        "--lease-file",
        leases.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");

    let mut client = ex_dhcp::Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let client_port = client.local_addr().unwrap().port();
    let (server, port) = lease_server(client_port, &["--lease-file", leases.to_str().unwrap()]);
    let addr = Ipv4Addr::new(198, 18, 0, 120);
    let to = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let mut reboot = Packet::new(MessageType::Request).with_option(RequestedIpAddress, addr);
    reboot.set_mac([2, 0, 0, 0, 0, 7]);
    reboot.xid = 7;
    let (ack, _) = client
        .exchange(&reboot, to, PROCESS_TIMEOUT)
        .expect("an ACK");
    assert_eq!(
        (ack.message_type(), ack.yiaddr),
        (Some(MessageType::Ack), addr),
        "{ack}"
    );
    let mut discover = Packet::new(MessageType::Discover);
    discover.set_mac([2, 0, 0, 0, 0, 8]);
    discover.xid = 8;
    let (offer, _) = client
        .exchange(&discover, to, PROCESS_TIMEOUT)
        .expect("an OFFER");
    assert_eq!(offer.message_type(), Some(MessageType::Offer), "{offer}");
    assert_ne!(offer.yiaddr, addr, "the imported lease is its client's");
    drop(server);
}
