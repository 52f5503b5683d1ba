//! The demo behind the README's "run it": a server on 127.0.0.1 with a handler
//! that hands out 198.18.0.x addresses, and simulated clients that walk the whole
//! DHCP exchange over real UDP with the library's blocking client. Needs no root.
//!
//! ```text
//! cargo run --example demo
//! cargo run --example demo -- --clients 5 --log debug
//! ```

mod cli;
mod clients;
mod pool;
mod report;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::ExitCode;

use ex_dhcp::{Client, Config, Server};

use crate::clients::SimulatedClient;
use crate::pool::Pool;

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(cli::UsageError(None)) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(cli::UsageError(Some(problem))) => {
            eprint!("demo: {problem}\n\n{}", cli::USAGE);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // `--log` wins over RUST_LOG, which wins over info.
    let logger = simple_logger::SimpleLogger::new()
        .with_level(log::LevelFilter::Info)
        .env();
    let logger = match options.log {
        Some(level) => logger.with_level(level),
        None => logger,
    };
    if let Err(error) = logger.init() {
        eprintln!("logging disabled: {error}");
    }
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(message) => {
            log::error!("{message}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Runs the demo; `Ok(false)` when some client failed.
fn run(options: &cli::Options) -> Result<bool, String> {
    // The clients share one socket; its port is where the server sends replies,
    // and 127.0.0.1 stands in for the broadcast address so they stay on loopback.
    let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .map_err(|error| format!("cannot bind the clients' socket: {error}"))?;
    let client_addr = client.local_addr().map_err(|error| error.to_string())?;
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .client_port(client_addr.port())
        .broadcast_addr(Ipv4Addr::LOCALHOST);
    let server = Server::start(config, Pool::default())
        .map_err(|error| format!("cannot start the server: {error}"))?;
    let server_addr = server.handle().local_addr();
    println!("server on {server_addr}, clients on {client_addr}\n");

    let clients: Vec<SimulatedClient> = (1..=options.clients).map(SimulatedClient::new).collect();
    let mut bound = Vec::new();
    let mut failures = 0;
    for simulated in &clients {
        match simulated.acquire(&mut client, server_addr) {
            Ok(lease) => bound.push((simulated, lease)),
            Err(error) => {
                failures += 1;
                println!("{simulated} FAILED: {error}");
            }
        }
        println!();
    }
    report::print_leases(&leases_of(&server)?);

    println!();
    for &(simulated, lease) in &bound {
        if let Err(error) = simulated.release(&client, server_addr, lease) {
            failures += 1;
            println!("{simulated} FAILED: {error}");
        }
    }
    // RELEASE has no reply: wait until the handler has seen them before reading its state.
    report::await_releases(&server, bound.len());
    println!();
    report::print_stats(&server.handle().stats());
    report::print_leases(&leases_of(&server)?);
    let exit = server.shutdown();
    println!("\nserver stopped: {}", exit.reason);
    println!(
        "{} of {} clients got an address and released it",
        clients.len() - failures,
        clients.len()
    );
    Ok(failures == 0)
}

/// The handler's state, read on the handler thread.
fn leases_of(server: &Server<Pool>) -> Result<Vec<pool::Lease>, String> {
    server
        .handle()
        .call(|pool: &mut Pool| pool.leases())
        .map_err(|error| format!("call failed: {error}"))
}
