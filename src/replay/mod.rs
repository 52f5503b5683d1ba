//! Replay a recorded exchange against a handler and diff the replies.
//!
//! Placeholder docs; the tutorial comes with the handler entry point.

mod diff;
mod error;
mod generate;
mod ignore;
mod recording;
mod report;
mod run;

pub use diff::Difference;
pub use error::{Origin, ReplayError};
pub use generate::{TestFile, TestNameError};
pub use ignore::Field;
pub use recording::{Exchange, Recorded, Recording};
pub use report::{ExchangeReport, Mismatch, Report, Sent};
pub use run::Replay;

/// Replays a recording against a handler and panics with the diff when the
/// replies differ: one line in a `#[test]`.
///
/// The recording is anything [`Replay::from_path`] reads: a pcap or pcapng
/// capture, a `.bin` file, or a directory of them. Builder calls of
/// [`Replay`] may follow, written as calls: `ignore_field("secs")`,
/// `ignore_option(51)`, `compare_destination()`. Evaluates to the [`Report`].
///
/// ```no_run
/// use ex_dhcp::{assert_replay, Handler, Packet, Reply, Source};
///
/// struct Silent;
/// impl Handler for Silent {
///     fn discover(&mut self, _: &Packet, _: &Source) -> Reply { Reply::None }
///     fn request(&mut self, _: &Packet, _: &Source) -> Reply { Reply::None }
///     fn decline(&mut self, _: &Packet, _: &Source) -> Reply { Reply::None }
/// }
///
/// assert_replay!(Silent, "tests/data/office.pcap");
/// assert_replay!(Silent, "tests/data/office.pcap", ignore_field("secs"), ignore_option(51));
/// ```
#[macro_export]
macro_rules! assert_replay {
    ($handler:expr, $recording:expr $(, $method:ident ( $($argument:expr),* ) )* ) => {
        match $crate::replay::Replay::from_path($recording)
            .and_then(|replay| replay $(.$method($($argument),*))* .run($handler))
        {
            Ok(report) => report,
            Err(error) => panic!("{}", error),
        }
    };
}
