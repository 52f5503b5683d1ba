//! Leases from other servers: the lease files ISC dhcpd, Kea and dnsmasq wrote in
//! the interop lab (`tests/data/leases`, with their README), hand-made files for
//! what the lab does not produce (octal and hex uids, `ends never`, abandoned and
//! declined addresses, torn tails, duplicates, bad entries), imports into stores
//! that already hold leases, and the export to Kea read back.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ex_dhcp::lease::import::{
    self, BadLines, Format, ImportError, Parsed, Problem, Record, Status, BATCH, KEA_HEADER,
};
use ex_dhcp::lease::{Change, ClientKey, LeaseFile, LeaseStore, MemoryStore, Secs, BOOTP_FOREVER};

use super::file::Dir;

/// When the lab's leases were granted (2026-12-08 03:29:17 UTC, ISC's `starts`).
const GRANTED: Secs = 1_796_700_557;
/// When ISC's leases end: granted plus the lab's 120 s.
const ISC_ENDS: Secs = GRANTED + 120;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/leases")
        .join(name)
}

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 0, last)
}

fn hw(last: u8) -> ClientKey {
    ClientKey::Hw(1, vec![2, 0, 0, 0, last, 1])
}

/// A hand-made file's client: MAC 02:00:00:00:00:`last`.
fn mac(last: u8) -> ClientKey {
    ClientKey::Hw(1, vec![2, 0, 0, 0, 0, last])
}

/// udhcpc's option 61: type 1, then its MAC.
fn udhcpc(last: u8) -> ClientKey {
    ClientKey::Id(vec![1, 2, 0, 0, 0, last, 1])
}

fn leased(line: usize, addr: Ipv4Addr, key: ClientKey, until: Secs) -> Record {
    Record {
        line,
        addr,
        status: Status::Leased { key, until },
    }
}

fn parse(format: Format, text: &str, bad: BadLines) -> Result<Parsed, ImportError> {
    import::parse(format, text.as_bytes(), Path::new("test.leases"), bad)
}

fn parse_ok(format: Format, text: &str) -> Parsed {
    parse(format, text, BadLines::Fail).unwrap()
}

/// The problem and line of each skipped entry.
fn skipped(parsed: &Parsed) -> Vec<(usize, Problem)> {
    parsed
        .skipped
        .iter()
        .map(|e| (e.line().unwrap(), e.problem().unwrap().clone()))
        .collect()
}

/// dhcpcd's option 61 in the lab's files: type 255, IAID, DUID-LLT.
fn dhcpcd_key(duid_time: [u8; 4]) -> ClientKey {
    let mut id = vec![0xff, 0, 0, 3, 1, 0, 1, 0, 1];
    id.extend(duid_time);
    id.extend([2, 0, 0, 0, 3, 1]);
    ClientKey::Id(id)
}

#[test]
fn isc_dhcpds_own_file_gives_three_leases_and_the_released_address_free() {
    let parsed = import::read(Format::Isc, &fixture("dhcpd.leases"), BadLines::Fail).unwrap();
    let dhcpcd = dhcpcd_key([0x32, 0xaa, 0x36, 0x0d]);
    assert_eq!(
        parsed.records,
        [
            leased(9, ip(100), hw(2), ISC_ENDS),
            leased(18, ip(101), dhcpcd, ISC_ENDS),
            leased(29, ip(102), udhcpc(1), ISC_ENDS),
            // The release, written again as `binding state free`, replaces line 40.
            Record {
                line: 51,
                addr: ip(103),
                status: Status::Free
            },
        ]
    );
    assert!(parsed.skipped.is_empty() && parsed.dhcpv6 == 0);
}

#[test]
fn keas_own_file_gives_three_leases_and_the_deleted_row_free() {
    let parsed = import::read(Format::Kea, &fixture("kea-leases4.csv"), BadLines::Fail).unwrap();
    let expire = 1_796_700_705;
    let dhcpcd = dhcpcd_key([0x32, 0xaa, 0x36, 0x29]);
    assert_eq!(
        parsed.records,
        [
            leased(2, ip(100), hw(2), expire),
            leased(3, ip(102), dhcpcd, expire),
            leased(4, ip(101), udhcpc(1), expire),
            Record {
                line: 6,
                addr: ip(103),
                status: Status::Free
            },
        ]
    );
}

