#!/usr/bin/env bash
# Syscalls per request/reply cycle of a server, by strace -c -f on all its threads.
#
#   bash benches/pipeline_strace.sh EXE [N]     # EXE: a build of benches/src/bin/pipeline_bench
#
# Starts `EXE serve pipeline`, warms it up, then counts syscalls over N (20000)
# saturated cycles from loadgen (32 in flight). strace slows every syscall, so the
# mix, not the rate, is what to read.
set -euo pipefail
exe=$1; n=${2:-20000}
loadgen=${CARGO_TARGET_DIR:-target}/release/loadgen
out=$(mktemp)
coproc SERVER { exec "$exe" serve pipeline; }
read -r line <&"${SERVER[0]}"; port=${line#port }
"$loadgen" --addr 127.0.0.1:$port --max-requests 2000 --in-flight 32 --duration 10 >/dev/null
strace -c -f -o "$out" $(ls /proc/$SERVER_PID/task | sed "s/^/-p /") 2>/dev/null & st=$!
sleep 0.5
"$loadgen" --addr 127.0.0.1:$port --max-requests $n --in-flight 32 --duration 60 | grep -E '^(received|dropped)' | tr '\n' ' '
kill -INT $st; wait $st || true
exec {SERVER[1]}>&-; wait "$SERVER_PID" || true
awk -v n=$n '/^ *[0-9]/ && $NF ~ /^[a-z_]+$/ && $NF != "total" { calls[$NF]=$4; if ($5 ~ /^[0-9]+$/) {} } END { tot=0; for (k in calls) { printf "%s=%.3f ", k, calls[k]/n; tot+=calls[k] } printf "total=%.2f\n", tot/n }' "$out"
rm -f "$out"
