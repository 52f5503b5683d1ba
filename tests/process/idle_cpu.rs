//! An idle server sleeps: the handler's brief polling before it parks
//! ([`Config::spin`]) ends when the traffic does.

use std::fs;
use std::thread;
use std::time::Duration;

use ex_dhcp::{respond, Config, MessageType, Packet, Reply, Source};
use ex_dhcp_testkit::{loopback_with, packet, serial, WAIT};

/// The handler polls this long before it parks: set explicitly, since the default is
/// zero on machines with few cores.
const SPIN: Duration = Duration::from_micros(20);
/// Exchanges before the idle period, so that every thread has polled and parked.
const EXCHANGES: u32 = 200;
/// How long the server is watched while idle.
const IDLE: Duration = Duration::from_secs(1);
/// CPU the server's threads may use in that second: the receive threads wake at
/// every poll interval (20 times a second by default), which costs microseconds; a
/// handler that kept polling would use the whole second.
const IDLE_CPU_LIMIT: Duration = Duration::from_millis(20);

fn offer(packet: &Packet, _: &Source) -> Reply {
    respond(packet, MessageType::Offer).into()
}

/// CPU time (user and system) of this process's `dhcp-` threads so far.
fn server_cpu() -> Duration {
    // /proc reports clock ticks of USER_HZ, which Linux fixes at 100 per second.
    const TICK: Duration = Duration::from_millis(10);
    let ticks: u64 = fs::read_dir("/proc/self/task")
        .expect("linux /proc/self/task")
        .filter_map(|task| {
            let path = task.ok()?.path();
            let name = fs::read_to_string(path.join("comm")).ok()?;
            if !name.starts_with("dhcp-") {
                return None;
            }
            let stat = fs::read_to_string(path.join("stat")).ok()?;
            // Fields after the command name (which may hold spaces): utime is the
            // 12th, stime the 13th.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum();
    TICK * u32::try_from(ticks).expect("tick count fits")
}

#[test]
fn idle_server_uses_no_cpu_after_traffic() {
    // Other servers' threads in this process would count as this one's.
    let _serial = serial();
    let (server, mut client) = loopback_with(Config::default().spin(SPIN), offer);
    let to = server.handle().local_addr();
    for xid in 0..EXCHANGES {
        client
            .exchange(&packet(MessageType::Discover, xid), to, WAIT)
            .expect("an OFFER");
    }
    let before = server_cpu();
    thread::sleep(IDLE);
    let used = server_cpu() - before;
    assert!(
        used <= IDLE_CPU_LIMIT,
        "the idle server's threads used {used:?} of CPU in {IDLE:?}"
    );
    drop(server);
}
