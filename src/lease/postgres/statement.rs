//! Statements that diesel prepares once per connection and then runs by name, so
//! PostgreSQL parses and plans each once: diesel's `sql_query` is parsed and
//! planned on every call, which is about half the cost of a small batch.
//!
//! A [`Statement`] is SQL whose parameters are `$1`, `$2`, ... each written once,
//! in order, and the values bound to them ([`Statement::bind`]); a value used
//! twice is bound twice. diesel keys its cache of prepared statements by the SQL
//! and the binds' types, so the same text is prepared once (a PgBouncer in
//! transaction mode between server and database needs `max_prepared_statements`).

use std::marker::PhantomData;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::Error as DieselError;
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::{QueryResult, RunQueryDsl};

/// SQL with `$1` ... `$n` and the values bound so far (`B`: a chain of
/// [`Bind`]s, `()` when none).
pub(super) struct Statement<B> {
    sql: String,
    binds: B,
}

/// One more bound value, of SQL type `ST`, after those of `B`.
pub(super) struct Bind<B, V, ST> {
    before: B,
    value: V,
    sql_type: PhantomData<ST>,
}

/// A statement of `sql`, nothing bound yet.
pub(super) fn statement(sql: impl Into<String>) -> Statement<()> {
    Statement {
        sql: sql.into(),
        binds: (),
    }
}

impl<B: Binds> Statement<B> {
    /// Binds `value`, as SQL type `ST`, to the next parameter.
    pub(super) fn bind<ST, V>(self, value: V) -> Statement<Bind<B, V, ST>> {
        Statement {
            sql: self.sql,
            binds: Bind {
                before: self.binds,
                value,
                sql_type: PhantomData,
            },
        }
    }
}

/// The values of a statement, written between the SQL's pieces.
pub(super) trait Binds {
    /// How many values.
    const COUNT: usize;

    /// Writes each piece of SQL before a value, then the value.
    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>, pieces: &[&str]) -> QueryResult<()>;
}

impl Binds for () {
    const COUNT: usize = 0;

    fn walk<'b>(&'b self, _: &mut AstPass<'_, 'b, Pg>, _: &[&str]) -> QueryResult<()> {
        Ok(())
    }
}

impl<B: Binds, V: ToSql<ST, Pg>, ST> Binds for Bind<B, V, ST>
where
    Pg: HasSqlType<ST>,
{
    const COUNT: usize = B::COUNT + 1;

    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>, pieces: &[&str]) -> QueryResult<()> {
        self.before.walk(out, pieces)?;
        out.push_sql(pieces[B::COUNT]);
        // diesel writes the placeholder, `$` and the value's number.
        out.push_bind_param::<ST, V>(&self.value)
    }
}

/// `sql` cut at its parameters: the pieces before `$1`, between `$1` and `$2`, ...
/// and after the last; `None` unless the parameters are `$1` to `$n` in order.
fn pieces(sql: &str) -> Option<Vec<&str>> {
    let mut pieces = Vec::new();
    let mut rest = sql;
    let mut expected = 1;
    while let Some(at) = rest.find('$') {
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        if rest[at + 1..at + 1 + digits].parse::<usize>().ok()? != expected {
            return None;
        }
        pieces.push(&rest[..at]);
        rest = &rest[at + 1 + digits..];
        expected += 1;
    }
    pieces.push(rest);
    Some(pieces)
}

impl<B: Binds> QueryFragment<Pg> for Statement<B> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let pieces = pieces(&self.sql)
            .filter(|pieces| pieces.len() == B::COUNT + 1)
            .ok_or_else(|| {
                DieselError::QueryBuilderError(
                    format!(
                        "a statement's parameters are not $1 to ${} in order: {}",
                        B::COUNT,
                        self.sql
                    )
                    .into(),
                )
            })?;
        self.binds.walk(&mut out, &pieces)?;
        out.push_sql(pieces[B::COUNT]);
        Ok(())
    }
}

/// No static id: diesel keys the prepared statement by its SQL and binds' types.
impl<B> QueryId for Statement<B> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Rows are read by column name (`QueryableByName`), as `sql_query`'s are.
impl<B> Query for Statement<B> {
    type SqlType = Untyped;
}

impl<B, Conn> RunQueryDsl<Conn> for Statement<B> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_cut_at_each_parameter_in_order() {
        assert_eq!(
            pieces("SELECT $1 + $2, $3::int[] FROM t WHERE a = $4"),
            Some(vec![
                "SELECT ",
                " + ",
                ", ",
                "::int[] FROM t WHERE a = ",
                ""
            ])
        );
        assert_eq!(pieces("SELECT 1"), Some(vec!["SELECT 1"]));
        assert_eq!(
            pieces("SELECT $1, $12"),
            None,
            "$12 where $2 belongs: out of order"
        );
        assert_eq!(pieces("SELECT $2, $1"), None);
        assert_eq!(pieces("SELECT $1, $1"), None, "each parameter once");
        assert_eq!(pieces("SELECT $"), None, "a $ without a number");
    }
}
