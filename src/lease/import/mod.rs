//! Leases from the servers people run today, and back out to Kea: read ISC dhcpd's
//! `dhcpd.leases`, Kea's memfile CSV (`kea-leases4.csv`) or dnsmasq's lease file,
//! write what still holds into any [`LeaseStore`], and write a store's leases as
//! Kea's CSV.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use ex_dhcp::lease::import::{self, BadLines, Format};
//! use ex_dhcp::lease::{Change, ClientKey, MemoryStore};
//!
//! let kea = "\
//! address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context
//! 198.18.0.100,02:00:00:00:02:01,,120,1700000120,1,0,0,,0,
//! ";
//! let parsed = import::parse(Format::Kea, kea.as_bytes(), "kea-leases4.csv".as_ref(), BadLines::Fail)?;
//! let mut store = MemoryStore::new();
//! let summary = import::import(&mut store, &parsed.records, 1_700_000_000)?;
//! assert_eq!(summary.leases, 1);
//! let key = ClientKey::Hw(1, vec![2, 0, 0, 0, 2, 1]);
//! let addr = Ipv4Addr::new(198, 18, 0, 100);
//! assert_eq!(store.records(), [Change::Bound { key, addr, until: 1_700_000_120 }]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is imported
//!
//! Reading ([`read`], [`parse`]) gives each address's last entry as a [`Record`]:
//! each of these servers writes a later entry for an address over (ISC, Kea: after)
//! the earlier ones, and so does this reader. [`import`] then writes, at the time it
//! is given, what holds an address: leases that have not ended ([`Change::Bound`])
//! and quarantines that have not ended ([`Change::Declined`]). Everything else is
//! counted in the [`Summary`], by line, and left out: an expired lease is free here
//! as it is there, and `ex_dhcp` keeps no record of free addresses.
//!
//! | server | entry | becomes |
//! |---|---|---|
//! | ISC | `binding state active` (also `bootp`, `reserved`, or no state: ISC 3.0) | a lease until `ends` (`ends never`: [`BOOTP_FOREVER`]) |
//! | ISC | `binding state abandoned` (or `abandoned;`) | a quarantine until `ends`: ISC found the address in use (a ping answered, or a DECLINE) and gives it to no one until then, as a DECLINE does here |
//! | ISC | `free`, `released`, `expired`, `reset`, `backup` | free: a released address is free for anyone at once, as in ISC; `backup` is a failover peer's free pool |
//! | Kea | `state` 0 | a lease until `expire` (`valid_lifetime` 4294967295: [`BOOTP_FOREVER`]) |
//! | Kea | `state` 0, `valid_lifetime` 0 | free: the row Kea appends when it deletes a lease (a RELEASE) |
//! | Kea | `state` 1 (declined) | a quarantine until `expire`: the end of Kea's probation |
//! | Kea | `state` 2 (expired-reclaimed) | free |
//! | dnsmasq | a lease line | a lease until its expiry (`0`: [`BOOTP_FOREVER`]); dnsmasq removes released and expired leases itself, and keeps DECLINEd addresses only in memory |
//!
//! DHCPv6 entries (ISC `ia-na`/`ia-ta`/`ia-pd` blocks, dnsmasq's `duid` line and the
//! leases after it) are counted ([`Parsed::dhcpv6`]) and left out; ISC's other
//! declarations (`server-duid`, `failover peer`, `host`, `group`, ...) are skipped.
//!
//! # The client's key
//!
//! A lease is filed under the [`ClientKey`] its client will send on RENEW, so that
//! the RENEW finds it: the client identifier (option 61) when the client sent one,
//! else its hardware address. Each server records option 61's bytes exactly as sent,
//! type byte included, only when the client sent it:
//!
//! - ISC: `uid` (a quoted string with octal escapes, `"\001\002..."`, or colon-hex
//!   with `lease-id-format hex`) is [`ClientKey::Id`]; else `hardware ethernet`
//!   (`token-ring`, `fddi`, `infiniband`, `unknown-N`: their ARP types) is
//!   [`ClientKey::Hw`].
//! - Kea: `client_id` when not empty, else `hwaddr` with hardware type 1 (Kea's CSV
//!   has no type column, and Kea reads it as Ethernet).
//! - dnsmasq: the client-id field when not `*`, else the MAC field (`NN-` before it
//!   gives a hardware type other than Ethernet).
//!
//! A client with two live leases (ISC keeps a lease per address, so a client that
//! moved can have two) keeps the one that ends last; the other is counted as
//! superseded, since `ex_dhcp` gives a client one address.
//!
//! # Bad entries
//!
//! An entry the format does not allow is an [`ImportError`] naming the file, the
//! line and the [`Problem`]. With [`BadLines::Fail`] the first one ends the reading;
//! with [`BadLines::Skip`] it is left out and returned in [`Parsed::skipped`]. A last
//! entry cut short (no line end, no closing brace) is what a server stopped while
//! writing leaves behind; it is always left out with a note ([`Problem::Torn`]), as
//! `ex_dhcp`'s own lease file does.
//!
//! # Into a store, and back out
//!
//! [`import`] reads the store first and never takes an address or a client from
//! it: an imported lease whose address another client holds in the store, or whose
//! client holds another address there, is counted as a conflict and left out, so an
//! import cannot take a lease away. It commits in batches of [`BATCH`] changes (one
//! write and `fsync` of a lease file, one transaction of a database each).
//! [`export_kea`] writes the live leases of a store's records as Kea 2.2's CSV.
//!
//! [`LeaseStore`]: crate::lease::LeaseStore
//! [`Change::Bound`]: crate::lease::Change::Bound
//! [`Change::Declined`]: crate::lease::Change::Declined
//! [`ClientKey`]: crate::lease::ClientKey
//! [`ClientKey::Id`]: crate::lease::ClientKey::Id
//! [`ClientKey::Hw`]: crate::lease::ClientKey::Hw
//! [`BOOTP_FOREVER`]: crate::lease::BOOTP_FOREVER

