//! What a client's hook script saw: each call appends one line of `name=value` fields
//! separated by `|`, the first being `event=` (udhcpc's `$1`, dhclient's and dhcpcd's
//! `$reason`). Tests poll the file for the event they wait for.

use std::path::Path;
use std::time::Duration;

use super::{read, wait_for};

/// One call of a client's script.
#[derive(Debug, Clone)]
pub struct Event(Vec<(String, String)>);

impl Event {
    /// The value of field `name`, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Every event in the file, oldest first.
pub fn events(path: &Path) -> Vec<Event> {
    read(path)
        .lines()
        .map(|line| {
            Event(
                line.split('|')
                    .filter_map(|f| f.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
                    .collect(),
            )
        })
        .collect()
}

/// Waits up to `timeout` for the `n`th (from 1) event named `name`.
pub fn wait_event(path: &Path, name: &str, n: usize, timeout: Duration) -> Event {
    wait_for(&format!("client event {name} #{n}"), timeout, || {
        events(path)
            .into_iter()
            .filter(|e| e.get("event") == name)
            .nth(n - 1)
    })
}
