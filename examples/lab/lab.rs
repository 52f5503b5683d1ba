//! The lab's lease service: two subnets behind relays, the hosts of a hosts file, and
//! the hooks (who is served, PXE boot files, a log line for every lease change); and
//! the slow inventory the hooks ask about the MACs of no host.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::net::Ipv4Addr;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use ex_dhcp::lease::{Admission, ClientKey, Decide, Hooks, Host, LeaseEngine, LeaseEvent};
use ex_dhcp::lease::{LeaseService, Pool, PoolError, Settings, SubnetConfig, SubnetId};
use ex_dhcp::pxe::{Boot, BootMap};
use ex_dhcp::{Mac, Packet};

/// The server's address (option 54), on neither subnet, and the boot files' server.
pub const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const MASK: Ipv4Addr = Ipv4Addr::new(255, 255, 255, 0);

/// The inventory's mailbox: may this MAC have an address?
pub type Inventory = Sender<(Mac, Decide)>;

/// The lab's code in the lease service.
pub struct Lab {
    /// The hosts of the file, served at once; true for those that boot by PXE.
    hosts: HashMap<Mac, bool>,
    boot: Boot,
    inventory: Inventory,
}

impl Hooks for Lab {
    fn admit(&mut self, request: &Packet, _client: &ClientKey, decide: Decide) -> Admission {
        match request.mac() {
            Some(mac) if self.hosts.contains_key(&mac) => Admission::Allow,
            Some(mac) if self.inventory.send((mac, decide)).is_ok() => Admission::Later,
            _ => Admission::Deny,
        }
    }

    fn reply(&mut self, request: &Packet, reply: &mut Packet, _subnet: Option<SubnetId>) {
        let pxe = request.mac().and_then(|mac| self.hosts.get(&mac)) == Some(&true);
        if pxe && !reply.yiaddr.is_unspecified() {
            *reply = self.boot.add_to(std::mem::take(reply), request, false);
        }
    }

    fn event(&mut self, event: &LeaseEvent) {
        log::info!("lease {event}");
    }
}

/// The hosts of a hosts file, `MAC ADDRESS HOSTNAME [pxe]` a line (`#` starts a
/// comment), each with true when it boots by PXE; an error names the first bad line.
pub fn parse_hosts(text: &str) -> Result<Vec<(Host, bool)>, String> {
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
        hosts.push((Host::new(mac).address(addr).hostname(name), pxe));
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
    let mut pxe = HashMap::new();
    for (host, boots) in parse_hosts(hosts)? {
        let mac = host.mac();
        pxe.insert(mac, boots);
        engine.add_host(host).map_err(|e| format!("{mac}: {e}"))?;
    }
    let lab = Lab {
        hosts: pxe,
        boot: Boot {
            server_id: SERVER,
            next_server: SERVER,
            files: BootMap::default(),
            // iPXE, once loaded, gets a script rather than itself again.
            ipxe_file: Some("boot.ipxe".into()),
        },
        inventory,
    };
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
        for (mac, decide) in questions {
            std::thread::sleep(delay);
            let allow = mac.is_local();
            log::info!("inventory: {mac} allowed: {allow}");
            let _ = if allow { decide.allow() } else { decide.deny() };
        }
    });
    ask
}
