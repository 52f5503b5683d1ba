//! Kea's memfile lease file for DHCPv4, `kea-leases4.csv`: a header naming the
//! columns, then one row per lease change, appended; the last row of an address is
//! in effect.
//!
//! ```text
//! address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context
//! 198.18.0.101,02:00:00:00:04:01,01:02:00:00:00:04:01,120,1796699887,1,0,0,,0,
//! 198.18.0.101,02:00:00:00:04:01,01:02:00:00:00:04:01,0,1796699767,1,0,0,,0,
//! ```
//!
//! That is Kea 2.2's header; older versions write fewer columns and newer ones more,
//! so columns are found by name. `expire` is the end of the lease in seconds since
//! the epoch; a row with `valid_lifetime` 0 deletes the address's lease (Kea writes
//! one on a RELEASE); `valid_lifetime` 4294967295 is an infinite lease. Kea escapes
//! a comma inside a text field (`hostname`, `user_context`) as `&#x2c`, so a row
//! splits on every comma; the fields read here are never escaped.

use std::io::BufRead;
use std::net::Ipv4Addr;
use std::path::Path;

use super::error::{ImportError, Problem};
use super::text::{colon_hex, Lines, Reading};
use super::{BadLines, Parsed, Record, Status};
use crate::lease::engine::BOOTP_FOREVER;
use crate::lease::table::ClientKey;

/// Kea's infinite lifetime (`Lease::INFINITY_LFT`).
pub(super) const INFINITE: u32 = u32::MAX;
/// `state`: a lease in use.
pub(super) const DEFAULT: u32 = 0;
/// `state`: declined, in probation until `expire`.
pub(super) const DECLINED: u32 = 1;
/// `state`: expired and reclaimed, kept for the client's return.
const EXPIRED_RECLAIMED: u32 = 2;

/// Where the columns this reader needs are.
struct Columns {
    count: usize,
    address: usize,
    hwaddr: usize,
    client_id: usize,
    valid_lifetime: usize,
    expire: usize,
    state: Option<usize>,
}

impl Columns {
    fn from_header(header: &str) -> Result<Columns, Problem> {
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        if names.first() != Some(&"address") {
            return Err(Problem::Header(header.to_owned()));
        }
        let find = |name: &'static str| {
            names
                .iter()
                .position(|n| *n == name)
                .ok_or(Problem::Column(name))
        };
        Ok(Columns {
            count: names.len(),
            address: 0,
            hwaddr: find("hwaddr")?,
            client_id: find("client_id")?,
            valid_lifetime: find("valid_lifetime")?,
            expire: find("expire")?,
            state: find("state").ok(),
        })
    }
}

/// Reads a `kea-leases4.csv` file.
pub(super) fn parse(
    reader: impl BufRead,
    name: &Path,
    bad: BadLines,
) -> Result<Parsed, ImportError> {
    let mut reading = Reading::new(name, bad);
    let mut lines = Lines::new(reader);
    let next = |lines: &mut Lines<_>, reading: &Reading| {
        lines.next_line().map_err(|error| reading.io(error))
    };
    let Some(header) = next(&mut lines, &reading)? else {
        return Ok(reading.finish());
    };
    let columns = Columns::from_header(&header.text)
        .map_err(|problem| reading.error(header.number, problem))?;
    while let Some(line) = next(&mut lines, &reading)? {
        if line.text.trim().is_empty() {
            continue;
        }
        match row(&columns, &line.text) {
            Ok((addr, status)) => reading.record(Record {
                line: line.number,
                addr,
                status,
            }),
            Err(_) if !line.ended => reading.torn(line.number),
            Err(problem) => reading.bad(line.number, problem)?,
        }
    }
    Ok(reading.finish())
}

fn row(columns: &Columns, text: &str) -> Result<(Ipv4Addr, Status), Problem> {
    let fields: Vec<&str> = text.split(',').collect();
    if fields.len() != columns.count {
        return Err(Problem::Fields {
            expected: columns.count,
            found: fields.len(),
        });
    }
    let address = fields[columns.address];
    let addr: Ipv4Addr = address
        .parse()
        .map_err(|_| Problem::Address(address.to_owned()))?;
    let number = |field: &'static str, index: usize| {
        let text = fields[index];
        text.parse::<u64>().map_err(|_| Problem::Number {
            field,
            text: text.to_owned(),
        })
    };
    let valid = number("valid_lifetime", columns.valid_lifetime)?;
    let valid = u32::try_from(valid).map_err(|_| Problem::Number {
        field: "valid_lifetime",
        text: valid.to_string(),
    })?;
    let expire = number("expire", columns.expire)?;
    let state = match columns.state {
        Some(index) => number("state", index)?,
        None => u64::from(DEFAULT),
    };
    let hex = |index: usize| {
        let text = fields[index];
        (!text.is_empty()).then(|| colon_hex(text)).transpose()
    };
    let (hwaddr, client_id) = (hex(columns.hwaddr)?, hex(columns.client_id)?);
    let until = if valid == INFINITE {
        BOOTP_FOREVER
    } else {
        expire
    };
    let status = match u32::try_from(state) {
        Ok(DEFAULT) if valid == 0 => Status::Free,
        Ok(DEFAULT) => {
            let key = match (client_id, hwaddr) {
                (Some(id), _) => ClientKey::Id(id),
                (None, Some(mac)) => ClientKey::Hw(1, mac),
                (None, None) => return Err(Problem::NoClient),
            };
            Status::Leased { key, until }
        }
        Ok(DECLINED) => Status::Quarantined { until },
        Ok(EXPIRED_RECLAIMED) => Status::Free,
        _ => return Err(Problem::State(state.to_string())),
    };
    Ok((addr, status))
}
