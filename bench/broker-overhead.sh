#!/usr/bin/env bash
# Broker overhead: latency of `GET /api/s3/buckets` through `zerokey serve` versus the same
# AssumeRole + ListBuckets done directly with aws-sdk-rust, against the same AWS emulator, with
# the same closed-loop client (crates/zerokey-broker/examples/broker_load.rs) at several
# concurrencies; then the server's RSS over a long run (memory must stay flat).
#
#   bench/broker-overhead.sh
#
# Environment (all optional):
#   CONCURRENCY="1 16 64"   concurrent clients per round
#   REQUESTS=1000           requests per round and path
#   MEM_REQUESTS=10000      requests of the memory run (the emulator serves ~100-150/s here)
#   PORT=5160               emulator port (its own, so tests elsewhere are not disturbed)
#   CARGO_TARGET_DIR        release build dir (default $HOME/.cache/zerokey/target-release)
#   ZEROKEY_BIN, LOAD_BIN   use these binaries instead of building
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
REQUESTS=${REQUESTS:-1000}
MEM_REQUESTS=${MEM_REQUESTS:-10000}
PORT=${PORT:-5160}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}

if [ -z "${ZEROKEY_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ]; then
  echo "building release binaries (zerokey, broker_load)..." >&2
  (cd "$repo" && cargo build --release --locked -q -p zerokey-cli -p zerokey-broker --example broker_load)
  ZEROKEY_BIN=$CARGO_TARGET_DIR/release/zerokey
  LOAD_BIN=$CARGO_TARGET_DIR/release/examples/broker_load
fi

emulator="$repo/scripts/aws-emulator"
endpoint=$(AWS_EMULATOR_PORT=$PORT "$emulator/start")
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  AWS_EMULATOR_PORT=$PORT "$emulator/stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
curl -sf -XPOST "$endpoint/moto-api/reset" >/dev/null

export AWS_ENDPOINT_URL=$endpoint AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
db="sqlite://$work/zerokey.db"
printf 'bench-password-1\n' | "$ZEROKEY_BIN" admin create-user bench --database "$db" >/dev/null
token=$("$ZEROKEY_BIN" admin create-token bench --database "$db" | awk '{print $NF}')
export ZEROKEY_TOKEN=$token   # the load client reads it from the environment, not argv
curl -sf -XPUT "$endpoint/zk-bench-bucket" >/dev/null

# Default log level (info: one JSON access-log line per request, through the redacting
# writer), as in production.
"$ZEROKEY_BIN" serve --listen 127.0.0.1:0 --database "$db" \
  --rate-per-user 100000000 --rate-per-addr 100000000 2>"$work/server.log" &
server_pid=$!
url=
for _ in $(seq 1 100); do
  addr=$(grep -o '"listen":"[^"]*"' "$work/server.log" 2>/dev/null | head -1 | cut -d'"' -f4 || true)
  if [ -n "$addr" ] && curl -sf "http://$addr/healthz" >/dev/null 2>&1; then
    url="http://$addr"; break
  fi
  sleep 0.1
done
[ -n "$url" ] || { echo "zerokey serve did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

# The token reaches curl on stdin (-K -), not on its command line.
api() { printf 'header = "Authorization: Bearer %s"\n' "$token" | curl -sf -K - -H 'Content-Type: application/json' "$@"; }
ext=$(api -XPOST "$url/api/connections/prepare" -d '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["externalId"])')
role=arn:aws:iam::123456789012:role/zk-bench
conn=$(api -XPOST "$url/api/aws/verify" -d "{\"roleArn\":\"$role\",\"externalId\":\"$ext\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["connection"]["id"])')

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# Warm up both paths (connection pools, the emulator's first calls).
"$LOAD_BIN" direct 4 100 "$role" "$ext" >/dev/null
"$LOAD_BIN" broker 4 100 "$url" "$conn" >/dev/null

# The emulator slows down as its state grows (every session it issued is kept), so each row
# runs the two paths in ABBA order (direct, broker, broker, direct; REQUESTS/2 each) and
# reports the mean of the two p50s and the larger p99 of each path.
half=$((REQUESTS / 2))
printf '\n%-6s %-22s %-22s %-18s %s\n' clients "direct p50/p99 (ms)" "broker p50/p99 (ms)" "overhead p50 (ms)" "errors d/b"
for c in $CONCURRENCY; do
  d1=$("$LOAD_BIN" direct "$c" "$half" "$role" "$ext")
  b1=$("$LOAD_BIN" broker "$c" "$half" "$url" "$conn")
  b2=$("$LOAD_BIN" broker "$c" "$half" "$url" "$conn")
  d2=$("$LOAD_BIN" direct "$c" "$half" "$role" "$ext")
  python3 - "$c" "$d1" "$d2" "$b1" "$b2" <<'PY'
import json, sys
c = sys.argv[1]
d1, d2, b1, b2 = (json.loads(a) for a in sys.argv[2:])
dp50 = (d1["p50_ms"] + d2["p50_ms"]) / 2
bp50 = (b1["p50_ms"] + b2["p50_ms"]) / 2
dp99 = max(d1["p99_ms"], d2["p99_ms"])
bp99 = max(b1["p99_ms"], b2["p99_ms"])
print(f"{c:<6} {f'{dp50:.2f} / {dp99:.2f}':<22} {f'{bp50:.2f} / {bp99:.2f}':<22} "
      f"{f'{bp50 - dp50:+.2f}  (x{bp50 / dp50:.2f})':<18} "
      f"{d1['errors'] + d2['errors']}/{b1['errors'] + b2['errors']}")
PY
done

before=$(rss_kb)
m1=$("$LOAD_BIN" broker 16 $((MEM_REQUESTS / 2)) "$url" "$conn")
mid=$(rss_kb)
m2=$("$LOAD_BIN" broker 16 $((MEM_REQUESTS / 2)) "$url" "$conn")
after=$(rss_kb)
echo
echo "memory: server RSS ${before} kB before, ${mid} kB after $((MEM_REQUESTS / 2)) requests, ${after} kB after ${MEM_REQUESTS} (errors $(field "$m1" errors)+$(field "$m2" errors), $(field "$m2" rps) req/s)"
