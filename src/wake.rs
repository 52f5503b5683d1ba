//! Waking a thread that waits on crossbeam channels, without spinning first.
//!
//! crossbeam's blocking `recv` and `select!` spin and then call `sched_yield` a few
//! times before they park the thread. That pays when the producer runs on another
//! core and is microseconds away. On a server whose threads share one core (pinned,
//! or a small machine with other work), it is the opposite: each yield switches to
//! the thread that just woke, which yields back, and a request that should cost
//! three thread switches (receive, handler, sender) costs a dozen. The profiles in
//! BENCHMARKS.md ("Where the time goes", "CPU per exchange") showed the scheduler as
//! the largest cost per exchange.
//!
//! Here the data still flows over crossbeam channels; only the waiting differs. The
//! consuming thread takes what is queued with `try_recv`, and when nothing is, it
//! parks (`std::thread::park`). Every send, and every sender dropped, unparks it.
//! std's parker keeps one token, so a send that lands between the consumer's last
//! look and its `park` makes that `park` return at once: no wake-up is lost, and an
//! unpark of a thread that is not parked is one atomic operation, no system call.
//! Under load the consumer rarely parks, so producers rarely make a system call.
//!
//! A thread may wait on several channels with one [`Waker`]: each of them wakes it.
//! Spurious returns from `park` are harmless: the consumer looks again.
//!
//! What still spins is crossbeam's own blocking: a `send` into a full bounded channel
//! waits as crossbeam does (the receiver's `try_recv` wakes it), as does a plain
//! crossbeam `recv` or `select!` on these channels (the shutdown drain's).

// With `lease` alone, only the store worker uses this module (unbounded, `recv`).
#![cfg_attr(not(feature = "server"), allow(dead_code))]

use std::fmt;
use std::sync::atomic::{fence, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::Instant;

use crossbeam_channel::{SendError, TryRecvError, TrySendError};

/// The waiting thread's address: cloned into every [`Sender`] that should wake it.
#[derive(Clone, Default)]
pub(crate) struct Waker {
    thread: Arc<OnceLock<Thread>>,
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("thread", &self.thread.get().map(Thread::id))
            .finish()
    }
}

impl Waker {
    /// A waker for a thread that has not registered yet.
    pub(crate) fn new() -> Self {
        Waker::default()
    }

    /// Makes the calling thread the one this waker wakes. Call it on that thread
    /// before it first looks at its channels (a [`Receiver::recv`] does it itself).
    /// A waker wakes one thread, the first to register: its channels' receivers stay
    /// on that thread.
    pub(crate) fn register(&self) {
        if let Some(registered) = self.thread.get() {
            debug_assert_eq!(registered.id(), thread::current().id(), "one thread waits");
            return;
        }
        let current = thread::current();
        let registered = self.thread.get_or_init(|| current.clone());
        debug_assert_eq!(registered.id(), current.id(), "one thread waits");
        // Pairs with the fence in `wake`: either the producer sees this thread, or
        // this thread's next look at the channels sees what the producer queued.
        fence(Ordering::SeqCst);
    }

    /// Wakes the registered thread (a no-op before it registers: it has not looked
    /// at its channels yet, so it will see what was queued).
    pub(crate) fn wake(&self) {
        fence(Ordering::SeqCst);
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }

    /// Parks the calling (registered) thread until it is woken or `deadline` passes.
    /// It may return early for no reason; callers look at their channels again.
    pub(crate) fn wait(&self, deadline: Option<Instant>) {
        match deadline {
            None => thread::park(),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if !left.is_zero() {
                    thread::park_timeout(left);
                }
            }
        }
    }
}

/// A crossbeam sender that wakes the receiving thread after every send, and once more
/// when the last of its clones is dropped (so that the receiver sees the disconnection
/// without polling; dropping any other clone wakes nobody). Clones share one
/// crossbeam sender: the `Arc`'s count is the count of clones.
pub(crate) struct Sender<T>(Arc<Shared<T>>);

/// What the clones of a [`Sender`] share. Fields drop in order: the channel first
/// (disconnecting it), then the waker, which wakes the receiver to see that.
struct Shared<T> {
    channel: crossbeam_channel::Sender<T>,
    waker: WakeOnDrop,
}

/// A waker that wakes its thread once more when dropped.
struct WakeOnDrop(Waker);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.0.wake();
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(Arc::clone(&self.0))
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("queued", &self.len())
            .finish()
    }
}

impl<T> Sender<T> {
    /// Queues `value` (blocking while a bounded channel is full) and wakes the
    /// receiver; fails once the receiver is gone.
    pub(crate) fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.0.channel.send(value)?;
        self.0.waker.0.wake();
        Ok(())
    }

    /// Queues `value` if there is room, and wakes the receiver. Always inlined, as
    /// [`Receiver::recv`]: each runs once per packet in the receive and sender loops.
    #[inline(always)]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.0.channel.try_send(value)?;
        self.0.waker.0.wake();
        Ok(())
    }

    /// How many values are queued.
    pub(crate) fn len(&self) -> usize {
        self.0.channel.len()
    }
}

/// The receiving end, for a thread that waits on this one channel alone.
pub(crate) struct Receiver<T> {
    inner: crossbeam_channel::Receiver<T>,
    waker: Waker,
}

impl<T> Receiver<T> {
    /// Takes the next value, parking (without spinning) while there is none; `None`
    /// once the channel is empty and every sender is gone.
    #[inline(always)]
    pub(crate) fn recv(&self) -> Option<T> {
        self.waker.register();
        loop {
            match self.inner.try_recv() {
                Ok(value) => return Some(value),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => self.waker.wait(None),
            }
        }
    }

