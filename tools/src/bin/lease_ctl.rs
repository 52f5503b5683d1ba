//! Controls a running `lease_server` through its control socket (`--control PATH`,
//! `[daemon] control`): lists, finds and releases leases, adds and removes
//! reservations, shows the statistics and the running configuration, reloads it.
//!
//! ```text
//! sudo lease_ctl leases --state bound
//! sudo lease_ctl find 02:00:00:00:00:01
//! sudo lease_ctl release 198.18.0.100
//! sudo lease_ctl reserve 02:00:00:00:00:07 198.18.0.7 --hostname printer
//! sudo lease_ctl --json stats | jq .metrics
//! ```
//!
//! The protocol and the rendering are `ex_dhcp_tools::control`; this is the command
//! line.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use ex_dhcp_tools::cli::args::{self as cli, Program, UsageError, EXIT_FAILURE};
use ex_dhcp_tools::cli::logging;
use ex_dhcp_tools::control::client::Connection;
use ex_dhcp_tools::control::protocol::{Command, HostInfo, Lease, LeaseState, Request};
use ex_dhcp_tools::control::show;
use log::LevelFilter;
use serde_json::Value;

/// Where `lease_server` answers when its configuration says so: the path of the
/// shipped configuration file (`tools/systemd/lease_server.toml`).
const DEFAULT_SOCKET: &str = "/run/ex_dhcp/control.sock";

const PROGRAM: Program = Program {
    name: "lease_ctl",
    help: "Controls a running lease_server through its control socket (lease_server
--control PATH, or [daemon] control in its configuration file).

usage: lease_ctl [--socket PATH] [--json] [--timeout SECS] [--log LEVEL] COMMAND [ARGS]

commands:
  leases [--subnet NET] [--state STATE]
                         the leases, offers, remembered clients and declined
                         addresses; of one subnet (198.18.0.0/24) and in one state
                         (offered, bound, free, declined) when given
  find ADDR|MAC|KEY      the entry of an address, or the entries of a client (a MAC
                         address, or a client key as the lease file writes it:
                         id:HEX, hw:TYPE:HEX); exit 1 when there is none
  release ADDR           take the address back, whoever holds it: written to the
                         store like a client's RELEASE; its client is refused (NAK)
                         when it renews
  hosts                  the hosts and reservations
  reserve MAC [ADDR] [--hostname NAME] [--boot-file FILE] [--next-server ADDR] [--force]
                         add (or replace) a host, reserving ADDR for it; an address
                         another client holds is refused unless --force (that client
                         is refused when it renews). Hosts added here last until the
                         server stops (a reload keeps them): write them into the
                         configuration file to keep them
  unreserve MAC          remove the host and its reservation
  stats                  the server's and the lease service's statistics
  config                 the running configuration
  reload                 read the configuration file again and apply it, leases kept
                         (as SIGHUP does); a file that does not read changes nothing

flags:
  --socket PATH          the control socket (/run/ex_dhcp/control.sock)
  --json                 print the result as JSON (the protocol's), for scripts
  --timeout SECS         how long to wait for an answer (15)
  --log LEVEL            off, error, warn, info, debug or trace (warn)
  --help, --version

Exit status: 0 done, 1 refused by the server, not found, or no server answering,
2 usage error.
",
};

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    socket: PathBuf,
    json: bool,
    timeout: Duration,
    log: Option<LevelFilter>,
    command: Command,
}

