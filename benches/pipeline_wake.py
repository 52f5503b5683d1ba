#!/usr/bin/env python3
"""Same-run comparison of several server builds, with their CPU cost.

    python3 benches/pipeline_wake.py ROUNDS SECS NAME=EXE... [echo]
    RATE=30000 python3 benches/pipeline_wake.py ...     # fixed rate instead of --max

Each EXE is a build of benches/src/bin/pipeline_bench (run as `EXE serve pipeline`); `echo`
is the raw UDP echo of the current build. Rounds are interleaved (order rotates);
per variant it prints the median replies/s, the median per-round ratio to the echo,
the server's CPU (user+system, /proc/PID/stat) and context switches (all threads,
/proc/PID/task/*/status) per request/reply, its user CPU, the load generator's CPU
(getrusage of children), and p50/p99 latency. Needs CARGO_TARGET_DIR's release
builds of pipeline_bench and loadgen.
"""
import resource, os, subprocess, sys, time, statistics, re
TARGET = os.environ.get("CARGO_TARGET_DIR", "target")
NEW = f"{TARGET}/release/pipeline_bench"
LOADGEN = f"{TARGET}/release/loadgen"
TICK = os.sysconf("SC_CLK_TCK")
rounds = int(sys.argv[1]); secs = sys.argv[2]
variants = [a.split("=", 1) if "=" in a else (a, a) for a in sys.argv[3:]]
def spawn(spec):
    env = dict(os.environ)
    exe, kind = (NEW, "echo") if spec == "echo" else (spec, "pipeline")
    p = subprocess.Popen([exe, "serve", kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
    port = int(p.stdout.readline().split()[1])
    return p, port
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = int(f[11]) + int(f[12])
    global UT
    UT = int(f[11])
    cs = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        s = open(f"/proc/{pid}/task/{t}/status").read()
        cs += sum(int(x) for x in re.findall(r"ctxt_switches:\s+(\d+)", s))
    return ticks, cs
servers = {name: spawn(spec) for name, spec in variants}
RATE = os.environ.get("RATE")
LAT = []
def load(port, dur, extra=()):
    mode = ["--rate", RATE, "--in-flight", "2048"] if RATE else ["--max", "--in-flight", "32"]
    out = subprocess.run([LOADGEN, "--addr", f"127.0.0.1:{port}", *mode, "--duration", dur, *extra], capture_output=True, text=True).stdout
    m = re.search(r"received\s+(\d+) in ([\d.]+) s", out)
    l = re.search(r"p50 ([\d.]+) us, p90 ([\d.]+) us, p99 ([\d.]+) us", out)
    LAT.append((float(l.group(1)), float(l.group(3))) if l else (0, 0))
    return int(m.group(1)), float(m.group(2))
for name, (p, port) in servers.items(): load(port, "0.3")
res = {name: [] for name in servers}
names = list(servers)
for r in range(rounds):
    order = names[r % len(names):] + names[:r % len(names)]
    for name in order:
        p, port = servers[name]
        t0, c0 = cpu(p.pid); u0 = UT
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        n, el = load(port, secs)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t1, c1 = cpu(p.pid); u1 = UT
        lg = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e6 / n
        res[name].append((n / el, (t1 - t0) / TICK * 1e6 / n, (c1 - c0) / n, (u1 - u0) / TICK * 1e6 / n, lg, LAT[-1][0], LAT[-1][1]))
    la = open("/proc/loadavg").read().split()[0]
    print(f"round {r} load {la}: " + "  ".join(f"{k} {res[k][-1][0]:.0f}" for k in names), flush=True)
echo = res.get("echo")
print(f"\n{'variant':<10} {'median/s':>9} {'ratio/echo':>10} {'cpu us/cyc':>10} {'ctxsw/cyc':>9} {'user us':>8} {'loadgen us':>10} {'p50 us':>7} {'p99 us':>8}")
for name in names:
    rates = [x[0] for x in res[name]]
    ratio = statistics.median([x[0] / e[0] for x, e in zip(res[name], echo)]) if echo else float('nan')
    print(f"{name:<10} {statistics.median(rates):>9.0f} {ratio:>10.3f} {statistics.median([x[1] for x in res[name]]):>10.2f} {statistics.median([x[2] for x in res[name]]):>9.2f} {statistics.median([x[3] for x in res[name]]):>8.2f} {statistics.median([x[4] for x in res[name]]):>10.2f} {statistics.median([x[5] for x in res[name]]):>7.1f} {statistics.median([x[6] for x in res[name]]):>8.1f}")
for p, _ in servers.values():
    p.stdin.close(); p.wait()
