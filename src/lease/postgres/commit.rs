//! One batch, one transaction: the locks in their order (see `locks.rs`), then the
//! statements that write, then `COMMIT`.
//!
//! Round trips of a batch: `BEGIN` with the clients' locks (one simple query), the
//! addresses' locks with the read of the clients' other bound rows (one
//! statement), the writes, `COMMIT`. The writes go by runs: the batch is cut, in
//! order, into runs of one kind of change with no address twice (and, for
//! `Bound`s, no client twice), and each run is one statement, so that each change
//! sees what the runs before it did. The common batch (`Bound`s of distinct
//! addresses and clients: new leases and renewals) is one run: one statement,
//! plus one for all its clients that hold a row elsewhere, if any does.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::ops::Range;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use super::labels::Labels;
use super::locks::{self, ADDRESS_CLASS, CLIENT_CLASS};
use super::secs_to_sql;
use super::statement::statement;
use crate::lease::engine::Change;
use crate::lease::store::Committed;
use crate::lease::table::{ClientKey, Secs};

/// A change as the statements bind it.
struct Item {
    ip: Ipv4Addr,
    addr: String,
    label: String,
    /// The client of a `Bound` or `Released`.
    client: Option<String>,
    /// The end of a `Bound` or `Declined`.
    until: i64,
}

/// The kind of a change, which its run writes in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bound,
    Released,
    Declined,
}

fn kind(change: &Change) -> Kind {
    match change {
        Change::Bound { .. } => Kind::Bound,
        Change::Released { .. } => Kind::Released,
        Change::Declined { .. } => Kind::Declined,
    }
}

/// The batch cut, in order, into runs of one kind, no address twice in a run and
/// no client twice in a run of `Bound`s: the ranges of the runs.
fn runs(kinds: &[Kind], addrs: &[&str], clients: &[Option<&str>]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut seen_addrs = HashSet::new();
    let mut seen_clients = HashSet::new();
    for i in 0..kinds.len() {
        let same_run = kinds[i] == kinds[start]
            && !seen_addrs.contains(addrs[i])
            && (kinds[i] != Kind::Bound || !seen_clients.contains(&clients[i]));
        if !same_run {
            runs.push(start..i);
            start = i;
            seen_addrs.clear();
            seen_clients.clear();
        }
        seen_addrs.insert(addrs[i]);
        seen_clients.insert(clients[i]);
    }
    if start < kinds.len() {
        runs.push(start..kinds.len());
    }
    runs
}

/// A batch ready to be tried, and tried again: its rows, its runs and its locks.
pub(super) struct Plan<'a> {
    batch: &'a [Change],
    items: Vec<Item>,
    runs: Vec<Range<usize>>,
    /// `BEGIN`, and the clients' locks in order.
    begin: String,
    /// The batch's addresses' lock keys, in order.
    addr_keys: Vec<i32>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(batch: &'a [Change], labels: &Labels) -> Plan<'a> {
        let items: Vec<Item> = batch
            .iter()
            .map(|change| {
                let (addr, client, until) = match change {
                    Change::Bound { key, addr, until } => (addr, Some(key), secs_to_sql(*until)),
                    Change::Released { key, addr } => (addr, Some(key), 0),
                    Change::Declined { addr, until } => (addr, None, secs_to_sql(*until)),
                };
                Item {
                    ip: *addr,
                    addr: addr.to_string(),
                    label: labels.of(*addr),
                    client: client.map(ClientKey::to_string),
                    until,
                }
            })
            .collect();
        let runs = runs(
            &batch.iter().map(kind).collect::<Vec<_>>(),
            &items.iter().map(|i| i.addr.as_str()).collect::<Vec<_>>(),
            &items
                .iter()
                .map(|i| i.client.as_deref())
                .collect::<Vec<_>>(),
        );
        let client_keys = locks::ordered(
            batch
                .iter()
                .zip(&items)
                .filter(|(change, _)| matches!(change, Change::Bound { .. }))
                .filter_map(|(_, item)| Some(locks::client_key(&item.label, item.client.as_ref()?)))
                .collect(),
        );
        let begin = if client_keys.is_empty() {
            "BEGIN".to_owned()
        } else {
            let keys: Vec<String> = client_keys.iter().map(i32::to_string).collect();
            // A simple query: BEGIN and the locks in one round trip. unnest gives the
            // array in its order, and the aggregate takes each lock in turn.
            format!(
                "BEGIN; SELECT count(pg_advisory_xact_lock({CLIENT_CLASS}, k)) \
                 FROM unnest('{{{}}}'::int[]) AS k",
                keys.join(",")
            )
        };
        let addr_keys = locks::ordered(
            batch
                .iter()
                .map(|change| match change {
                    Change::Bound { addr, .. }
                    | Change::Released { addr, .. }
                    | Change::Declined { addr, .. } => locks::address_key(*addr),
                })
                .collect(),
        );
        Plan {
            batch,
            items,
            runs,
            begin,
            addr_keys,
        }
    }

    /// The `Bound`s' items.
    fn bounds(&self) -> Vec<&Item> {
        self.batch
            .iter()
            .zip(&self.items)
            .filter(|(change, _)| matches!(change, Change::Bound { .. }))
            .map(|(_, item)| item)
            .collect()
    }
}

