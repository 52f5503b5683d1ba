//! One callback per message type, as a user's handler sees it over real UDP.

mod decline;
mod discover;
mod inform;
mod other;
mod raw_options;
mod release;
mod request;
