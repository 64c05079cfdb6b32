#!/usr/bin/env bash
# Hostile inputs: peak RSS and wall time of `zerokey audit` on a 50 MB IAM policy and of
# `zerokey scan` on a ~730 KB zip whose central directory points 1,000 times at one stored
# member, and how long `zerokey scan - < /dev/zero` takes to give up. Measured with
# /usr/bin/time -v (peak RSS) on inputs generated here with python3.
#
#   bench/hostile-inputs.sh
#
# Environment (optional): ZEROKEY_BIN (use this binary instead of building a release one),
# CARGO_TARGET_DIR (release build dir, default $HOME/.cache/zerokey/target-release).
set -euo pipefail
target=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}
if [ -n "${ZEROKEY_BIN:-}" ]; then
  zk=$ZEROKEY_BIN
else
  CARGO_TARGET_DIR=$target cargo build -q --release -p zerokey-cli
  zk=$target/release/zerokey
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import json, os, random, struct, sys, zlib
work = sys.argv[1]
# A 50 MB IAM policy: many statements.
stmts, size, i = [], 0, 0
while size < 50_000_000:
    s = {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::bucket-{i}/*"}
    stmts.append(s); size += 90; i += 1
with open(os.path.join(work, "huge.json"), "w") as f:
    json.dump({"Version": "2012-10-17", "Statement": stmts}, f)
# One stored member of ~700 KB of hex text, referenced 1,000 times by the central directory.
rnd = random.Random(7)
data = "".join(f"{rnd.getrandbits(64):016x} {rnd.getrandbits(64):016x}\n"
               for _ in range(700 * 1024 // 34)).encode()
crc, name = zlib.crc32(data), b"m0000.txt"
z = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0x21, crc, len(data), len(data),
                len(name), 0) + name + data
cd = b""
for i in range(1000):
    n = f"m{i:04}.txt".encode()
    cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0x21, crc, len(data),
                      len(data), len(n), 0, 0, 0, 0, 0o100644 << 16, 0) + n
z += cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1000, 1000, len(cd), len(z), 0)
os.mkdir(os.path.join(work, "zip"))
with open(os.path.join(work, "zip", "overlap.zip"), "wb") as f:
    f.write(z)
PY

measure() {
  local label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || true
  local rss wall
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
  printf '%-44s peak RSS %8s MB   wall %s\n' "$label" "$rss" "$wall"
}
ls -l "$work/huge.json" "$work/zip/overlap.zip" | awk '{print $5, $9}'
measure "audit huge.json (>50 MB policy)" "$zk" audit --no-config "$work/huge.json"
measure "audit huge.json --max-file-size 64M" "$zk" audit --no-config --max-file-size 64M "$work/huge.json"
measure "scan overlap.zip (1,000 refs to one member)" "$zk" scan --no-config "$work/zip"
measure "scan - < /dev/zero" sh -c "exec '$zk' scan --no-config - < /dev/zero"
