//! `lease_migrate`: leases from ISC dhcpd, Kea and dnsmasq into an `ex_dhcp` lease
//! store, and a store's leases out to Kea, on top of `ex_dhcp::lease::import`.
//! The command line is `args`; this module opens the store and reports.

pub mod args;

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use ex_dhcp::lease::import::{self, BadLines, Exported, Format, Parsed, Summary};
use ex_dhcp::lease::{LeaseFile, LeaseStore, MemoryStore, Secs};

use args::Store;

/// How many line numbers a list in the report shows before "and N more".
const SHOWN_LINES: usize = 20;

/// A runtime failure, worded for the user.
pub type Failure = Box<dyn std::error::Error>;

/// What an import did, for the report and the exit status.
#[derive(Debug)]
pub struct Imported {
    /// The report, one item a line.
    pub report: String,
    /// Leases left out because the store gives their address or client to another.
    pub conflicts: usize,
}

/// Reads `file` (written by `from`) and writes what holds at `now` into `store`;
/// with `dry_run`, into a copy of the store's records in memory only.
pub fn import(
    from: Format,
    file: &Path,
    store: &Store,
    bad: BadLines,
    dry_run: bool,
    now: Secs,
) -> Result<Imported, Failure> {
    let parsed = import::read(from, file, bad)?;
    let summary = if dry_run {
        let mut copy = MemoryStore::with_records(load(store)?);
        copy.set_now(Some(now));
        import::import(&mut copy, &parsed.records, now)?
    } else {
        let mut store = open(store)?;
        import::import(store.as_mut(), &parsed.records, now)?
    };
    let report = report(file, from, &parsed, &summary, dry_run);
    Ok(Imported {
        report,
        conflicts: summary.conflicts.len(),
    })
}

/// Writes the leases `store` holds at `now` to `out` as Kea's CSV.
pub fn export(
    store: &Store,
    subnet_id: u32,
    now: Secs,
    out: &mut dyn Write,
) -> Result<Exported, Failure> {
    // Read, never locked: exporting the lease file of a running server is allowed.
    let mut records = MemoryStore::with_records(load(store)?);
    Ok(import::export_kea(&mut records, now, subnet_id, out)?)
}

/// The store opened for writing: a lease file locked, or the database connected.
fn open(store: &Store) -> Result<Box<dyn LeaseStore>, Failure> {
    match store {
        Store::File(path) => Ok(Box::new(LeaseFile::open(path, |_| {})?)),
        Store::Database(url) => database(url.as_str()),
    }
}

/// Every record the store holds, read without taking it.
fn load(store: &Store) -> Result<Vec<ex_dhcp::lease::Change>, Failure> {
    match store {
        Store::File(path) if !path.exists() => Ok(Vec::new()),
        Store::File(path) => Ok(LeaseFile::load(path)?),
        Store::Database(url) => {
            let mut records = Vec::new();
            database(url.as_str())?.load(&mut |change| records.push(change))?;
            Ok(records)
        }
    }
}

#[cfg(feature = "postgres")]
fn database(url: &str) -> Result<Box<dyn LeaseStore>, Failure> {
    Ok(Box::new(ex_dhcp::lease::PgStore::connect(url)?))
}

#[cfg(not(feature = "postgres"))]
fn database(_url: &str) -> Result<Box<dyn LeaseStore>, Failure> {
    Err("this build has no PostgreSQL store; build with --features postgres".into())
}

/// The report of an import: one line per outcome, with the lines of the file.
fn report(file: &Path, from: Format, parsed: &Parsed, summary: &Summary, dry_run: bool) -> String {
    let mut text = String::new();
    let verb = if dry_run { "would import" } else { "imported" };
    let _ = writeln!(
        text,
        "{} ({from}): {} addresses",
        file.display(),
        parsed.records.len()
    );
    let _ = writeln!(
        text,
        "{verb}: {} leases, {} quarantined addresses",
        summary.leases, summary.quarantines
    );
    for (name, lines) in [
        ("expired", &summary.expired),
        ("free", &summary.free),
        ("superseded", &summary.superseded),
        ("conflicts", &summary.conflicts),
    ] {
        let _ = writeln!(text, "{name}: {}{}", lines.len(), line_list(lines));
    }
    let _ = writeln!(text, "skipped: {}", parsed.skipped.len());
    for skipped in &parsed.skipped {
        let _ = writeln!(text, "  {skipped}");
    }
    if parsed.dhcpv6 > 0 {
        let _ = writeln!(text, "dhcpv6 entries left out: {}", parsed.dhcpv6);
    }
    text
}

/// ` (line 3)`, ` (lines 3, 5, and 2 more)`, or nothing for no lines.
fn line_list(lines: &[usize]) -> String {
    let shown: Vec<String> = lines
        .iter()
        .take(SHOWN_LINES)
        .map(usize::to_string)
        .collect();
    match lines.len() {
        0 => String::new(),
        1 => format!(" (line {})", shown[0]),
        n if n > SHOWN_LINES => format!(
            " (lines {}, and {} more)",
            shown.join(", "),
            n - SHOWN_LINES
        ),
        _ => format!(" (lines {})", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_lists_stop_after_twenty() {
        assert_eq!(line_list(&[]), "");
        assert_eq!(line_list(&[7]), " (line 7)");
        assert_eq!(line_list(&[3, 5]), " (lines 3, 5)");
        let many: Vec<usize> = (1..=25).collect();
        assert!(line_list(&many).ends_with("19, 20, and 5 more)"));
    }
}
