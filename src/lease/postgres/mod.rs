//! A lease store in PostgreSQL, shared by several servers (feature `postgres`).
//!
//! Every server that serves one pool connects a [`PgStore`] to the same database;
//! the database, not any one server, decides who holds an address:
//!
//! - **One holder per address.** The table has one row per address (its primary
//!   key). A [`Change::Bound`] takes the row only if it is free, expired, or
//!   already the same client's (`INSERT ... ON CONFLICT (addr) DO UPDATE ... WHERE`,
//!   which PostgreSQL makes atomic against every other transaction); otherwise the
//!   change is [`Committed::Conflict`], naming the holder and the end of its
//!   lease, and nothing of it is written. Two servers can never commit one address to two clients.
//! - **One transaction per batch.** [`LeaseStore::commit`] writes a whole batch in
//!   one transaction: one `COMMIT`, one WAL flush, however many changes (the group
//!   commit the file store does with one `fsync`). A batch of `Bound`s only, no two
//!   for one address or one client (new leases, renewals: the common batch), is one
//!   statement; any other batch is one statement per change, in order. The batch's addresses are locked
//!   first, in address order (transaction-level advisory locks), so two servers'
//!   batches wait for each other instead of deadlocking; if PostgreSQL still aborts
//!   one (a deadlock through a client's old address, a serialization failure), the
//!   batch is retried, up to [`RETRIES`] times.
//! - **The database's truth at start-up.** [`LeaseStore::load`] gives every live
//!   lease and quarantine, whoever made it, so a restarted server (or a new one)
//!   starts from what the database holds.
//! - **Rebinding clients of another server** (RFC 2131 section 4.4.5):
//!   [`LeaseStore::lookup`] finds a client's live lease, whichever server made it.
//!
//! Records mean what the lease file's mean ([`LeaseFile`](crate::lease::LeaseFile)):
//! `Bound` leases an address until a time (and frees the client's other address);
//! `Released` frees the client's address (only if the client holds it); `Declined`
//! quarantines an address until a time, whoever held it. An expired lease or
//! quarantine is free: the row stays until the address is bound again, and
//! [`LeaseStore::load`] leaves it out. "Expired" is judged by this server's clock
//! ([`PgStore::with_clock`]), the clock its leases' ends were computed with.
//!
//! # Schema
//!
//! [`SCHEMA`] (`src/lease/postgres/schema.sql`), version [`SCHEMA_VERSION`]:
//! [`PgStore::connect`] creates it when missing and refuses a database holding
//! another version.
//!
//! # Blocking
//!
//! Every call waits for the database: drive a `PgStore` from the store's worker
//! thread, never from the handler thread (see [`LeaseStore`]).

use std::collections::HashSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::time::SystemTime;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text};
use diesel::{sql_query, Connection, QueryableByName, RunQueryDsl};
use log::warn;

use crate::lease::engine::Change;
use crate::lease::store::{Committed, LeaseStore, StoreError};
use crate::lease::table::{secs, ClientKey, Secs};

/// The schema [`PgStore::connect`] creates: `src/lease/postgres/schema.sql`.
pub const SCHEMA: &str = include_str!("schema.sql");

/// The schema version this code reads and writes (`ex_dhcp_schema_version`).
pub const SCHEMA_VERSION: i32 = 1;

/// How many times a batch aborted by a deadlock or a serialization failure is
/// tried again before [`LeaseStore::commit`] gives up with an error.
pub const RETRIES: usize = 3;

/// The first key of the advisory locks this store takes (`pg_advisory_xact_lock(int,
/// int)`): "DH", so they do not collide with another application's in the database.
const LOCK_CLASS: i32 = 0x4448;
/// The second key of the lock held while the schema is created.
const SCHEMA_LOCK: i32 = -1;

const BOUND: &str = "bound";
const DECLINED: &str = "declined";

