//! Supervision: a failed handler is restarted from the factory, up to a limit.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use ex_dhcp::server::{supervise, RestartPolicy};
use ex_dhcp::{Config, Handler, MessageType, Packet, Reply, Source, StopReason};
use ex_dhcp_testkit::{packet, WAIT};

struct Generation {
    number: u32,
    panic_in_init: bool,
}

impl Handler for Generation {
    type Message = ();
    fn init(&mut self, _: &mut ex_dhcp::Context) -> Result<(), ex_dhcp::server::HandlerError> {
        assert!(
            !self.panic_in_init,
            "init failed in generation {}",
            self.number
        );
        Ok(())
    }
    fn discover(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        panic!("generation {} crashed", self.number)
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::stop_with_error("asked to fail")
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut ex_dhcp::Context) -> Reply {
        Reply::None
    }
}

fn config() -> Config {
    Config::default().port(0).bind_ip(Ipv4Addr::LOCALHOST)
}

#[test]
fn a_panicking_handler_is_restarted_from_the_factory_on_the_same_port() {
    let (created, generations) = mpsc::channel();
    let counter = Arc::new(AtomicU32::new(0));
    let factory = move || {
        let number = counter.fetch_add(1, Ordering::Relaxed);
        created.send(number).unwrap();
        Generation {
            number,
            panic_in_init: false,
        }
    };
    let supervisor = supervise(config(), RestartPolicy::default(), factory).unwrap();
    let addr = supervisor.handle().local_addr();
    assert_eq!(generations.recv_timeout(WAIT), Ok(0));
    supervisor
        .handle()
        .inject(packet(MessageType::Discover, 1))
        .unwrap();
    assert_eq!(
        generations.recv_timeout(WAIT),
        Ok(1),
        "restarted after the panic"
    );
    // Generation 1 exists once the factory has run, a moment before the supervisor
    // points its handle at it; the dead generation refuses the packet meanwhile.
    let deadline = std::time::Instant::now() + WAIT;
    while supervisor
        .handle()
        .inject(packet(MessageType::Request, 2))
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "generation 1 never took over"
        );
    }
    assert_eq!(
        generations.recv_timeout(WAIT),
        Ok(2),
        "restarted after an error stop"
    );
    assert_eq!(supervisor.handle().local_addr(), addr);
    // The call may reach the old generation while it goes; retry within the bound.
    let deadline = std::time::Instant::now() + WAIT;
    let number = loop {
        if let Ok(number) = supervisor.handle().call(|state| state.number) {
            if number == 2 {
                break number;
            }
        }
        assert!(std::time::Instant::now() < deadline);
    };
    assert_eq!(number, 2);
    assert_eq!(supervisor.restarts(), 2);
    // Generation 0 handled the DISCOVER, generation 1 the REQUEST: the counters add up.
    let stats = supervisor.handle().stats();
    assert_eq!(stats.handled(Some(MessageType::Discover)), 1, "{stats:?}");
    assert_eq!(stats.handled(Some(MessageType::Request)), 1, "{stats:?}");
    assert!(
        !supervisor.handle().wait_timeout(Duration::from_millis(20)),
        "a running supervisor has not ended"
    );
    supervisor.handle().stop();
    assert!(
        supervisor.handle().wait_timeout(WAIT),
        "a stopped supervisor ends"
    );
    let exit = supervisor.join();
    assert_eq!(exit.restarts, 2);
    assert!(!exit.gave_up);
    assert_eq!(exit.last.reason, StopReason::Shutdown);
}

#[test]
fn the_supervisor_gives_up_after_the_restart_limit() {
    let factory = {
        let mut number = 0;
        move || {
            number += 1;
            Generation {
                number,
                panic_in_init: true,
            }
        }
    };
    let policy = RestartPolicy::new(2, Duration::from_secs(60));
    let supervisor = supervise(config(), policy, factory).unwrap();
    assert!(
        supervisor.handle().wait_timeout(WAIT),
        "the supervisor gives up by itself"
    );
    let exit = supervisor.join();
    assert!(exit.gave_up);
    assert_eq!(exit.restarts, 2);
    assert_eq!(exit.last.state.number, 3);
    assert_eq!(
        exit.last.reason,
        StopReason::Panic("init failed in generation 3".into())
    );
}