    /// The crossbeam receiver, for a thread that waits on several channels with one
    /// [`Waker`] (or takes values without waiting).
    #[cfg_attr(not(feature = "lease"), allow(dead_code))]
    pub(crate) fn inner(&self) -> &crossbeam_channel::Receiver<T> {
        &self.inner
    }

    /// The crossbeam receiver, given up.
    pub(crate) fn into_inner(self) -> crossbeam_channel::Receiver<T> {
        self.inner
    }
}

/// A channel of at most `capacity` values whose sends wake `waker`'s thread. Not a
/// zero-capacity one: its `send` would wait for a receiver blocked in crossbeam.
pub(crate) fn bounded<T>(capacity: usize, waker: &Waker) -> (Sender<T>, Receiver<T>) {
    debug_assert!(capacity > 0, "a rendezvous channel never completes here");
    wrap(crossbeam_channel::bounded(capacity), waker)
}

/// An unbounded channel whose sends wake `waker`'s thread.
pub(crate) fn unbounded<T>(waker: &Waker) -> (Sender<T>, Receiver<T>) {
    wrap(crossbeam_channel::unbounded(), waker)
}

fn wrap<T>(
    (sender, receiver): (crossbeam_channel::Sender<T>, crossbeam_channel::Receiver<T>),
    waker: &Waker,
) -> (Sender<T>, Receiver<T>) {
    let sender = Sender(Arc::new(Shared {
        channel: sender,
        waker: WakeOnDrop(waker.clone()),
    }));
    let receiver = Receiver {
        inner: receiver,
        waker: waker.clone(),
    };
    (sender, receiver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Long enough that a missed wake-up shows as a hang the test's timeout catches.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// Runs `f` on a thread and fails if it does not finish within `PATIENCE`.
    fn within_patience<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
        let (done, result) = crossbeam_channel::bounded(1);
        thread::spawn(move || done.send(f()).unwrap());
        result
            .recv_timeout(PATIENCE)
            .expect("the receiver was never woken")
    }

    #[test]
    fn every_value_sent_from_another_thread_is_received_in_order() {
        let got = within_patience(|| {
            let waker = Waker::new();
            let (tx, rx) = bounded(4, &waker);
            let producer = thread::spawn(move || {
                for n in 0..10_000u32 {
                    tx.send(n).unwrap();
                }
            });
            let got: Vec<u32> = std::iter::from_fn(|| rx.recv()).collect();
            producer.join().unwrap();
            got
        });
        assert_eq!(got, (0..10_000).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_the_last_sender_wakes_a_parked_receiver() {
        let ended = within_patience(|| {
            let waker = Waker::new();
            let (tx, rx) = unbounded::<()>(&waker);
            let (parked, is_parked) = crossbeam_channel::bounded(1);
            let receiver = thread::spawn(move || {
                parked.send(()).unwrap();
                rx.recv()
            });
            is_parked.recv().unwrap();
            // Nothing shows that the receiver has parked: give it the time to, so that
            // the drop below usually finds it asleep rather than about to look.
            thread::sleep(Duration::from_millis(50));
            drop(tx);
            receiver.join().unwrap()
        });
        assert_eq!(ended, None);
    }

    #[test]
    fn only_the_last_clone_dropped_ends_the_channel_and_wakes() {
        let got = within_patience(|| {
            let waker = Waker::new();
            let (tx, rx) = unbounded::<u8>(&waker);
            let other = tx.clone();
            let (parked, is_parked) = crossbeam_channel::bounded(1);
            let receiver = thread::spawn(move || {
                parked.send(()).unwrap();
                (rx.recv(), rx.recv())
            });
            is_parked.recv().unwrap();
            drop(tx);
            other.send(7).unwrap();
            thread::sleep(Duration::from_millis(50));
            // The receiver is asleep in its second `recv`: only this drop can wake it.
            drop(other);
            receiver.join().unwrap()
        });
        assert_eq!(got, (Some(7), None));
    }

    #[test]
    fn one_waker_serves_several_channels() {
        let got = within_patience(|| {
            let waker = Waker::new();
            let (a_tx, a_rx) = unbounded::<u8>(&waker);
            let (b_tx, b_rx) = unbounded::<u8>(&waker);
            let producer = thread::spawn(move || {
                for n in 0..1000u16 {
                    let tx = if n % 2 == 0 { &a_tx } else { &b_tx };
                    tx.send((n % 200) as u8).unwrap();
                }
            });
            waker.register();
            let mut got = 0;
            while got < 1000 {
                let taken = a_rx.inner().try_iter().count() + b_rx.inner().try_iter().count();
                got += taken;
                if taken == 0 {
                    waker.wait(None);
                }
            }
            producer.join().unwrap();
            got
        });
        assert_eq!(got, 1000);
    }

    #[test]
    fn wait_sleeps_until_its_deadline_and_not_past_it() {
        let returns = within_patience(|| {
            let waker = Waker::new();
            waker.register();
            // Already past: returns without parking (a park would never end here).
            waker.wait(Some(Instant::now() - Duration::from_millis(1)));
            // 20 ms ahead, nobody waking: it sleeps, so it returns a few times at most
            // (spurious wake-ups are allowed), not thousands as a busy loop would.
            let deadline = Instant::now() + Duration::from_millis(20);
            let mut returns = 0;
            while Instant::now() < deadline {
                waker.wait(Some(deadline));
                returns += 1;
            }
            returns
        });
        assert!((1..=10).contains(&returns), "{returns} returns");
    }
}
