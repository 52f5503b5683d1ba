//! `lease_server --metrics`: `/metrics` scraped over HTTP and parsed back, its
//! counters matched against the DORAs the `send` tool made; `/health` 200 while the
//! lease store is up, 503 while it is down (a store whose link is cut, in a server
//! run in this process) and once the server no longer serves.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ex_dhcp::lease::{
    Change, Committed, LeaseEngine, LeaseService, LeaseStore, MemoryStore, Pool, Settings,
    StoreError,
};
use ex_dhcp::options::{RequestedIpAddress, ServerIdentifier};
use ex_dhcp::{Client, Config, MessageType, Packet, Server};
use ex_dhcp_tools::lease_server::metrics::{MetricsEndpoint, CONTENT_TYPE};

use crate::config_file::send;
use crate::{free_udp_port, lease_server, TempDir, POLL, PROCESS_TIMEOUT};

/// An HTTP/1.0 GET: the status, the Content-Type and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the metrics endpoint");
    stream.set_read_timeout(Some(PROCESS_TIMEOUT)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a header and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let content_type = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

/// The samples of a text exposition: `name{labels}` to value. Every line that is
/// not a comment must be a sample.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line:?}"));
            let value = match value {
                "+Inf" => f64::INFINITY,
                value => value.parse().unwrap_or_else(|_| panic!("{line:?}")),
            };
            (series.to_owned(), value)
        })
        .collect()
}

#[test]
fn metrics_count_what_the_clients_sent_and_health_says_serving() {
    let dir = TempDir::new("metrics");
    let client_port = free_udp_port();
    let leases = dir.join("leases");
    let (server, port) = lease_server(
        client_port,
        &[
            "--lease-file",
            leases.to_str().unwrap(),
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    // Logged before "serving on", which `lease_server` waited for.
    let line = server
        .seen
        .iter()
        .find(|line| line.contains("metrics on http://"))
        .cloned()
        .unwrap_or_else(|| panic!("no metrics line in {:?}", server.seen));
    let addr: SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));

    let macs = [
        "02:00:00:00:0c:01",
        "02:00:00:00:0c:02",
        "02:00:00:00:0c:03",
    ];
    for mac in macs {
        let (status, ack) = send(&dir, port, client_port, &["--dora", "--mac", mac]);
        assert!(status.success() && ack.is_some(), "{mac}: no ACK");
    }
    // One more DISCOVER, never followed by a REQUEST: an offer held.
    let (_, offer) = send(
        &dir,
        port,
        client_port,
        &["--build", "discover", "--mac", "02:00:00:00:0c:04"],
    );
    assert!(offer.is_some());

    let (status, content_type, text) = get(addr, "/metrics");
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, CONTENT_TYPE);
    assert!(
        text.contains("# TYPE ex_dhcp_packets_received_total counter\n"),
        "{text}"
    );
    let all = samples(&text);
    let value = |series: &str| {
        *all.get(series)
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    assert_eq!(
        value("ex_dhcp_packets_received_total{type=\"DHCPDISCOVER\"}"),
        4.0
    );
    assert_eq!(
        value("ex_dhcp_packets_received_total{type=\"DHCPREQUEST\"}"),
        3.0
    );
    assert_eq!(value("ex_dhcp_packets_sent_total{type=\"DHCPOFFER\"}"), 4.0);
    assert_eq!(value("ex_dhcp_packets_sent_total{type=\"DHCPACK\"}"), 3.0);
    assert_eq!(value("ex_dhcp_datagrams_received_total"), 7.0);
    assert_eq!(value("ex_dhcp_lease_store_changes_total"), 3.0);
    assert_eq!(value("ex_dhcp_lease_store_up"), 1.0);
    let subnet = "subnet=\"198.18.0.0/24\"";
    assert_eq!(
        value(&format!("ex_dhcp_pool_size_addresses{{{subnet}}}")),
        51.0
    );
    assert_eq!(
        value(&format!(
            "ex_dhcp_pool_used_addresses{{{subnet},state=\"bound\"}}"
        )),
        3.0
    );
    assert_eq!(
        value(&format!(
            "ex_dhcp_pool_used_addresses{{{subnet},state=\"offered\"}}"
        )),
        1.0
    );
    assert_eq!(
        value(&format!("ex_dhcp_pool_free_addresses{{{subnet}}}")),
        47.0
    );
    // A commit per batch: every commit is in the histogram, and its +Inf bucket.
    let commits = value("ex_dhcp_lease_store_commits_total");
    assert!((1.0..=3.0).contains(&commits), "{commits}");
    assert_eq!(
        value("ex_dhcp_lease_store_commit_duration_seconds_count"),
        commits
    );
    assert_eq!(
        value("ex_dhcp_lease_store_commit_duration_seconds_bucket{le=\"+Inf\"}"),
        commits
    );
    assert_eq!(value("ex_dhcp_lease_store_batch_changes_sum"), 3.0);

    assert_eq!(
        get(addr, "/health"),
        (
            200,
            "text/plain; charset=utf-8".into(),
            "ok: serving, lease store up\n".into()
        )
    );
    assert_eq!(get(addr, "/nowhere").0, 404);
    server.signal("TERM");
    let (status, _, stderr) = server.finish_all();
    assert!(status.success(), "{stderr}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "the endpoint stops with the server"
    );
}

