//! The lab's lease service: two subnets behind relays, the hosts of a hosts file, and
//! the hooks (who is served, PXE boot files, a log line for every lease change); and
//! the slow inventory the hooks ask about the MACs of no host.

use std::collections::BTreeMap;
use std::error::Error;
use std::net::Ipv4Addr;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use ex_dhcp::lease::{Admission, Decide, Hooks, Host, LeaseEngine, LeaseEvent, LeaseService};
use ex_dhcp::lease::{Pool, PoolError, RequestInfo, Settings, SubnetConfig};
use ex_dhcp::pxe::Boot;
use ex_dhcp::{Mac, Packet};

/// The server's address (option 54), on neither subnet, and the boot files' server.
pub const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);

/// The inventory's mailbox: may this request's MAC have an address?
pub type Inventory = Sender<Decide>;

/// The lab's code in the lease service.
pub struct Lab {
    boot: Boot,
    inventory: Inventory,
}

impl Hooks for Lab {
    fn admit(&mut self, info: &RequestInfo<'_>, decide: Decide) -> Admission {
        match (info.host, info.mac) {
            (Some(_), _) => Admission::Allow,
            (None, Some(_)) if self.inventory.send(decide).is_ok() => Admission::Later,
            _ => Admission::Deny,
        }
    }

    fn reply(&mut self, info: &RequestInfo<'_>, reply: &mut Packet) {
        if info.host.is_some_and(|host| host.has_tag("pxe")) {
            self.boot.apply(reply, info.request, false);
        }
    }

    fn event(&mut self, event: &LeaseEvent) {
        log::info!("lease {event}");
    }
}

/// The hosts of a hosts file, `MAC ADDRESS HOSTNAME [pxe]` a line (`#` starts a
/// comment), those that boot by PXE tagged `pxe`; an error names the first bad line.
pub fn parse_hosts(text: &str) -> Result<Vec<Host>, String> {
    let mut hosts = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad = |problem: String| format!("hosts line {}: {problem}", n + 1);
        let line = line.split('#').next().unwrap_or_default();
        let (mac, addr, name, pxe) = match line.split_whitespace().collect::<Vec<_>>()[..] {
            [] => continue,
            [mac, addr, name] => (mac, addr, name, false),
            [mac, addr, name, "pxe"] => (mac, addr, name, true),
            _ => return Err(bad("expected MAC ADDRESS HOSTNAME [pxe]".into())),
        };
        let mac: Mac = mac.parse().map_err(|e| bad(format!("{mac:?}: {e}")))?;
        let addr: Ipv4Addr = addr.parse().map_err(|e| bad(format!("{addr:?}: {e}")))?;
        let host = Host::new(mac).address(addr).hostname(name);
        hosts.push(if pxe { host.tag("pxe") } else { host });
    }
    Ok(hosts)
}

/// The lab's service, its store still to choose: subnets 198.18.1.0/24 and
/// 198.18.2.0/24, the hosts of `hosts` (a hosts file's text), and the hooks asking
/// `inventory` about other MACs.
pub fn service(hosts: &str, inventory: Inventory) -> Result<LeaseService<Lab>, Box<dyn Error>> {
    let mut settings = Settings::new(SERVER, MASK);
    settings.allow_relays = true;
    let mut engine = LeaseEngine::with_subnets(settings, vec![subnet(1)?, subnet(2)?])?;
    for host in parse_hosts(hosts)? {
        let mac = host.mac();
        engine.add_host(host).map_err(|e| format!("{mac}: {e}"))?;
    }
    let mut boot = Boot::new(SERVER);
    // iPXE, once loaded, gets a script rather than itself again.
    boot.ipxe_file = Some("boot.ipxe".into());
    let lab = Lab { boot, inventory };
    Ok(LeaseService::new(engine).with_hooks(lab))
}

/// The subnet 198.18.`n`.0/24 behind the relay at .1 (its router): .100 to .199.
fn subnet(n: u8) -> Result<SubnetConfig, PoolError> {
    let at = |host| Ipv4Addr::new(198, 18, n, host);
    let pool = Pool::new(SERVER, MASK, at(100), at(199), BTreeMap::new())?;
    Ok(SubnetConfig::new(pool).routers(vec![at(1)]))
}

/// The slow inventory, on a thread of its own: each answer takes `delay`. It knows
/// the lab's virtual machines (locally administered MACs) and nothing else.
pub fn inventory(delay: Duration) -> Inventory {
    let (ask, questions): (Inventory, _) = mpsc::channel();
    std::thread::spawn(move || {
        for decide in questions {
            std::thread::sleep(delay);
            let mac = decide.request().mac();
            let allow = mac.is_some_and(|mac| mac.is_local());
            log::info!("inventory: {} allowed: {allow}", decide.client());
            let _ = if allow { decide.allow() } else { decide.deny() };
        }
    });
    ask
}
