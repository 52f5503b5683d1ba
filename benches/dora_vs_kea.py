#!/usr/bin/env python3
"""DORA rate and CPU per exchange: ex_dhcp's lease_server against Kea 2.2, same rig, same run.

    sudo python3 benches/dora_vs_kea.py [--rates 1000,2000,8000,16000] [--secs 10]
        [--clients 10000] [--servers kea-memfile,lease-file,lease-memory] [--lease-server EXE]
        [--baseline EXE --servers kea-memfile,base-file,lease-file] [--search STEPS]
        [--threads] [--fsyncs] [--nice -19]

`--servers kea-pgsql,lease-pgsql` runs Kea with its PostgreSQL lease backend, and
lease_server with `--database` (build it with `--features postgres`), against a throw-away
cluster (initdb as the `postgres` user in the work directory, Unix socket only, no TCP,
default durability: fsync and synchronous_commit on), the database pinned to the
server's CPU; `kea-admin db-init pgsql` creates Kea's schema, and the lease table is
emptied before each run. Needs Debian's postgresql.

`lease-pgsql-x2` runs two lease_servers on that one database, each `--bind` and
`--server` its own address (198.18.0.1, 198.18.0.3), both pinned to the server's CPU,
against two perfdhcp, each from its own address (198.18.0.2, 198.18.0.4) to one server
at half the rate with half the clients and its own base MAC (disjoint clients), each
server with the whole range and `--share 1/2` or `--share 2/2` (new clients from its own
half first); `lease-pgsql-x2n` is the same without `--share` (both walk the range from
its start: they race); `lease-pgsql-x2h` is the same with each server allocating from
its own half of the pool (disjoint `--range`s). After each such run the lease table is checked (bound rows, distinct addresses
and clients, addresses with two clients, clients with two addresses) and printed in a
further table; a rate is clean when both exchanges of both perfdhcp lose less than 1%.

`--relays N` (1 to 9) gives every server N subnets behind N relays instead of one pool:
the /20s 198.18.16.0, 198.18.32.0, ... (4,081 addresses each, the server on none of
them), relay n's address 198.18.(16 n).1 added to perfdhcp's end of the veth, and N
perfdhcp, each from its relay address (perfdhcp sets giaddr to it) with its own base
MAC, at 1/N of the rate with 1/N of the clients. lease_server gets one `--range` per
subnet and a lease file (`lease-file`), Kea one `subnet4` per subnet (memfile with
persist); both pick a request's subnet by its giaddr. After each run the server's
lease file (lease_server's, or Kea's CSV) is read back: every address must be in the
subnet of the relay its client came through (known by the MAC's base), and the count
of those that are not is printed in a further table. A rate is clean when every
perfdhcp loses less than 1% in both exchanges.

Needs root (network namespaces), Debian's kea-dhcp4-server and kea-admin (perfdhcp),
and a release build of the tool (`cargo build --release -p ex_dhcp-tools --bin
lease_server`, the default EXE). Two namespaces joined by a veth pair, 198.18.0.0/16:
the server at .1 pinned to CPU 1, perfdhcp at .2 pinned to CPU 0, acting as a relay
agent (giaddr set, replies to port 67), as the interop test does. For each server and
rate, servers interleaved so that both meet the same machine: perfdhcp runs `--secs`
seconds of DISCOVERs at the rate, each OFFER answered with a REQUEST, from `--clients`
simulated clients; the server's CPU time (utime + stime from /proc) over the run is
divided by the ACKs it sent.

Prints a Markdown table: per server and rate, DISCOVERs and REQUESTs sent, the share
unanswered in each exchange, the achieved DORA rate, and CPU microseconds per DORA.
A rate is clean when both exchanges lose less than 1%; a second table gives each
server's best clean rate (`--search` bisects between it and the first rate that was
not clean), and a third each server's CPU per DORA over Kea's.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# Named after this process, so two runs on one machine do not tear down each other's.
SERVER_NS = f"exdbench-srv-{os.getpid()}"
CLIENT_NS = f"exdbench-cli-{os.getpid()}"
# A /16: the pool must outnumber perfdhcp's clients (`--clients`), or the run measures
# an exhausted pool (a /22 of 1,009 addresses answered a third of 3,000 DISCOVERs).
SERVER_IP = "198.18.0.1"
CLIENT_IP = "198.18.0.2"
# `lease-pgsql-x2`: the second lease_server's address, and the second perfdhcp's.
SERVER_IP2 = "198.18.0.3"
CLIENT_IP2 = "198.18.0.4"
# perfdhcp's base MACs for the two floods of `lease-pgsql-x2`: they differ in the
# second byte, perfdhcp randomizes the low bytes only (`-R` clients), so the two
# floods are disjoint sets of clients.
MAC_BASES = ("00:0c:01:02:03:04", "00:0d:01:02:03:04")
# `lease-pgsql-x2h`: the same two servers and database, each allocating from its own
# half of the pool (both still read and write the one table: a client of either is
# seen by both), so that their allocation cursors do not walk the same addresses.
HALVES = {SERVER_IP: ("198.18.1.0", "198.18.127.255"),
          SERVER_IP2: ("198.18.128.0", "198.18.254.250")}
SPLIT_KINDS = ("lease-pgsql-x2", "lease-pgsql-x2h", "lease-pgsql-x2n")
# `lease-pgsql-x2`: each server's `--share` of the whole range (new clients from its
# own half first, then the other half from its far end).
SHARES = {SERVER_IP: "1/2", SERVER_IP2: "2/2"}
SUBNET = "198.18.0.0"
PREFIX = "16"
MASK = "255.255.0.0"
POOL_FIRST = "198.18.1.0"
POOL_LAST = "198.18.254.250"
# `--relays N`: relay n (from 1) is 198.18.(16 n).1 on subnet 198.18.(16 n).0/20, its
# clients' MACs start 00:1n (perfdhcp randomizes the low bytes only).
RELAY_MASK = "255.255.240.0"
RELAY_PREFIX = "20"
RELAYS = 0


def relay_ip(n):
    return f"198.18.{16 * n}.1"


def relay_subnet(n):
    """The first and last address leased on relay n's subnet, and its third octets."""
    return f"198.18.{16 * n}.10", f"198.18.{16 * n + 15}.250", range(16 * n, 16 * n + 16)


