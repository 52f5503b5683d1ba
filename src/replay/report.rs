//! What a replay found, exchange by exchange, and how it reads.

use std::fmt;
use std::net::SocketAddrV4;
use std::path::PathBuf;

use super::diff::Difference;
use super::recording::Recorded;
use crate::{Packet, StopReason};

/// Indentation of a packet dump under a report line.
const DUMP_INDENT: &str = "      ";

/// A reply the handler gave, and where it would have gone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent {
    /// The reply.
    pub packet: Packet,
    /// Its destination, when the code that ran the handler knows it.
    pub destination: Option<SocketAddrV4>,
}

impl Sent {
    pub(super) fn new(packet: Packet, destination: Option<SocketAddrV4>) -> Self {
        Sent {
            packet,
            destination,
        }
    }
}

/// How the replies to one client packet differ, by position in
/// [`ExchangeReport::recorded`] and [`ExchangeReport::got`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// A reply was recorded and the handler gave none in its place.
    MissingReply {
        /// Which recorded reply.
        recorded: usize,
    },
    /// The handler gave a reply that was not recorded.
    ExtraReply {
        /// Which of the handler's replies.
        got: usize,
    },
    /// Both replied, differently.
    Differs {
        /// Which recorded reply.
        recorded: usize,
        /// Which of the handler's replies.
        got: usize,
        /// How, field by field and option by option.
        differences: Vec<Difference>,
    },
}

/// One client packet replayed: what was recorded, what the handler said, and how they differ.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExchangeReport {
    /// The client packet that was fed to the handler.
    pub request: Recorded,
    /// The replies recorded for it.
    pub recorded: Vec<Recorded>,
    /// The handler's replies.
    pub got: Vec<Sent>,
    /// Every mismatch; empty when the replies match (or were not compared).
    pub mismatches: Vec<Mismatch>,
}

impl ExchangeReport {
    /// True when the handler's replies match the recorded ones.
    pub fn matches(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// What a replay found.
///
/// Its `Display` is the diff: one block per exchange that differs, each line
/// naming a field or an option, with values decoded where the option table
/// knows their shape.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Every exchange, in recording order.
    pub exchanges: Vec<ExchangeReport>,
    /// False when the recording held no server reply at all: the handler's
    /// replies are then reported, not compared.
    pub compared: bool,
    /// How many recorded server replies answered no recorded client packet.
    pub unmatched_replies: usize,
    /// The recording's file or directory, when it came from one.
    pub path: Option<PathBuf>,
    /// Why the handler stopped during the replay, if it did; it answers nothing after.
    pub stopped: Option<StopReason>,
}

impl Report {
    /// True when every exchange matches (always, when nothing was compared) and
    /// the handler neither panicked nor stopped with an error.
    pub fn passed(&self) -> bool {
        let stopped_badly = self.stopped.as_ref().is_some_and(StopReason::is_abnormal);
        !stopped_badly && self.exchanges.iter().all(ExchangeReport::matches)
    }

