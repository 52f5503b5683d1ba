//! A batch that PostgreSQL aborted for another transaction's sake is tried again,
//! a few times, after a growing and jittered pause; what still fails that way is
//! reported as contended, never as an error.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// How many times a batch aborted by a deadlock or a serialization failure is
/// tried again before [`LeaseStore::commit`](crate::lease::LeaseStore::commit)
/// reports its changes as [`Committed::Contended`](crate::lease::Committed::Contended).
pub const RETRIES: usize = 3;

/// The pause before the first retry; each next one doubles it. Each pause is
/// drawn between this and twice this, so servers that collided part.
const FIRST_PAUSE: Duration = Duration::from_millis(5);

/// The unique index that keeps one bound lease per client in a subnet.
pub(super) const ONE_PER_CLIENT: &str = "ex_dhcp_leases_one_per_client";

/// Aborted by PostgreSQL for another transaction's sake, not for anything wrong in
/// the batch, so trying again can succeed: a serialization failure (SQLSTATE
/// 40001), a deadlock (40P01), or a bound lease that another writer gave the
/// client between this batch's read and its write (a unique violation of
/// [`ONE_PER_CLIENT`]: a writer outside the lock order, such as a server of
/// schema version 1 still running while the schema was migrated).
///
/// diesel reports 40001 as a kind of its own, but not 40P01: a deadlock is known
/// by PostgreSQL's message, in English unless the server's `lc_messages` says
/// otherwise (then it is an error, as any other).
pub(super) fn retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name() == Some(ONE_PER_CLIENT)
        }
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            info.message().starts_with("deadlock detected")
        }
        _ => false,
    }
}

/// The pause before retry number `retry` (from 1): [`FIRST_PAUSE`] doubled
/// `retry - 1` times, plus up to as much again, by `jitter`.
pub(super) fn pause(retry: u32, jitter: u64) -> Duration {
    let base = FIRST_PAUSE * 2u32.pow(retry.saturating_sub(1).min(16));
    let extra = u32::try_from(jitter % 1024).unwrap_or(0);
    base + base * extra / 1024
}

/// A random number for [`pause`], from the standard library's per-process seeds.
pub(super) fn jitter(retry: u32) -> u64 {
    RandomState::new().hash_one(retry)
}

/// Runs `attempt` until it succeeds, fails for good (`Err`), or has been aborted
/// for contention [`RETRIES`] + 1 times (`Ok(Err(last error))`), pausing between
/// tries through `sleep`.
pub(super) fn with_retries<T>(
    mut attempt: impl FnMut() -> Result<T, DieselError>,
    mut sleep: impl FnMut(Duration),
) -> Result<Result<T, DieselError>, DieselError> {
    let mut retry = 0;
    loop {
        match attempt() {
            Ok(done) => return Ok(Ok(done)),
            Err(error) if retryable(&error) => {
                if retry == RETRIES as u32 {
                    return Ok(Err(error));
                }
                retry += 1;
                log::warn!("lease batch aborted ({error}); retry {retry} of {RETRIES}");
                sleep(pause(retry, jitter(retry)));
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadlock() -> DieselError {
        DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("deadlock detected".to_owned()),
        )
    }

    #[test]
    fn deadlocks_and_serialization_failures_are_retried_other_errors_are_not() {
        assert!(retryable(&deadlock()));
        assert!(retryable(&DieselError::DatabaseError(
            DatabaseErrorKind::SerializationFailure,
            Box::new("could not serialize access".to_owned()),
        )));
        assert!(!retryable(&DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("permission denied for table ex_dhcp_leases".to_owned()),
        )));
        assert!(!retryable(&DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection unexpectedly".to_owned()),
        )));
        // A String names no constraint: a unique violation of another index.
        assert!(!retryable(&DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key value violates unique constraint".to_owned()),
        )));
        assert!(!retryable(&DieselError::NotFound));
    }

    #[test]
    fn pauses_double_and_stay_within_twice_their_base() {
        for retry in 1..=RETRIES as u32 {
            let base = FIRST_PAUSE * 2u32.pow(retry - 1);
            assert_eq!(pause(retry, 0), base);
            assert!(pause(retry, u64::MAX) < base * 2);
            assert!(pause(retry, jitter(retry)) >= base);
        }
        let total: Duration = (1..=RETRIES as u32).map(|r| pause(r, u64::MAX)).sum();
        assert!(
            total < Duration::from_millis(80),
            "{total:?} of pauses at most"
        );
    }

    #[test]
    fn a_batch_aborted_once_is_retried_and_made() {
        let mut tries = 0;
        let mut slept = Vec::new();
        let result = with_retries(
            || {
                tries += 1;
                if tries == 1 {
                    Err(deadlock())
                } else {
                    Ok("made")
                }
            },
            |pause| slept.push(pause),
        );
        assert!(matches!(result, Ok(Ok("made"))));
        assert_eq!((tries, slept.len()), (2, 1));
    }

    #[test]
    fn a_batch_aborted_every_time_is_given_up_after_the_retries() {
        let mut tries = 0;
        let mut slept = Vec::new();
        let result: Result<Result<(), _>, _> = with_retries(
            || {
                tries += 1;
                Err(deadlock())
            },
            |pause| slept.push(pause),
        );
        assert!(matches!(result, Ok(Err(_))), "contended, not an error");
        assert_eq!(tries, RETRIES + 1);
        assert_eq!(slept.len(), RETRIES);
        assert!(slept.windows(2).all(|w| w[0] < w[1]), "{slept:?} grow");
    }

    #[test]
    fn any_other_failure_ends_the_batch_at_once() {
        let mut tries = 0;
        let result: Result<Result<(), _>, _> = with_retries(
            || {
                tries += 1;
                Err(DieselError::NotFound)
            },
            |_| panic!("no pause before giving up"),
        );
        assert!(matches!(result, Err(DieselError::NotFound)));
        assert_eq!(tries, 1);
    }
}
