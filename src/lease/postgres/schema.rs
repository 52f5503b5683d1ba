//! The schema's life: created on an empty database, migrated in place from an
//! older version, refused when newer, and its rows relabelled when the servers'
//! subnets change. Every step runs in one transaction under the schema's advisory
//! lock, so servers that start together do it once.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Integer, Text};
use diesel::{sql_query, Connection, QueryableByName, RunQueryDsl};
use log::{info, warn};

use super::labels::{Labels, EVERYWHERE};
use super::locks::{SCHEMA_CLASS, SCHEMA_KEY};
use super::retry::ONE_PER_CLIENT;
use crate::lease::store::StoreError;

/// The schema [`PgStore::connect`](super::PgStore::connect) creates:
/// `src/lease/postgres/schema.sql`.
pub const SCHEMA: &str = include_str!("schema.sql");

/// The schema version this code reads and writes (`ex_dhcp_schema_version`).
pub const SCHEMA_VERSION: i32 = 2;

/// Version 1 to 2: `src/lease/postgres/migrate_1_to_2.sql`, two halves around
/// [`set_aside_duplicates`].
const MIGRATE_1_TO_2: &str = include_str!("migrate_1_to_2.sql");

/// Why the schema could not be made ready.
enum Failure {
    Database(DieselError),
    Refused(String),
}

impl From<DieselError> for Failure {
    fn from(error: DieselError) -> Self {
        Failure::Database(error)
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Integer)]
    version: i32,
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Integer)]
    tables: i32,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct SetAside {
    #[diesel(sql_type = Text)]
    addr: String,
    #[diesel(sql_type = Text)]
    client: String,
    #[diesel(sql_type = Text)]
    kept: String,
    #[diesel(sql_type = BigInt)]
    until: i64,
}

fn lock_schema(conn: &mut PgConnection) -> Result<(), DieselError> {
    sql_query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind::<Integer, _>(SCHEMA_CLASS)
        .bind::<Integer, _>(SCHEMA_KEY)
        .execute(conn)
        .map(drop)
}

/// Creates the schema on a database without it, migrates an older version in
/// place, and refuses a version this code does not know.
pub(super) fn prepare(conn: &mut PgConnection) -> Result<(), StoreError> {
    let result = conn.transaction::<_, Failure, _>(|conn| {
        lock_schema(conn)?;
        let found: Vec<Exists> = sql_query(
            "SELECT (to_regclass('ex_dhcp_schema_version') IS NOT NULL)::int \
                  + (to_regclass('ex_dhcp_leases') IS NOT NULL)::int AS tables",
        )
        .load(conn)?;
        if found.first().is_none_or(|f| f.tables == 0) {
            info!("creating the lease schema, version {SCHEMA_VERSION}");
            conn.batch_execute(SCHEMA)?;
            return Ok(());
        }
        let versions: Vec<Version> =
            sql_query("SELECT version FROM ex_dhcp_schema_version").load(conn)?;
        match versions.as_slice() {
            [Version { version }] if *version == SCHEMA_VERSION => Ok(()),
            [Version { version: 1 }] => migrate_from_1(conn),
            [Version { version }] if *version > SCHEMA_VERSION => Err(Failure::Refused(format!(
                "the database's lease schema is version {version}, newer than this \
                 ex_dhcp's ({SCHEMA_VERSION}): upgrade ex_dhcp, or use another database"
            ))),
            found => Err(Failure::Refused(format!(
                "the database's lease schema is version {:?}, which this ex_dhcp (version \
                 {SCHEMA_VERSION}) does not know: use another database",
                found.iter().map(|v| v.version).collect::<Vec<_>>()
            ))),
        }
    });
    result.map_err(|failure| match failure {
        Failure::Database(e) => StoreError::Backend(format!("preparing the lease schema: {e}")),
        Failure::Refused(text) => StoreError::Backend(text),
    })
}

/// Version 1 had no subnets and no rule of one lease per client: every row is
/// labelled the whole IPv4 space, and a client's extra bound rows are set aside.
fn migrate_from_1(conn: &mut PgConnection) -> Result<(), Failure> {
    warn!("migrating the lease schema from version 1 to {SCHEMA_VERSION}: one bound lease per client in a subnet");
    let (first, second) = MIGRATE_1_TO_2
        .split_once("-- second half")
        .expect("migrate_1_to_2.sql has two halves");
    conn.batch_execute(first)?;
    let set_aside = set_aside_duplicates(conn)?;
    conn.batch_execute(second)?;
    warn!(
        "lease schema migrated to version {SCHEMA_VERSION}; {set_aside} duplicate bound \
         lease(s) set aside"
    );
    Ok(())
}

