#!/usr/bin/env python3
"""DORA rate and CPU per exchange: ex_dhcp's lease_server against Kea 2.2, same rig, same run.

    sudo python3 benches/dora_vs_kea.py [--rates 1000,2000,8000,16000] [--secs 10]
        [--clients 10000] [--servers kea-memfile,lease-file,lease-memory] [--lease-server EXE]

`--servers kea-pgsql` runs Kea with its PostgreSQL lease backend against a throw-away
cluster (initdb as the `postgres` user in the work directory, Unix socket only, no TCP,
default durability: fsync and synchronous_commit on), the database pinned to the
server's CPU; `kea-admin db-init pgsql` creates Kea's schema, and the lease table is
emptied before each run. Needs Debian's postgresql.

Needs root (network namespaces), Debian's kea-dhcp4-server and kea-admin (perfdhcp),
and a release build of the tool (`cargo build --release -p ex_dhcp-tools --bin
lease_server`, the default EXE). Two namespaces joined by a veth pair, 198.18.4.0/22:
the server at .1 pinned to CPU 1, perfdhcp at .2 pinned to CPU 0, acting as a relay
agent (giaddr set, replies to port 67), as the interop test does. For each server and
rate, servers interleaved so that both meet the same machine: perfdhcp runs `--secs`
seconds of DISCOVERs at the rate, each OFFER answered with a REQUEST, from `--clients`
simulated clients; the server's CPU time (utime + stime from /proc) over the run is
divided by the ACKs it sent.

Prints a Markdown table: per server and rate, DISCOVERs and REQUESTs sent, the share
unanswered in each exchange, the achieved DORA rate, and CPU microseconds per DORA.
A rate is clean when both exchanges lose less than 1%.
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
SERVER_IP = "198.18.4.1"
CLIENT_IP = "198.18.4.2"
PREFIX = "22"
MASK = "255.255.252.0"
POOL_FIRST = "198.18.4.10"
POOL_LAST = "198.18.7.250"
SERVER_CPU = "1"
CLIENT_CPU = "0"
LEASE_SECS = 3600


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


def teardown():
    for name in (SERVER_NS, CLIENT_NS):
        run("ip", "netns", "del", name, check=False)


def cpu_ticks(pid):
    """utime + stime of a process and its threads, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


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
                "subnet": f"198.18.4.0/{PREFIX}",
                "pools": [{"pool": f"{POOL_FIRST} - {POOL_LAST}"}],
                "option-data": [{"name": "routers", "data": SERVER_IP}],
            }],
            "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                         "output_options": [{"output": os.path.join(work, "kea.log")}]}],
        }
    }
    if pg is not None:
        config["Dhcp4"]["lease-database"] = {
            "type": "postgresql", "name": "kea", "user": "postgres", "password": "unused",
            "host": pg,
        }
    return config


def start_server(kind, work, lease_server, pg=None):
    log = open(os.path.join(work, f"{kind}.log"), "w")
    pin = ["taskset", "-c", SERVER_CPU]
    if kind in ("kea-memfile", "kea-pgsql"):
        path = os.path.join(work, "kea.json")
        with open(path, "w") as out:
            json.dump(kea_config(work, pg=pg if kind == "kea-pgsql" else None), out)
        env = dict(os.environ, KEA_PIDFILE_DIR=work, KEA_LOCKFILE_DIR=work)
        command = ["ip", "netns", "exec", SERVER_NS, *pin, "kea-dhcp4", "-c", path]
    else:
        command = ["ip", "netns", "exec", SERVER_NS, *pin, lease_server,
                   "--server", SERVER_IP, "--mask", MASK, "--range", f"{POOL_FIRST}-{POOL_LAST}",
                   "--lease-time", str(LEASE_SECS), "--allow-relays", "on", "--port", "67",
                   "--log-level", "warn"]
        if kind == "lease-file":
            lease_file = os.path.join(work, "leases")
            if os.path.exists(lease_file):
                os.remove(lease_file)
            command += ["--lease-file", lease_file]
        env = os.environ
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    time.sleep(1.0)  # both bind within milliseconds; a second covers a loaded machine
    if process.poll() is not None:
        sys.exit(f"{kind} exited at start, see {log.name}")
    # `ip netns exec` and taskset exec the server: the pid is the server's.
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


