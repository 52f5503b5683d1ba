//! Logging set-up shared by the examples: `log` through `simple_logger`, level from
//! a `--log LEVEL` flag, else `RUST_LOG`, else `info`.

use std::io::IsTerminal;

use log::LevelFilter;
use simple_logger::SimpleLogger;

/// The level when neither `--log` nor `RUST_LOG` says otherwise.
pub const DEFAULT_LEVEL: LevelFilter = LevelFilter::Info;

/// Starts the logger. `flag` is the value of `--log`, which wins over `RUST_LOG`.
pub fn init(flag: Option<LevelFilter>) {
    let mut logger = SimpleLogger::new().with_level(DEFAULT_LEVEL).env();
    if let Some(level) = flag {
        logger = logger.with_level(level);
    }
    // Colour codes only help a person at a terminal; in a pipe they are noise.
    let logger = logger.with_colors(std::io::stdout().is_terminal());
    if let Err(error) = logger.init() {
        eprintln!("logging disabled: {error}");
    }
}