#[test]
fn dnsmasqs_own_file_gives_its_three_leases() {
    let parsed = import::read(Format::Dnsmasq, &fixture("dnsmasq.leases"), BadLines::Fail).unwrap();
    let until = 1_796_700_652;
    let dhcpcd = dhcpcd_key([0x32, 0xaa, 0x35, 0xf4]);
    assert_eq!(
        parsed.records,
        [
            leased(1, ip(107), udhcpc(1), until),
            leased(2, ip(133), dhcpcd, until),
            leased(3, ip(120), hw(2), until),
        ]
    );
}

#[test]
fn an_import_writes_what_holds_at_now_and_counts_the_rest_by_line() {
    let parsed = import::read(Format::Isc, &fixture("dhcpd.leases"), BadLines::Fail).unwrap();
    let mut store = MemoryStore::new();
    let summary = import::import(&mut store, &parsed.records, GRANTED).unwrap();
    assert_eq!((summary.leases, summary.quarantines), (3, 0));
    assert_eq!(summary.free, [51]);
    assert!(summary.expired.is_empty() && summary.conflicts.is_empty());
    assert_eq!((summary.batches, store.commits()), (1, 1));
    assert_eq!(
        store.records()[2],
        Change::Bound {
            key: udhcpc(1),
            addr: ip(102),
            until: ISC_ENDS
        }
    );

    // The same file an hour later: every lease has ended, nothing is written.
    let mut later = MemoryStore::new();
    let summary = import::import(&mut later, &parsed.records, ISC_ENDS + 3600).unwrap();
    assert_eq!((summary.leases, summary.expired), (0, vec![9, 18, 29]));
    assert_eq!((summary.batches, later.records().len()), (0, 0));
    // Ending exactly now is ended: a lease holds while `until > now`.
    let summary = import::import(&mut MemoryStore::new(), &parsed.records, ISC_ENDS).unwrap();
    assert_eq!(summary.expired.len(), 3);
}

#[test]
fn isc_uids_are_option_61s_bytes_in_either_form_and_hardware_types_are_arp_types() {
    let text = r##"
authoring-byte-order little-endian;
server-duid "\000\001\000\001\"#;\\x";
lease 198.18.0.10 {
  ends epoch 2000000000; # Wed May 18 03:33:20 2033
  binding state active;
  hardware ethernet 02:00:00:00:00:0a;
  uid "\001\002\000\000\000\000\012";
}
lease 198.18.0.11 {
  ends 3 2033/05/18 03:33:20;
  binding state active;
  hardware ethernet 2:0:0:0:0:b;
  uid 01:02:00:00:00:00:0b;
}
lease 198.18.0.12 {
  ends never;
  binding state active;
  hardware infiniband 00:11:22;
}
lease 198.18.0.13 {
  ends never;
  binding state bootp;
  hardware unknown-24 ab;
  uid "";
}
"##;
    let parsed = parse_ok(Format::Isc, text);
    assert_eq!(
        parsed.records,
        [
            leased(
                4,
                ip(10),
                ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 10]),
                2_000_000_000
            ),
            leased(
                10,
                ip(11),
                ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 11]),
                2_000_000_000
            ),
            leased(
                16,
                ip(12),
                ClientKey::Hw(32, vec![0, 0x11, 0x22]),
                BOOTP_FOREVER
            ),
            leased(21, ip(13), ClientKey::Hw(24, vec![0xab]), BOOTP_FOREVER),
        ]
    );
}