/// A [`LeaseStore`] in a PostgreSQL database that several servers share.
///
/// ```no_run
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Change, ClientKey, Committed, LeaseStore, PgStore};
///
/// let mut store = PgStore::connect("host=/run/postgresql dbname=dhcp")?;
/// let bound = Change::Bound {
///     key: ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]),
///     addr: Ipv4Addr::new(10, 99, 0, 100),
///     until: 1_900_000_000,
/// };
/// match store.commit(&[bound])?.as_slice() {
///     [Committed::Durable] => println!("ACK"),
///     [Committed::Conflict { holder, .. }] => println!("another server's: {holder:?}"),
///     _ => unreachable!("one result per change"),
/// }
/// # Ok::<(), ex_dhcp::lease::StoreError>(())
/// ```
pub struct PgStore {
    conn: PgConnection,
    clock: Box<dyn FnMut() -> Secs + Send>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (a libpq connection string:
    /// `postgresql://user@host/db` or `host=/run/postgresql dbname=dhcp`), creates
    /// the schema if it is missing and checks its version.
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        let mut conn = PgConnection::establish(url)
            .map_err(|e| StoreError::Backend(format!("connecting to PostgreSQL: {e}")))?;
        create_schema(&mut conn)?;
        Ok(PgStore {
            conn,
            clock: Box::new(|| secs(SystemTime::now())),
        })
    }

    /// Judges expiry by `clock` (seconds since the Unix epoch) instead of the system
    /// clock: the clock the server computes its leases' ends with.
    pub fn with_clock(mut self, clock: impl FnMut() -> Secs + Send + 'static) -> PgStore {
        self.clock = Box::new(clock);
        self
    }

    fn now(&mut self) -> i64 {
        secs_to_sql((self.clock)())
    }
}

/// Times past `i64::MAX` (never, in practice) are stored as the end of time.
fn secs_to_sql(secs: Secs) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn backend(context: &str, error: DieselError) -> StoreError {
    StoreError::Backend(format!("{context}: {error}"))
}

fn create_schema(conn: &mut PgConnection) -> Result<(), StoreError> {
    conn.transaction::<_, DieselError, _>(|conn| {
        sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<Integer, _>(LOCK_CLASS)
            .bind::<Integer, _>(SCHEMA_LOCK)
            .execute(conn)?;
        conn.batch_execute(SCHEMA)
    })
    .map_err(|e| backend("creating the lease schema", e))?;
    let versions: Vec<Version> = sql_query("SELECT version FROM ex_dhcp_schema_version")
        .load(conn)
        .map_err(|e| backend("reading the lease schema's version", e))?;
    match versions.as_slice() {
        [Version { version }] if *version == SCHEMA_VERSION => Ok(()),
        found => Err(StoreError::Backend(format!(
            "the database's lease schema is version {:?}, this ex_dhcp needs {SCHEMA_VERSION}: \
             migrate it or use another database",
            found.iter().map(|v| v.version).collect::<Vec<_>>()
        ))),
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Integer)]
    version: i32,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    addr: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<Text>)]
    client: Option<String>,
    #[diesel(sql_type = BigInt)]
    until: i64,
}

impl Row {
    fn change(self) -> Result<Change, String> {
        let addr: Ipv4Addr = self
            .addr
            .parse()
            .map_err(|_| format!("address {:?} is not IPv4", self.addr))?;
        let until = Secs::try_from(self.until)
            .map_err(|_| format!("address {addr}: until {} is negative", self.until))?;
        match (self.state.as_str(), self.client) {
            (BOUND, Some(client)) => {
                let key = client
                    .parse()
                    .map_err(|e| format!("address {addr}: client {client:?}: {e}"))?;
                Ok(Change::Bound { key, addr, until })
            }
            (DECLINED, _) => Ok(Change::Declined { addr, until }),
            (state, _) => Err(format!("address {addr}: state {state:?}")),
        }
    }
}

#[derive(QueryableByName)]
struct Holder {
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

#[derive(QueryableByName)]
struct Taken {
    /// 1 if the address was taken, 0 if another client holds it.
    #[diesel(sql_type = Integer)]
    taken: i32,
}

/// The columns every read selects, `addr` as text (`host()` drops the `/32`).
const COLUMNS: &str = "host(addr) AS addr, state, client, until";

impl LeaseStore for PgStore {
    /// Every live lease and quarantine in the database, whichever server made it, in
    /// address order.
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        let now = self.now();
        let rows: Vec<Row> = sql_query(format!(
            "SELECT {COLUMNS} FROM ex_dhcp_leases WHERE until > $1 ORDER BY addr"
        ))
        .bind::<BigInt, _>(now)
        .load(&mut self.conn)
        .map_err(|e| backend("loading leases", e))?;
        for row in rows {
            let change = row
                .change()
                .map_err(|e| StoreError::Backend(format!("ex_dhcp_leases: {e}")))?;
            apply(change);
        }
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .conn
                .transaction::<_, DieselError, _>(|conn| commit_batch(conn, batch, now));
            match result {
                Ok(committed) => return Ok(committed),
                Err(e) if attempt <= RETRIES && retryable(&e) => {
                    warn!("lease batch of {} aborted ({e}); retrying", batch.len());
                }
                Err(e) => return Err(backend("committing leases", e)),
            }
        }
    }

    /// A database is shared by every server of the pool.
    fn shared(&self) -> bool {
        true
    }

    /// The client's live lease, whichever server made it (the one ending last, should
    /// two servers have bound the same client at once).
    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        let now = self.now();
        let rows: Vec<Row> = sql_query(format!(
            "SELECT {COLUMNS} FROM ex_dhcp_leases \
             WHERE client = $1 AND state = 'bound' AND until > $2 \
             ORDER BY until DESC LIMIT 1"
        ))
        .bind::<Text, _>(client.to_string())
        .bind::<BigInt, _>(now)
        .load(&mut self.conn)
        .map_err(|e| backend("looking up a lease", e))?;
        rows.into_iter()
            .next()
            .map(|row| {
                row.change()
                    .map_err(|e| StoreError::Backend(format!("ex_dhcp_leases: {e}")))
            })
            .transpose()
    }
}