/// Keeps one bound row per client and subnet label: the one that ends last (of
/// equals, the lowest address). The others become quarantines until their own
/// ends, so nobody else gets an address the client may still use; each is logged.
/// Returns how many were set aside.
fn set_aside_duplicates(conn: &mut PgConnection) -> Result<usize, DieselError> {
    let rows: Vec<SetAside> = sql_query(
        "WITH ranked AS ( \
             SELECT addr, client, \
                    first_value(addr) OVER w AS kept, \
                    row_number() OVER w AS n \
             FROM ex_dhcp_leases WHERE state = 'bound' \
             WINDOW w AS (PARTITION BY client, subnet ORDER BY until DESC, addr) \
         ) \
         UPDATE ex_dhcp_leases AS l SET state = 'declined', client = NULL \
         FROM ranked AS r WHERE l.addr = r.addr AND r.n > 1 \
         RETURNING host(l.addr) AS addr, r.client AS client, host(r.kept) AS kept, \
                   l.until AS until",
    )
    .load(conn)?;
    for row in &rows {
        warn!(
            "{} held {} and {} bound in one subnet: {} stays its lease (it ends last), \
             {} is set aside until {}",
            row.client, row.kept, row.addr, row.kept, row.addr, row.until
        );
    }
    Ok(rows.len())
}

/// The `cidr` label of `addr` in SQL, for the configured subnets bound as `$1`
/// (longest prefix first).
const LABEL_OF_ADDR: &str = "COALESCE((SELECT s FROM unnest($1::text[]::cidr[]) AS s \
                             WHERE addr <<= s ORDER BY masklen(s) DESC LIMIT 1), \
                             '0.0.0.0/0'::cidr)";

/// Labels every row with its subnet of `labels` where another label is stored
/// (the servers' subnets changed, or the schema was just migrated): the unique
/// index is rebuilt around it, and a client's rows that now fall in one subnet
/// are set aside as in a migration. Returns how many rows changed label.
pub(super) fn relabel(conn: &mut PgConnection, labels: &Labels) -> Result<usize, StoreError> {
    let networks = labels.networks();
    let result = conn.transaction::<_, DieselError, _>(|conn| {
        lock_schema(conn)?;
        let stale: Vec<Count> = sql_query(format!(
            "SELECT count(*) AS count FROM ex_dhcp_leases WHERE subnet <> {LABEL_OF_ADDR}"
        ))
        .bind::<Array<Text>, _>(&networks)
        .load(conn)?;
        let stale = stale.first().map_or(0, |c| c.count);
        if stale == 0 {
            return Ok(0);
        }
        // Dropping the index takes the table's exclusive lock: other servers'
        // commits wait until the labels and the index are whole again.
        conn.batch_execute(&format!("DROP INDEX {ONE_PER_CLIENT}"))?;
        let changed = sql_query(format!(
            "UPDATE ex_dhcp_leases SET subnet = {LABEL_OF_ADDR} WHERE subnet <> {LABEL_OF_ADDR}"
        ))
        .bind::<Array<Text>, _>(&networks)
        .execute(conn)?;
        set_aside_duplicates(conn)?;
        conn.batch_execute(&format!(
            "CREATE UNIQUE INDEX {ONE_PER_CLIENT} ON ex_dhcp_leases (client, subnet) \
             WHERE state = 'bound'"
        ))?;
        Ok(changed)
    });
    let changed = result.map_err(|e| StoreError::Backend(format!("relabelling leases: {e}")))?;
    if changed > 0 {
        let subnets = if networks.is_empty() {
            EVERYWHERE.to_owned()
        } else {
            networks.join(", ")
        };
        warn!(
            "{changed} lease(s) relabelled to this server's subnets ({subnets}); servers \
             sharing a database must be given the same subnets"
        );
    }
    Ok(changed)
}

/// Rows whose stored subnet label `labels` would not give them: a sign that
/// servers sharing the database were given different subnets.
pub(super) fn mislabelled(labels: &Labels, rows: impl Iterator<Item = (String, String)>) -> usize {
    rows.filter(|(addr, subnet)| {
        addr.parse()
            .is_ok_and(|addr| labels.of(addr) != subnet.as_str())
    })
    .count()
}