#[test]
fn isc_abandoned_addresses_are_quarantined_until_ends_and_free_states_hold_nothing() {
    let text = "
lease 198.18.0.20 { ends epoch 2000000000; binding state abandoned; }
lease 198.18.0.21 { ends epoch 2000000000; abandoned; }
lease 198.18.0.22 { ends epoch 2000000000; binding state released; hardware ethernet 02:00:00:00:00:16; }
lease 198.18.0.23 { ends epoch 2000000000; binding state backup; }
lease 198.18.0.24 { ends epoch 1000; binding state abandoned; }
";
    let parsed = parse_ok(Format::Isc, text);
    let statuses: Vec<_> = parsed.records.iter().map(|r| r.status.clone()).collect();
    let quarantined = Status::Quarantined {
        until: 2_000_000_000,
    };
    assert_eq!(
        statuses,
        [
            quarantined.clone(),
            quarantined,
            Status::Free,
            Status::Free,
            Status::Quarantined { until: 1000 }
        ]
    );
    let plan = import::plan(&parsed.records, 1_900_000_000);
    assert_eq!(
        plan.changes,
        [
            (
                2,
                Change::Declined {
                    addr: ip(20),
                    until: 2_000_000_000
                }
            ),
            (
                3,
                Change::Declined {
                    addr: ip(21),
                    until: 2_000_000_000
                }
            ),
        ]
    );
    assert_eq!((plan.free, plan.expired), (vec![4, 5], vec![6]));
}

#[test]
fn isc_later_blocks_win_and_unknown_statements_are_skipped_whole() {
    let text = r#"
failover peer "dhcp-failover" state {
  my state normal at 2 2026/12/08 03:29:17;
  peer state normal at 2 2026/12/08 03:29:17;
}
host fixed { dynamic; hardware ethernet 02:00:00:00:00:99; fixed-address 198.18.0.99; }
lease 198.18.0.30 {
  ends epoch 2000000000;
  binding state active;
  hardware ethernet 02:00:00:00:00:01;
  on expiry { set ClientIP = "198.18.0.30"; execute("/bin/true", "{;}"); }
  set ddns-fwd-name = "a;b}";
  option agent.circuit-id "x";
}
ia-na "\001\000\000\000\000\001" { cltt 2 2026/12/08 03:29:17; iaaddr 2001:db8::1 { binding state active; } }
lease 198.18.0.30 {
  ends epoch 2000000100;
  binding state active;
  hardware ethernet 02:00:00:00:00:02;
}
"#;
    let parsed = parse_ok(Format::Isc, text);
    assert_eq!(parsed.records, [leased(16, ip(30), mac(2), 2_000_000_100)]);
    assert_eq!(parsed.dhcpv6, 1);
}

