//! The measurements, one function per table.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use super::child::Server;
use super::load::{self, LoadConfig, Report};

/// Throughput rounds per server.
const DEFAULT_ROUNDS: u32 = 7;
/// Latency rounds per server (each as long as a throughput round).
const LATENCY_ROUNDS: u32 = 3;
/// Warm-up before the first round, per server.
const WARM_UP: Duration = Duration::from_millis(300);
/// Packets after which the "early" resident size is read.
const EARLY_PACKETS: u64 = 100_000;
/// Extra options per request in the allocation table.
const EXTRA_OPTIONS: [usize; 3] = [0, 16, 64];
/// Sending time limit for count-bounded phases.
const COUNT_PHASE_LIMIT: Duration = Duration::from_secs(120);
/// Targets of issue 7.
const TARGET_RATIO: f64 = 0.8;
const TARGET_P99: Duration = Duration::from_millis(1);
const TARGET_RSS_KB: u64 = 10 * 1024;

/// What the command line can change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Throughput rounds per server.
    pub rounds: u32,
    /// Seconds per round.
    pub secs: u64,
    /// Requests in flight.
    pub in_flight: usize,
    /// Packets for the memory test.
    pub packets: u64,
    /// Request/reply cycles per allocation measurement.
    pub alloc_cycles: u64,
    /// Another build of this benchmark whose server runs in the throughput rounds.
    pub baseline: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rounds: DEFAULT_ROUNDS,
            secs: 1,
            in_flight: 32,
            packets: 1_000_000,
            alloc_cycles: 20_000,
            baseline: None,
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn load(server: &Server, settings: &Settings, rate: Option<f64>) -> LoadConfig {
    LoadConfig {
        target: server.addr,
        rate,
        duration: Duration::from_secs(settings.secs),
        in_flight: settings.in_flight,
        ..LoadConfig::default()
    }
}

/// Runs every table.
pub fn run(settings: &Settings) -> io::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "pipeline_bench: {cpus} cpus, {} rounds x {} s per server, {} in flight",
        settings.rounds, settings.secs, settings.in_flight
    );
    let pipeline = Server::spawn("pipeline")?;
    let echo = Server::spawn("echo")?;
    for server in [&pipeline, &echo] {
        load::run(&LoadConfig {
            duration: WARM_UP,
            ..load(server, settings, None)
        })?;
    }
    let baseline = match &settings.baseline {
        Some(exe) => Some(Server::spawn_from(exe, "pipeline")?),
        None => None,
    };
    let saturation = throughput(&pipeline, &echo, baseline.as_ref(), settings)?;
    drop(baseline);
    latency(&pipeline, &echo, settings, saturation / 2.0)?;
    drop(echo);
    allocations(pipeline, settings)?;
    memory(settings)
}

/// Table 1: replies per second, saturated, interleaved; returns the pipeline's median.
fn throughput(
    pipeline: &Server,
    echo: &Server,
    baseline: Option<&Server>,
    settings: &Settings,
) -> io::Result<f64> {
    println!(
        "\n1. saturated throughput (replies/s), {} in flight",
        settings.in_flight
    );
    println!("round  pipeline/s     echo/s   ratio  drops(p/e)  baseline/s  new/baseline");
    let mut servers = vec![pipeline, echo];
    servers.extend(baseline);
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
    let (mut ratios, mut gains) = (Vec::new(), Vec::new());
    for round in 0..settings.rounds {
        let mut reports: Vec<Option<Report>> = vec![None; servers.len()];
        // Rotate the order each round so that no server always goes first.
        for step in 0..servers.len() {
            let index = (step + round as usize) % servers.len();
            reports[index] = Some(load::run(&load(servers[index], settings, None))?);
        }
        let reports: Vec<Report> = reports.into_iter().flatten().collect();
        let rate: Vec<f64> = reports.iter().map(Report::received_rate).collect();
        let ratio = rate[0] / rate[1].max(f64::MIN_POSITIVE);
        print!(
            "{round:>5} {:>11.0} {:>10.0} {ratio:>7.3}  {}/{}",
            rate[0], rate[1], reports[0].dropped, reports[1].dropped
        );
        if let Some(base) = rate.get(2) {
            let gain = rate[0] / base.max(f64::MIN_POSITIVE);
            print!("  {base:>14.0} {gain:>12.3}");
            gains.push(gain);
        }
        println!();
        for (all, one) in rates.iter_mut().zip(rate) {
            all.push(one);
        }
        ratios.push(ratio);
    }
    let pa = median(&mut rates[0]);
    let eb = median(&mut rates[1]);
    let r = median(&mut ratios);
    print!("median {pa:>10.0} {eb:>10.0} {r:>7.3}");
    if let Some(base) = rates.get_mut(2) {
        print!("  {:>18.0} {:>12.3}", median(base), median(&mut gains));
    }
    println!(
        "\ntarget pipeline/echo >= {TARGET_RATIO}: {}",
        if r >= TARGET_RATIO { "met" } else { "missed" }
    );
    Ok(pa)
}

