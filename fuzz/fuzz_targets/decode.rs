//! `Packet::decode` and `Packet::decode_lenient` on arbitrary bytes: they may fail,
//! but never panic, and neither may anything a log line or a handler does with what
//! they return (BOOTP replies included). Where the strict decode succeeds, the
//! lenient one gives the same packet with nothing cut.
#![no_main]

use std::fmt::Write;

use ex_dhcp::options::Options;
use ex_dhcp::options::{
    ClientIdentifier, DhcpMessageType, DhcpOption, DomainName, DomainNameServer, HostName,
    LeaseTime, MaxMessageSize, ParameterRequestList, RebindingTime, RenewalTime,
    RequestedIpAddress, Router, ServerIdentifier, SubnetMask,
};
use ex_dhcp::options::OptionNames;
use ex_dhcp::{Encoding, respond, respond_bootp, Packet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let names = OptionNames::new().with_name(224, "site option");
    let lenient = Packet::decode_lenient(bytes);
    let packet = match Packet::decode(bytes) {
        Ok(packet) => packet,
        Err(error) => {
            // Error text names offsets and option codes taken from the input.
            let _ = error.to_string();
            let _ = error.display_with(&names).to_string();
            if let Ok(lenient) = lenient {
                assert!(!lenient.is_whole(), "strict failed, so lenient cut something");
                for cut in &lenient.truncated {
                    assert!(!cut.error.to_string().is_empty());
                    let _ = cut.to_string();
                }
                use_packet(&lenient.packet, &names);
            }
            return;
        }
    };
    let lenient = lenient.expect("lenient decodes what strict decodes");
    assert!(lenient.is_whole(), "nothing cut where strict succeeded");
    assert_eq!(lenient.packet, packet, "lenient and strict agree");
    use_packet(&packet, &names);
});

fn use_packet(packet: &Packet, names: &OptionNames) {
    let _ = packet.display_with(names).to_string();
    let _ = packet.message_type_checked();
    let _ = packet.is_bootp();
    let _ = packet.options.has_end();
    let _ = packet.options.after_end();
    let _ = packet.options.vendor_area();
    for option in packet.options.iter_wire() {
        let _ = (option.code, option.area, option.offset, option.data.len());
        let _ = format!("{:#}", option.area);
    }

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
        let reply = respond(packet, kind);
        let _ = reply.encode(Encoding::Padded);
    }
    let bootp = respond_bootp(packet).with_lease_times(u32::MAX);
    let _ = bootp.encode(Encoding::Padded);
    let _ = bootp.encode(Encoding::Exact);
}

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