mod commit;
mod dnsmasq;
mod error;
mod export;
mod isc;
mod kea;
mod live;
mod text;

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::path::Path;
use std::str::FromStr;

use crate::lease::engine::Change;
use crate::lease::table::{ClientKey, Secs};

pub use commit::{import, plan, Plan, Summary, BATCH};
pub use error::{ImportError, Problem};
pub use export::{export_kea, ExportError, Exported, KEA_HEADER};

/// The lease file formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ISC dhcpd's `dhcpd.leases` (dhcpd.leases(5)), version 3 and 4.
    Isc,
    /// Kea's memfile lease file for DHCPv4, `kea-leases4.csv`.
    Kea,
    /// dnsmasq's lease file (`--dhcp-leasefile`, `dnsmasq.leases`).
    Dnsmasq,
}

impl Format {
    /// Every format, in the order of their names.
    pub const ALL: [Format; 3] = [Format::Dnsmasq, Format::Isc, Format::Kea];

    /// The name [`FromStr`] takes: `isc`, `kea`, `dnsmasq`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Isc => "isc",
            Format::Kea => "kea",
            Format::Dnsmasq => "dnsmasq",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of a format name that is none of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown format {:?} (isc, kea or dnsmasq)", self.0)
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == text)
            .ok_or_else(|| UnknownFormat(text.to_owned()))
    }
}

/// What to do with an entry the format does not allow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BadLines {
    /// Stop at the first one with its error: nothing is imported unread.
    #[default]
    Fail,
    /// Leave it out and go on; each is returned in [`Parsed::skipped`].
    Skip,
}

/// An address's last entry in the other server's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line the entry starts on, from 1.
    pub line: usize,
    /// The address.
    pub addr: Ipv4Addr,
    /// What the other server recorded for it.
    pub status: Status,
}

/// What another server recorded for an address, whatever the time now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Leased to the client until then (which may have passed).
    Leased {
        /// The client, as its requests will name it.
        key: ClientKey,
        /// The end of the lease.
        until: Secs,
    },
    /// Given to no one until then: declined by a client, or found in use.
    Quarantined {
        /// The end of the quarantine.
        until: Secs,
    },
    /// Free: released, expired, or a pool's free address.
    Free,
}

impl Record {
    /// The change that makes this record's hold durable at `now`; `None` when it
    /// holds nothing then (free, or ended by `now`).
    pub fn change(&self, now: Secs) -> Option<Change> {
        match &self.status {
            Status::Leased { key, until } if *until > now => Some(Change::Bound {
                key: key.clone(),
                addr: self.addr,
                until: *until,
            }),
            Status::Quarantined { until } if *until > now => Some(Change::Declined {
                addr: self.addr,
                until: *until,
            }),
            _ => None,
        }
    }
}

/// What reading a file gave.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Parsed {
    /// Each address's last entry, in the order of their lines.
    pub records: Vec<Record>,
    /// The entries left out: bad ones (with [`BadLines::Skip`]) and a torn last one.
    pub skipped: Vec<ImportError>,
    /// DHCPv6 entries, left out.
    pub dhcpv6: usize,
}

/// Reads the lease file at `path`, written by the server `format` names. The file is
/// read as a stream: memory holds one entry, and the last entry of each address.
pub fn read(format: Format, path: &Path, bad: BadLines) -> Result<Parsed, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io {
        file: path.to_owned(),
        source,
    })?;
    parse(format, BufReader::new(file), path, bad)
}

/// Reads a lease file in `format` from `reader`; `name` is the file errors name.
pub fn parse(
    format: Format,
    reader: impl BufRead,
    name: &Path,
    bad: BadLines,
) -> Result<Parsed, ImportError> {
    match format {
        Format::Isc => isc::parse(reader, name, bad),
        Format::Kea => kea::parse(reader, name, bad),
        Format::Dnsmasq => dnsmasq::parse(reader, name, bad),
    }
}