/// Table 2: latency at a fixed rate, both servers, interleaved.
fn latency(pipeline: &Server, echo: &Server, settings: &Settings, rate: f64) -> io::Result<()> {
    println!("\n2. latency at {rate:.0} requests/s (half the pipeline's saturation)");
    println!("server     p50 us   p90 us   p99 us   max us  sent/s  drops  (medians of {LATENCY_ROUNDS} rounds)");
    let mut rows: [Vec<Report>; 2] = [Vec::new(), Vec::new()];
    for round in 0..LATENCY_ROUNDS {
        for index in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let server = [pipeline, echo][index];
            let config = LoadConfig {
                in_flight: load::MAX_IN_FLIGHT.min(settings.in_flight * 64),
                ..load(server, settings, Some(rate))
            };
            rows[index].push(load::run(&config)?);
        }
    }
    for (name, reports) in ["pipeline", "echo"].iter().zip(&rows) {
        let pick =
            |f: &dyn Fn(&Report) -> f64| median(&mut reports.iter().map(f).collect::<Vec<_>>());
        let p99 = pick(&|r| micros(r.percentile(99.0)));
        println!(
            "{name:<9} {:>7.1}  {:>7.1}  {p99:>7.1}  {:>7.1} {:>7.0} {:>6.0}  p99 < {} us: {}",
            pick(&|r| micros(r.percentile(50.0))),
            pick(&|r| micros(r.percentile(90.0))),
            pick(&|r| micros(r.max())),
            pick(&|r| r.sent_rate()),
            pick(&|r| r.dropped as f64),
            micros(TARGET_P99),
            if p99 < micros(TARGET_P99) {
                "met"
            } else {
                "missed"
            }
        );
    }
    Ok(())
}

/// Table 3: heap allocations per cycle in the server process.
fn allocations(mut pipeline: Server, settings: &Settings) -> io::Result<()> {
    println!(
        "\n3. heap allocations per request/reply cycle (server process), {} cycles",
        settings.alloc_cycles
    );
    println!("extra options  total  handler thread  of which callback  receive+send threads");
    for extra in EXTRA_OPTIONS {
        let config = LoadConfig {
            max_requests: settings.alloc_cycles,
            duration: COUNT_PHASE_LIMIT,
            extra_options: extra,
            ..load(&pipeline, settings, None)
        };
        load::run(&LoadConfig {
            max_requests: settings.alloc_cycles / 10,
            ..config.clone()
        })?;
        let before = pipeline.stats()?;
        load::run(&config)?;
        let after = pipeline.stats()?;
        let delta = |key: &str| {
            after.get(key).copied().unwrap_or(0) as f64
                - before.get(key).copied().unwrap_or(0) as f64
        };
        let cycles = delta("sent").max(1.0);
        let (total, thread, callback) =
            (delta("allocs"), delta("handler_thread"), delta("callback"));
        println!(
            "{extra:>13} {:>6.2} {:>15.2} {:>18.2} {:>21.2}",
            total / cycles,
            thread / cycles,
            callback / cycles,
            (total - thread) / cycles
        );
    }
    Ok(())
}

/// Table 4: resident memory of a fresh server over many packets.
fn memory(settings: &Settings) -> io::Result<()> {
    let mut server = Server::spawn("pipeline")?;
    let start_kb = server.memory_kb("VmRSS")?;
    let mut config = LoadConfig {
        max_requests: EARLY_PACKETS,
        duration: COUNT_PHASE_LIMIT,
        ..load(&server, settings, None)
    };
    load::run(&config)?;
    let early_kb = server.memory_kb("VmRSS")?;
    config.max_requests = settings.packets.saturating_sub(EARLY_PACKETS);
    let report = load::run(&config)?;
    let late_kb = server.memory_kb("VmRSS")?;
    let peak_kb = server.memory_kb("VmHWM")?;
    let sent = server.stats()?.get("sent").copied().unwrap_or(0);
    println!("\n4. resident memory of a fresh server process (kB), saturated");
    println!("at start  after {EARLY_PACKETS}  after {sent}  peak (VmHWM)  growth  rate/s");
    println!(
        "{start_kb:>8} {early_kb:>12} {late_kb:>13} {peak_kb:>13} {:>7} {:>7.0}  peak < {TARGET_RSS_KB} kB: {}",
        late_kb as i64 - early_kb as i64,
        report.received_rate(),
        if peak_kb < TARGET_RSS_KB { "met" } else { "missed" }
    );
    Ok(())
}