def relay_mac(n):
    return f"00:1{n}:01:02:03:04"


SERVER_CPU = "1"
CLIENT_CPU = "0"
LEASE_SECS = 3600
# `--nice`: both the server and perfdhcp run at this niceness, so that other work on a
# shared machine takes less of their CPUs.
NICE = 0
# `--fsyncs`: count the server's fsync and fdatasync calls with perf (tracepoints).
COUNT_FSYNCS = False
SYNC_EVENTS = "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync"


def run(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def ns(name, *args, check=True):
    return run("ip", "netns", "exec", name, *args, check=check)


def setup():
    teardown()
    run("ip", "netns", "add", SERVER_NS)
    run("ip", "netns", "add", CLIENT_NS)
    run("ip", "-n", SERVER_NS, "link", "add", "bsrv", "type", "veth", "peer", "name", "bcli",
        "netns", CLIENT_NS)
    for name, dev, ip in ((SERVER_NS, "bsrv", SERVER_IP), (CLIENT_NS, "bcli", CLIENT_IP)):
        run("ip", "-n", name, "link", "set", "lo", "up")
        run("ip", "-n", name, "addr", "add", f"{ip}/{PREFIX}", "dev", dev)
        run("ip", "-n", name, "link", "set", dev, "up")
    run("ip", "-n", SERVER_NS, "addr", "add", f"{SERVER_IP2}/{PREFIX}", "dev", "bsrv")
    run("ip", "-n", CLIENT_NS, "addr", "add", f"{CLIENT_IP2}/{PREFIX}", "dev", "bcli")
    for n in range(1, RELAYS + 1):
        # On the veth's /16: the servers reach each relay address directly.
        run("ip", "-n", CLIENT_NS, "addr", "add", f"{relay_ip(n)}/{PREFIX}", "dev", "bcli")


def teardown():
    for name in (SERVER_NS, CLIENT_NS):
        run("ip", "netns", "del", name, check=False)


def cpu_ticks(pid):
    """utime + stime of a process and its threads, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def thread_ticks(pid):
    """utime + stime per thread name (Kea's threads, or dhcp-recv-0, dhcp-handler,
    dhcp-send, lease-store, log-writer), in clock ticks."""
    ticks = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as stat:
                text = stat.read()
        except FileNotFoundError:
            continue  # ended between listdir and open
        name = text.split("(", 1)[1].rsplit(")", 1)[0]
        fields = text.rsplit(")", 1)[1].split()
        ticks[name] = ticks.get(name, 0) + int(fields[11]) + int(fields[12])
    return ticks


PG_BIN = "/usr/lib/postgresql/15/bin"


def pg_start(work):
    """A throw-away cluster in work/pg, as the postgres user, on a Unix socket only."""
    pg = os.path.join(work, "pg")
    os.makedirs(pg, exist_ok=True)
    shutil.chown(pg, "postgres", "postgres")
    run("runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb", "-A", "trust", "-U", "postgres",
        "-D", os.path.join(pg, "data"))
    run("taskset", "-c", SERVER_CPU, "runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl",
        "-D", os.path.join(pg, "data"), "-l", os.path.join(pg, "server.log"), "-w",
        "-o", f"-c listen_addresses='' -k {pg}", "start")
    run("psql", "-h", pg, "-U", "postgres", "-c", "CREATE DATABASE kea")
    run("psql", "-h", pg, "-U", "postgres", "-c", "CREATE DATABASE exdhcp")
    run("kea-admin", "db-init", "pgsql", "-u", "postgres", "-p", "unused", "-n", "kea", "-h", pg)
    return pg


def pg_stop(pg):
    run("runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", os.path.join(pg, "data"),
        "-m", "fast", "-w", "stop", check=False)


def kea_config(work, persist=True, pg=None):
    config = {
        "Dhcp4": {
            "interfaces-config": {"interfaces": ["bsrv"], "dhcp-socket-type": "udp"},
            "multi-threading": {"enable-multi-threading": False},
            "lease-database": {
                "type": "memfile",
                "persist": persist,
                "name": os.path.join(work, "kea-leases4.csv"),
                "lfc-interval": 0,
            },
            "valid-lifetime": LEASE_SECS,
            "subnet4": [{
                "subnet": f"{SUBNET}/{PREFIX}",
                "pools": [{"pool": f"{POOL_FIRST} - {POOL_LAST}"}],
                "option-data": [{"name": "routers", "data": SERVER_IP}],
            }],
            "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                         "output_options": [{"output": os.path.join(work, "kea.log")}]}],
        }
    }
    if RELAYS:
        config["Dhcp4"]["subnet4"] = [{
            "id": n,
            "subnet": f"198.18.{16 * n}.0/{RELAY_PREFIX}",
            "pools": [{"pool": " - ".join(relay_subnet(n)[:2])}],
            "option-data": [{"name": "routers", "data": relay_ip(n)}],
        } for n in range(1, RELAYS + 1)]
    if pg is not None:
        config["Dhcp4"]["lease-database"] = {
            "type": "postgresql", "name": "kea", "user": "postgres", "password": "unused",
            "host": pg,
        }
    return config


# The throw-away cluster of a `kea-pgsql` run (its socket directory), set by main.
PG = None


def wait_port_free(seconds=10):
    """Waits until nothing in the server's namespace holds UDP port 67 (a server just
    stopped may take a moment to go); returns what still holds it, or ''."""
    deadline = time.time() + seconds
    while True:
        holders = ns(SERVER_NS, "ss", "-Hulpn", "sport = :67", check=False).stdout.strip()
        if not holders or time.time() > deadline:
            return holders
        time.sleep(0.2)


def start_server(kind, work, lease_server, baseline=None, server_ip=SERVER_IP, check=True):
    holders = wait_port_free() if check else ""
    if holders:
        sys.exit(f"port 67 is still held before starting {kind}: {holders}")
    log = open(os.path.join(work, f"{kind}-{server_ip}.log"), "w")
    pin = ["nice", "-n", str(NICE), "taskset", "-c", SERVER_CPU]
    if kind in ("kea-memfile", "kea-pgsql"):
        path = os.path.join(work, "kea.json")
        with open(path, "w") as out:
            json.dump(kea_config(work, pg=PG if kind == "kea-pgsql" else None), out)
        env = dict(os.environ, KEA_PIDFILE_DIR=work, KEA_LOCKFILE_DIR=work)
        command = ["ip", "netns", "exec", SERVER_NS, *pin, "kea-dhcp4", "-c", path]
    else:
        exe = baseline if kind.startswith("base-") else lease_server
        if RELAYS:
            ranges = []
            for n in range(1, RELAYS + 1):
                ranges += ["--range", "-".join(relay_subnet(n)[:2])]
            command = ["ip", "netns", "exec", SERVER_NS, *pin, exe,
                       "--server", server_ip, "--mask", RELAY_MASK, *ranges]
        else:
            command = ["ip", "netns", "exec", SERVER_NS, *pin, exe,
                       "--server", server_ip, "--mask", MASK, "--range",
                       "-".join(HALVES[server_ip]) if kind == "lease-pgsql-x2h"
                       else f"{POOL_FIRST}-{POOL_LAST}"]
        command += ["--lease-time", str(LEASE_SECS), "--allow-relays", "on", "--port", "67",
                    "--log-level", "warn"]
        if kind.endswith("-file"):
            lease_file = os.path.join(work, "leases")
            if os.path.exists(lease_file):
                os.remove(lease_file)
            command += ["--lease-file", lease_file]
        elif kind in ("lease-pgsql", *SPLIT_KINDS):
            # lease_server built with `--features postgres`; PgStore creates its schema.
            command += ["--database", f"host={PG} dbname=exdhcp user=postgres"]
            if kind in SPLIT_KINDS:
                # Two servers on one database, each on its own address.
                command += ["--bind", server_ip]
            if kind == "lease-pgsql-x2":
                # The whole range each, new clients from its own half first.
                command += ["--share", SHARES[server_ip]]
        env = os.environ
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    time.sleep(1.0)  # both bind within milliseconds; a second covers a loaded machine
    if process.poll() is not None:
        sys.exit(f"{kind} exited at start, see {log.name}")
    # `ip netns exec`, nice and taskset exec the server: the pid is the server's.
    return process


def stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def section(report, name):
    part = report.split(f"***Statistics for: {name}***", 1)
    if len(part) < 2:
        return {}
    counts = {}
    for line in part[1].split("***", 1)[0].splitlines():
        match = re.match(r"\s*([a-z ]+):\s*([0-9.]+)", line)
        if match:
            counts[match.group(1).strip()] = float(match.group(2))
    return counts


def one_run(kind, rate, secs, clients, work, lease_server, baseline=None):
    # Kea keeps leases across runs in its CSV; start every run from an empty table.
    for name in ("kea-leases4.csv", "kea-leases4.csv.2", "leases"):
        path = os.path.join(work, name)
        if os.path.exists(path):
            os.remove(path)
    if kind == "kea-pgsql":
        run("psql", "-h", PG, "-U", "postgres", "-d", "kea", "-c", "TRUNCATE lease4")
    if kind in ("lease-pgsql", *SPLIT_KINDS):
        run("psql", "-h", PG, "-U", "postgres", "-d", "exdhcp", "-c",
            "DROP TABLE IF EXISTS ex_dhcp_leases, ex_dhcp_schema_version")
    if kind in SPLIT_KINDS:
        return split_run(kind, rate, secs, clients, work, lease_server)
    if RELAYS:
        return relay_run(kind, rate, secs, clients, work, lease_server, baseline)
    server = start_server(kind, work, lease_server, baseline)
    before = cpu_ticks(server.pid)
    threads_before = thread_ticks(server.pid)
    counter = None
    if COUNT_FSYNCS:
        counter = subprocess.Popen(["perf", "stat", "-x", ",", "-e", SYNC_EVENTS, "-p",
                                    str(server.pid)], stderr=subprocess.PIPE, text=True)
    perfdhcp = ns(CLIENT_NS, "nice", "-n", str(NICE), "taskset", "-c", CLIENT_CPU, "perfdhcp", "-4", "-r", str(rate),
                  "-p", str(secs), "-R", str(clients), "-W", "2000000", "-l", "bcli", SERVER_IP,
                  check=False)
    after = cpu_ticks(server.pid)
    threads_after = thread_ticks(server.pid)
    syncs = None
    if counter is not None:
        counter.send_signal(2)  # SIGINT: perf stat prints its counts and exits
        _, counts = counter.communicate(timeout=10)
        syncs = sum(int(line.split(",")[0]) for line in counts.splitlines()
                    if line.split(",")[0].isdigit())
    stop_server(server)
    report = perfdhcp.stdout
    do, ra = section(report, "DISCOVER-OFFER"), section(report, "REQUEST-ACK")
    if not do or not ra:
        sys.exit(f"perfdhcp printed no report for {kind} at {rate}/s:\n{report}\n{perfdhcp.stderr}")
    ticks_per_sec = os.sysconf("SC_CLK_TCK")
    acks = ra.get("received packets", 0)
    cpu_us = (after - before) * 1e6 / ticks_per_sec
    return {
        "server": kind, "rate": rate,
        "discovers": int(do.get("sent packets", 0)), "requests": int(ra.get("sent packets", 0)),
        "do_drop": 100 * (1 - do.get("received packets", 0) / max(do.get("sent packets", 1), 1)),
        "ra_drop": 100 * (1 - acks / max(ra.get("sent packets", 1), 1)),
        "dora_per_sec": acks / secs,
        "cpu_us_per_dora": cpu_us / acks if acks else float("nan"),
        "acks_per_sync": acks / syncs if syncs else None,
        "threads": {
            name: (ticks - threads_before.get(name, 0)) * 1e6 / ticks_per_sec / acks
            for name, ticks in threads_after.items() if acks
        },
    }


def table_check():
    """The lease table after a run: bound rows, distinct addresses and clients, and
    addresses held by two clients or clients holding two addresses (both must be 0)."""
    query = ("SELECT count(*), count(DISTINCT addr), count(DISTINCT client), "
             "(SELECT count(*) FROM (SELECT addr FROM ex_dhcp_leases WHERE state = 'bound' "
             "GROUP BY addr HAVING count(DISTINCT client) > 1) a), "
             "(SELECT count(*) FROM (SELECT client FROM ex_dhcp_leases WHERE state = 'bound' "
             "GROUP BY client HAVING count(*) > 1) c) "
             "FROM ex_dhcp_leases WHERE state = 'bound'")
    out = run("psql", "-h", PG, "-U", "postgres", "-d", "exdhcp", "-At", "-F", ",",
              "-c", query).stdout.strip()
    rows, addrs, clients, shared_addrs, multi_clients = (int(x) for x in out.split(","))
    return {"rows": rows, "addrs": addrs, "clients": clients,
            "shared_addrs": shared_addrs, "multi_clients": multi_clients}


def split_run(kind, rate, secs, clients, work, lease_server):
    """Two lease_servers on one database, each bound to its own address and pinned to
    the single server's CPU (with PostgreSQL: the same CPU budget as one server), and
    two perfdhcp on the client CPU, each from its own address to one server, at half
    the rate, half the clients each, disjoint MACs."""
    servers = [start_server(kind, work, lease_server, server_ip=ip, check=(ip == SERVER_IP))
               for ip in (SERVER_IP, SERVER_IP2)]
    before = sum(cpu_ticks(server.pid) for server in servers)
    floods = []
    for local, target, mac in zip((CLIENT_IP, CLIENT_IP2), (SERVER_IP, SERVER_IP2), MAC_BASES):
        floods.append(subprocess.Popen(
            ["ip", "netns", "exec", CLIENT_NS, "nice", "-n", str(NICE), "taskset", "-c",
             CLIENT_CPU, "perfdhcp", "-4", "-r", str(rate // 2), "-p", str(secs),
             "-R", str(clients // 2), "-W", "2000000", "-b", f"mac={mac}", "-l", local, target],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    reports = [flood.communicate() for flood in floods]
    after = sum(cpu_ticks(server.pid) for server in servers)
    for server in servers:
        stop_server(server)
    parts = []
    for report, err in reports:
        do, ra = section(report, "DISCOVER-OFFER"), section(report, "REQUEST-ACK")
        if not do or not ra:
            sys.exit(f"perfdhcp printed no report for {kind} at {rate}/s:\n{report}\n{err}")
        parts.append((do, ra))
    sent_do = sum(do.get("sent packets", 0) for do, _ in parts)
    sent_ra = sum(ra.get("sent packets", 0) for _, ra in parts)
    acks = sum(ra.get("received packets", 0) for _, ra in parts)
    drops = [(100 * (1 - do.get("received packets", 0) / max(do.get("sent packets", 1), 1)),
              100 * (1 - ra.get("received packets", 0) / max(ra.get("sent packets", 1), 1)))
             for do, ra in parts]
    ticks_per_sec = os.sysconf("SC_CLK_TCK")
    table = table_check()
    return {
        "server": kind, "rate": rate,
        "discovers": int(sent_do), "requests": int(sent_ra),
        # The worse of the two floods, so that clean means clean in both.
        "do_drop": max(d for d, _ in drops), "ra_drop": max(r for _, r in drops),
        "drops": drops, "acks": [ra.get("received packets", 0) for _, ra in parts],
        "dora_per_sec": acks / secs,
        "cpu_us_per_dora": (after - before) * 1e6 / ticks_per_sec / acks if acks else float("nan"),
        "acks_per_sync": None, "threads": {}, "table": table,
    }


def leased(kind, work):
    """(MAC, address) of every lease the server wrote down in its lease file."""
    pairs = []
    if kind.startswith("kea-"):
        with open(os.path.join(work, "kea-leases4.csv")) as csv:
            for line in csv.read().splitlines()[1:]:
                fields = line.split(",")
                if len(fields) > 1 and fields[1]:
                    pairs.append((fields[1], fields[0]))
        return pairs
    with open(os.path.join(work, "leases")) as leases:
        for line in leases:
            fields = line.split()
            if len(fields) != 4 or fields[0] != "bound":
                continue
            # perfdhcp sends a client identifier: type 1 (Ethernet) and the MAC.
            for prefix in ("hw:1:", "id:01"):
                if fields[1].startswith(prefix):
                    hexmac = fields[1][len(prefix):]
                    mac = ":".join(hexmac[i:i + 2] for i in range(0, 12, 2))
                    pairs.append((mac, fields[2]))
    return pairs


def placement(kind, work):
    """Leases in the subnet of their client's relay, and those elsewhere (or of a MAC
    no relay's perfdhcp uses)."""
    right, wrong = set(), set()
    for mac, addr in leased(kind, work):
        n = int(mac.split(":")[1], 16) - 0x10
        third = int(addr.split(".")[2])
        ok = 1 <= n <= RELAYS and third in relay_subnet(n)[2] and mac.startswith("00:1")
        (right if ok else wrong).add((mac, addr))
    return len(right), len(wrong)


