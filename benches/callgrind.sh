#!/usr/bin/env bash
# Instructions per packet for each codec operation, counted by callgrind.
#
#   bash benches/callgrind.sh [N]      # N defaults to 1000
#   PACKETS="short_1opt overloaded" bash benches/callgrind.sh   # other packets
#
# PACKETS names packets of benches/src/lib.rs (`packets()` or `worst_case_packets()`);
# it defaults to the four of `packets()`. BIN=path counts a codec_callgrind built
# elsewhere (say, from an earlier commit) instead of building this checkout's.
#
# Runs benches/src/bin/codec_callgrind.rs once with N iterations and once with 0, and prints
# (I(N) - I(0)) / N: the instructions of one operation, setup subtracted. Counts do
# not depend on machine load, so they are the stable measure next to wall-clock ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
target=${CARGO_TARGET_DIR:-target}
if [ -z "${BIN:-}" ]; then
    cargo build --quiet --release -p ex_dhcp-benches --bin codec_callgrind
fi
bin=${BIN:-$target/release/codec_callgrind}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

instructions() { # LIBRARY OPERATION PACKET N
    local file="$out/cg.$1.$2.$3.$4"
    valgrind --tool=callgrind --callgrind-out-file="$file" "$bin" "$1" "$2" "$3" "$4" 2>/dev/null
    awk '/^totals:/ { print $2 }' "$file"
}

per_op() { # LIBRARY OPERATION PACKET
    local base full
    base=$(instructions "$1" "$2" "$3" 0)
    full=$(instructions "$1" "$2" "$3" "$n")
    echo $(((full - base) / n))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# ex_dhcp: fresh decode (Packet::decode) and decode_from into a reused packet.
# ratio = dhcproto / ex_dhcp.
printf '%-34s %-6s %8s %8s %9s %8s %8s\n' \
    packet op ex_dhcp reused dhcproto ratio r_reused
for packet in ${PACKETS:-discover relay_discover offer_many pxe_discover}; do
    ex=$(per_op ex decode "$packet")
    reused=$(per_op ex decode_from "$packet")
    other=$(per_op dhcproto decode "$packet")
    printf '%-34s %-6s %8d %8d %9d %8s %8s\n' "$packet" decode \
        "$ex" "$reused" "$other" "$(ratio "$other" "$ex")" "$(ratio "$other" "$reused")"
    ex=$(per_op ex encode "$packet")
    other=$(per_op dhcproto encode "$packet")
    printf '%-34s %-6s %8d %8s %9d %8s %8s\n' "$packet" encode "$ex" - "$other" \
        "$(ratio "$other" "$ex")" -
done
