//! `ex_dhcp::signal`: a real process, a real signal. The test runs this test binary
//! again as a child (the ignored test [`child`], told what to do by [`CHILD`]), which
//! serves on loopback until a signal stops it.

use std::env;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use ex_dhcp::{Client, Config, Context, Handler, MessageType, Packet, Reply, Server, Source};
use ex_dhcp_testkit::{packet, WAIT};

/// Set in the child's environment: what it does, `clean` or `stuck`.
const CHILD: &str = "EX_DHCP_SIGNAL_CHILD";
/// Set in the child's environment: where its broadcast replies go.
const CLIENT_PORT: &str = "EX_DHCP_SIGNAL_CLIENT_PORT";
/// How long a child may take to start, to stop, or to die.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(20);
/// How often the test looks whether the child has exited.
const POLL: Duration = Duration::from_millis(10);
/// How long the stuck child's `terminate` waits: far longer than the test waits for
/// the second signal to kill it, and still bounded if that fails.
const STUCK: Duration = Duration::from_secs(60);

/// Offers every DISCOVER; with `stuck`, its `terminate` hangs, as a clean stop that
/// waits for something that never comes.
struct Offers {
    stuck: bool,
}

impl Handler for Offers {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context) -> Reply {
        ex_dhcp::respond(packet, MessageType::Offer).into()
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn terminate(&mut self, _: &ex_dhcp::StopReason) {
        if self.stuck {
            println!("terminating, and stuck");
            let (_never, waits) = mpsc::channel::<()>();
            let _ = waits.recv_timeout(STUCK);
        }
    }
}

/// The child's side: a server on loopback that stops on SIGTERM or SIGINT, and says
/// on stdout where it listens and how it ended.
#[test]
#[ignore = "the child process of the signal tests, which run it themselves"]
fn child() {
    let mode =
        env::var(CHILD).unwrap_or_else(|_| panic!("run by the signal tests, with {CHILD} set"));
    let client_port: u16 = env::var(CLIENT_PORT)
        .expect("the client's port")
        .parse()
        .expect("a port");
    simple_logger::SimpleLogger::new()
        .with_level(log::LevelFilter::Info)
        .init()
        .expect("a logger");
    let config = Config::default()
        .port(0)
        .bind_ip(Ipv4Addr::LOCALHOST)
        .broadcast_addr(Ipv4Addr::LOCALHOST)
        .client_port(client_port);
    let stuck = mode == "stuck";
    let server = Server::start(config, Offers { stuck }).expect("the server starts");
    ex_dhcp::signal::stop_on_termination(server.handle()).expect("signals handled");
    println!("port {}", server.handle().local_addr().port());
    let exit = server.join();
    println!("stopped: {}", exit.reason);
    println!("final stats: {}", exit.stats);
}

/// The child process and the lines it prints.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(mode: &str, client_port: u16) -> Running {
        let mut child = Command::new(env::current_exe().expect("this test binary"))
            .args(["--exact", "signal::child", "--ignored", "--nocapture"])
            .env(CHILD, mode)
            .env(CLIENT_PORT, client_port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
        let stdout = child.stdout.take().expect("piped");
        let (line, lines) = mpsc::channel();
        thread::spawn(move || {
            for text in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.send(text).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line that contains `text`; returns it.
    fn line_with(&mut self, text: &str) -> String {
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            self.seen.push(line.clone());
            if line.contains(text) {
                return line;
            }
        }
        panic!("no line with {text:?}; output:\n{}", self.seen.join("\n"));
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the child to exit; returns how, with every line it printed.
    fn exit(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running; output:\n{}",
                self.seen.join("\n")
            );
            thread::sleep(POLL);
        };
        // The reader thread ends with the pipe: every line is in.
        self.seen.extend(self.lines.iter());
        (status, self.seen.join("\n"))
    }
}

fn client() -> (Client, u16) {
    let client = Client::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("a client");
    let port = client.local_addr().expect("its address").port();
    (client, port)
}

#[test]
fn sigterm_stops_the_server_cleanly_with_its_final_stats() {
    let (mut client, client_port) = client();
    let mut running = Running::spawn("clean", client_port);
    let port: u16 = running.line_with("port ")["port ".len()..]
        .parse()
        .expect("a port number");
    let server = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let (offer, _) = client
        .exchange(&packet(MessageType::Discover, 7), server, WAIT)
        .expect("an offer");
    assert_eq!(offer.xid, 7);
    running.signal("TERM");
    let (status, output) = running.exit();
    assert!(status.success(), "{status:?}\n{output}");
    assert!(output.contains("SIGTERM: stopping"), "{output}");
    assert!(output.contains("stopped: shut down"), "{output}");
    // Final: the reply the client got is counted as sent.
    assert!(
        output.contains("final stats: received 1 (malformed 0), handled 1"),
        "{output}"
    );
    assert!(output.contains(", sent 1,"), "{output}");
}

#[test]
fn a_second_sigint_ends_a_stop_that_hangs_at_once() {
    use std::os::unix::process::ExitStatusExt;

    let (_client, client_port) = client();
    let mut running = Running::spawn("stuck", client_port);
    running.line_with("port ");
    running.signal("INT");
    // The first signal stopped the server: its handler is terminating, and hangs.
    running.line_with("terminating, and stuck");
    let asked = Instant::now();
    running.signal("INT");
    let (status, output) = running.exit();
    assert_eq!(
        status.signal(),
        Some(2),
        "killed by SIGINT: {status:?}\n{output}"
    );
    assert!(asked.elapsed() < STUCK, "not the stuck terminate's end");
    assert!(output.contains("SIGINT: stopping"), "{output}");
    assert!(!output.contains("final stats"), "{output}");
}
