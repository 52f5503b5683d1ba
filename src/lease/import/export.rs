//! A store's live leases as Kea 2.2's memfile CSV, for an operator moving to Kea
//! (or keeping the way back open).
//!
//! Each row has `cltt` (Kea's client last transaction time, `expire` minus
//! `valid_lifetime`) at the export's time: `valid_lifetime` is what is left of the
//! lease, `expire` its end. A client keyed by its client identifier has it in
//! `client_id`, with `hwaddr` taken from an RFC 2132 identifier (type 1 and six
//! bytes: an Ethernet MAC) and left empty otherwise, which Kea accepts: it finds a
//! lease by client identifier first. A quarantine is a declined lease (`state` 1)
//! without a client, as Kea writes them. The hostname and DNS columns are empty:
//! `ex_dhcp` keeps neither.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::net::Ipv4Addr;

use super::kea::{DECLINED, DEFAULT, INFINITE};
use super::live::Live;
use crate::lease::engine::BOOTP_FOREVER;
use crate::lease::store::{LeaseStore, StoreError};
use crate::lease::table::{ClientKey, Secs};

/// The header of Kea 2.2's `kea-leases4.csv`, which [`export_kea`] writes first.
pub const KEA_HEADER: &str = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,\
                              fqdn_fwd,fqdn_rev,hostname,state,user_context";

/// Kea's shortest client identifier (`ClientId::MIN_CLIENT_ID_LEN`).
const KEA_MIN_CLIENT_ID: usize = 2;

/// What [`export_kea`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exported {
    /// Leases written.
    pub leases: usize,
    /// Quarantines written, as declined leases.
    pub quarantines: usize,
    /// Leases Kea's CSV cannot hold, left out: a hardware address that is not
    /// Ethernet (the CSV has no type column, and Kea reads every one as Ethernet),
    /// or a client identifier shorter than Kea accepts.
    pub left_out: Vec<(Ipv4Addr, ClientKey)>,
}

/// Why an export failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExportError {
    /// The store could not be read.
    Store(StoreError),
    /// The output could not be written.
    Io(io::Error),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Store(error) => write!(f, "reading the store: {error}"),
            ExportError::Io(error) => write!(f, "writing the export: {error}"),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExportError::Store(error) => Some(error),
            ExportError::Io(error) => Some(error),
        }
    }
}

/// Writes the leases and quarantines `store` holds at `now` to `out` as Kea 2.2's
/// `kea-leases4.csv`, header first, in address order, every row in subnet
/// `subnet_id` (Kea's `id` of the subnet in its configuration).
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{import, Change, ClientKey, MemoryStore};
///
/// let mut store = MemoryStore::with_records(vec![Change::Bound {
///     key: ClientKey::Id(vec![1, 2, 0, 0, 0, 0, 1]),
///     addr: Ipv4Addr::new(198, 18, 0, 100),
///     until: 1_700_000_600,
/// }]);
/// let mut csv = Vec::new();
/// let exported = import::export_kea(&mut store, 1_700_000_000, 1, &mut csv)?;
/// assert_eq!(exported.leases, 1);
/// assert_eq!(
///     String::from_utf8(csv)?.lines().nth(1),
///     Some("198.18.0.100,02:00:00:00:00:01,01:02:00:00:00:00:01,600,1700000600,1,0,0,,0,")
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_kea(
    store: &mut dyn LeaseStore,
    now: Secs,
    subnet_id: u32,
    out: &mut dyn Write,
) -> Result<Exported, ExportError> {
    let mut live = Live::default();
    store
        .load(&mut |change| live.apply(change))
        .map_err(ExportError::Store)?;
    let mut out = BufWriter::new(out);
    let mut exported = Exported::default();
    writeln!(out, "{KEA_HEADER}").map_err(ExportError::Io)?;
    for (addr, key, until) in live.held(now) {
        let (hwaddr, client_id, state) = match key {
            None => (String::new(), String::new(), DECLINED),
            Some(ClientKey::Hw(1, mac)) => (hex(mac), String::new(), DEFAULT),
            Some(ClientKey::Id(id)) if id.len() >= KEA_MIN_CLIENT_ID => {
                let mac = match id.as_slice() {
                    [1, mac @ ..] if mac.len() == 6 => hex(mac),
                    _ => String::new(),
                };
                (mac, hex(id), DEFAULT)
            }
            Some(other) => {
                exported.left_out.push((addr, other.clone()));
                continue;
            }
        };
        let (valid, expire) = lifetime(now, until);
        writeln!(
            out,
            "{addr},{hwaddr},{client_id},{valid},{expire},{subnet_id},0,0,,{state},"
        )
        .map_err(ExportError::Io)?;
        match key {
            Some(_) => exported.leases += 1,
            None => exported.quarantines += 1,
        }
    }
    out.flush().map_err(ExportError::Io)?;
    Ok(exported)
}

/// `valid_lifetime` and `expire` for a hold until `until`, seen at `now`: what is
/// left, and the end; Kea's infinite lifetime for [`BOOTP_FOREVER`] and for anything
/// longer than it can say.
fn lifetime(now: Secs, until: Secs) -> (u32, Secs) {
    let left = until.saturating_sub(now);
    match u32::try_from(left) {
        Ok(left) if until != BOOTP_FOREVER && left != INFINITE => (left, until),
        _ => (INFINITE, now + Secs::from(INFINITE)),
    }
}

/// Lowercase colon-separated hex, as Kea writes it.
fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}
