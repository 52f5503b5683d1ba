#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the DHCP payloads of the shared fixture captures,
# one file per packet, for both fuzz targets. The corpus is generated, not committed.
#
#   fuzz/seed.sh [captures-dir]    (default: ../shared/fixtures/captures from the repo root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
captures="${1:-$here/../../shared/fixtures/captures}"
[ -d "$captures" ] || { echo "no captures at $captures" >&2; exit 1; }

python3 - "$captures" "$here/corpus" <<'PY'
import pathlib, struct, sys

captures, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
count = 0
for pcap in sorted(captures.glob("*.pcap")):
    data = pcap.read_bytes()
    # Classic pcap, little-endian, Ethernet (see fixtures/README.md).
    assert data[:4] == b"\xd4\xc3\xb2\xa1", f"{pcap.name}: not little-endian pcap"
    assert struct.unpack_from("<I", data, 20)[0] == 1, f"{pcap.name}: not Ethernet"
    at, index = 24, 0
    while at + 16 <= len(data):
        incl_len = struct.unpack_from("<I", data, at + 8)[0]
        frame = data[at + 16 : at + 16 + incl_len]
        at += 16 + incl_len
        assert frame[12:14] == b"\x08\x00", f"{pcap.name}#{index}: not IPv4"
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        assert ip[9] == 17, f"{pcap.name}#{index}: not UDP"
        udp = ip[ihl:]
        udp_len = struct.unpack_from(">H", udp, 4)[0]
        payload = udp[8:udp_len]
        for target in ("decode", "round_trip"):
            out = corpus / target
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{pcap.stem}-{index}").write_bytes(payload)
        index += 1
        count += 1
print(f"{count} payloads written to {corpus}/{{decode,round_trip}}")
PY
