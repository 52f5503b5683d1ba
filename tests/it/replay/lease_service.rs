//! The library's own durable lease service replays a real capture: its ACK is held
//! until the lease file is synced, and the replay waits for it.

use std::net::Ipv4Addr;

use ex_dhcp::lease::{LeaseEngine, LeaseFile, LeaseService, Pool, Settings};
use ex_dhcp::replay::{Recording, Replay};
use ex_dhcp_testkit::replay::{fixture, DORA};

#[test]
fn the_durable_lease_service_answers_a_real_dora_as_the_recorded_server_did() {
    let dir =
        std::env::temp_dir().join(format!("ex_dhcp-it-replay-service-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // The recorded server: 192.168.0.1, leasing 192.168.0.10 for an hour.
    let (server, mask) = (
        Ipv4Addr::new(192, 168, 0, 1),
        Ipv4Addr::new(255, 255, 255, 0),
    );
    let pool = Pool::new(
        server,
        mask,
        Ipv4Addr::new(192, 168, 0, 10),
        Ipv4Addr::new(192, 168, 0, 50),
        Default::default(),
    )
    .unwrap();
    let service = LeaseService::new(LeaseEngine::new(Settings::new(server, mask), pool))
        .with_lease_file(dir.join("leases"))
        .unwrap();
    let report = Replay::new(Recording::read(fixture(DORA)).unwrap())
        // The recorded server left siaddr at its own address and did not echo the
        // client identifier (RFC 6842 asks for the echo).
        .ignore_field("siaddr")
        .ignore_option(61)
        .run(service)
        .expect("the replies match, the ACK waited for the lease file");
    assert!(report.compared);
    let leases = LeaseFile::load(&dir.join("leases")).unwrap();
    assert_eq!(
        leases.len(),
        1,
        "the ACKed lease is in the file: {leases:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
