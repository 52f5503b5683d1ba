#!/usr/bin/env bash
# Instructions per request/reply cycle in the server process, per thread, by callgrind.
#
#   bash benches/pipeline_callgrind.sh [N1] [N2]     # defaults 1000 and 6000
#
# Runs `pipeline_bench serve pipeline` (the real server, trivial handler) under
# callgrind with --separate-threads, drives it from tools/src/bin/loadgen.rs (natively, not
# under valgrind) with N1 and then N2 DISCOVERs, and prints (I(N2) - I(N1)) / (N2 - N1)
# per thread: start-up and idle costs cancel out. Counts do not depend on machine load.
set -euo pipefail
cd "$(dirname "$0")/.."
n1=${1:-1000}
n2=${2:-6000}
target=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p ex_dhcp-benches --bin pipeline_bench && cargo build --quiet --release -p ex_dhcp-tools --bin loadgen
server="$target/release/pipeline_bench"
loadgen="$target/release/loadgen"
# KEEP=dir keeps the callgrind files there (for callgrind_annotate).
out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
# Few in flight and a long timeout: the server runs tens of times slower under valgrind.
in_flight=4
timeout_ms=10000

run() { # N: serve N requests under callgrind; per-thread outputs in $out/cg.N-*
    coproc SERVER { valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$out/cg.$1" "$server" serve pipeline 2>/dev/null; }
    local line port
    read -r line <&"${SERVER[0]}"
    port=${line#port }
    "$loadgen" --addr "127.0.0.1:$port" --max-requests "$1" --in-flight "$in_flight" \
        --timeout "$timeout_ms" --duration 600 | grep -E '^(received|dropped)' >&2
    exec {SERVER[1]}>&-
    wait "$SERVER_PID"
}

thread_total() { # N THREAD
    awk '/^totals:/ { print $2 }' "$out/cg.$1-$2"
}

run "$n1"
run "$n2"
# Thread order: 01 main (stdin), 02 sender, 03 handler, 04 receive (spawn order in src/server/wiring.rs).
names=(main sender handler receive)
all=0
printf '%-8s %12s\n' thread instr/cycle
for index in 1 2 3 4; do
    thread=$(printf '%02d' "$index")
    a=$(thread_total "$n1" "$thread")
    b=$(thread_total "$n2" "$thread")
    per=$(((b - a) / (n2 - n1)))
    all=$((all + per))
    printf '%-8s %12d\n' "${names[index - 1]}" "$per"
done
printf '%-8s %12d\n' total "$all"
