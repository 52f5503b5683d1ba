//! The order in which the handler thread takes its events: the rules, with no
//! channel and no clock, so that each can be tested by itself.
//!
//! The handler thread has six inputs. Three can be busy: the handler's own follow-up
//! work ([`Context::continue_with`](crate::Context::continue_with)), packets, and
//! messages from workers. Three are quiet: the tick, calls and casts from handles
//! (and the stop, which is their channel disconnecting), and the sender thread's
//! failure reports. The rules:
//!
//! 1. **Follow-ups first**: the handler's own follow-up work comes before any other
//!    busy input.
//! 2. **Packets and messages take turns**, so that a flood of either leaves room for
//!    the other.
//! 3. **Bursts of [`BURST`]**: after that many events from the busy inputs, or as soon
//!    as they are empty, one pass looks at every input, quiet ones first, so that no
//!    flood holds up a call, a stop or the tick for longer than a burst.
//! 4. **The tick first among the quiet inputs, when due**, then calls, then failures;
//!    a tick taken late is not made up for: the next is due an interval after it.
//! 5. **Spin once per idle period**: when a pass over every input finds nothing, the
//!    thread may poll briefly before it parks ([`Config::spin`](crate::Config::spin));
//!    a wake-up that then finds nothing (a stale unpark token) parks at once.
//! 6. **Park until the tick is due**, or until a sender wakes the thread.
//!
//! Rules 5 and 6 are what keeps a request at three thread switches (receive, handler,
//! sender) on a machine whose cores are shared (see [`crate::wake`]).

use std::time::{Duration, Instant};

/// Events taken from the busy inputs before every input is looked at again
/// (rule 3).
pub(crate) const BURST: usize = 64;

/// One of the handler thread's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// The handler's follow-up work ([`Context::continue_with`](crate::Context::continue_with)).
    FollowUp,
    /// A datagram from a receive thread, or a packet injected through a handle.
    Packet,
    /// A message posted to the handler's mailbox.
    Message,
    /// The tick ([`Config::tick`](crate::Config::tick)).
    Tick,
    /// A call or cast from a handle, or the stop (its channel disconnected).
    Control,
    /// A reply the sender thread could not send.
    Failure,
}

use Input::{Control, Failure, FollowUp, Message, Packet, Tick};

/// Rules 1 and 2: a pass over the busy inputs.
const BUSY_PACKETS_FIRST: &[Input] = &[FollowUp, Packet, Message];
const BUSY_MESSAGES_FIRST: &[Input] = &[FollowUp, Message, Packet];
/// Rules 3 and 4: a pass over every input, the quiet ones first.
const EVERY_INPUT: &[Input] = &[Tick, Control, Failure, FollowUp, Message, Packet];
/// The same without a tick: no clock to read.
const EVERY_INPUT_BUT_TICK: &[Input] = &[Control, Failure, FollowUp, Message, Packet];

/// What the thread does when a pass has found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Look at every input before waiting (rule 3).
    LookEverywhere,
    /// Nothing anywhere: poll first if `spin` (rule 5), then park until woken or
    /// until `until` (rule 6).
    Wait { spin: bool, until: Option<Instant> },
}

/// The handler thread's scheduling state.
#[derive(Debug)]
pub(crate) struct Schedule {
    /// Busy events taken since every input was last looked at.
    burst: usize,
    /// Whether the next busy pass tries messages before packets.
    messages_first: bool,
    /// Whether the pass under way looks at every input.
    everywhere: bool,
    /// The tick's interval and when it is next due; `None` without a tick.
    tick: Option<(Duration, Instant)>,
    /// Whether this idle period has spun already.
    spun: bool,
}

impl Schedule {
    /// A schedule starting at `now`, with a tick every `interval` if any (an interval
    /// too long to add to the clock is no tick at all).
    pub(crate) fn new(tick: Option<Duration>, now: Instant) -> Self {
        Schedule {
            burst: 0,
            messages_first: false,
            everywhere: false,
            tick: tick.and_then(|interval| Some((interval, now.checked_add(interval)?))),
            spun: false,
        }
    }

