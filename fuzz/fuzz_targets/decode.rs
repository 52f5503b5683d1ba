//! `Packet::decode` on arbitrary bytes: it may fail, but never panic, and neither may
//! anything a log line or a handler does with what it returns.
#![no_main]

use std::fmt::Write;

use ex_dhcp::options::Options;
use ex_dhcp::options::{
    ClientIdentifier, DhcpMessageType, DhcpOption, DomainName, DomainNameServer, HostName,
    LeaseTime, MaxMessageSize, ParameterRequestList, RebindingTime, RenewalTime,
    RequestedIpAddress, Router, ServerIdentifier, SubnetMask,
};
use ex_dhcp::Packet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let packet = match Packet::decode(bytes) {
        Ok(packet) => packet,
        Err(error) => {
            // Error text names offsets and option codes taken from the input.
            let _ = error.to_string();
            return;
        }
    };

    let mut text = String::new();
    write!(text, "{packet}").expect("Display of a decoded packet");
    let _ = format!("{packet:?}");

    for option in packet.options.iter() {
        let _ = (option.code, option.area, option.data.len());
        let _ = ex_dhcp::options::name(option.code);
        let _ = packet.options.get_raw(option.code);
    }
    let _ = packet.options.codes();
    let _ = packet.options.len();

    read_every_builtin_key(&packet.options);
    let _ = packet.message_type();
    let _ = packet.mac();
    let _ = packet.hardware_addr();
    let _ = packet.sname_str();
    let _ = packet.file_str();
    let _ = packet.broadcast();

    // Building a reply copies fields and options out of an untrusted request.
    for kind in [ex_dhcp::MessageType::Offer, ex_dhcp::MessageType::Ack] {
        let reply = packet.respond(kind);
        let _ = reply.encode();
    }
});

fn read<O: DhcpOption>(options: &Options, key: O)
where
    O::Value: std::fmt::Debug,
{
    match options.try_get(key) {
        Ok(value) => {
            let _ = format!("{value:?}");
        }
        Err(error) => {
            assert_eq!(error.code, O::CODE, "a typed read fails with its own code");
            let _ = error.to_string();
        }
    }
}

fn read_every_builtin_key(options: &Options) {
    read(options, SubnetMask);
    read(options, Router);
    read(options, DomainNameServer);
    read(options, HostName);
    read(options, DomainName);
    read(options, RequestedIpAddress);
    read(options, LeaseTime);
    read(options, DhcpMessageType);
    read(options, ServerIdentifier);
    read(options, ParameterRequestList);
    read(options, MaxMessageSize);
    read(options, RenewalTime);
    read(options, RebindingTime);
    read(options, ClientIdentifier);
}