#[test]
fn a_torn_isc_block_is_left_out_with_a_note_even_when_bad_entries_fail() {
    let text = "
lease 198.18.0.40 { ends epoch 2000000000; binding state active; hardware ethernet 02:00:00:00:00:28; }
lease 198.18.0.41 {
  ends epoch 2000000000;
  binding sta";
    let parsed = parse_ok(Format::Isc, text);
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(skipped(&parsed), [(3, Problem::Torn)]);
    // Inside a string too.
    let parsed = parse_ok(Format::Isc, "lease 198.18.0.42 { uid \"\\001");
    assert_eq!(skipped(&parsed), [(1, Problem::Torn)]);
}

#[test]
fn bad_isc_entries_fail_naming_file_and_line_or_are_skipped_when_asked() {
    let text = "
lease 198.18.0.50 { ends epoch 2000000000; binding state active; hardware ethernet 02:00:00:00:00:32; }
lease 198.18.0.51 {
  ends 3 2033/02/30 00:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:33;
}
lease 198.18.0.52 { ends epoch 2000000000; binding state active; }
lease 198.18.0.53 { ends epoch 2000000000; binding state frozen; hardware ethernet 02:00:00:00:00:35; }
lease 198.18.0.54 { ends epoch 2000000000; hardware ethernet zz:00; }
lease 198.18.0.555 { ends never; }
lease 198.18.0.56 { binding state active; hardware ethernet 02:00:00:00:00:38; }
lease 198.18.0.57 { ends never; hardware ethernet 02:00:00:00:00:39; }
";
    let error = parse(Format::Isc, text, BadLines::Fail).unwrap_err();
    assert_eq!(
        error.to_string(),
        "test.leases line 4: bad time \"3 2033/02/30 00:00:00 ;\""
    );
    let parsed = parse(Format::Isc, text, BadLines::Skip).unwrap();
    assert_eq!(
        skipped(&parsed),
        [
            (4, Problem::Time("3 2033/02/30 00:00:00 ;".into())),
            (8, Problem::NoClient),
            (9, Problem::State("frozen".into())),
            (10, Problem::Hex("zz:00".into())),
            (11, Problem::Address("198.18.0.555".into())),
            (12, Problem::Missing("ends")),
        ]
    );
    let addrs: Vec<Ipv4Addr> = parsed.records.iter().map(|r| r.addr).collect();
    assert_eq!(addrs, [ip(50), ip(57)], "the good ones, around the bad");
}

const KEA_ROWS: &str = "\
address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context
198.18.0.60,02:00:00:00:00:3c,,3600,2000000000,1,0,0,pc&#x2cone,0,{ \"a\": 1&#x2c \"b\": 2 }
198.18.0.61,,,3600,2000000000,1,0,0,,1,
198.18.0.62,02:00:00:00:00:3e,01:02:00:00:00:00:3e,3600,2000000000,1,0,0,,2,
198.18.0.63,02:00:00:00:00:3f,,4294967295,6294967295,1,0,0,,0,
198.18.0.64,02:00:00:00:00:40,,3600,1999999000,1,0,0,,0,
198.18.0.64,02:00:00:00:00:41,,3600,2000000000,1,0,0,,0,
";

#[test]
fn kea_rows_keep_escaped_commas_inside_their_fields_and_states_mean_what_kea_says() {
    let parsed = parse_ok(Format::Kea, KEA_ROWS);
    assert_eq!(
        parsed.records,
        [
            leased(2, ip(60), mac(0x3c), 2_000_000_000),
            Record {
                line: 3,
                addr: ip(61),
                status: Status::Quarantined {
                    until: 2_000_000_000
                }
            },
            Record {
                line: 4,
                addr: ip(62),
                status: Status::Free
            },
            leased(5, ip(63), mac(0x3f), BOOTP_FOREVER),
            leased(7, ip(64), mac(0x41), 2_000_000_000),
        ]
    );
}

#[test]
fn kea_headers_name_the_columns_in_any_version() {
    // Kea 1.x: no state, no user_context.
    let old =
        "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname\n\
               198.18.0.70,02:00:00:00:00:46,,3600,2000000000,1,0,0,\n";
    assert_eq!(
        parse_ok(Format::Kea, old).records,
        [leased(2, ip(70), mac(0x46), 2_000_000_000)]
    );
    // Kea 2.4 and later: a pool_id column at the end.
    let new = format!("{KEA_HEADER},pool_id\n198.18.0.71,,01:aa,60,2000000000,1,0,0,,0,,0\n");
    assert_eq!(
        parse_ok(Format::Kea, &new).records,
        [leased(
            2,
            ip(71),
            ClientKey::Id(vec![1, 0xaa]),
            2_000_000_000
        )]
    );
    // An empty file (Kea not yet started): nothing.
    assert!(parse_ok(Format::Kea, "").records.is_empty());
    // Kea's DHCPv6 file.
    let v6 = "address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid\n";
    let error = parse(Format::Kea, v6, BadLines::Skip).unwrap_err();
    assert_eq!(
        error.to_string(),
        "test.leases line 1: the header has no \"hwaddr\" column"
    );
    let error = parse(Format::Kea, "198.18.0.1,x\n", BadLines::Skip).unwrap_err();
    assert!(error.to_string().contains("not a header"), "{error}");
}

#[test]
fn bad_kea_rows_fail_or_are_skipped_and_a_torn_last_row_is_noted() {
    let text = format!(
        "{KEA_HEADER}\n\
         198.18.0.80,02:00:00:00:00:50,,3600,2000000000,1,0,0,,0,\n\
         198.18.0.81,02:00:00:00:00:51,,3600,2000000000,1,0,0,,0\n\
         198.18.0.82,02:00:00:00:00:52,,-5,2000000000,1,0,0,,0,\n\
         198.18.0.83,,,3600,2000000000,1,0,0,,0,\n\
         198.18.0.84,02:00:00:00:00:54,,3600,2000000000,1,0,0,,7,\n\
         2001:db8::1,02:00:00:00:00:55,,3600,2000000000,1,0,0,,0,\n\
         198.18.0.86,02:00:00:00:00:56,,3600,2000000000,1,0,0,,0,\n\
         198.18.0.87,02:00:00:00:00:57,,36"
    );
    let error = parse(Format::Kea, &text, BadLines::Fail).unwrap_err();
    assert_eq!(
        error.to_string(),
        "test.leases line 3: 10 fields where 11 belong"
    );
    let parsed = parse(Format::Kea, &text, BadLines::Skip).unwrap();
    assert_eq!(
        skipped(&parsed),
        [
            (
                3,
                Problem::Fields {
                    expected: 11,
                    found: 10
                }
            ),
            (
                4,
                Problem::Number {
                    field: "valid_lifetime",
                    text: "-5".into()
                }
            ),
            (5, Problem::NoClient),
            (6, Problem::State("7".into())),
            (7, Problem::Address("2001:db8::1".into())),
            (9, Problem::Torn),
        ]
    );
    let addrs: Vec<Ipv4Addr> = parsed.records.iter().map(|r| r.addr).collect();
    assert_eq!(addrs, [ip(80), ip(86)]);
}

#[test]
fn dnsmasq_lines_take_hardware_types_infinite_leases_and_leave_dhcpv6_out() {
    let text = "\
0 02:00:00:00:00:5a 198.18.0.90 pc-one *
2000000000 06-00:11:22:33:44:55 198.18.0.91 * *
2000000000 02:00:00:00:00:5c 198.18.0.92 * 01:02:00:00:00:00:5c
2000000000 00- 198.18.0.93 * ff:00:00:00:01:00:01
duid 00:01:00:01:2c:5f:4c:7a:02:00:00:00:00:01
2000000000 1234 2001:db8::5 * 00:01:00:01:2c:5f:4c:7a:02:00:00:00:00:05
2000000000 T1235 2001:db8::6 host6 00:01:00:01:2c:5f:4c:7a:02:00:00:00:00:06
";
    let parsed = parse_ok(Format::Dnsmasq, text);
    assert_eq!(
        parsed.records,
        [
            leased(1, ip(90), mac(0x5a), BOOTP_FOREVER),
            leased(
                2,
                ip(91),
                ClientKey::Hw(6, vec![0, 0x11, 0x22, 0x33, 0x44, 0x55]),
                2_000_000_000
            ),
            leased(
                3,
                ip(92),
                ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 0x5c]),
                2_000_000_000
            ),
            leased(
                4,
                ip(93),
                ClientKey::Id(vec![0xff, 0, 0, 0, 1, 0, 1]),
                2_000_000_000
            ),
        ]
    );
    assert_eq!(parsed.dhcpv6, 3, "the duid line and two DHCPv6 leases");
}

