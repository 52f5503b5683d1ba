//! Server configuration: ExDhcp's options and defaults, plus queue and routing knobs.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

/// UDP port a DHCP server listens on (RFC 2131); replies to relay agents go here too.
pub const SERVER_PORT: u16 = 67;
/// UDP port a DHCP client listens on (RFC 2131).
pub const CLIENT_PORT: u16 = 68;
/// ExDhcp's default listening port, unprivileged so a server runs without root.
pub const DEFAULT_PORT: u16 = 6767;

/// How replies are addressed when the handler does not name a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DestinationPolicy {
    /// RFC 2131, section 4.1: relay, then NAK, then `ciaddr`, then broadcast
    /// (see [`destination`](crate::server::destination)).
    #[default]
    Rfc2131,
    /// Every reply goes to the broadcast address at the client port, as ExDhcp does.
    AlwaysBroadcast,
}

/// Where replies go: the policy and the addresses it uses.
///
/// The client port and broadcast address are configurable so that tests can run on
/// loopback: ExDhcp's own tests use broadcast address 127.0.0.1 and the test
/// client's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Routing {
    /// The policy.
    pub policy: DestinationPolicy,
    /// The port clients listen on (68).
    pub client_port: u16,
    /// The port relay agents listen on (67).
    pub relay_port: u16,
    /// The address broadcast replies go to (255.255.255.255).
    pub broadcast: Ipv4Addr,
}

impl Default for Routing {
    fn default() -> Self {
        Routing {
            policy: DestinationPolicy::Rfc2131,
            client_port: CLIENT_PORT,
            relay_port: SERVER_PORT,
            broadcast: Ipv4Addr::BROADCAST,
        }
    }
}

/// A socket to bind: the main one ([`Config::port`], [`Config::bind_ip`],
/// [`Config::bind_device`]) or one more for the same server
/// ([`Config::also_listen`]). Once bound, it is a [`Listener`](crate::server::Listener).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SocketConfig {
    /// The local address and port to bind (port 0 picks a free one).
    pub addr: SocketAddrV4,
    /// The interface to bind to (`SO_BINDTODEVICE`), if any.
    pub device: Option<String>,
}

impl SocketConfig {
    /// A socket bound to `addr`, on every interface.
    pub fn new(addr: SocketAddrV4) -> Self {
        SocketConfig { addr, device: None }
    }

    /// The same socket, bound to one interface.
    pub fn device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(device.into());
        self
    }
}

/// Server configuration, with ExDhcp's defaults, set through builder methods.
///
/// Each setting has one name: the builder method sets it, and the same name with
/// `get_` reads it back, as std's [`Command`](std::process::Command) does
/// (`tick` and `get_tick`). [`Config::sockets`] and [`Config::routing`] read several
/// settings at once.
///
/// ```
/// use std::net::Ipv4Addr;
/// use std::time::Duration;
/// use ex_dhcp::Config;
///
/// let config = Config::default()
///     .port(0)
///     .bind_ip(Ipv4Addr::LOCALHOST)
///     .broadcast_addr(Ipv4Addr::LOCALHOST)
///     .tick(Duration::from_secs(1));
/// assert_eq!(config.routing().client_port, 68);
/// assert_eq!(config.sockets()[0].addr.ip(), &Ipv4Addr::LOCALHOST);
/// assert_eq!(config.get_tick(), Some(Duration::from_secs(1)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    port: u16,
    bind_ip: Ipv4Addr,
    bind_device: Option<String>,
    also_listen: Vec<SocketConfig>,
    routing: Routing,
    queue_capacity: usize,
    tick: Option<Duration>,
    poll_interval: Duration,
    spin: Duration,
    reuse_address: bool,
    deliver_undecodable: bool,
    #[cfg(feature = "capture")]
    tap: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: DEFAULT_PORT,
            bind_ip: Ipv4Addr::UNSPECIFIED,
            bind_device: None,
            also_listen: Vec::new(),
            routing: Routing::default(),
            queue_capacity: 1024,
            tick: None,
            poll_interval: Duration::from_millis(50),
            spin: Duration::ZERO,
            reuse_address: false,
            deliver_undecodable: false,
            #[cfg(feature = "capture")]
            tap: None,
        }
    }
}