    /// How many exchanges differ.
    pub fn failed_exchanges(&self) -> usize {
        self.exchanges.iter().filter(|e| !e.matches()).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("replay")?;
        if let Some(path) = &self.path {
            write!(f, " of {}", path.display())?;
        }
        let total = self.exchanges.len();
        if !self.compared {
            writeln!(
                f,
                ": the recording holds no server reply, so the handler's replies to its {total} client packets are reported, not compared"
            )?;
        } else if self.failed_exchanges() == 0 {
            writeln!(f, ": the replies to all {total} client packets match")?;
        } else {
            writeln!(
                f,
                ": the replies to {} of {total} client packets differ",
                self.failed_exchanges()
            )?;
        }
        if let Some(reason) = &self.stopped {
            writeln!(f, "  {reason}; it answered nothing after that")?;
        }
        if self.unmatched_replies > 0 {
            writeln!(
                f,
                "  ({} recorded server replies answer no recorded client packet and were not compared)",
                self.unmatched_replies
            )?;
        }
        for (index, exchange) in self.exchanges.iter().enumerate() {
            if !self.compared {
                write_reported(f, index, exchange)?;
            } else if !exchange.matches() {
                write_mismatches(f, index, exchange)?;
            }
        }
        Ok(())
    }
}

/// `exchange 2: DHCPREQUEST xid 0x00003d1e from 0.0.0.0:68 (frame 3), chaddr 00:0b:82:01:fc:42`
fn write_heading(
    f: &mut fmt::Formatter<'_>,
    index: usize,
    exchange: &ExchangeReport,
) -> fmt::Result {
    write_request(f, index + 1, &exchange.request)?;
    writeln!(f)
}

/// The exchange numbered `number` (from 1) by its client packet, on one line
/// without its end.
pub(super) fn write_request(
    f: &mut fmt::Formatter<'_>,
    number: usize,
    request: &Recorded,
) -> fmt::Result {
    write!(f, "exchange {number}: ")?;
    write_kind(f, &request.packet)?;
    write!(
        f,
        " from {} ({}), chaddr ",
        request.replay_source(),
        request.origin
    )?;
    for (i, byte) in request.packet.hardware_addr().iter().enumerate() {
        if i > 0 {
            f.write_str(":")?;
        }
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}

fn write_kind(f: &mut fmt::Formatter<'_>, packet: &Packet) -> fmt::Result {
    match packet.message_type() {
        Some(kind) => write!(f, "{kind} xid {:#010x}", packet.xid),
        None => write!(f, "BOOTP xid {:#010x}", packet.xid),
    }
}

fn write_mismatches(
    f: &mut fmt::Formatter<'_>,
    index: usize,
    exchange: &ExchangeReport,
) -> fmt::Result {
    write_heading(f, index, exchange)?;
    for mismatch in &exchange.mismatches {
        match mismatch {
            Mismatch::MissingReply { recorded } => {
                let recorded = &exchange.recorded[*recorded];
                f.write_str("  missing reply: recorded ")?;
                write_kind(f, &recorded.packet)?;
                writeln!(f, " ({}), the handler sent none", recorded.origin)?;
            }
            Mismatch::ExtraReply { got } => {
                let sent = &exchange.got[*got];
                f.write_str("  extra reply: the handler sent ")?;
                write_kind(f, &sent.packet)?;
                if let Some(destination) = sent.destination {
                    write!(f, " to {destination}")?;
                }
                writeln!(f, ", none was recorded")?;
                write_dump(f, &sent.packet)?;
            }
            Mismatch::Differs {
                recorded,
                differences,
                ..
            } => {
                let recorded = &exchange.recorded[*recorded];
                f.write_str("  reply ")?;
                write_kind(f, &recorded.packet)?;
                writeln!(f, " ({}):", recorded.origin)?;
                for difference in differences {
                    writeln!(f, "    {difference}")?;
                }
            }
        }
    }
    Ok(())
}

fn write_reported(
    f: &mut fmt::Formatter<'_>,
    index: usize,
    exchange: &ExchangeReport,
) -> fmt::Result {
    write_heading(f, index, exchange)?;
    if exchange.got.is_empty() {
        return writeln!(f, "  the handler sent nothing");
    }
    for sent in &exchange.got {
        f.write_str("  the handler sent ")?;
        write_kind(f, &sent.packet)?;
        if let Some(destination) = sent.destination {
            write!(f, " to {destination}")?;
        }
        writeln!(f, ":")?;
        write_dump(f, &sent.packet)?;
    }
    Ok(())
}

/// The packet's own multi-line dump, indented under the line that names it.
fn write_dump(f: &mut fmt::Formatter<'_>, packet: &Packet) -> fmt::Result {
    for line in packet.to_string().lines() {
        writeln!(f, "{DUMP_INDENT}{line}")?;
    }
    Ok(())
}