#[test]
fn bad_dnsmasq_lines_fail_or_are_skipped_and_a_torn_last_line_is_noted() {
    let text = "\
2000000000 02:00:00:00:00:64 198.18.0.100 * *
soon 02:00:00:00:00:65 198.18.0.101 * *
2000000000 02:00:00:00:00:66 198.18.0.102 *
2000000000 00- 198.18.0.103 * *
2000000000 02:00:00:00:00:68 198.18.0.104 * 01:zz
2000000000 02:00:00:00:00:69 198.18.0";
    let error = parse(Format::Dnsmasq, text, BadLines::Fail).unwrap_err();
    assert_eq!(error.to_string(), "test.leases line 2: bad time \"soon\"");
    let parsed = parse(Format::Dnsmasq, text, BadLines::Skip).unwrap();
    assert_eq!(
        skipped(&parsed),
        [
            (2, Problem::Time("soon".into())),
            (
                3,
                Problem::Fields {
                    expected: 5,
                    found: 4
                }
            ),
            (4, Problem::NoClient),
            (5, Problem::Hex("01:zz".into())),
            (6, Problem::Torn),
        ]
    );
    assert_eq!(parsed.records.len(), 1);
}

#[test]
fn a_client_with_two_live_leases_keeps_the_one_that_ends_last() {
    let text = "
lease 198.18.0.110 { ends epoch 2000000500; binding state active; hardware ethernet 02:00:00:00:00:01; }
lease 198.18.0.111 { ends epoch 2000000900; binding state active; hardware ethernet 02:00:00:00:00:01; }
lease 198.18.0.112 { ends epoch 2000000100; binding state active; hardware ethernet 02:00:00:00:00:01; }
lease 198.18.0.113 { ends epoch 2000000100; binding state active; hardware ethernet 02:00:00:00:00:02; }
";
    let parsed = parse_ok(Format::Isc, text);
    let plan = import::plan(&parsed.records, 2_000_000_000);
    let kept: Vec<(usize, Ipv4Addr)> = plan
        .changes
        .iter()
        .map(|(line, change)| match change {
            Change::Bound { addr, .. } => (*line, *addr),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(kept, [(3, ip(111)), (5, ip(113))]);
    assert_eq!(plan.superseded, [2, 4]);
}

#[test]
fn an_import_never_takes_an_address_or_a_client_from_the_store() {
    let now = 2_000_000_000;
    let mut store = MemoryStore::with_records(vec![
        // Another client holds .120; the imported client of .121 holds .129 here.
        Change::Bound {
            key: hw(9),
            addr: ip(120),
            until: now + 60,
        },
        Change::Bound {
            key: hw(2),
            addr: ip(129),
            until: now + 60,
        },
        Change::Declined {
            addr: ip(122),
            until: now + 60,
        },
        // Ended: no obstacle.
        Change::Bound {
            key: hw(8),
            addr: ip(123),
            until: now - 1,
        },
        // The same lease as imported: no obstacle either (a second run).
        Change::Bound {
            key: hw(4),
            addr: ip(124),
            until: now + 10,
        },
    ]);
    store.set_now(Some(now));
    let records = vec![
        leased(1, ip(120), hw(1), now + 600),
        leased(2, ip(121), hw(2), now + 600),
        leased(3, ip(122), hw(3), now + 600),
        leased(4, ip(123), hw(5), now + 600),
        leased(5, ip(124), hw(4), now + 600),
        Record {
            line: 6,
            addr: ip(129),
            status: Status::Quarantined { until: now + 600 },
        },
    ];
    let summary = import::import(&mut store, &records, now).unwrap();
    assert_eq!(summary.conflicts, [1, 2, 3, 6]);
    assert_eq!((summary.leases, summary.quarantines), (2, 0));
    assert_eq!(store.holder(ip(120)), Some((Some(&hw(9)), now + 60)));
    assert_eq!(store.holder(ip(123)), Some((Some(&hw(5)), now + 600)));
    assert_eq!(store.holder(ip(124)), Some((Some(&hw(4)), now + 600)));
}

#[test]
fn a_large_import_goes_to_a_lease_file_in_batches_and_replays_as_it_was() {
    let dir = Dir::new("import-batches");
    let path = dir.path("leases");
    let now = 2_000_000_000;
    let records: Vec<Record> = (0..BATCH + 10)
        .map(|n| {
            let addr = Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 0, 0)) + n as u32);
            let key = ClientKey::Id(vec![0xff, (n >> 8) as u8, n as u8]);
            leased(n + 1, addr, key, now + 600)
        })
        .collect();
    let mut file = LeaseFile::open(&path, |_| {}).unwrap();
    let summary = import::import(&mut file, &records, now).unwrap();
    assert_eq!((summary.leases, summary.batches), (BATCH + 10, 2));
    drop(file);
    let expected: Vec<Change> = records.iter().filter_map(|r| r.change(now)).collect();
    assert_eq!(LeaseFile::load(&path).unwrap(), expected);
}