fn parse(line: &mut cli::Args) -> Result<Options, UsageError> {
    let (mut socket, mut json, mut timeout, mut log) = (
        PathBuf::from(DEFAULT_SOCKET),
        false,
        Duration::from_secs(15),
        None,
    );
    let mut words: Vec<String> = Vec::new();
    let (mut subnet, mut state, mut force) = (None, None, false);
    let mut host = HostInfo::default();
    while let Some(arg) = line.next_arg()? {
        match arg.as_str() {
            "--socket" => socket = PathBuf::from(line.text(&arg)?),
            "--json" => json = true,
            "--timeout" => timeout = line.seconds(&arg)?,
            "--log" => log = Some(line.value(&arg)?),
            "--subnet" => subnet = Some(line.text(&arg)?),
            "--state" => state = Some(line.value::<LeaseState>(&arg)?),
            "--hostname" => host.hostname = Some(line.text(&arg)?),
            "--boot-file" => host.boot_file = Some(line.text(&arg)?),
            "--next-server" => host.next_server = Some(line.value(&arg)?),
            "--force" => force = true,
            flag if flag.starts_with("--") => return Err(cli::unknown(flag)),
            _ => words.push(arg),
        }
    }
    let Some((name, rest)) = words.split_first() else {
        return Err(cli::error("a command is required (see --help)"));
    };
    let want = |count: usize, shape: &str| {
        if rest.len() == count {
            Ok(())
        } else {
            Err(cli::error(format!("usage: lease_ctl {name} {shape}")))
        }
    };
    let only = |given: bool, flag: &str, command: &str| {
        if given && name != command {
            Err(cli::error(format!(
                "{flag} goes with {command}, not {name}"
            )))
        } else {
            Ok(())
        }
    };
    only(subnet.is_some(), "--subnet", "leases")?;
    only(state.is_some(), "--state", "leases")?;
    only(force, "--force", "reserve")?;
    let host_flags =
        host.hostname.is_some() || host.boot_file.is_some() || host.next_server.is_some();
    only(
        host_flags,
        "--hostname, --boot-file and --next-server",
        "reserve",
    )?;
    let command = match name.as_str() {
        "leases" => {
            want(0, "[--subnet NET] [--state STATE]")?;
            Command::Leases { subnet, state }
        }
        "find" => {
            want(1, "ADDR|MAC|KEY")?;
            match rest[0].parse::<Ipv4Addr>() {
                Ok(address) => Command::Find {
                    address: Some(address),
                    client: None,
                },
                Err(_) => Command::Find {
                    address: None,
                    client: Some(rest[0].clone()),
                },
            }
        }
        "release" => {
            want(1, "ADDR")?;
            Command::Release {
                address: address("release", &rest[0])?,
            }
        }
        "hosts" => {
            want(0, "")?;
            Command::Hosts
        }
        "reserve" => {
            if rest.is_empty() || rest.len() > 2 {
                return Err(cli::error(
                    "usage: lease_ctl reserve MAC [ADDR] [--hostname NAME] [--boot-file FILE] \
                     [--next-server ADDR] [--force]",
                ));
            }
            host.mac = mac("reserve", &rest[0])?;
            host.address = rest.get(1).map(|a| address("reserve", a)).transpose()?;
            Command::Reserve { host, force }
        }
        "unreserve" => {
            want(1, "MAC")?;
            Command::Unreserve {
                mac: mac("unreserve", &rest[0])?,
            }
        }
        "stats" => {
            want(0, "")?;
            Command::Stats
        }
        "config" => {
            want(0, "")?;
            Command::Config
        }
        "reload" => {
            want(0, "")?;
            Command::Reload
        }
        other => {
            return Err(cli::error(format!(
                "unknown command {other:?} (see --help)"
            )))
        }
    };
    Ok(Options {
        socket,
        json,
        timeout,
        log,
        command,
    })
}

fn address(command: &str, text: &str) -> Result<Ipv4Addr, UsageError> {
    text.parse()
        .map_err(|e| cli::error(format!("{command} {text:?}: {e}")))
}

fn mac(command: &str, text: &str) -> Result<String, UsageError> {
    text.parse::<ex_dhcp::Mac>()
        .map(|mac| mac.to_string())
        .map_err(|e| cli::error(format!("{command} {text:?}: {e}")))
}

fn main() -> ExitCode {
    let options = match PROGRAM.parse_or_exit(parse) {
        Ok(options) => options,
        Err(status) => return status,
    };
    logging::init(Some(options.log.unwrap_or(LevelFilter::Warn)));
    let status = run(&options);
    logging::finish();
    status
}

