//! A lease store in PostgreSQL, shared by several servers (feature `postgres`).
//!
//! Every server that serves one pool connects a [`PgStore`] to the same database;
//! the database, not any one server, decides who holds what:
//!
//! - **One client per address.** The table has one row per address (its primary
//!   key). A [`Change::Bound`] takes the row only if it is free, expired, or
//!   already the same client's (`INSERT ... ON CONFLICT (addr) DO UPDATE ... WHERE`,
//!   which PostgreSQL makes atomic against every other transaction); otherwise the
//!   change is [`Committed::Conflict`] naming the holder (`None` for a quarantine)
//!   and the end of its hold, and nothing of it is written.
//! - **One address per client in a subnet.** A unique index allows one bound row
//!   per client and subnet. A `Bound { key, addr, .. }` whose client holds a *live*
//!   lease of another address of `addr`'s subnet is refused as
//!   `Committed::Conflict { addr: <the address the client holds>, holder:
//!   Some(key), until: Some(<the end of that lease>) }`: the caller records that
//!   lease and NAKs, and the client's next DISCOVER is offered the address it
//!   holds. A store never moves a client by deleting its live row: a server that
//!   moves its own client commits [`Change::Released`] of the old address before
//!   the `Bound` of the new one (in one batch, in that order), so a live row of the
//!   client elsewhere always means another server's lease, perhaps ACKed a moment
//!   ago. The client's *expired* row elsewhere in the subnet is deleted in the
//!   same transaction. Without this, two servers binding one client to two
//!   addresses at once left it holding both.
//! - **Subnets.** Each row is labelled with its subnet, the longest prefix of the
//!   subnets given to [`LeaseStore::subnets`] that holds its address (with none
//!   given, and for an address in none of them, the whole IPv4 space:
//!   `0.0.0.0/0`). Servers sharing a database must be given the same subnets:
//!   `subnets` relabels the rows it finds labelled otherwise (logged), and
//!   [`LeaseStore::load`] warns when it sees rows labelled otherwise.
//! - **One transaction per batch.** [`LeaseStore::commit`] writes a whole batch in
//!   one transaction: one `COMMIT`, one WAL flush, however many changes (the group
//!   commit the file store does with one `fsync`). The common batch (`Bound`s, no
//!   two for one address or one client, none of whose clients is bound elsewhere:
//!   new leases and renewals) is written by one statement; another batch is cut,
//!   in order, into runs of one kind of change without a repeated address or
//!   client, one statement each, so each change sees what the runs before it did.
//!   Statements are prepared once per connection.
//! - **No deadlock between servers.** Before it writes, a batch takes
//!   transaction-level advisory locks in one total order: its clients' (one per
//!   client and subnet) and then, in address order, the addresses it writes and
//!   those its clients hold in the table. Every row a batch writes is then at an
//!   address it has locked, and no server waits for another in a cycle. A batch
//!   PostgreSQL aborts all the same (a deadlock with another program's
//!   transaction, a serialization failure) is tried again up to [`RETRIES`] times
//!   after a growing, jittered pause, and then every change of it is reported as
//!   [`Committed::Contended`]: not made, the client to be NAKed or left to retry.
//!   Contention is never an `Err`: that stays for a database that cannot be
//!   reached or a batch whose outcome is unknown.
//! - **The database's truth at start-up.** [`LeaseStore::load`] gives every live
//!   lease and quarantine, whoever made it, so a restarted server (or a new one)
//!   starts from what the database holds.
//! - **Rebinding clients of another server** (RFC 2131 section 4.4.5):
//!   [`LeaseStore::lookup`] finds a client's live lease, whichever server made it.
//!
//! Records mean what the lease file's mean ([`LeaseFile`](crate::lease::LeaseFile)),
//! but for the moves above: `Bound` leases an address until a time; `Released`
//! frees the client's address (only if the client holds it); `Declined`
//! quarantines an address until a time, whoever held it. An expired lease or
//! quarantine is free: the row stays until the address (or, for a lease, its
//! client elsewhere) is bound again, and [`LeaseStore::load`] leaves it out.
//! "Expired" is judged by this server's clock ([`PgStore::with_clock`]), the clock
//! its leases' ends were computed with.
//!
//! # Schema
//!
//! [`SCHEMA`] (`src/lease/postgres/schema.sql`), version [`SCHEMA_VERSION`]:
//! [`PgStore::connect`] creates it on a database without it, migrates version 1
//! in place (a client's bound rows past the one that ends last are set aside as
//! quarantines until their ends, each logged), and refuses a version it does not
//! know, newer or other, changing nothing. Upgrade every server sharing the
//! database together: a version-1 server refuses a version-2 database at start,
//! and one still running fails at its next commit the new index forbids.
//!
//! # Blocking
//!
//! Every call waits for the database: drive a `PgStore` from the store's worker
//! thread, never from the handler thread (see [`LeaseStore`]).

mod commit;
mod labels;
mod locks;
mod retry;
mod schema;
mod statement;

use std::fmt;
use std::net::Ipv4Addr;
use std::time::SystemTime;

use diesel::pg::PgConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use log::warn;

use crate::lease::engine::Change;
use crate::lease::pool::Subnet;
use crate::lease::store::{Committed, LeaseStore, StoreError};
use crate::lease::table::{secs, ClientKey, Secs};

use labels::Labels;
pub use retry::RETRIES;
pub use schema::{SCHEMA, SCHEMA_VERSION};

const BOUND: &str = "bound";
const DECLINED: &str = "declined";

