//! Replay a recorded exchange against a handler and diff the replies.
//!
//! Placeholder docs; the tutorial comes with the handler entry point.

mod diff;
mod error;
mod ignore;
mod recording;
mod report;
mod run;

pub use diff::{option_label, option_value, Difference};
pub use error::{Origin, ReplayError};
pub use ignore::Field;
pub use recording::{Exchange, Recorded, Recording};
pub use report::{ExchangeReport, Mismatch, Report, Sent};
pub use run::Replay;
