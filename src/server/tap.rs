//! The in-process tap ([`Config::tap`](crate::Config::tap)): the server's own
//! traffic, both ways, written to a pcap file by a thread of its own.
//!
//! The receive threads record each datagram as it arrives and the sender thread each
//! reply just before `send_to` (after it, the client's answer could reach the tap
//! first, and the capture would be out of order); neither waits for the disk: records go through
//! a bounded queue to the `dhcp-tap` thread, and a record that finds the queue full is
//! dropped and counted ([`ServerStats::tap_dropped`](crate::ServerStats::tap_dropped)). The handler
//! thread never touches the tap. The tap thread ends when the last thread that records
//! has ended (the queue disconnects), flushes, and is joined with the others.

use std::net::SocketAddrV4;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Sender, TrySendError};

use super::stats::Counters;
use super::traffic;

/// Records that may wait for the disk before new ones are dropped: about a second of
/// a busy server's traffic, a few hundred KiB of DHCP packets.
#[cfg(feature = "capture")]
const TAP_CAPACITY: usize = 1024;

/// One datagram for the capture, with the addresses it really went between.
pub(crate) struct Record {
    at: Duration,
    from: SocketAddrV4,
    to: SocketAddrV4,
    payload: Vec<u8>,
}

/// The recording end of the tap, one clone per thread that records.
#[derive(Clone)]
pub(crate) struct Tap {
    queue: Sender<Record>,
    counters: Arc<Counters>,
}

impl Tap {
    /// Queues a copy of `payload` sent from `from` to `to`, now; never blocks.
    pub(crate) fn record(&self, from: SocketAddrV4, to: SocketAddrV4, payload: &[u8]) {
        // A tap that is behind drops without copying first (`try_send` below still
        // catches the queue filling up in between).
        if self.queue.is_full() {
            self.dropped(from, to);
            return;
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let record = Record {
            at,
            from,
            to,
            payload: payload.to_vec(),
        };
        match self.queue.try_send(record) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped(from, to);
            }
        }
    }

    fn dropped(&self, from: SocketAddrV4, to: SocketAddrV4) {
        self.counters.tap_dropped();
        log::debug!(target: traffic::DROP, "tap record {from} -> {to} dropped: the tap is behind");
    }
}

#[cfg(feature = "capture")]
pub(crate) use writer::{start, write};

#[cfg(feature = "capture")]
mod writer {
    use std::fs::File;
    use std::io::Write;
    use std::path::Path;
    use std::sync::Arc;
    use std::thread::{self, JoinHandle};

    use crossbeam_channel::{bounded, Receiver};

    use super::{Record, Tap, TAP_CAPACITY};
    use crate::capture::{CaptureError, Datagram, PcapWriter};
    use crate::server::error::StartError;
    use crate::server::stats::Counters;
    use crate::server::traffic;

    /// Opens (or continues) the pcap file at `path` and starts the `dhcp-tap` thread.
    pub(crate) fn start(
        path: &Path,
        counters: &Arc<Counters>,
    ) -> Result<(Tap, JoinHandle<()>), StartError> {
        let writer = PcapWriter::append_to_file(path).map_err(|source| StartError::Tap {
            path: path.to_path_buf(),
            source,
        })?;
        let (queue, records) = bounded(TAP_CAPACITY);
        let thread = {
            let counters = Arc::clone(counters);
            thread::Builder::new()
                .name("dhcp-tap".into())
                .spawn(move || run(writer, &records, &counters))
                .map_err(|source| StartError::Spawn { source })?
        };
        let tap = Tap {
            queue,
            counters: Arc::clone(counters),
        };
        Ok((tap, thread))
    }

    /// Writes records until every recording thread has let go of the queue.
    fn run(mut writer: PcapWriter<File>, records: &Receiver<Record>, counters: &Counters) {
        let mut failures: u64 = 0;
        for record in records {
            if let Err(error) = write(&mut writer, record) {
                counters.tap_dropped();
                failures += 1;
                // The first failure and then every doubling, not one line per packet.
                if failures.is_power_of_two() {
                    log::warn!(target: traffic::DROP, "writing the tap failed ({failures} times): {error}");
                }
            }
        }
        if let Err(error) = writer.flush() {
            log::warn!(target: traffic::DROP, "flushing the tap failed: {error}");
        }
    }

    /// Writes one record as an Ethernet/IPv4/UDP frame.
    pub(crate) fn write<W: Write>(
        writer: &mut PcapWriter<W>,
        record: Record,
    ) -> Result<(), CaptureError> {
        writer.write_datagram(&Datagram {
            timestamp: record.at,
            source: record.from,
            destination: record.to,
            payload: record.payload,
        })
    }
}

impl Record {
    /// A record at a given time, for the harness (whose clock the test steps).
    #[cfg(feature = "capture")]
    pub(crate) fn at(at: Duration, from: SocketAddrV4, to: SocketAddrV4, payload: Vec<u8>) -> Self {
        Record {
            at,
            from,
            to,
            payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_tap_drops_and_counts_instead_of_waiting() {
        let (queue, records) = crossbeam_channel::bounded(1);
        let counters = Arc::new(Counters::default());
        let tap = Tap {
            queue,
            counters: Arc::clone(&counters),
        };
        let (from, to) = (
            "127.0.0.1:68".parse().unwrap(),
            "127.0.0.1:67".parse().unwrap(),
        );
        tap.record(from, to, b"first");
        tap.record(from, to, b"second"); // nobody is writing: dropped, not waited for
        assert_eq!(counters.snapshot().tap_dropped, 1);
        let kept = records.try_recv().expect("the first record");
        assert_eq!(
            (kept.from, kept.to, kept.payload.as_slice()),
            (from, to, &b"first"[..])
        );
        drop(records);
        tap.record(from, to, b"after the writer is gone");
        assert_eq!(counters.snapshot().tap_dropped, 2);
    }
}