fn run(options: &Options) -> ExitCode {
    let response = Connection::open(&options.socket, options.timeout)
        .and_then(|mut connection| connection.request(&Request::new(options.command.clone())));
    let response = match response {
        Ok(response) => response,
        Err(error) => return PROGRAM.fail(error, EXIT_FAILURE),
    };
    let result = match (response.ok, response.result) {
        (true, Some(result)) => result,
        _ => {
            let error = response
                .error
                .unwrap_or_else(|| "refused, without a reason".into());
            return PROGRAM.fail(error, EXIT_FAILURE);
        }
    };
    if options.json {
        println!("{result}");
    } else {
        print!("{}", for_people(&options.command, &result));
    }
    let nothing_found = matches!(options.command, Command::Find { .. })
        && result["leases"].as_array().is_some_and(Vec::is_empty);
    if nothing_found {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

fn for_people(command: &Command, result: &Value) -> String {
    let now = ex_dhcp::lease::secs(SystemTime::now());
    let leases =
        || -> Vec<Lease> { serde_json::from_value(result["leases"].clone()).unwrap_or_default() };
    let host = |value: &Value| -> Option<HostInfo> { serde_json::from_value(value.clone()).ok() };
    match command {
        Command::Leases { .. } => show::leases(&leases(), now),
        Command::Find { .. } => match leases() {
            found if found.is_empty() => "nothing found\n".into(),
            found => show::leases(&found, now),
        },
        Command::Release { address } => {
            let held = host_of(&result["released"]);
            format!("released {address} ({held}); its client is refused when it renews\n")
        }
        Command::Hosts => {
            let hosts: Vec<HostInfo> =
                serde_json::from_value(result["hosts"].clone()).unwrap_or_default();
            let reservations: Vec<(String, String)> = result["reservations"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|r| {
                            let text = |key: &str| r[key].as_str().unwrap_or_default().to_owned();
                            (text("mac"), text("address"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            show::hosts(&hosts, &reservations)
        }
        Command::Reserve { .. } => {
            let added = host(&result["host"]).unwrap_or_default();
            let what = match added.address {
                Some(address) => format!("{address} reserved for {}", added.mac),
                None => format!("host {} added", added.mac),
            };
            match host(&result["replaced"]) {
                Some(old) => format!("{what} (replacing its host of {})\n", describe(&old)),
                None => format!("{what}\n"),
            }
        }
        Command::Unreserve { .. } => {
            let removed = host(&result["removed"]).unwrap_or_default();
            format!("removed host {}\n", describe(&removed))
        }
        Command::Stats => show::stats(result),
        Command::Config => show::indented(result),
        Command::Reload => {
            let mut text = format!(
                "reloaded {}: {} hosts, {} removed\n",
                result["file"].as_str().unwrap_or_default(),
                result["hosts"],
                result["hosts_removed"]
            );
            for subnet in result["subnets_removed"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "subnet {} is gone, and its leases with it ({} dropped)\n",
                    subnet.as_str().unwrap_or_default(),
                    result["leases_dropped"]
                ));
            }
            for key in result["restart_needed"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "{} changed: it needs a restart\n",
                    key.as_str().unwrap_or_default()
                ));
            }
            text
        }
    }
}

/// What a released entry was: `bound to 02:00:00:00:00:01`.
fn host_of(lease: &Value) -> String {
    let state = lease["state"].as_str().unwrap_or("held");
    match lease["mac"].as_str().or(lease["client"].as_str()) {
        Some(client) => format!("{state} to {client}"),
        None => state.to_owned(),
    }
}

fn describe(host: &HostInfo) -> String {
    match host.address {
        Some(address) => format!("{} ({address})", host.mac),
        None => host.mac.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Result<Options, UsageError> {
        parse(&mut cli::Args::split(line))
    }

    #[test]
    fn commands_and_their_flags_are_read() {
        let options = parsed("--json leases --state bound --socket /tmp/s").unwrap();
        assert!(options.json);
        assert_eq!(options.socket, PathBuf::from("/tmp/s"));
        assert_eq!(
            options.command,
            Command::Leases {
                subnet: None,
                state: Some(LeaseState::Bound)
            }
        );
        let find = parsed("find 198.18.0.7").unwrap().command;
        assert!(matches!(
            find,
            Command::Find {
                address: Some(_),
                client: None
            }
        ));
        let find = parsed("find 02-00-00-00-00-07").unwrap().command;
        assert!(matches!(
            find,
            Command::Find {
                address: None,
                client: Some(_)
            }
        ));
        let Command::Reserve { host, force } =
            parsed("reserve 02:00:00:00:00:07 198.18.0.7 --hostname printer --force")
                .unwrap()
                .command
        else {
            panic!("not a reserve");
        };
        assert!(force);
        assert_eq!(host.hostname.as_deref(), Some("printer"));
        assert_eq!(host.address, Some(Ipv4Addr::new(198, 18, 0, 7)));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        for (line, words) in [
            ("", "a command is required"),
            ("frobnicate", "unknown command \"frobnicate\""),
            ("release", "usage: lease_ctl release ADDR"),
            ("release nowhere", "release \"nowhere\""),
            ("leases --force", "--force goes with reserve, not leases"),
            (
                "leases --state lost",
                "a state is offered, bound, free or declined",
            ),
            ("unreserve 02:00", "unreserve \"02:00\""),
            ("stats --wat", "unknown flag \"--wat\""),
        ] {
            let error = parsed(line).unwrap_err().to_string();
            assert!(error.contains(words), "{line}: {error}");
        }
    }
}
