//! Prints every DHCP packet of the given pcap or pcapng files, decoded.
//!
//! `cargo run -p ex_dhcp-tools --bin dump_captures -- ../shared/fixtures/captures/*.pcap`

use ex_dhcp::{capture, Packet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for path in std::env::args().skip(1) {
        println!("== {path}");
        for datagram in capture::read_file(&path)?.datagrams {
            match Packet::decode(&datagram.payload) {
                Ok(packet) => println!(
                    "{} -> {} ({} bytes)\n{packet}",
                    datagram.source,
                    datagram.destination,
                    datagram.payload.len()
                ),
                Err(error) => println!("{} -> {}: {error}", datagram.source, datagram.destination),
            }
        }
    }
    Ok(())
}
