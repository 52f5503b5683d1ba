//! The replay builder: what to ignore, how long to wait, and running it.

use std::time::Duration;

use super::diff::Comparison;
use super::error::ReplayError;
use super::ignore::{Field, Ignore};
use super::recording::{Exchange, Recording};
use super::report::{ExchangeReport, Mismatch, Report, Sent};
use super::session::{Replayed, Session, Unanswered};
use crate::{Config, Handler, Harness};

/// How long a replay waits for a reply the handler answers later, by default.
const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// A recording to replay against a handler, and how to compare.
///
/// ```no_run
/// # fn main() -> Result<(), ex_dhcp::replay::ReplayError> {
/// # let handler = |_: &ex_dhcp::Packet, _: &ex_dhcp::Source| ex_dhcp::Reply::None;
/// use ex_dhcp::replay::{Recording, Replay};
///
/// let recording = Recording::read("tests/data/office.pcapng")?;
/// Replay::new(recording)
///     .ignore_field("secs")
///     .ignore_option(51)
///     .run(handler)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a replay does nothing until it is run"]
pub struct Replay {
    recording: Recording,
    ignore: Ignore,
    option_order: bool,
    config: Config,
    reply_timeout: Duration,
}

impl Replay {
    /// A replay of `recording` (read with [`Recording::read`] or
    /// [`Recording::reader`], or built with [`Recording::from_packets`]).
    pub fn new(recording: Recording) -> Self {
        Replay {
            recording,
            ignore: Ignore::default(),
            option_order: false,
            config: Config::default(),
            reply_timeout: DEFAULT_REPLY_TIMEOUT,
        }
    }

    /// The recording, paired into exchanges.
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Leaves a header field out of the comparison, by [`Field`] or by its RFC
    /// 2131 name (`"secs"`, `"siaddr"`, ...). An unknown name makes the run fail
    /// with [`ReplayError::UnknownField`].
    pub fn ignore_field(mut self, field: impl AsRef<str>) -> Self {
        self.ignore.field(field);
        self
    }

    /// Leaves an option out of the comparison entirely.
    pub fn ignore_option(mut self, code: u8) -> Self {
        self.ignore.option(code);
        self
    }

    /// Compares only whether an option is present, not its value.
    pub fn ignore_option_value(mut self, code: u8) -> Self {
        self.ignore.option_value(code);
        self
    }

    /// Leaves out the lease time and T1 and T2 (options 51, 58, 59).
    pub fn ignore_lease_times(mut self) -> Self {
        self.ignore.lease_times();
        self
    }

    /// For a capture of another server: leaves out `siaddr` and the value of
    /// the server identifier (option 54), whose presence is still checked.
    pub fn ignore_server_address(mut self) -> Self {
        self.ignore.server_address();
        self
    }

    /// Also compares where each reply was sent (ignored by default).
    pub fn compare_destination(mut self) -> Self {
        self.ignore.compare_field(Field::Destination);
        self
    }

    /// Also reports options that come in another order (by default option
    /// sets are compared by code, duplicates joined).
    pub fn compare_option_order(mut self) -> Self {
        self.option_order = true;
        self
    }

    /// Runs the handler with the routing and sockets of `config` (the default
    /// [`Config`] otherwise): what decides the destinations that
    /// [`compare_destination`](Self::compare_destination) checks.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// How long to wait for a reply the handler answers later (5 seconds unless
    /// set): each wait for a recorded reply while the handler holds a deferred
    /// request, and the wait after the last packet for what it still holds. A wait
    /// that runs out fails the run with [`ReplayError::ReplyTimeout`].
    pub fn reply_timeout(mut self, timeout: Duration) -> Self {
        self.reply_timeout = timeout;
        self
    }

    /// Replays against a handler, through the same dispatch, routing and
    /// fitting as a running server (the socket-less [`Harness`]).
    ///
    /// Each client packet goes in as if from its recorded sender, in recording
    /// order. A handler that answers later, deferring the request
    /// ([`Context::defer`](crate::Context::defer)) until a worker posts to its
    /// mailbox, gets what workers post delivered, and its reply is waited for where
    /// the recording shows it, up to the [`reply_timeout`](Self::reply_timeout).
    ///
    /// Returns the report when every reply matches, or when the recording has
    /// no server replies (then the handler's replies are only reported), and
    /// [`ReplayError::Differences`] with the report otherwise. A handler that
    /// panics or stops with an error fails the replay too.
    pub fn run<H: Handler>(self, handler: H) -> Result<Report, ReplayError> {
        if let Some(name) = self.ignore.unknown_fields().first() {
            return Err(ReplayError::UnknownField { name: name.clone() });
        }
        let recording = self.recording;
        if recording.exchanges.is_empty() {
            return Err(ReplayError::NoClientPackets {
                path: recording.path,
                ports: recording.ports,
            });
        }
        let compared = recording.has_replies();
        let harness = Harness::with_config(self.config, handler);
        let replayed =
            match Session::new(harness, &recording.exchanges, self.reply_timeout).run(compared) {
                Ok(replayed) => replayed,
                Err(Unanswered {
                    exchange,
                    outstanding,
                }) => {
                    return Err(ReplayError::ReplyTimeout {
                        exchange: exchange + 1,
                        request: Box::new(recording.exchanges[exchange].request.clone()),
                        path: recording.path,
                        waited: self.reply_timeout,
                        outstanding,
                    })
                }
            };
        let Replayed { got, stopped } = replayed;
        let comparison = Comparison {
            ignore: &self.ignore,
            option_order: self.option_order,
        };
        let exchanges = recording
            .exchanges
            .into_iter()
            .zip(got)
            .map(|(exchange, got)| compare(exchange, got, compared.then_some(&comparison)))
            .collect();
        let report = Report {
            exchanges,
            compared,
            unmatched_replies: recording.unmatched_replies.len(),
            path: recording.path,
            stopped,
        };
        if report.passed() {
            Ok(report)
        } else {
            Err(ReplayError::Differences(Box::new(report)))
        }
    }
}

/// Pairs recorded and handler replies in order; the rest are missing or extra.
fn compare(
    exchange: Exchange,
    got: Vec<Sent>,
    comparison: Option<&Comparison<'_>>,
) -> ExchangeReport {
    let mut mismatches = Vec::new();
    if let Some(comparison) = comparison {
        let pairs = exchange.replies.len().max(got.len());
        for index in 0..pairs {
            let mismatch = match (exchange.replies.get(index), got.get(index)) {
                (Some(recorded), Some(sent)) => {
                    let differences = comparison.packets(
                        (&recorded.packet, recorded.destination),
                        (&sent.packet, sent.destination),
                    );
                    (!differences.is_empty()).then_some(Mismatch::Differs {
                        recorded: index,
                        got: index,
                        differences,
                    })
                }
                (Some(_), None) => Some(Mismatch::MissingReply { recorded: index }),
                (None, Some(_)) => Some(Mismatch::ExtraReply { got: index }),
                (None, None) => None,
            };
            mismatches.extend(mismatch);
        }
    }
    ExchangeReport {
        request: exchange.request,
        recorded: exchange.replies,
        got,
        mismatches,
    }
}