def one_run(kind, rate, secs, clients, work, lease_server, pg=None):
    # Kea keeps leases across runs in its CSV; start every run from an empty table.
    for name in ("kea-leases4.csv", "kea-leases4.csv.2", "leases"):
        path = os.path.join(work, name)
        if os.path.exists(path):
            os.remove(path)
    if kind == "kea-pgsql":
        run("psql", "-h", pg, "-U", "postgres", "-d", "kea", "-c", "TRUNCATE lease4")
    server = start_server(kind, work, lease_server, pg)
    before = cpu_ticks(server.pid)
    perfdhcp = ns(CLIENT_NS, "taskset", "-c", CLIENT_CPU, "perfdhcp", "-4", "-r", str(rate),
                  "-p", str(secs), "-R", str(clients), "-W", "2000000", "-l", "bcli", SERVER_IP,
                  check=False)
    after = cpu_ticks(server.pid)
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
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="1000,2000,8000,16000")
    parser.add_argument("--secs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=10000)
    parser.add_argument("--servers", default="kea-memfile,lease-file,lease-memory")
    parser.add_argument("--lease-server", default="target/release/lease_server")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: network namespaces and port 67")
    for tool in ("kea-dhcp4", "perfdhcp", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install kea-dhcp4-server kea-admin util-linux")
    if not os.access(args.lease_server, os.X_OK):
        sys.exit(f"{args.lease_server} is missing: "
                 "cargo build --release -p ex_dhcp-tools --bin lease_server")
    lease_server = os.path.abspath(args.lease_server)
    servers = args.servers.split(",")
    rates = [int(rate) for rate in args.rates.split(",")]
    work = tempfile.mkdtemp(prefix="exdbench-")
    os.chmod(work, 0o755)
    rows = []
    setup()
    pg = pg_start(work) if "kea-pgsql" in servers else None
    try:
        for rate in rates:
            # Interleaved: each rate runs every server before the next rate.
            for kind in servers:
                row = one_run(kind, rate, args.secs, args.clients, work, lease_server, pg)
                rows.append(row)
                print(f"{kind} {rate}/s: DORA {row['dora_per_sec']:.0f}/s, drops "
                      f"{row['do_drop']:.1f}% / {row['ra_drop']:.1f}%, "
                      f"{row['cpu_us_per_dora']:.1f} us CPU per DORA", file=sys.stderr)
    finally:
        teardown()
        if pg is not None:
            pg_stop(pg)
    print("| server | rate/s | DISCOVER sent | REQUEST sent | DO lost | RA lost | DORA/s | "
          "CPU µs/DORA | clean |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        clean = "yes" if row["do_drop"] < 1 and row["ra_drop"] < 1 else "no"
        print(f"| {row['server']} | {row['rate']} | {row['discovers']} | {row['requests']} | "
              f"{row['do_drop']:.1f}% | {row['ra_drop']:.1f}% | {row['dora_per_sec']:.0f} | "
              f"{row['cpu_us_per_dora']:.1f} | {clean} |")
    by_rate = {}
    for row in rows:
        by_rate.setdefault(row["rate"], {})[row["server"]] = row
    if "kea-memfile" in servers:
        print()
        print("| rate/s | " + " | ".join(f"{s} CPU / Kea's" for s in servers if s != "kea-memfile")
              + " |")
        print("|---|" + "---|" * (len(servers) - 1))
        for rate, row in sorted(by_rate.items()):
            kea = row["kea-memfile"]["cpu_us_per_dora"]
            ratios = [f"{row[s]['cpu_us_per_dora'] / kea:.2f}" for s in servers if s != "kea-memfile"]
            print(f"| {rate} | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