impl Config {
    /// Sets the port of the main socket (6767; 67 for a real server; 0 picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the address of the main socket (0.0.0.0).
    pub fn bind_ip(mut self, ip: Ipv4Addr) -> Self {
        self.bind_ip = ip;
        self
    }

    /// Binds the main socket to an interface (`SO_BINDTODEVICE`; needs `cap_net_raw`
    /// before Linux 5.7).
    pub fn bind_device(mut self, device: impl Into<String>) -> Self {
        self.bind_device = Some(device.into());
        self
    }

    /// Adds a socket served by the same handler, such as port 4011 for proxyDHCP.
    pub fn also_listen(mut self, socket: SocketConfig) -> Self {
        self.also_listen.push(socket);
        self
    }

    /// Sets the reply-destination policy.
    pub fn destination_policy(mut self, policy: DestinationPolicy) -> Self {
        self.routing.policy = policy;
        self
    }

    /// Sets the port replies to clients go to (68).
    pub fn client_port(mut self, port: u16) -> Self {
        self.routing.client_port = port;
        self
    }

    /// Sets the port replies to relay agents go to (67).
    pub fn relay_port(mut self, port: u16) -> Self {
        self.routing.relay_port = port;
        self
    }

    /// Sets the address broadcast replies go to (255.255.255.255).
    pub fn broadcast_addr(mut self, addr: Ipv4Addr) -> Self {
        self.routing.broadcast = addr;
        self
    }

    /// Sets how many packets may wait for the handler before new ones are dropped
    /// (and counted); also the capacity of the queue of replies. 1024; at least 1.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// Calls [`Handler::tick`](crate::Handler::tick) every `interval` (no tick by default).
    pub fn tick(mut self, interval: Duration) -> Self {
        self.tick = Some(interval);
        self
    }

    /// Sets how long a receive thread blocks before it looks whether to stop (50 ms;
    /// at least 1 ms): a stop takes about this long.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Sets how long the handler thread polls its empty queue before it parks; zero
    /// (the default) parks at once. Polling saves a futex wake-up and a context switch
    /// per packet under load, at the price of up to this much CPU per packet at low
    /// rates; an idle server does not poll. Measured on 2 cores (BENCHMARKS.md,
    /// "Pipeline"): 20 µs cost 10% of saturated throughput on an idle machine and
    /// gained 6% on a loaded one, so it is off by default; with a core to spare for
    /// each of the three threads, try 20 µs and measure.
    pub fn spin(mut self, spin: Duration) -> Self {
        self.spin = spin;
        self
    }

    /// Sets or clears `SO_REUSEADDR` on every socket (off). On Linux it lets several
    /// UDP sockets that all set it share a port, so a second server would start
    /// silently instead of failing with "address in use"; UDP has no `TIME_WAIT`
    /// that would call for it.
    pub fn reuse_address(mut self, reuse: bool) -> Self {
        self.reuse_address = reuse;
        self
    }

    /// Gives datagrams that do not decode as DHCP to
    /// [`Handler::undecodable`](crate::Handler::undecodable) (off: they are only
    /// logged and counted as [`malformed`](crate::ServerStats::malformed), as they are
    /// either way).
    pub fn deliver_undecodable(mut self, deliver: bool) -> Self {
        self.deliver_undecodable = deliver;
        self
    }

