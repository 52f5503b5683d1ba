//! One client: a socket, a table of outstanding exchanges, a send/receive loop.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::report::Report;
use super::requests::{self, Discover, SEQ_MASK};
use super::{LoadConfig, Mode};

/// Room for any reply datagram.
const RECV_BUFFER: usize = 65_507;
/// Expired exchanges are looked for this many times per timeout.
const SWEEPS_PER_TIMEOUT: u32 = 4;
/// The shortest read timeout (zero would mean "block forever").
const MIN_WAIT: Duration = Duration::from_micros(1);

/// One outstanding exchange.
#[derive(Debug, Clone, Copy)]
struct Slot {
    xid: u32,
    started: Instant,
    /// In DORA mode, whether the REQUEST has been sent (waiting for the ACK).
    requested: bool,
}

/// Outstanding exchanges, indexed by sequence number modulo a power of two that is at
/// least twice the in-flight limit.
struct Table {
    slots: Vec<Option<Slot>>,
    mask: u32,
    live: usize,
}

impl Table {
    fn new(in_flight: usize) -> Table {
        let len = (in_flight * 2).next_power_of_two();
        Table {
            slots: vec![None; len],
            mask: len as u32 - 1,
            live: 0,
        }
    }

    /// Records a new exchange; an old one still in its slot is returned as lost.
    fn insert(&mut self, slot: Slot) -> Option<Slot> {
        let old = self.slots[(slot.xid & self.mask) as usize].replace(slot);
        if old.is_none() {
            self.live += 1;
        }
        old
    }

    fn get_mut(&mut self, xid: u32) -> Option<&mut Slot> {
        self.slots[(xid & self.mask) as usize]
            .as_mut()
            .filter(|slot| slot.xid == xid)
    }

    fn remove(&mut self, xid: u32) -> Option<Slot> {
        let entry = &mut self.slots[(xid & self.mask) as usize];
        if entry.is_some_and(|slot| slot.xid == xid) {
            self.live -= 1;
            entry.take()
        } else {
            None
        }
    }

    /// Removes the exchanges started before `cutoff`; returns how many.
    fn expire(&mut self, cutoff: Instant) -> u64 {
        let mut expired = 0;
        for entry in &mut self.slots {
            if entry.is_some_and(|slot| slot.started < cutoff) {
                *entry = None;
                expired += 1;
            }
        }
        self.live -= expired as usize;
        expired
    }
}

/// What the client's threads share: outstanding exchanges and the counts so far.
struct Shared {
    table: Table,
    report: Report,
    seq: u32,
}

impl Shared {
    /// Sends the next DISCOVER and records it.
    fn send_next(
        &mut self,
        index: usize,
        socket: &UdpSocket,
        discover: &mut Discover,
    ) -> io::Result<()> {
        let xid = requests::xid(index, self.seq);
        self.seq = (self.seq + 1) & SEQ_MASK;
        socket.send(discover.stamp(xid))?;
        self.report.sent += 1;
        let slot = Slot {
            xid,
            started: Instant::now(),
            requested: false,
        };
        if self.table.insert(slot).is_some() {
            self.report.dropped += 1;
        }
        Ok(())
    }
}

/// The loop of client `index`, sending at most `max` requests.
///
/// Saturating, one thread sends a new request whenever a reply frees a slot. At a
/// fixed rate, a pacer thread sends on schedule (`thread::sleep` is precise to tens of
/// microseconds; a socket read timeout is rounded to the kernel's tick) while this
/// thread receives.
pub fn run(config: &LoadConfig, index: usize, max: u64) -> io::Result<Report> {
    let socket = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    socket.connect(config.target)?;
    let sweep_every = (config.timeout / SWEEPS_PER_TIMEOUT).max(MIN_WAIT);
    socket.set_read_timeout(Some(sweep_every))?;
    let shared = Mutex::new(Shared {
        table: Table::new(config.in_flight),
        report: Report::default(),
        seq: 0,
    });
    let sending = AtomicBool::new(true);
    let start = Instant::now();
    let deadline = start + config.duration;
    thread::scope(|scope| {
        let pacer = config.rate.map(|rate| {
            let interval =
                Duration::from_secs_f64(config.clients as f64 / rate.max(f64::MIN_POSITIVE));
            let (socket, shared, sending) = (&socket, &shared, &sending);
            scope.spawn(move || {
                pace(
                    config, index, max, interval, deadline, socket, shared, sending,
                )
            })
        });
        let received = receive_loop(
            config,
            index,
            max,
            deadline,
            &socket,
            &shared,
            &sending,
            pacer.is_none(),
        );
        sending.store(false, Ordering::Relaxed);
        let paced = pacer.map_or(Ok(()), |p| {
            p.join()
                .unwrap_or_else(|_| Err(io::Error::other("pacer panicked")))
        });
        received.and(paced)
    })?;
    let mut report = shared
        .into_inner()
        .map_err(|_| io::Error::other("poisoned"))?
        .report;
    report.elapsed = start.elapsed();
    if report.sending.is_zero() {
        report.sending = report.elapsed;
    }
    Ok(report)
}

