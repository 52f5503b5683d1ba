//! The demo's command line.

use log::LevelFilter;

use crate::args::{Args, UsageError};
use crate::pool::POOL_SIZE;

/// How many clients the demo runs when `--clients` is not given.
pub const DEFAULT_CLIENTS: u8 = 3;

pub const USAGE: &str = "\
Starts an ex_dhcp server on 127.0.0.1 and walks simulated clients through
DISCOVER, OFFER, REQUEST, ACK and RELEASE over real UDP. Needs no root.

usage: demo [--clients N] [--log LEVEL]

  --clients N  how many clients (default 3, at most 20, the pool's size)
  --log LEVEL  error, warn, info (default), debug (every packet in full) or
               trace; overrides RUST_LOG

Exit status: 0 when every client got its address, 1 otherwise.
";

#[derive(Debug)]
pub struct Options {
    pub clients: u8,
    pub log: Option<LevelFilter>,
}

pub fn parse(mut args: Args) -> Result<Options, UsageError> {
    let mut options = Options {
        clients: DEFAULT_CLIENTS,
        log: None,
    };
    while let Some(arg) = args.next()? {
        match arg.as_str() {
            "--clients" => options.clients = args.value("--clients")?,
            "--log" => options.log = Some(args.value("--log")?),
            "-h" | "--help" => return Err(args.help()),
            other => return Err(args.error(format!("unexpected argument {other:?}"))),
        }
    }
    if options.clients == 0 || u32::from(options.clients) > POOL_SIZE {
        return Err(args.error(format!("--clients must be 1 to {POOL_SIZE}")));
    }
    Ok(options)
}
