//! The demo's command line.

use log::LevelFilter;

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

/// A command line the demo cannot use: what was wrong (none for `--help`).
#[derive(Debug)]
pub struct UsageError(pub Option<String>);

/// Reads `--clients N` and `--log LEVEL` from the arguments (program name left out).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, UsageError> {
    let mut options = Options {
        clients: DEFAULT_CLIENTS,
        log: None,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .ok_or_else(|| UsageError(Some(format!("{flag} needs {what}"))))
        };
        match flag.as_str() {
            "--clients" => {
                options.clients = value("a number")?
                    .parse()
                    .map_err(|_| UsageError(Some("--clients needs a number".into())))?
            }
            "--log" => {
                options.log = Some(value("a level")?.parse().map_err(|_| {
                    UsageError(Some("--log needs error, warn, info, debug or trace".into()))
                })?)
            }
            "-h" | "--help" => return Err(UsageError(None)),
            other => return Err(UsageError(Some(format!("unexpected argument {other:?}")))),
        }
    }
    if options.clients == 0 || u32::from(options.clients) > POOL_SIZE {
        return Err(UsageError(Some(format!(
            "--clients must be 1 to {POOL_SIZE}"
        ))));
    }
    Ok(options)
}
