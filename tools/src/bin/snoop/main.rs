//! The snooper: listens on DHCP ports, never replies, and logs every datagram
//! decoded with option names; can save them as `.bin` files and to a pcap file.
//!
//! ```text
//! sudo cargo run -p ex_dhcp-tools --bin snoop                       # ports 67 and 68
//! cargo run -p ex_dhcp-tools --bin snoop -- --port 6767 --save dhcp --pcap dhcp.pcap
//! ```
//!
//! Exit status: 0 when `--count` or `--duration` is reached, 1 when saving fails,
//! 2 on a usage error or when a port cannot be listened on.

mod cli;
mod dump;
mod listen;
use ex_dhcp_tools::cli::logging;
mod save;
use ex_dhcp_tools::socket;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_channel::RecvTimeoutError;

use crate::listen::Received;
use crate::save::{BinFiles, PcapFile};

const EXIT_SAVE_FAILED: u8 = 1;
const EXIT_SETUP_FAILED: u8 = 2;

fn main() -> ExitCode {
    let options = match cli::PROGRAM.parse_or_exit(cli::parse) {
        Ok(options) => options,
        Err(status) => return status,
    };
    logging::init(options.log);
    let result = run(&options);
    logging::finish();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => cli::PROGRAM.fail(failure.message, failure.exit),
    }
}

struct Failure {
    message: String,
    exit: u8,
}

fn setup_failed(message: impl ToString) -> Failure {
    Failure {
        message: message.to_string(),
        exit: EXIT_SETUP_FAILED,
    }
}

fn run(options: &cli::Options) -> Result<(), Failure> {
    let mut bins = options
        .save_prefix
        .as_deref()
        .map(BinFiles::new)
        .transpose()
        .map_err(|error| setup_failed(format!("--save: {error}")))?;
    let mut pcap = options
        .pcap
        .as_deref()
        .map(PcapFile::open)
        .transpose()
        .map_err(|error| setup_failed(format!("--pcap: {error}")))?;
    let sockets = options
        .ports
        .iter()
        .map(|&port| socket::open(options.bind, port, options.device.as_deref()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(setup_failed)?;

    let stop = Arc::new(AtomicBool::new(false));
    let (sender, received) = crossbeam_channel::unbounded();
    let threads: Vec<_> = sockets
        .into_iter()
        .map(|socket| {
            let (stop, sender) = (Arc::clone(&stop), sender.clone());
            thread::spawn(move || listen::receive_loop(socket, stop, sender))
        })
        .collect();
    drop(sender);
    log::info!(
        "listening on UDP ports {} of {}{}; never replying",
        join(&options.ports),
        options.bind,
        options
            .device
            .as_deref()
            .map(|device| format!(" of {device}"))
            .unwrap_or_default()
    );

    let deadline = options.duration.map(|duration| Instant::now() + duration);
    let mut seen = 0;
    let result = loop {
        if options.count.is_some_and(|count| seen >= count) {
            break Ok(());
        }
        let next = match deadline {
            Some(deadline) => received.recv_deadline(deadline),
            None => received.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let datagram = match next {
            Ok(datagram) => datagram,
            Err(RecvTimeoutError::Timeout) => break Ok(()),
            Err(RecvTimeoutError::Disconnected) => {
                break Err(setup_failed("every receive loop ended"))
            }
        };
        seen += 1;
        if let Err(failure) = keep(seen, &datagram, bins.as_mut(), pcap.as_mut()) {
            break Err(failure);
        }
    };
    stop.store(true, Ordering::Relaxed);
    drop(received);
    for thread in threads {
        let _ = thread.join();
    }
    log::info!("{seen} datagram(s) seen");
    result
}

fn keep(
    index: u64,
    datagram: &Received,
    bins: Option<&mut BinFiles>,
    pcap: Option<&mut PcapFile>,
) -> Result<(), Failure> {
    log::info!("{}", dump::describe(index, datagram));
    let save_failed = |what: &str, error: &dyn std::fmt::Display| Failure {
        message: format!("saving to {what}: {error}"),
        exit: EXIT_SAVE_FAILED,
    };
    if let Some(bins) = bins {
        let path = bins
            .save(&datagram.bytes)
            .map_err(|error| save_failed("--save", &error))?;
        log::info!("#{index} saved as {}", path.display());
    }
    if let Some(pcap) = pcap {
        pcap.save(datagram)
            .map_err(|error| save_failed("--pcap", &error))?;
    }
    Ok(())
}

fn join(ports: &[u16]) -> String {
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    ports.join(", ")
}