def relay_run(kind, rate, secs, clients, work, lease_server, baseline):
    """One server with RELAYS subnets, and RELAYS perfdhcp on the client CPU, each from
    its relay's address (perfdhcp's giaddr) with its own base MAC, at 1/RELAYS of the
    rate with 1/RELAYS of the clients."""
    server = start_server(kind, work, lease_server, baseline)
    before = cpu_ticks(server.pid)
    floods = []
    for n in range(1, RELAYS + 1):
        floods.append(subprocess.Popen(
            ["ip", "netns", "exec", CLIENT_NS, "nice", "-n", str(NICE), "taskset", "-c",
             CLIENT_CPU, "perfdhcp", "-4", "-r", str(rate // RELAYS), "-p", str(secs),
             "-R", str(clients // RELAYS), "-W", "2000000", "-b", f"mac={relay_mac(n)}",
             "-l", relay_ip(n), SERVER_IP],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    reports = [flood.communicate() for flood in floods]
    after = cpu_ticks(server.pid)
    stop_server(server)
    parts = []
    for report, err in reports:
        do, ra = section(report, "DISCOVER-OFFER"), section(report, "REQUEST-ACK")
        if not do or not ra:
            sys.exit(f"perfdhcp printed no report for {kind} at {rate}/s:\n{report}\n{err}")
        parts.append((do, ra))
    sent_do = sum(do.get("sent packets", 0) for do, _ in parts)
    sent_ra = sum(ra.get("sent packets", 0) for _, ra in parts)
    acks = sum(ra.get("received packets", 0) for _, ra in parts)
    drops = [(100 * (1 - do.get("received packets", 0) / max(do.get("sent packets", 1), 1)),
              100 * (1 - ra.get("received packets", 0) / max(ra.get("sent packets", 1), 1)))
             for do, ra in parts]
    right, wrong = placement(kind, work)
    ticks_per_sec = os.sysconf("SC_CLK_TCK")
    return {
        "server": kind, "rate": rate,
        "discovers": int(sent_do), "requests": int(sent_ra),
        # The worst of the floods, so that clean means clean for every relay.
        "do_drop": max(d for d, _ in drops), "ra_drop": max(r for _, r in drops),
        "relay_drops": drops, "relay_acks": [ra.get("received packets", 0) for _, ra in parts],
        "dora_per_sec": acks / secs,
        "cpu_us_per_dora": (after - before) * 1e6 / ticks_per_sec / acks if acks else float("nan"),
        "acks_per_sync": None, "threads": {}, "placed": (right, wrong),
    }


def clean(row):
    return row["do_drop"] < 1 and row["ra_drop"] < 1


def best_clean(rows, kind):
    """The highest clean rate of `kind` below its lowest unclean one, and that unclean rate."""
    runs = sorted((row["rate"], clean(row)) for row in rows if row["server"] == kind)
    best, worst = 0, None
    for rate, ok in runs:
        if not ok:
            worst = rate
            break
        best = rate
    return best, worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="1000,2000,8000,16000")
    parser.add_argument("--secs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=10000)
    parser.add_argument("--servers", default="kea-memfile,lease-file,lease-memory")
    parser.add_argument("--lease-server", default="target/release/lease_server")
    parser.add_argument("--baseline", metavar="EXE",
                        help="another lease_server build, run as servers base-file and "
                             "base-memory in the same run (the branch point, say)")
    parser.add_argument("--nice", type=int, default=0,
                        help="niceness of server and perfdhcp (-19: a shared machine's other "
                             "work takes less of their CPUs)")
    parser.add_argument("--fsyncs", action="store_true",
                        help="count each server's fsync/fdatasync calls (perf) and print "
                             "ACKs per sync: the group commit's batch size")
    parser.add_argument("--threads", action="store_true",
                        help="also print each server's CPU per DORA by thread")
    parser.add_argument("--relays", type=int, default=0, metavar="N",
                        help="N subnets behind N relays (N perfdhcp, one per relay address) "
                             "instead of one pool; see the module's docs")
    parser.add_argument("--search", type=int, default=0, metavar="STEPS",
                        help="after the rates, bisect STEPS times between each server's best "
                             "clean rate and the next rate that was not clean")
    args = parser.parse_args()
    global NICE, COUNT_FSYNCS, RELAYS
    NICE = args.nice
    RELAYS = args.relays
    if not 0 <= RELAYS <= 9:
        sys.exit("--relays takes 1 to 9")
    if RELAYS and not set(args.servers.split(",")) <= {"kea-memfile", "lease-file", "base-file"}:
        sys.exit("--relays runs kea-memfile, lease-file and base-file (they keep the lease "
                 "files it checks)")
    COUNT_FSYNCS = args.fsyncs
    if COUNT_FSYNCS and shutil.which("perf") is None:
        sys.exit("--fsyncs needs perf: apt-get install linux-perf")
    if os.geteuid() != 0:
        sys.exit("needs root: network namespaces and port 67")
    for tool in ("kea-dhcp4", "perfdhcp", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install kea-dhcp4-server kea-admin util-linux")
    if not os.access(args.lease_server, os.X_OK):
        sys.exit(f"{args.lease_server} is missing: "
                 "cargo build --release -p ex_dhcp-tools --bin lease_server")
    lease_server = os.path.abspath(args.lease_server)
    baseline = os.path.abspath(args.baseline) if args.baseline else None
    servers = args.servers.split(",")
    if baseline is None and any(kind.startswith("base-") for kind in servers):
        sys.exit("servers base-file and base-memory need --baseline EXE")
    rates = [int(rate) for rate in args.rates.split(",")]
    work = tempfile.mkdtemp(prefix="exdbench-")
    os.chmod(work, 0o755)
    rows = []
    setup()
    global PG
    PG = pg_start(work) if {"kea-pgsql", "lease-pgsql", *SPLIT_KINDS} & set(servers) else None
    try:
        for rate in rates:
            # Interleaved: each rate runs every server before the next rate.
            for kind in servers:
                row = one_run(kind, rate, args.secs, args.clients, work, lease_server, baseline)
                rows.append(row)
                print(f"{kind} {rate}/s: DORA {row['dora_per_sec']:.0f}/s, drops "
                      f"{row['do_drop']:.1f}% / {row['ra_drop']:.1f}%, "
                      f"{row['cpu_us_per_dora']:.1f} us CPU per DORA", file=sys.stderr)
                if "table" in row:
                    print(f"  per flood drops {row['drops']}, ACKs {row['acks']}, "
                          f"table {row['table']}", file=sys.stderr)
                if "placed" in row:
                    print(f"  per relay drops {row['relay_drops']}, ACKs {row['relay_acks']}, "
                          f"leases in / out of their relay's subnet {row['placed']}",
                          file=sys.stderr)
        for _ in range(args.search):
            # Bisect every server's boundary, servers interleaved again.
            for kind in servers:
                best, worst = best_clean(rows, kind)
                if worst is None or worst - best <= 250:
                    continue
                rate = (best + worst) // 2
                row = one_run(kind, rate, args.secs, args.clients, work, lease_server, baseline)
                rows.append(row)
                print(f"{kind} {rate}/s (search): DORA "
                      f"{row['dora_per_sec']:.0f}/s, drops {row['do_drop']:.1f}% / "
                      f"{row['ra_drop']:.1f}%", file=sys.stderr)
    finally:
        teardown()
        if PG is not None:
            pg_stop(PG)
    rows.sort(key=lambda row: (row["rate"], servers.index(row["server"])))
    print("| server | rate/s | DISCOVER sent | REQUEST sent | DO lost | RA lost | DORA/s | "
          "CPU µs/DORA | clean |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ok = "yes" if clean(row) else "no"
        print(f"| {row['server']} | {row['rate']} | {row['discovers']} | {row['requests']} | "
              f"{row['do_drop']:.1f}% | {row['ra_drop']:.1f}% | {row['dora_per_sec']:.0f} | "
              f"{row['cpu_us_per_dora']:.1f} | {ok} |")
    print()
    print("| server | best clean rate/s | first rate not clean/s |")
    print("|---|---|---|")
    for kind in servers:
        best, worst = best_clean(rows, kind)
        print(f"| {kind} | {best} | {worst or '-'} |")
    split = [row for row in rows if "table" in row]
    if split:
        print()
        print("| server | rate/s | flood 1 DO/RA lost | flood 2 DO/RA lost | ACKs 1 + 2 | "
              "bound rows | distinct addrs | distinct clients | addrs with 2 clients | "
              "clients with 2 addrs |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for row in split:
            (d1, r1), (d2, r2) = row["drops"]
            t = row["table"]
            print(f"| {row['server']} | {row['rate']} | {d1:.1f}% / {r1:.1f}% | "
                  f"{d2:.1f}% / {r2:.1f}% | {row['acks'][0]:.0f} + {row['acks'][1]:.0f} | "
                  f"{t['rows']} | {t['addrs']} | {t['clients']} | {t['shared_addrs']} | "
                  f"{t['multi_clients']} |")
    relayed = [row for row in rows if "placed" in row]
    if relayed:
        print()
        print("| server | rate/s | " + " | ".join(f"relay {n} DO/RA lost"
                                                  for n in range(1, RELAYS + 1))
              + " | leases in their relay's subnet | leases elsewhere |")
        print("|---|---|" + "---|" * RELAYS + "---|---|")
        for row in relayed:
            lost = [f"{d:.1f}% / {r:.1f}%" for d, r in row["relay_drops"]]
            right, wrong = row["placed"]
            print(f"| {row['server']} | {row['rate']} | " + " | ".join(lost)
                  + f" | {right} | {wrong} |")
    if args.threads:
        print()
        print("| server | rate/s | CPU µs per DORA, by thread |")
        print("|---|---|---|")
        for row in rows:
            parts = [f"{name} {us:.1f}" for name, us in sorted(row["threads"].items())
                     if us >= 0.05]
            print(f"| {row['server']} | {row['rate']} | {', '.join(parts)} |")
    if args.fsyncs:
        print()
        print("| server | rate/s | ACKs | ACKs per fsync |")
        print("|---|---|---|---|")
        for row in rows:
            per = row["acks_per_sync"]
            acks = row["dora_per_sec"] * args.secs
            print(f"| {row['server']} | {row['rate']} | {acks:.0f} | "
                  f"{'no fsync' if per is None else f'{per:.1f}'} |")
    by_rate = {}
    for row in rows:
        by_rate.setdefault(row["rate"], {})[row["server"]] = row
    if "kea-memfile" in servers:
        print()
        print("| rate/s | " + " | ".join(f"{s} CPU / Kea's" for s in servers if s != "kea-memfile")
              + " |")
        print("|---|" + "---|" * (len(servers) - 1))
        for rate, row in sorted(by_rate.items()):
            if len(row) < len(servers):
                continue  # a search step: not every server ran this rate
            kea = row["kea-memfile"]["cpu_us_per_dora"]
            ratios = [f"{row[s]['cpu_us_per_dora'] / kea:.2f}" for s in servers if s != "kea-memfile"]
            print(f"| {rate} | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