    /// Writes the server's own traffic to the pcap file at `path` (feature `capture`):
    /// every datagram received on its sockets and every reply sent, as
    /// Ethernet/IPv4/UDP frames that tshark, Wireshark and [`replay`](crate::replay)
    /// read. A [`Harness`](crate::Harness) with this configuration writes what it is
    /// given and what it answers.
    ///
    /// - **Addresses**: a received datagram goes from its sender to the receiving
    ///   socket's bound address (0.0.0.0 for a socket bound to every address: the
    ///   datagram's own destination, a broadcast or the server's unicast address, is
    ///   not known without `IP_PKTINFO`); a reply goes from that same bound address to
    ///   the address it was sent to, as the log's `ex_dhcp::tx` line says. Ports are
    ///   the real ones. MAC addresses are made up (see
    ///   [`PcapWriter::write_datagram`](crate::capture::PcapWriter::write_datagram)).
    /// - **The file** is appended to when it exists (it must then be a pcap this crate
    ///   or tcpdump wrote, see [`PcapWriter::append`](crate::capture::PcapWriter::append)),
    ///   so the servers a [`supervise`](crate::server::supervise)d run restarts continue one
    ///   capture; remove it first for a fresh one. Opening it is part of
    ///   [`Server::start`](crate::Server::start) ([`StartError::Tap`](crate::StartError::Tap)).
    /// - **Never in the way**: the receive and sender threads queue a copy of each
    ///   datagram for a `dhcp-tap` thread that writes them; when the disk falls behind
    ///   and its queue is full, records are dropped and counted
    ///   ([`ServerStats::tap_dropped`](crate::ServerStats::tap_dropped)), never the traffic. The
    ///   thread is joined with the others.
    /// - **Order**: a reply is written as it is handed to `send_to`, so that it comes
    ///   before the client's answer to it; a reply the kernel then refuses is in the
    ///   tap too (and in [`ServerStats::send_failures`](crate::ServerStats::send_failures) and the
    ///   `ex_dhcp::tx` error log).
    /// - Packets given to [`Handle::inject`](crate::Handle::inject) did not come from
    ///   a socket and are not written; their replies are.
    ///
    /// ```no_run
    /// use ex_dhcp::{Config, Packet, Reply, Server, Source};
    ///
    /// let config = Config::default().tap("/tmp/dhcp-tap.pcap");
    /// let server = Server::start(config, |_: &Packet, _: &Source| Reply::None)?;
    /// // ... then: tshark -r /tmp/dhcp-tap.pcap -d udp.port==6767,dhcp
    /// # Ok::<(), ex_dhcp::StartError>(())
    /// ```
    #[cfg(feature = "capture")]
    pub fn tap(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.tap = Some(path.into());
        self
    }

    /// Every socket to bind, main first; the index is the
    /// [`Source::listener`](crate::Source::listener) of what arrives on it.
    pub fn sockets(&self) -> Vec<SocketConfig> {
        let mut all = vec![SocketConfig {
            addr: SocketAddrV4::new(self.bind_ip, self.port),
            device: self.bind_device.clone(),
        }];
        all.extend(self.also_listen.iter().cloned());
        all
    }

    /// Where replies go.
    pub fn routing(&self) -> Routing {
        self.routing
    }

    /// The interval of [`Handler::tick`](crate::Handler::tick), if any ([`Config::tick`]).
    pub fn get_tick(&self) -> Option<Duration> {
        self.tick
    }

    /// How many packets may wait for the handler ([`Config::queue_capacity`]).
    pub fn get_queue_capacity(&self) -> usize {
        self.queue_capacity.max(1)
    }

    /// How long the handler thread polls before it parks ([`Config::spin`]).
    pub fn get_spin(&self) -> Duration {
        self.spin
    }

    /// How long a receive thread blocks before it looks whether to stop
    /// ([`Config::poll_interval`]).
    pub fn get_poll_interval(&self) -> Duration {
        self.poll_interval.max(Duration::from_millis(1))
    }

    /// Whether the sockets set `SO_REUSEADDR` ([`Config::reuse_address`]).
    pub fn get_reuse_address(&self) -> bool {
        self.reuse_address
    }

    /// Whether undecodable datagrams reach the handler ([`Config::deliver_undecodable`]).
    pub fn get_deliver_undecodable(&self) -> bool {
        self.deliver_undecodable
    }

    /// The tap file, if any ([`Config::tap`]).
    #[cfg(feature = "capture")]
    pub fn get_tap(&self) -> Option<&std::path::Path> {
        self.tap.as_deref()
    }
}