    /// The inputs to look at on the next pass, in order: the thread takes one event
    /// from the first that has one, then asks again.
    pub(crate) fn pass(&mut self) -> &'static [Input] {
        if self.everywhere || self.burst >= BURST {
            self.everywhere = true;
            self.burst = 0;
            return match self.tick {
                Some(_) => EVERY_INPUT,
                None => EVERY_INPUT_BUT_TICK,
            };
        }
        self.messages_first = !self.messages_first;
        if self.messages_first {
            BUSY_MESSAGES_FIRST
        } else {
            BUSY_PACKETS_FIRST
        }
    }

    /// Whether the tick is due at `now`; if so, it counts as taken, and the next one
    /// is due an interval after `now` (rule 4).
    pub(crate) fn tick_due(&mut self, now: Instant) -> bool {
        match &mut self.tick {
            Some((interval, due)) if *due <= now => {
                match now.checked_add(*interval) {
                    Some(next) => *due = next,
                    None => self.tick = None,
                }
                true
            }
            _ => false,
        }
    }

    /// An event was taken from `input`.
    pub(crate) fn took(&mut self, input: Input) {
        self.spun = false;
        self.everywhere = false;
        if matches!(input, FollowUp | Packet | Message) {
            self.burst += 1;
        }
    }

    /// The pass found nothing: what to do before the next.
    pub(crate) fn idle(&mut self) -> Idle {
        if !self.everywhere {
            self.everywhere = true;
            return Idle::LookEverywhere;
        }
        let spin = !self.spun;
        self.spun = true;
        // Woken, the thread looks where the traffic is first.
        self.everywhere = false;
        Idle::Wait {
            spin,
            until: self.tick.map(|(_, due)| due),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events waiting on each input, for a schedule to take in turn.
    #[derive(Debug, Default, Clone, Copy)]
    struct Queued {
        follow_ups: usize,
        packets: usize,
        messages: usize,
        calls: usize,
        failures: usize,
    }

    impl Queued {
        /// Takes one event from `input`, if it has one (the tick: if it is due).
        fn take(&mut self, input: Input, schedule: &mut Schedule, now: Instant) -> bool {
            let queue = match input {
                FollowUp => &mut self.follow_ups,
                Packet => &mut self.packets,
                Message => &mut self.messages,
                Control => &mut self.calls,
                Failure => &mut self.failures,
                Tick => return schedule.tick_due(now),
            };
            let had = *queue > 0;
            *queue = queue.saturating_sub(1);
            had
        }
    }

    /// What the handler thread does, for `passes` passes at `now`: the inputs it took
    /// events from, and `None` for each wait.
    fn run(
        schedule: &mut Schedule,
        queued: &mut Queued,
        passes: usize,
        now: Instant,
    ) -> Vec<Option<Input>> {
        let mut taken = Vec::new();
        for _ in 0..passes {
            let found = schedule
                .pass()
                .iter()
                .copied()
                .find(|&input| queued.take(input, schedule, now));
            match found {
                Some(input) => {
                    schedule.took(input);
                    taken.push(Some(input));
                }
                None => {
                    if let Idle::Wait { .. } = schedule.idle() {
                        taken.push(None);
                    }
                }
            }
        }
        taken
    }

    #[test]
    fn follow_ups_come_before_packets_and_messages() {
        let now = Instant::now();
        let mut schedule = Schedule::new(None, now);
        let mut queued = Queued {
            follow_ups: 3,
            packets: 3,
            messages: 3,
            ..Queued::default()
        };
        let taken = run(&mut schedule, &mut queued, 3, now);
        assert_eq!(taken, vec![Some(FollowUp); 3]);
    }

    #[test]
    fn packets_and_messages_take_turns() {
        let now = Instant::now();
        let mut schedule = Schedule::new(None, now);
        let mut queued = Queued {
            packets: 10,
            messages: 10,
            ..Queued::default()
        };
        let taken = run(&mut schedule, &mut queued, 6, now);
        assert_eq!(
            taken,
            [Message, Packet, Message, Packet, Message, Packet]
                .map(Some)
                .to_vec()
        );
    }

    #[test]
    fn a_flood_lets_a_call_in_after_each_burst() {
        let now = Instant::now();
        let mut schedule = Schedule::new(None, now);
        let mut queued = Queued {
            packets: 10_000,
            calls: 2,
            ..Queued::default()
        };
        let taken = run(&mut schedule, &mut queued, 2 * (BURST + 1), now);
        let calls: Vec<usize> = taken
            .iter()
            .enumerate()
            .filter(|(_, &t)| t == Some(Control))
            .map(|(at, _)| at)
            .collect();
        assert_eq!(calls, vec![BURST, 2 * BURST + 1]);
    }

    #[test]
    fn a_handler_that_keeps_following_up_still_sees_calls() {
        let now = Instant::now();
        let mut schedule = Schedule::new(None, now);
        let mut queued = Queued {
            follow_ups: 10_000,
            calls: 1,
            ..Queued::default()
        };
        let taken = run(&mut schedule, &mut queued, BURST + 1, now);
        assert_eq!(taken[BURST], Some(Control));
    }

    #[test]
    fn a_due_tick_comes_before_calls_and_failures_and_is_not_made_up_for() {
        let start = Instant::now();
        let interval = Duration::from_secs(1);
        let mut schedule = Schedule::new(Some(interval), start);
        let mut queued = Queued {
            calls: 1,
            failures: 1,
            ..Queued::default()
        };
        // Three intervals late: one tick, then the next a whole interval later.
        let late = start + 3 * interval;
        let taken = run(&mut schedule, &mut queued, 8, late);
        assert_eq!(taken, vec![Some(Tick), Some(Control), Some(Failure), None]);
        schedule.pass();
        schedule.idle();
        schedule.pass();
        assert_eq!(
            schedule.idle(),
            Idle::Wait {
                spin: false,
                until: Some(late + interval)
            },
            "the wait ends when the next tick is due"
        );
    }

    #[test]
    fn the_quiet_inputs_are_looked_at_as_soon_as_the_busy_ones_are_empty() {
        let now = Instant::now();
        let mut schedule = Schedule::new(None, now);
        let mut queued = Queued {
            packets: 1,
            failures: 1,
            ..Queued::default()
        };
        // The packet, a look at the busy inputs that finds them empty, the failure.
        let taken = run(&mut schedule, &mut queued, 3, now);
        assert_eq!(
            taken,
            vec![Some(Packet), Some(Failure)],
            "no wait in between"
        );
    }

    #[test]
    fn an_idle_thread_spins_once_per_idle_period() {
        let now = Instant::now();
        let mut schedule = Schedule::new(None, now);
        let idle_pass = |schedule: &mut Schedule| {
            assert_eq!(
                schedule.idle(),
                Idle::LookEverywhere,
                "the busy inputs first"
            );
            assert_eq!(schedule.pass(), EVERY_INPUT_BUT_TICK);
            schedule.idle()
        };
        schedule.pass();
        assert_eq!(
            idle_pass(&mut schedule),
            Idle::Wait {
                spin: true,
                until: None
            }
        );
        // Woken with nothing to take: park again, without spinning.
        schedule.pass();
        assert_eq!(
            idle_pass(&mut schedule),
            Idle::Wait {
                spin: false,
                until: None
            }
        );
        // An event ends the idle period: the next one may spin again.
        schedule.pass();
        schedule.took(Packet);
        schedule.pass();
        assert_eq!(
            idle_pass(&mut schedule),
            Idle::Wait {
                spin: true,
                until: None
            }
        );
    }

    #[test]
    fn a_tick_too_far_away_for_the_clock_is_no_tick() {
        let now = Instant::now();
        let mut schedule = Schedule::new(Some(Duration::MAX), now);
        let taken = run(&mut schedule, &mut Queued::default(), 2, now);
        assert_eq!(taken, vec![None]);
        assert!(!schedule.tick_due(now + Duration::from_secs(3600)));
    }
}
