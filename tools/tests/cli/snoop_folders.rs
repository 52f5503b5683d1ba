//! Folders of saved packets, end to end: `snoop --save` numbers them zero-padded
//! after what is there, and `send` and `record_test` read them in numeric order;
//! `record_test` on a capture of a server on 6767 names the ports.

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ex_dhcp::capture::{Datagram, PcapWriter};
use ex_dhcp::{respond, Encoding, MessageType, Packet};

use crate::{free_udp_port, run, Running, TempDir, MAC, SNOOP_READY};

fn discover(xid: u32) -> Packet {
    let mut packet = Packet::new(MessageType::Discover);
    packet.xid = xid;
    packet.set_mac(MAC);
    packet
}

#[test]
fn snoop_numbers_zero_padded_after_old_files_and_the_folder_reads_in_numeric_order() {
    let dir = TempDir::new("folders");
    let captures = dir.join("captures");
    fs::create_dir_all(&captures).unwrap();
    // An earlier run's file, from before names were padded.
    fs::write(
        captures.join("cap-9.bin"),
        discover(9).encode(Encoding::Padded),
    )
    .unwrap();

    let port = free_udp_port().to_string();
    let prefix = captures.join("cap");
    let mut snoop = Running::spawn(
        "snoop",
        &[
            "--bind",
            "127.0.0.1",
            "--port",
            &port,
            "--save",
            prefix.to_str().unwrap(),
            "--count",
            "2",
        ],
    );
    snoop.wait_for_line(SNOOP_READY);
    for xid in ["10", "11"] {
        let (status, output) = run(
            "send",
            &[
                "--build",
                "discover",
                "--xid",
                xid,
                "--server-port",
                &port,
                "--client-port",
                &free_udp_port().to_string(),
                "--no-wait",
            ],
        );
        assert!(status.success(), "{output}");
    }
    let (status, snooped) = snoop.finish();
    assert!(status.success(), "{snooped}");
    assert!(snooped.contains("of 127.0.0.1"), "{snooped}");
    for (name, xid) in [("cap-0010.bin", 10), ("cap-0011.bin", 11)] {
        let bytes = fs::read(captures.join(name)).unwrap_or_else(|_| panic!("no {name}"));
        assert_eq!(Packet::decode(&bytes).unwrap().xid, xid);
    }

    // send: the third file in numeric order is cap-0011 (by name, cap-9 would be last).
    let (status, output) = run(
        "send",
        &[
            captures.to_str().unwrap(),
            "--index",
            "3",
            "--server-port",
            &free_udp_port().to_string(),
            "--client-port",
            &free_udp_port().to_string(),
            "--no-wait",
        ],
    );
    assert!(status.success(), "{output}");
    assert!(output.contains("DHCPDISCOVER xid 0x0000000b"), "{output}");

    // record_test: the folder becomes a test and a copy of the folder.
    let out = dir.join("tests");
    let (status, output) = run(
        "record_test",
        &[
            "--pcap",
            captures.to_str().unwrap(),
            "--name",
            "from_snoop",
            "--handler",
            "my_crate::Handler::new()",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(status.success(), "{output}");
    assert!(output.contains("3 client packets"), "{output}");
    let test = fs::read_to_string(out.join("from_snoop.rs")).expect("the test written");
    assert!(test.contains("Recording::read(path)?"), "{test}");
    let mut copied: Vec<String> = fs::read_dir(out.join("data").join("from_snoop"))
        .expect("the folder copied")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    copied.sort();
    assert_eq!(copied, ["cap-0010.bin", "cap-0011.bin", "cap-9.bin"]);
}

/// A DISCOVER and OFFER between 127.0.0.1:6868 and a server on 127.0.0.1:6767.
fn capture_on_6767() -> Vec<u8> {
    let request = discover(0x6767);
    let offer = respond(&request, MessageType::Offer).with_yiaddr(Ipv4Addr::new(198, 18, 0, 10));
    let client = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6868);
    let server = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6767);
    let mut writer = PcapWriter::new(Vec::new()).unwrap();
    for (packet, source, destination) in [(&request, client, server), (&offer, server, client)] {
        writer
            .write_datagram(&Datagram {
                timestamp: Duration::ZERO,
                source,
                destination,
                payload: packet.encode(Encoding::Padded),
            })
            .unwrap();
    }
    writer.into_inner()
}

#[test]
fn record_test_on_a_6767_capture_says_which_ports_it_looked_for_then_takes_them() {
    let dir = TempDir::new("ports");
    let pcap = dir.join("loopback.pcap");
    fs::write(&pcap, capture_on_6767()).unwrap();
    let out = dir.join("tests");
    let common = [
        "--pcap",
        pcap.to_str().unwrap(),
        "--name",
        "loopback",
        "--handler",
        "H",
        "--out",
        out.to_str().unwrap(),
    ];
    let (status, _, stderr) = Running::spawn("record_test", &common).finish_all();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("looked for udp ports 67 (server) and 68 (client)"),
        "{stderr}"
    );
    assert!(stderr.contains("on ports 6767, 6868"), "{stderr}");

    let mut named = common.to_vec();
    named.extend(["--server-port", "6767", "--client-port", "6868"]);
    let (status, output) = run("record_test", &named);
    assert!(status.success(), "{output}");
    assert!(
        output.contains("1 client packets, 1 recorded replies"),
        "{output}"
    );
    let test = fs::read_to_string(out.join("loopback.rs")).unwrap();
    assert!(test.contains("Recording::reader()"), "{test}");
    assert!(test.contains(".server_port(6767)"), "{test}");
    assert!(test.contains(".client_port(6868)"), "{test}");
}