/// Sends on a fixed schedule until the deadline or `max`, then records when it stopped.
#[allow(clippy::too_many_arguments)]
fn pace(
    config: &LoadConfig,
    index: usize,
    max: u64,
    interval: Duration,
    deadline: Instant,
    socket: &UdpSocket,
    shared: &Mutex<Shared>,
    sending: &AtomicBool,
) -> io::Result<()> {
    let mut discover = Discover::new(config.extra_options);
    let start = Instant::now();
    let mut next_send = start;
    let result = loop {
        let now = Instant::now();
        if now >= deadline || !sending.load(Ordering::Relaxed) {
            break Ok(());
        }
        if next_send > now {
            thread::sleep(next_send - now);
            continue;
        }
        let mut state = shared.lock().map_err(|_| io::Error::other("poisoned"))?;
        if state.report.sent >= max {
            break Ok(());
        }
        if state.table.live < config.in_flight {
            if let Err(error) = state.send_next(index, socket, &mut discover) {
                break Err(error);
            }
        }
        next_send += interval;
    };
    if let Ok(mut state) = shared.lock() {
        state.report.sending = start.elapsed();
    }
    sending.store(false, Ordering::Relaxed);
    result
}

/// Receives until sending is over and every exchange has ended; when `saturate`, also
/// sends a new request whenever there is room.
#[allow(clippy::too_many_arguments)]
fn receive_loop(
    config: &LoadConfig,
    index: usize,
    max: u64,
    deadline: Instant,
    socket: &UdpSocket,
    shared: &Mutex<Shared>,
    sending: &AtomicBool,
    saturate: bool,
) -> io::Result<()> {
    let mut buf = vec![0; RECV_BUFFER];
    let mut discover = Discover::new(config.extra_options);
    let sweep_every = (config.timeout / SWEEPS_PER_TIMEOUT).max(MIN_WAIT);
    let start = Instant::now();
    let mut next_sweep = start + sweep_every;
    loop {
        {
            let mut state = shared.lock().map_err(|_| io::Error::other("poisoned"))?;
            let now = Instant::now();
            if saturate
                && sending.load(Ordering::Relaxed)
                && (now >= deadline || state.report.sent >= max)
            {
                sending.store(false, Ordering::Relaxed);
                state.report.sending = now - start;
            }
            if !sending.load(Ordering::Relaxed) && state.table.live == 0 {
                return Ok(());
            }
            if now >= next_sweep {
                let expired = state.table.expire(now - config.timeout);
                state.report.dropped += expired;
                next_sweep = now + sweep_every;
            }
            while saturate
                && sending.load(Ordering::Relaxed)
                && state.table.live < config.in_flight
                && state.report.sent < max
            {
                state.send_next(index, socket, &mut discover)?;
            }
        }
        let len = match socket.recv(&mut buf) {
            Ok(len) => len,
            Err(error) if is_timeout(&error) => continue,
            // Loopback reports a closed port as ECONNREFUSED on the next call.
            Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => continue,
            Err(error) => return Err(error),
        };
        let mut state = shared.lock().map_err(|_| io::Error::other("poisoned"))?;
        let Shared { table, report, .. } = &mut *state;
        receive(&buf[..len], config.mode, socket, table, report)?;
    }
}

/// Matches one datagram to its exchange; in DORA mode an OFFER leads to a REQUEST.
fn receive(
    datagram: &[u8],
    mode: Mode,
    socket: &UdpSocket,
    table: &mut Table,
    report: &mut Report,
) -> io::Result<()> {
    let Some(xid) = requests::read_xid(datagram) else {
        report.unmatched += 1;
        return Ok(());
    };
    let Some(slot) = table.get_mut(xid) else {
        report.unmatched += 1;
        return Ok(());
    };
    if mode == Mode::Dora {
        if !slot.requested {
            match requests::request_for(datagram) {
                Some(request) => {
                    socket.send(&request)?;
                    slot.requested = true;
                }
                None => report.unmatched += 1,
            }
            return Ok(());
        }
        if !requests::is_ack(datagram) {
            report.unmatched += 1;
            return Ok(());
        }
    }
    if let Some(slot) = table.remove(xid) {
        report.received += 1;
        let nanos = slot.started.elapsed().as_nanos();
        report
            .latencies
            .push(u32::try_from(nanos).unwrap_or(u32::MAX));
    }
    Ok(())
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