/// A [`LeaseStore`] in a PostgreSQL database that several servers share.
///
/// ```no_run
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::{Change, ClientKey, Committed, LeaseStore, PgStore, Subnet};
///
/// let mut store = PgStore::connect("host=/run/postgresql dbname=dhcp")?;
/// store.subnets(&[Subnet::new(Ipv4Addr::new(10, 99, 0, 0), Ipv4Addr::new(255, 255, 255, 0))])?;
/// let bound = Change::Bound {
///     key: ClientKey::Hw(1, vec![2, 0, 0, 0, 0, 1]),
///     addr: Ipv4Addr::new(10, 99, 0, 100),
///     until: 1_900_000_000,
/// };
/// match store.commit(&[bound])?.as_slice() {
///     [Committed::Durable] => println!("ACK"),
///     [Committed::Conflict { addr, holder, .. }] => println!("{addr} is {holder:?}'s: NAK"),
///     [Committed::Contended] => println!("not settled now: NAK, the client retries"),
///     _ => unreachable!("one result per change"),
/// }
/// # Ok::<(), ex_dhcp::lease::StoreError>(())
/// ```
pub struct PgStore {
    conn: PgConnection,
    clock: Box<dyn FnMut() -> Secs + Send>,
    labels: Labels,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("labels", &self.labels)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (a libpq connection string:
    /// `postgresql://user@host/db` or `host=/run/postgresql dbname=dhcp`), and
    /// creates, migrates or refuses the schema (see the module's docs).
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        let mut conn = PgConnection::establish(url)
            .map_err(|e| StoreError::Backend(format!("connecting to PostgreSQL: {e}")))?;
        schema::prepare(&mut conn)?;
        Ok(PgStore {
            conn,
            clock: Box::new(|| secs(SystemTime::now())),
            labels: Labels::default(),
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
    #[diesel(sql_type = Text)]
    subnet: String,
}

impl Row {
    fn change(self) -> Result<Change, StoreError> {
        let invalid = |text: String| StoreError::Backend(format!("ex_dhcp_leases: {text}"));
        let addr: Ipv4Addr = self
            .addr
            .parse()
            .map_err(|_| invalid(format!("address {:?} is not IPv4", self.addr)))?;
        let until = Secs::try_from(self.until)
            .map_err(|_| invalid(format!("address {addr}: until {} is negative", self.until)))?;
        match (self.state.as_str(), self.client) {
            (BOUND, Some(client)) => {
                let key = client
                    .parse()
                    .map_err(|e| invalid(format!("address {addr}: client {client:?}: {e}")))?;
                Ok(Change::Bound { key, addr, until })
            }
            (DECLINED, _) => Ok(Change::Declined { addr, until }),
            (state, _) => Err(invalid(format!("address {addr}: state {state:?}"))),
        }
    }
}

/// The columns every read selects, `addr` as text (`host()` drops the `/32`).
const COLUMNS: &str = "host(addr) AS addr, state, client, until, subnet::text AS subnet";

impl LeaseStore for PgStore {
    /// Every live lease and quarantine in the database, whichever server made it, in
    /// address order. Rows labelled with subnets other than this server's are
    /// loaded and warned about.
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        let now = self.now();
        let rows: Vec<Row> = statement::statement(format!(
            "SELECT {COLUMNS} FROM ex_dhcp_leases WHERE until > $1 ORDER BY addr"
        ))
        .bind::<BigInt, _>(now)
        .load(&mut self.conn)
        .map_err(|e| backend("loading leases", e))?;
        let mislabelled = schema::mislabelled(
            &self.labels,
            rows.iter().map(|r| (r.addr.clone(), r.subnet.clone())),
        );
        if mislabelled > 0 {
            warn!(
                "{mislabelled} live lease(s) in the database are labelled with subnets this \
                 server was not given: servers sharing a database must be given the same \
                 subnets, or one client may hold an address in each labelling"
            );
        }
        for row in rows {
            apply(row.change()?);
        }
        Ok(())
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now();
        let plan = commit::Plan::new(batch, &self.labels);
        let conn = &mut self.conn;
        match retry::with_retries(|| commit::attempt(conn, &plan, now), std::thread::sleep) {
            Ok(Ok(committed)) => Ok(committed),
            Ok(Err(e)) => {
                warn!(
                    "lease batch of {} still aborted after {RETRIES} retries ({e}): none of \
                     it is made, each change is reported contended",
                    batch.len()
                );
                Ok(vec![Committed::Contended; batch.len()])
            }
            Err(e) => Err(backend("committing leases", e)),
        }
    }

    /// A database is shared by every server of the pool.
    fn shared(&self) -> bool {
        true
    }

    /// The client's live lease, whichever server made it (in any subnet: the one
    /// ending last).
    fn lookup(&mut self, client: &ClientKey) -> Result<Option<Change>, StoreError> {
        let now = self.now();
        let rows: Vec<Row> = statement::statement(format!(
            "SELECT {COLUMNS} FROM ex_dhcp_leases \
             WHERE client = $1 AND state = 'bound' AND until > $2 \
             ORDER BY until DESC, addr LIMIT 1"
        ))
        .bind::<Text, _>(client.to_string())
        .bind::<BigInt, _>(now)
        .load(&mut self.conn)
        .map_err(|e| backend("looking up a lease", e))?;
        rows.into_iter().next().map(Row::change).transpose()
    }

    /// Labels this server's rows with `subnets` from now on, and relabels the rows
    /// of the database labelled otherwise (see the module's docs).
    fn subnets(&mut self, subnets: &[Subnet]) -> Result<(), StoreError> {
        self.labels = Labels::new(subnets);
        schema::relabel(&mut self.conn, &self.labels).map(drop)
    }
}