#[test]
fn what_is_exported_to_kea_reads_back_as_the_same_live_leases() {
    let now = 2_000_000_000;
    let records = vec![
        Change::Bound {
            key: hw(1),
            addr: ip(141),
            until: now + 600,
        },
        Change::Bound {
            key: udhcpc(2),
            addr: ip(142),
            until: now + 600,
        },
        Change::Bound {
            key: ClientKey::Id(vec![0xff, 0, 0, 0, 1]),
            addr: ip(143),
            until: now + 60,
        },
        Change::Bound {
            key: hw(4),
            addr: ip(144),
            until: BOOTP_FOREVER,
        },
        Change::Declined {
            addr: ip(145),
            until: now + 300,
        },
        // Ended, released, or not an Ethernet MAC: not exported.
        Change::Bound {
            key: hw(6),
            addr: ip(146),
            until: now - 1,
        },
        Change::Bound {
            key: hw(7),
            addr: ip(147),
            until: now + 600,
        },
        Change::Released {
            key: hw(7),
            addr: ip(147),
        },
        Change::Bound {
            key: ClientKey::Hw(32, vec![1; 20]),
            addr: ip(148),
            until: now + 600,
        },
    ];
    let mut store = MemoryStore::with_records(records.clone());
    let mut csv = Vec::new();
    let exported = import::export_kea(&mut store, now, 7, &mut csv).unwrap();
    assert_eq!((exported.leases, exported.quarantines), (4, 1));
    assert_eq!(
        exported.left_out,
        [(ip(148), ClientKey::Hw(32, vec![1; 20]))]
    );
    let text = String::from_utf8(csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            KEA_HEADER,
            "198.18.0.141,02:00:00:00:01:01,,600,2000000600,7,0,0,,0,",
            "198.18.0.142,02:00:00:00:02:01,01:02:00:00:00:02:01,600,2000000600,7,0,0,,0,",
            "198.18.0.143,,ff:00:00:00:01,60,2000000060,7,0,0,,0,",
            "198.18.0.144,02:00:00:00:04:01,,4294967295,6294967295,7,0,0,,0,",
            "198.18.0.145,,,300,2000000300,7,0,0,,1,",
        ]
    );
    let back = parse_ok(Format::Kea, &text);
    let live: Vec<Change> = back.records.iter().filter_map(|r| r.change(now)).collect();
    assert_eq!(live, records[..5]);
}