/// A lease store in memory behind a link that a test cuts and mends: cut, it is
/// unreachable, as a database whose network is down.
#[derive(Debug, Clone)]
struct Link {
    store: Arc<std::sync::Mutex<MemoryStore>>,
    up: Arc<AtomicBool>,
}

impl Link {
    fn reachable(&self) -> Result<std::sync::MutexGuard<'_, MemoryStore>, StoreError> {
        if self.up.load(Ordering::SeqCst) {
            Ok(self.store.lock().unwrap())
        } else {
            Err(StoreError::Unavailable("link cut by the test".into()))
        }
    }
}

impl LeaseStore for Link {
    fn load(&mut self, apply: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.reachable()?.load(apply)
    }

    fn commit(&mut self, batch: &[Change]) -> Result<Vec<Committed>, StoreError> {
        self.reachable()?.commit(batch)
    }

    fn probe(&mut self) -> Result<(), StoreError> {
        self.reachable().map(drop)
    }
}

fn wait_health(addr: SocketAddr, status: u16) -> String {
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    loop {
        let (got, _, body) = get(addr, "/health");
        if got == status {
            return body;
        }
        assert!(Instant::now() < deadline, "/health stayed {got}: {body}");
        std::thread::sleep(POLL);
    }
}

#[test]
fn health_is_503_while_the_lease_store_is_down_and_once_the_server_stopped() {
    let ip = |last| Ipv4Addr::new(198, 18, 0, last);
    let mask = Ipv4Addr::new(255, 255, 255, 0);
    let pool = Pool::new(ip(1), mask, ip(100), ip(110), Default::default()).unwrap();
    let link = Link {
        store: Arc::default(),
        up: Arc::new(AtomicBool::new(true)),
    };
    let service = LeaseService::new(LeaseEngine::new(Settings::new(ip(1), mask), pool))
        .with_store(Box::new(link.clone()))
        .unwrap();
    let mut client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let config = Config::default()
        .bind_ip(Ipv4Addr::LOCALHOST)
        .port(0)
        .client_port(client.local_addr().unwrap().port())
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .tick(Duration::from_millis(100));
    let server = Server::start(config, service).unwrap();
    let endpoint =
        MetricsEndpoint::start("127.0.0.1:0".parse().unwrap(), server.handle().clone()).unwrap();
    let addr = endpoint.local_addr();
    assert_eq!(wait_health(addr, 200), "ok: serving, lease store up\n");

    // The store goes away: the next lease change finds it unreachable.
    link.up.store(false, Ordering::SeqCst);
    let to = server.handle().local_addr();
    let mut discover = Packet::new(MessageType::Discover);
    discover.set_mac([2, 0, 0, 0, 0x0d, 1]);
    let (offer, _) = client
        .exchange(&discover, to, PROCESS_TIMEOUT)
        .expect("an offer");
    let mut request = Packet::new(MessageType::Request);
    request.set_mac([2, 0, 0, 0, 0x0d, 1]);
    request.xid = offer.xid;
    request.options.set(RequestedIpAddress, offer.yiaddr);
    request.options.set(ServerIdentifier, ip(1));
    client.send(&request, to).unwrap();
    assert_eq!(wait_health(addr, 503), "unhealthy: lease store down\n");
    let (_, _, text) = get(addr, "/metrics");
    assert!(
        text.contains("ex_dhcp_lease_store_state{state=\"down\"} 1\n"),
        "{text}"
    );

    // Back: the service's probe finds it, and the server is healthy again.
    link.up.store(true, Ordering::SeqCst);
    wait_health(addr, 200);

    server.handle().stop();
    server.handle().wait();
    let body = wait_health(addr, 503);
    assert!(body.starts_with("unhealthy: not serving"), "{body}");
    assert_eq!(get(addr, "/metrics").0, 503);
    endpoint.stop();
    let exit = server.join();
    assert!(!exit.reason.is_abnormal(), "{}", exit.reason);
}
