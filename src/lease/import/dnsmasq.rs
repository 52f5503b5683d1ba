//! dnsmasq's lease file: one line per lease, rewritten whole on every change.
//!
//! ```text
//! 1796699868 02:00:00:00:03:01 198.18.0.134 * ff:00:00:03:01:00:01:00:01:32:aa:32:dd:02:00:00:00:03:01
//! 1796699862 02:00:00:00:02:01 198.18.0.120 myhost *
//! duid 00:01:00:01:2c:5f:4c:7a:02:00:00:00:00:01
//! 1796699870 1234 2001:db8::5 * 00:01:00:01:...
//! ```
//!
//! Fields: the lease's end in seconds since the epoch (`0`: never), the hardware
//! address (`NN-` before it when its type is not Ethernet, NN in hex), the address,
//! the hostname (`*`: none) and the client identifier (`*`: none). The `duid` line
//! and the DHCPv6 leases after it (an IAID where the MAC was, an IPv6 address) are
//! left out.

use std::io::BufRead;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::error::{ImportError, Problem};
use super::text::{colon_hex, Lines, Reading};
use super::{BadLines, Parsed, Record, Status};
use crate::lease::engine::BOOTP_FOREVER;
use crate::lease::table::ClientKey;

/// The fields of a lease line.
const FIELDS: usize = 5;
/// What stands for "none" in the hostname and client-id fields.
const NONE: &str = "*";

/// What one line is.
enum Line {
    Lease(Ipv4Addr, Status),
    /// The `duid` line, or a DHCPv6 lease.
    Dhcpv6,
}

/// Reads a dnsmasq lease file.
pub(super) fn parse(
    reader: impl BufRead,
    name: &Path,
    bad: BadLines,
) -> Result<Parsed, ImportError> {
    let mut reading = Reading::new(name, bad);
    let mut lines = Lines::new(reader);
    while let Some(line) = lines.next_line().map_err(|error| reading.io(error))? {
        if line.text.trim().is_empty() {
            continue;
        }
        match lease(&line.text) {
            Ok(Line::Lease(addr, status)) => reading.record(Record {
                line: line.number,
                addr,
                status,
            }),
            Ok(Line::Dhcpv6) => reading.dhcpv6(),
            Err(_) if !line.ended => reading.torn(line.number),
            Err(problem) => reading.bad(line.number, problem)?,
        }
    }
    Ok(reading.finish())
}

fn lease(text: &str) -> Result<Line, Problem> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.first() == Some(&"duid") {
        return Ok(Line::Dhcpv6);
    }
    let [expiry, hwaddr, address, _hostname, client_id] = fields[..] else {
        return Err(Problem::Fields {
            expected: FIELDS,
            found: fields.len(),
        });
    };
    let Ok(addr) = address.parse::<Ipv4Addr>() else {
        return match address.parse::<Ipv6Addr>() {
            Ok(_) => Ok(Line::Dhcpv6),
            Err(_) => Err(Problem::Address(address.to_owned())),
        };
    };
    let until = match expiry.parse::<u64>() {
        Ok(0) => BOOTP_FOREVER,
        Ok(until) => until,
        Err(_) => return Err(Problem::Time(expiry.to_owned())),
    };
    let key = if client_id != NONE {
        ClientKey::Id(colon_hex(client_id)?)
    } else {
        let (htype, mac) = hardware(hwaddr)?;
        if mac.is_empty() {
            return Err(Problem::NoClient);
        }
        ClientKey::Hw(htype, mac)
    };
    Ok(Line::Lease(addr, Status::Leased { key, until }))
}

/// `aa:bb:...` (Ethernet) or `NN-aa:bb:...` (hardware type NN, hex; dnsmasq writes
/// `NN-` alone when it has no hardware address).
fn hardware(text: &str) -> Result<(u8, Vec<u8>), Problem> {
    let bad = || Problem::Hex(text.to_owned());
    match text.split_once('-') {
        Some((htype, mac)) => {
            if htype.len() != 2 || !htype.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            let htype = u8::from_str_radix(htype, 16).map_err(|_| bad())?;
            let mac = if mac.is_empty() {
                Vec::new()
            } else {
                colon_hex(mac)?
            };
            Ok((htype, mac))
        }
        None => Ok((1, colon_hex(text)?)),
    }
}