/// Aborted by PostgreSQL for another transaction's sake, not for anything wrong in
/// the batch: trying again can succeed.
fn retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        // 40P01 has no kind of its own in diesel; its message is fixed by PostgreSQL.
        DieselError::DatabaseError(_, info) => info.message().starts_with("deadlock detected"),
        _ => false,
    }
}

/// The key of an address's advisory lock: its 32 bits, as PostgreSQL's `int`.
fn lock_key(addr: Ipv4Addr) -> i32 {
    i32::from_be_bytes(addr.octets())
}

fn commit_batch(
    conn: &mut PgConnection,
    batch: &[Change],
    now: i64,
) -> Result<Vec<Committed>, DieselError> {
    let mut keys: Vec<i32> = batch
        .iter()
        .map(|change| match change {
            Change::Bound { addr, .. }
            | Change::Released { addr, .. }
            | Change::Declined { addr, .. } => lock_key(*addr),
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // One round trip; the locks are taken in the array's (sorted) order.
    sql_query("SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::int[]) AS k")
        .bind::<Integer, _>(LOCK_CLASS)
        .bind::<Array<Integer>, _>(keys)
        .execute(conn)?;
    if let Some(bounds) = distinct_bounds(batch) {
        return commit_bounds(conn, batch, &bounds, now);
    }
    batch
        .iter()
        .map(|change| commit_change(conn, change, now))
        .collect()
}

/// The batch as (address, client, until) when it holds only `Bound`s, no two for one
/// address or one client: the common batch (new leases, renewals), which one
/// statement can write whatever its order.
fn distinct_bounds(batch: &[Change]) -> Option<Vec<(Ipv4Addr, String, i64)>> {
    let mut addrs = HashSet::with_capacity(batch.len());
    let mut clients = HashSet::with_capacity(batch.len());
    batch
        .iter()
        .map(|change| match change {
            Change::Bound { key, addr, until } => {
                let client = key.to_string();
                (addrs.insert(*addr) && clients.insert(client.clone()))
                    .then(|| (*addr, client, secs_to_sql(*until)))
            }
            _ => None,
        })
        .collect()
}

/// Writes distinct `Bound`s in one statement: what [`commit_change`] does for each,
/// for the whole batch in one round trip.
fn commit_bounds(
    conn: &mut PgConnection,
    batch: &[Change],
    bounds: &[(Ipv4Addr, String, i64)],
    now: i64,
) -> Result<Vec<Committed>, DieselError> {
    let addrs: Vec<String> = bounds.iter().map(|(addr, _, _)| addr.to_string()).collect();
    let clients: Vec<&str> = bounds
        .iter()
        .map(|(_, client, _)| client.as_str())
        .collect();
    let untils: Vec<i64> = bounds.iter().map(|(_, _, until)| *until).collect();
    // `moved` reads the table as it was before the statement: a client's old address
    // that `taken` gave to another client in this same statement is not deleted
    // (PostgreSQL performs only the update of a row both update and delete).
    let taken: Vec<TakenAddr> = sql_query(
        "WITH input AS ( \
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS i(addr, client, until) \
         ), taken AS ( \
             INSERT INTO ex_dhcp_leases AS l (addr, state, client, until) \
             SELECT addr::inet, 'bound', client, until FROM input \
             ON CONFLICT (addr) DO UPDATE \
             SET state = 'bound', client = EXCLUDED.client, until = EXCLUDED.until \
             WHERE (l.state = 'bound' AND l.client = EXCLUDED.client) OR l.until <= $4 \
             RETURNING l.addr, l.client \
         ), moved AS ( \
             DELETE FROM ex_dhcp_leases AS d USING taken AS t \
             WHERE d.client = t.client AND d.state = 'bound' AND d.addr <> t.addr \
         ) \
         SELECT host(addr) AS addr FROM taken",
    )
    .bind::<Array<Text>, _>(addrs)
    .bind::<Array<Text>, _>(clients)
    .bind::<Array<BigInt>, _>(untils)
    .bind::<BigInt, _>(now)
    .load(conn)?;
    let taken: HashSet<String> = taken.into_iter().map(|t| t.addr).collect();
    // An address not taken is tried again alone, now that the rest is written: it may
    // be the old address of a client that moved in this batch (free now, as it would
    // be had the changes been made one by one); else it is a conflict.
    bounds
        .iter()
        .zip(batch)
        .map(|((addr, _, _), change)| {
            if taken.contains(&addr.to_string()) {
                Ok(Committed::Durable)
            } else {
                commit_change(conn, change, now)
            }
        })
        .collect()
}

/// The conflict on `addr`, naming its holder and the end of its lease (or
/// quarantine), so the loser leaves the address alone until then. The row is locked by the `ON CONFLICT`
/// that found it taken: its holder cannot change before the batch ends.
fn conflict(conn: &mut PgConnection, addr: Ipv4Addr) -> Result<Committed, DieselError> {
    let rows: Vec<Holder> =
        sql_query("SELECT client, until FROM ex_dhcp_leases WHERE addr = $1::inet")
            .bind::<Text, _>(addr.to_string())
            .load(conn)?;
    let row = rows.into_iter().next();
    let until = row.as_ref().and_then(|h| Secs::try_from(h.until).ok());
    let holder = row
        .and_then(|h| h.client)
        .and_then(|client| client.parse().ok());
    Ok(Committed::Conflict {
        addr,
        holder,
        until,
    })
}

fn commit_change(
    conn: &mut PgConnection,
    change: &Change,
    now: i64,
) -> Result<Committed, DieselError> {
    match change {
        Change::Bound { key, addr, until } => {
            let client = key.to_string();
            // One round trip: take the address if it is free, expired or the client's
            // own, and then (only then) free the address the client moved from.
            let taken: Vec<Taken> = sql_query(
                "WITH taken AS ( \
                     INSERT INTO ex_dhcp_leases AS l (addr, state, client, until) \
                     VALUES ($1::inet, 'bound', $2, $3) \
                     ON CONFLICT (addr) DO UPDATE \
                     SET state = 'bound', client = EXCLUDED.client, until = EXCLUDED.until \
                     WHERE (l.state = 'bound' AND l.client = EXCLUDED.client) \
                        OR l.until <= $4 \
                     RETURNING 1 \
                 ), moved AS ( \
                     DELETE FROM ex_dhcp_leases \
                     WHERE client = $2 AND state = 'bound' AND addr <> $1::inet \
                       AND EXISTS (SELECT 1 FROM taken) \
                 ) \
                 SELECT count(*)::int AS taken FROM taken",
            )
            .bind::<Text, _>(addr.to_string())
            .bind::<Text, _>(&client)
            .bind::<BigInt, _>(secs_to_sql(*until))
            .bind::<BigInt, _>(now)
            .load(conn)?;
            if taken.first().is_none_or(|t| t.taken == 0) {
                return conflict(conn, *addr);
            }
        }
        Change::Released { key, addr } => {
            sql_query(
                "DELETE FROM ex_dhcp_leases WHERE addr = $1::inet AND state = 'bound' \
                 AND client = $2",
            )
            .bind::<Text, _>(addr.to_string())
            .bind::<Text, _>(key.to_string())
            .execute(conn)?;
        }
        Change::Declined { addr, until } => {
            sql_query(
                "INSERT INTO ex_dhcp_leases (addr, state, client, until) \
                 VALUES ($1::inet, 'declined', NULL, $2) \
                 ON CONFLICT (addr) DO UPDATE \
                 SET state = 'declined', client = NULL, until = EXCLUDED.until",
            )
            .bind::<Text, _>(addr.to_string())
            .bind::<BigInt, _>(secs_to_sql(*until))
            .execute(conn)?;
        }
    }
    Ok(Committed::Durable)
}