/// One try of the batch's transaction, rolled back on any error.
pub(super) fn attempt(
    conn: &mut PgConnection,
    plan: &Plan<'_>,
    now: i64,
) -> Result<Vec<Committed>, DieselError> {
    let result = conn
        .batch_execute(&plan.begin)
        .and_then(|()| {
            let others = lock_addresses(conn, plan)?;
            write(conn, plan, others > 0, now)
        })
        .and_then(|committed| conn.batch_execute("COMMIT").map(|()| committed));
    if result.is_err() {
        // Nothing to do if the connection is gone: its transaction went with it.
        let _ = conn.batch_execute("ROLLBACK");
    }
    result
}

#[derive(QueryableByName)]
struct Others {
    #[diesel(sql_type = Integer)]
    others: i32,
}

/// Locks the batch's addresses and the addresses its clients hold elsewhere in
/// their subnets, in order, after the clients' locks: from here on no other
/// server writes a row this batch may write. Returns how many of the clients'
/// rows elsewhere there are (none: nothing to clean up before writing).
fn lock_addresses(conn: &mut PgConnection, plan: &Plan<'_>) -> Result<i32, DieselError> {
    let bounds = plan.bounds();
    // The snapshot of this statement is taken after the clients' locks: a client's
    // rows can only be added under its lock, so none is missed.
    let others: Vec<Others> = statement(format!(
        "WITH input AS ( \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(client, subnet, addr) \
         ), keys AS ( \
             SELECT k, false AS other FROM unnest($4::int[]) AS k \
             UNION ALL \
             SELECT {}, true FROM ex_dhcp_leases AS l JOIN input AS i \
                 ON l.client = i.client AND l.subnet = i.subnet::cidr \
                AND l.state = 'bound' AND l.addr <> i.addr::inet \
         ), ordered AS ( \
             SELECT k, bool_or(other) AS other FROM keys GROUP BY k \
         ), locked AS ( \
             SELECT pg_advisory_xact_lock({ADDRESS_CLASS}, k) AS locked, other \
             FROM ordered ORDER BY k \
         ) \
         SELECT (count(*) FILTER (WHERE other))::int AS others FROM locked",
        locks::address_key_sql("l.addr")
    ))
    // PostgreSQL evaluates a volatile output column after the sort it is listed
    // with (since 9.6): the locks are taken in key order.
    .bind::<Array<Text>, _>(bounds.iter().map(|i| client_of(i)).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(bounds.iter().map(|i| i.label.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(bounds.iter().map(|i| i.addr.as_str()).collect::<Vec<_>>())
    .bind::<Array<Integer>, _>(&plan.addr_keys)
    .load(conn)?;
    Ok(others.first().map_or(0, |o| o.others))
}

fn client_of(item: &Item) -> &str {
    item.client.as_deref().unwrap_or_default()
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = Text)]
    addr: String,
    #[diesel(sql_type = Nullable<Text>)]
    client: Option<String>,
    #[diesel(sql_type = BigInt)]
    until: i64,
}

#[derive(QueryableByName)]
struct TakenAddr {
    #[diesel(sql_type = Text)]
    addr: String,
}

/// The runs in order. A run of `Bound`s looks for its clients' rows elsewhere
/// first when the batch's clients held any, or when a client of the run was bound
/// by an earlier run of the batch.
fn write(
    conn: &mut PgConnection,
    plan: &Plan<'_>,
    others: bool,
    now: i64,
) -> Result<Vec<Committed>, DieselError> {
    let mut results = Vec::with_capacity(plan.batch.len());
    let mut bound_before: HashSet<&str> = HashSet::new();
    for run in &plan.runs {
        let changes = &plan.batch[run.clone()];
        let items: Vec<&Item> = plan.items[run.clone()].iter().collect();
        match kind(&changes[0]) {
            Kind::Bound => {
                let look = others || items.iter().any(|i| bound_before.contains(client_of(i)));
                results.extend(write_bounds(conn, changes, &items, look, now)?);
                bound_before.extend(items.iter().map(|i| client_of(i)));
            }
            Kind::Released => {
                release(conn, &items)?;
                results.extend(changes.iter().map(|_| Committed::Durable));
            }
            Kind::Declined => {
                decline(conn, &items)?;
                results.extend(changes.iter().map(|_| Committed::Durable));
            }
        }
    }
    Ok(results)
}

/// A run of `Bound`s of distinct addresses and clients: its clients' rows
/// elsewhere first (when `look`), then one statement for every change still to
/// make, then who holds the addresses it did not get.
fn write_bounds(
    conn: &mut PgConnection,
    changes: &[Change],
    items: &[&Item],
    look: bool,
    now: i64,
) -> Result<Vec<Committed>, DieselError> {
    let held = if look {
        elsewhere(conn, items, now)?
    } else {
        HashMap::new()
    };
    let mut results: Vec<Option<Committed>> = changes
        .iter()
        .zip(items)
        .map(|(change, item)| {
            let Change::Bound { key, .. } = change else {
                unreachable!("a run of bounds holds only Bound")
            };
            held.get(client_of(item))
                .map(|holder| client_conflict(key, holder))
                .transpose()
        })
        .collect::<Result<_, _>>()?;
    let to_write: Vec<&Item> = items
        .iter()
        .zip(&results)
        .filter(|(_, result)| result.is_none())
        .map(|(item, _)| *item)
        .collect();
    let taken = take(conn, &to_write, now)?;
    let lost: Vec<&str> = to_write
        .iter()
        .filter(|item| !taken.contains(&item.addr))
        .map(|item| item.addr.as_str())
        .collect();
    let holders = holders(conn, &lost)?;
    for (result, item) in results.iter_mut().zip(items) {
        if result.is_none() {
            *result = Some(if taken.contains(&item.addr) {
                Committed::Durable
            } else {
                address_conflict(item.ip, holders.get(&item.addr))
            });
        }
    }
    Ok(results.into_iter().flatten().collect())
}

/// A run of `Released`s of distinct addresses: each client's row of the address
/// goes, if the client holds it.
fn release(conn: &mut PgConnection, items: &[&Item]) -> Result<(), DieselError> {
    statement(
        "DELETE FROM ex_dhcp_leases AS l \
         USING unnest($1::text[], $2::text[]) AS i(addr, client) \
         WHERE l.addr = i.addr::inet AND l.state = 'bound' AND l.client = i.client",
    )
    .bind::<Array<Text>, _>(items.iter().map(|i| i.addr.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| client_of(i)).collect::<Vec<_>>())
    .execute(conn)
    .map(drop)
}

/// A run of `Declined`s of distinct addresses: each address quarantined until its
/// end, whoever held it.
fn decline(conn: &mut PgConnection, items: &[&Item]) -> Result<(), DieselError> {
    statement(
        "INSERT INTO ex_dhcp_leases (addr, state, client, until, subnet) \
         SELECT i.addr::inet, 'declined', NULL, i.until, i.subnet::cidr \
         FROM unnest($1::text[], $2::bigint[], $3::text[]) AS i(addr, until, subnet) \
         ON CONFLICT (addr) DO UPDATE \
         SET state = 'declined', client = NULL, until = EXCLUDED.until, \
             subnet = EXCLUDED.subnet",
    )
    .bind::<Array<Text>, _>(items.iter().map(|i| i.addr.as_str()).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(items.iter().map(|i| i.until).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>())
    .execute(conn)
    .map(drop)
}

/// The live bound rows the `items`' clients hold at another address of their
/// subnet, by client; their expired rows there are deleted, so the address each
/// asks for can be theirs (one bound row per client in a subnet).
fn elsewhere(
    conn: &mut PgConnection,
    items: &[&Item],
    now: i64,
) -> Result<HashMap<String, Holder>, DieselError> {
    let live: Vec<Holder> = statement(
        "WITH input AS ( \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(client, subnet, addr) \
         ), other AS ( \
             SELECT l.addr, l.client, l.until FROM ex_dhcp_leases AS l JOIN input AS i \
                 ON l.client = i.client AND l.subnet = i.subnet::cidr \
                AND l.state = 'bound' AND l.addr <> i.addr::inet \
         ), gone AS ( \
             DELETE FROM ex_dhcp_leases AS d USING other AS o \
             WHERE d.addr = o.addr AND o.until <= $4 \
         ) \
         SELECT host(addr) AS addr, client, until FROM other WHERE until > $5",
    )
    .bind::<Array<Text>, _>(items.iter().map(|i| client_of(i)).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| i.addr.as_str()).collect::<Vec<_>>())
    .bind::<BigInt, _>(now)
    .bind::<BigInt, _>(now)
    .load(conn)?;
    Ok(live
        .into_iter()
        .filter_map(|holder| Some((holder.client.clone()?, holder)))
        .collect())
}

/// Binds each item's address to its client where the address is free, expired or
/// already the client's (`ON CONFLICT (addr) DO UPDATE ... WHERE`, atomic against
/// every other transaction): the addresses taken.
fn take(
    conn: &mut PgConnection,
    items: &[&Item],
    now: i64,
) -> Result<HashSet<String>, DieselError> {
    if items.is_empty() {
        return Ok(HashSet::new());
    }
    let taken: Vec<TakenAddr> = statement(
        "INSERT INTO ex_dhcp_leases AS l (addr, state, client, until, subnet) \
         SELECT i.addr::inet, 'bound', i.client, i.until, i.subnet::cidr \
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) \
             AS i(addr, client, until, subnet) \
         ON CONFLICT (addr) DO UPDATE \
         SET state = 'bound', client = EXCLUDED.client, until = EXCLUDED.until, \
             subnet = EXCLUDED.subnet \
         WHERE (l.state = 'bound' AND l.client = EXCLUDED.client) OR l.until <= $5 \
         RETURNING host(l.addr) AS addr",
    )
    .bind::<Array<Text>, _>(items.iter().map(|i| i.addr.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| client_of(i)).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(items.iter().map(|i| i.until).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>())
    .bind::<BigInt, _>(now)
    .load(conn)?;
    Ok(taken.into_iter().map(|t| t.addr).collect())
}

/// Who holds each of `addrs` and until when. The rows are this batch's to read:
/// their addresses are locked, so the holder cannot change before it ends.
fn holders(
    conn: &mut PgConnection,
    addrs: &[&str],
) -> Result<HashMap<String, Holder>, DieselError> {
    if addrs.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Holder> = statement(
        "SELECT host(addr) AS addr, client, until FROM ex_dhcp_leases \
         WHERE addr = ANY($1::text[]::inet[])",
    )
    .bind::<Array<Text>, _>(addrs)
    .load(conn)?;
    Ok(rows.into_iter().map(|h| (h.addr.clone(), h)).collect())
}

/// The client holds a live lease of another address of the subnet: that lease.
fn client_conflict(key: &ClientKey, holder: &Holder) -> Result<Committed, DieselError> {
    let addr = holder.addr.parse().map_err(|_| {
        DieselError::DeserializationError(
            format!("ex_dhcp_leases: address {:?} is not IPv4", holder.addr).into(),
        )
    })?;
    Ok(Committed::Conflict {
        addr,
        holder: Some(key.clone()),
        until: Secs::try_from(holder.until).ok(),
    })
}

/// Another client (or a quarantine) holds the address: who, and until when.
fn address_conflict(addr: Ipv4Addr, holder: Option<&Holder>) -> Committed {
    Committed::Conflict {
        addr,
        holder: holder
            .and_then(|h| h.client.as_ref())
            .and_then(|client| client.parse().ok()),
        until: holder.and_then(|h| Secs::try_from(h.until).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_of_distinct_bounds_is_one_run() {
        let kinds = [Kind::Bound; 3];
        let runs = runs(&kinds, &["a", "b", "c"], &[Some("1"), Some("2"), Some("3")]);
        assert_eq!(runs, vec![0..3]);
    }

    #[test]
    fn a_repeated_address_or_bound_client_or_another_kind_starts_a_run() {
        use Kind::{Bound, Declined, Released};
        let kinds = [
            Bound, Bound, Bound, Released, Released, Bound, Declined, Declined,
        ];
        let addrs = ["a", "b", "a", "c", "d", "e", "d", "d"];
        let clients = [
            Some("1"),
            Some("2"),
            Some("3"),
            Some("1"),
            Some("1"),
            Some("2"),
            None,
            None,
        ];
        assert_eq!(
            runs(&kinds, &addrs, &clients),
            vec![0..2, 2..3, 3..5, 5..6, 6..7, 7..8],
            "address a twice; released twice by one client is fine; d declined twice"
        );
        let kinds = [Bound, Bound, Bound];
        assert_eq!(
            runs(&kinds, &["a", "b", "c"], &[Some("1"), Some("2"), Some("1")]),
            vec![0..2, 2..3],
            "client 1 bound twice"
        );
        assert!(runs(&[], &[], &[]).is_empty());
    }
}
