//! How one stage of a server tells the next that it has ended: by disconnection.
//!
//! Every thread of a stage holds an [`Alive`]; the next stage holds the [`Watch`],
//! which sees the stage end once the last `Alive` is dropped, however its thread
//! ended: returned, unwound, or never started because a later spawn failed. Nothing
//! to remember to signal, nothing to reset.
//!
//! An `Alive` is two things dropped together: the sender of a channel on which
//! nothing is ever sent, so that a watch can wait for its disconnection (alone or in
//! a `select!`), and a reference count, so that a watch can look without waiting in
//! one atomic load (the receive threads look before every datagram; a look at a
//! channel costs a hundred-odd instructions more).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

/// Nothing is ever sent: the channel only disconnects.
enum Never {}

/// Held for as long as a thread (or a stage) runs; see [`alive`]. Fields drop in
/// order, the count first: a wait that has returned finds [`Watch::ended`] true.
#[derive(Clone)]
pub(crate) struct Alive {
    _count: Arc<()>,
    _channel: Sender<Never>,
}

/// Sees the [`Alive`]s of a stage all dropped.
#[derive(Clone)]
pub(crate) struct Watch {
    channel: Receiver<Never>,
    count: Weak<()>,
}

/// A stage's presence and the watch on it.
pub(crate) fn alive() -> (Alive, Watch) {
    let (sender, receiver) = bounded(1);
    let count = Arc::new(());
    let watch = Watch {
        channel: receiver,
        count: Arc::downgrade(&count),
    };
    let alive = Alive {
        _count: count,
        _channel: sender,
    };
    (alive, watch)
}

impl Watch {
    /// True once every [`Alive`] is gone; never waits.
    pub(crate) fn ended(&self) -> bool {
        self.count.strong_count() == 0
    }

    /// Waits until every [`Alive`] is gone.
    pub(crate) fn wait(&self) {
        // `recv` returns only on disconnection: nothing is ever sent.
        let _ = self.channel.recv();
    }

    /// Waits up to `timeout` for every [`Alive`] to be gone; true once they are.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> bool {
        matches!(
            self.channel.recv_timeout(timeout),
            Err(RecvTimeoutError::Disconnected)
        )
    }

    /// The channel, to wait on in a `select!` beside others.
    pub(crate) fn channel(&self) -> &Receiver<impl Sized> {
        &self.channel
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_watch_ends_when_the_last_clone_is_dropped() {
        let (alive, watch) = alive();
        let other = alive.clone();
        assert!(!watch.ended());
        drop(alive);
        assert!(!watch.ended(), "one clone still holds it");
        assert!(!watch.wait_timeout(Duration::from_millis(1)));
        drop(other);
        assert!(watch.ended());
        assert!(watch.wait_timeout(Duration::ZERO));
    }

    #[test]
    fn a_thread_that_unwinds_ends_its_presence_too() {
        let (alive, watch) = alive();
        let thread = thread::spawn(move || {
            let _alive = alive;
            panic!("the thread fails");
        });
        assert!(thread.join().is_err());
        watch.wait();
        assert!(watch.ended());
    }
}
