//! The replay builder: what to replay, what to ignore, and running it.

use std::net::SocketAddrV4;
use std::path::{Path, PathBuf};

use super::diff::Comparison;
use super::error::ReplayError;
use super::ignore::{Field, Ignore};
use super::recording::{Exchange, Recording};
use super::report::{ExchangeReport, Mismatch, Report, Sent};
use crate::{Config, Handler, Harness, Packet};

/// The harness's main socket, where replayed packets arrive.
const MAIN_LISTENER: usize = 0;

/// A recorded exchange to replay against a handler, and how to compare.
///
/// ```no_run
/// # fn main() -> Result<(), ex_dhcp::replay::ReplayError> {
/// use ex_dhcp::replay::Replay;
///
/// let replay = Replay::from_pcap("tests/data/office.pcapng")?
///     .ignore_field("secs")
///     .ignore_option(51);
/// # let _ = replay;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a replay does nothing until it is run"]
pub struct Replay {
    recording: Recording,
    ignore: Ignore,
    option_order: bool,
    /// Ports named for a capture that could not be read again on them: the run
    /// reads it again, to return the error.
    reread: Option<Reread>,
}

/// A capture to read again on other ports when the replay runs.
#[derive(Debug, Clone)]
struct Reread {
    path: Option<PathBuf>,
    server_port: u16,
    client_port: u16,
}

impl Replay {
    /// Replays a recording already loaded or built in code.
    pub fn new(recording: Recording) -> Self {
        Replay {
            recording,
            ignore: Ignore::default(),
            option_order: false,
            reread: None,
        }
    }

    /// Replays a classic pcap or pcapng capture: from `snoop`, tcpdump or Wireshark.
    pub fn from_pcap(path: impl AsRef<Path>) -> Result<Self, ReplayError> {
        Recording::from_capture(path).map(Replay::new)
    }

    /// Replays a capture, a single `.bin` file, or a directory of `.bin` files
    /// (taken in capture order, see [`Recording::bin_files`]). Captures are
    /// read on ports 67 and 68; for others, name them:
    /// `Recording::reader().server_port(6767).replay(path)` (see
    /// [`RecordingReader`](super::RecordingReader)).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ReplayError> {
        Recording::from_path(path).map(Replay::new)
    }

    /// Replays saved packets, one DHCP payload per file, in the order given.
    pub fn from_bin_files<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Self, ReplayError> {
        Recording::from_bin_files(paths).map(Replay::new)
    }

    /// The recording, paired into exchanges.
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Reads the capture again with the server on this UDP port instead of 67:
    /// `Replay::from_path("loopback.pcap")?.server_port(6767)`, or
    /// `assert_replay!(handler, "loopback.pcap", server_port(6767))`.
    ///
    /// Only captures read from a file can be read again (for one in memory,
    /// use [`Recording::reader`]); if reading fails, so does the run. Ports do
    /// not matter to `.bin` files, which are left as they are.
    pub fn server_port(self, port: u16) -> Self {
        self.on_ports(Some(port), None)
    }

    /// Reads the capture again with the client on this UDP port instead of 68
    /// (see [`Replay::server_port`]).
    pub fn client_port(self, port: u16) -> Self {
        self.on_ports(None, Some(port))
    }

    fn on_ports(mut self, server: Option<u16>, client: Option<u16>) -> Self {
        let (current_server, current_client) = match (&self.reread, &self.recording.ports) {
            (Some(reread), _) => (reread.server_port, reread.client_port),
            (None, Some(ports)) => (ports.server_port, ports.client_port),
            // Not a capture: .bin files carry no ports.
            (None, None) => return self,
        };
        let reread = Reread {
            path: self.recording.path.clone(),
            server_port: server.unwrap_or(current_server),
            client_port: client.unwrap_or(current_client),
        };
        match reread.read() {
            Ok(recording) => {
                self.recording = recording;
                self.reread = None;
            }
            Err(_) => self.reread = Some(reread),
        }
        self
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

    /// Replays against a handler, through the same dispatch, routing and
    /// fitting as a running server (the socket-less [`Harness`]), with the
    /// default [`Config`].
    ///
    /// Returns the report when every reply matches, or when the recording has
    /// no server replies (then the handler's replies are only reported), and
    /// [`ReplayError::Differences`] with the report otherwise. A handler that
    /// panics or stops with an error fails the replay too.
    pub fn run<H: Handler>(self, handler: H) -> Result<Report, ReplayError> {
        self.run_with_config(&Config::default(), handler)
    }

    /// [`Replay::run`] with the routing and sockets of `config`: what decides
    /// the destinations that [`compare_destination`](Self::compare_destination) checks.
    pub fn run_with_config<H: Handler>(
        self,
        config: &Config,
        handler: H,
    ) -> Result<Report, ReplayError> {
        let mut harness = Harness::with_config(config.clone(), handler);
        let mut report = self.report(|packet, from| {
            harness
                .source(from, MAIN_LISTENER)
                .and_then(|source| harness.inject_from(packet.clone(), source))
                .map(|outgoing| Sent::new(outgoing.packet, Some(outgoing.to)))
                .into_iter()
                .collect()
        })?;
        report.stopped = harness.stopped().cloned();
        verdict(report)
    }

    /// Feeds each client packet to `answer`, with the address it is replayed
    /// from, and compares what it returns with the recorded replies, as
    /// [`Replay::run`] does.
    ///
    /// Use it to replay against anything that answers packets: a plain
    /// function, or a handler already wrapped in a [`Harness`] you keep.
    pub fn run_with<F>(self, answer: F) -> Result<Report, ReplayError>
    where
        F: FnMut(&Packet, SocketAddrV4) -> Vec<Sent>,
    {
        self.report(answer).and_then(verdict)
    }

    fn report<F>(self, mut answer: F) -> Result<Report, ReplayError>
    where
        F: FnMut(&Packet, SocketAddrV4) -> Vec<Sent>,
    {
        if let Some(name) = self.ignore.unknown_fields().first() {
            return Err(ReplayError::UnknownField { name: name.clone() });
        }
        if let Some(reread) = &self.reread {
            // It failed when the ports were named; read again for the error.
            reread.read()?;
        }
        let recording = self.recording;
        if recording.exchanges.is_empty() {
            return Err(ReplayError::NoClientPackets {
                path: recording.path,
                ports: recording.ports,
            });
        }
        let compared = recording.has_replies();
        let comparison = Comparison {
            ignore: &self.ignore,
            option_order: self.option_order,
        };
        let exchanges = recording
            .exchanges
            .into_iter()
            .map(|exchange| {
                let got = answer(&exchange.request.packet, exchange.request.replay_source());
                compare(exchange, got, compared.then_some(&comparison))
            })
            .collect();
        Ok(Report {
            exchanges,
            compared,
            unmatched_replies: recording.unmatched_replies.len(),
            path: recording.path,
            stopped: None,
        })
    }
}

impl Reread {
    fn read(&self) -> Result<Recording, ReplayError> {
        let path = self.path.as_ref().ok_or(ReplayError::PortsNeedAFile)?;
        Recording::reader()
            .server_port(self.server_port)
            .client_port(self.client_port)
            .capture(path)
    }
}

fn verdict(report: Report) -> Result<Report, ReplayError> {
    if report.passed() {
        Ok(report)
    } else {
        Err(ReplayError::Differences(Box::new(report)))
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
