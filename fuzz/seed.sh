#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with the DHCP payloads of the fixture captures, one
# file per packet, for every fuzz target, plus a plain BOOTP request and a packet
# whose last option is cut (the paths the strict fixtures do not reach). The corpus
# is generated, not committed.
#
#   fuzz/seed.sh [captures-dir]    (default: tests/data/captures in the repository)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
captures="${1:-$here/../tests/data/captures}"
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
        for target in ("decode", "round_trip", "exact"):
            out = corpus / target
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{pcap.stem}-{index}").write_bytes(payload)
        index += 1
        count += 1

# Plain BOOTP (RFC 951): header, then a vendor area of zeros; and a DHCP packet
# whose host name option says 20 bytes but has 4 (lenient decode cuts it).
header = bytearray(236)
header[0:4] = bytes([1, 1, 6, 0])
header[4:8] = bytes([0x12, 0x34, 0x56, 0x78])
header[28:34] = bytes([2, 0, 0, 0, 0, 1])
bootp = bytes(header) + bytes(64)
cut = bytes(header) + bytes([99, 130, 83, 99, 53, 1, 1, 12, 20]) + b"host"
for target in ("decode", "round_trip", "exact"):
    out = corpus / target
    out.mkdir(parents=True, exist_ok=True)
    (out / "bootp-plain").write_bytes(bootp)
    (out / "cut-last-option").write_bytes(cut)
count += 2
print(f"{count} payloads written to {corpus}/{{decode,round_trip,exact}}")
PY