#[test]
fn formats_are_named_as_the_tool_takes_them() {
    for format in Format::ALL {
        assert_eq!(format.name().parse::<Format>(), Ok(format));
        assert_eq!(format.to_string(), format.name());
    }
    let error = "bind".parse::<Format>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown format \"bind\" (isc, kea or dnsmasq)"
    );
    let missing = import::read(
        Format::Isc,
        Path::new("/nonexistent/dhcpd.leases"),
        BadLines::Fail,
    )
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("/nonexistent/dhcpd.leases: "),
        "{missing}"
    );
    assert_eq!(missing.line(), None);
}

/// A store whose commits fail: the import says so, with what it had done before.
#[test]
fn a_store_error_stops_the_import() {
    #[derive(Debug)]
    struct Broken;
    impl LeaseStore for Broken {
        fn load(&mut self, _: &mut dyn FnMut(Change)) -> Result<(), ex_dhcp::lease::StoreError> {
            Ok(())
        }
        fn commit(
            &mut self,
            _: &[Change],
        ) -> Result<Vec<ex_dhcp::lease::Committed>, ex_dhcp::lease::StoreError> {
            Err(ex_dhcp::lease::StoreError::Backend("disk on fire".into()))
        }
    }
    let records = [leased(1, ip(150), hw(1), 2_000_000_600)];
    let error = import::import(&mut Broken, &records, 2_000_000_000).unwrap_err();
    assert_eq!(error.to_string(), "lease store error: disk on fire");
}

/// Reading never panics, whatever the bytes: each real file cut, flipped and
/// spliced at random (a fixed seed), read with bad entries skipped.
#[test]
fn damaged_files_are_errors_or_notes_never_panics() {
    let mut rng = ex_dhcp_testkit::decode::Rng::new(0x1ea5e);
    for (format, name) in [
        (Format::Isc, "dhcpd.leases"),
        (Format::Kea, "kea-leases4.csv"),
        (Format::Dnsmasq, "dnsmasq.leases"),
    ] {
        let original = std::fs::read(fixture(name)).unwrap();
        for _ in 0..2_000 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.next_u64() % 4 {
                let at = (rng.next_u64() as usize) % bytes.len();
                match rng.next_u64() % 4 {
                    0 => bytes.truncate(at.max(1)),
                    1 => bytes[at] = rng.next_u64() as u8,
                    2 => bytes[at] = b"{};\"\\#,:- \n0"[at % 12],
                    _ => {
                        let end = (at + (rng.next_u64() as usize) % 40).min(bytes.len());
                        let piece = bytes[at..end].to_vec();
                        bytes.splice(at..at, piece);
                    }
                }
            }
            for bad in [BadLines::Skip, BadLines::Fail] {
                let _ = import::parse(format, &bytes[..], Path::new(name), bad);
            }
        }
    }
}
