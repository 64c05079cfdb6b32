#!/usr/bin/env bash
# Findings per rule on large real trees: where a noisy rule shows up (see bench/README.md).
#
#   bench/scan-real.sh                          the default trees (below), a table of findings per rule
#   bench/scan-real.sh DIR...                   these trees instead
#   bench/scan-real.sh --git REPO.git [DIR...]  also the full history of a git repository (bare is fine)
#   bench/scan-real.sh --details                also list each finding: file:line, rule, masked value
#                                               and the line with the secret masked
#   bench/scan-real.sh --generic                only the generic rules (generic-*)
#
# Default trees: /tmp/kops (kubernetes/kops), /tmp/kops-novendor (the same without vendor/) and
# ~/.cargo/registry/src (the crate sources cargo downloaded), each skipped when missing.
#
# Environment (all optional):
#   ZEROKEY=path (or ZEROKEY_BIN)  use this zerokey binary instead of building one
#   CARGO_TARGET_DIR               release build dir (default $HOME/.cache/zerokey/target-release)
#   OUT_DIR                        where the JSON reports go (default: a new /tmp/zk-real.*)
#   WIDTH=160                      longest line excerpt printed with --details
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

details=0
generic=0
gits=()
trees=()
while [ $# -gt 0 ]; do
  case $1 in
    --details) details=1; shift ;;
    --generic) generic=1; shift ;;
    --git) [ $# -ge 2 ] || { echo "--git needs a repository" >&2; exit 2; }; gits+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown argument: $1" >&2; exit 2 ;;
    *) trees+=("$1"); shift ;;
  esac
done

log() { printf '[real] %s\n' "$*" >&2; }
die() { printf '[real] error: %s\n' "$*" >&2; exit 2; }
command -v python3 >/dev/null || die "python3 is needed"

if [ ${#trees[@]} -eq 0 ] && [ ${#gits[@]} -eq 0 ]; then
  for t in /tmp/kops /tmp/kops-novendor "$HOME/.cargo/registry/src"; do
    if [ -d "$t" ]; then trees+=("$t"); else log "skipping missing default tree $t"; fi
  done
fi
for t in "${trees[@]}"; do [ -d "$t" ] || die "not a directory: $t"; done
for g in "${gits[@]}"; do git -C "$g" rev-parse --git-dir >/dev/null 2>&1 || die "not a git repository: $g"; done

zk=${ZEROKEY:-${ZEROKEY_BIN:-}}
if [ -z "$zk" ]; then
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}
  log "building zerokey (release) in $CARGO_TARGET_DIR"
  (cd "$repo" && cargo build --release -p zerokey-cli --bin zerokey --locked -q) >&2
  zk=$CARGO_TARGET_DIR/release/zerokey
fi
[ -x "$zk" ] || die "no zerokey binary at $zk"

OUT_DIR=${OUT_DIR:-$(mktemp -d /tmp/zk-real.XXXXXX)}
mkdir -p "$OUT_DIR"
log "reports in $OUT_DIR"

# One scan per input; the name is a short label for the table.
labels=()
reports=()
scan() { # label report zerokey-args...
  local label=$1 report=$2 start end
  shift 2
  log "scanning $label"
  start=$(date +%s.%N)
  "$zk" scan --no-config --no-progress --format json --output "$report" "$@" 2>"$report.stderr" || {
    local rc=$?
    # exit 1 only means "something was found" with --fail-on-findings; anything else is an error
    [ $rc -eq 1 ] || { cat "$report.stderr" >&2; die "zerokey failed on $label (exit $rc)"; }
  }
  end=$(date +%s.%N)
  log "$label: $(python3 -c "print(f'{$end-$start:.1f}')") s"
  labels+=("$label")
  reports+=("$report")
}

n=0
for t in "${trees[@]}"; do
  n=$((n + 1))
  scan "$t" "$OUT_DIR/tree$n.json" "$t"
done
for g in "${gits[@]}"; do
  n=$((n + 1))
  scan "$g (history)" "$OUT_DIR/tree$n.json" --git "$g"
done

args=()
for i in "${!labels[@]}"; do args+=("${labels[$i]}" "${reports[$i]}"); done
for g in "${gits[@]}"; do args+=("--git-repo" "$g"); done
DETAILS=$details GENERIC=$generic WIDTH=${WIDTH:-160} python3 - "${args[@]}" <<'PY'
import json, os, subprocess, sys
from collections import Counter, OrderedDict

argv = sys.argv[1:]
gits = [argv[i + 1] for i, a in enumerate(argv) if a == "--git-repo"]
pairs = [a for i, a in enumerate(argv) if a != "--git-repo" and (i == 0 or argv[i - 1] != "--git-repo")]
inputs = list(zip(pairs[0::2], pairs[1::2]))
details = os.environ["DETAILS"] == "1"
only_generic = os.environ["GENERIC"] == "1"
width = int(os.environ["WIDTH"])

counts = OrderedDict()
all_findings = []
for label, path in inputs:
    with open(path) as f:
        doc = json.load(f)
    found = [x for x in doc["findings"] if not only_generic or x["rule_id"].startswith("generic-")]
    counts[label] = Counter(x["rule_id"] for x in found)
    all_findings.append((label, found))

rules = sorted({r for c in counts.values() for r in c}, key=lambda r: (-sum(c[r] for c in counts.values()), r))
heads = [os.path.basename(l.rstrip("/")) or l for l, _ in inputs]
print("| rule | " + " | ".join(heads) + " |")
print("|---|" + "---:|" * len(heads))
for r in rules:
    print(f"| {r} | " + " | ".join(str(counts[l][r]) for l, _ in inputs) + " |")
gen = lambda c: sum(v for k, v in c.items() if k.startswith("generic-"))
print("| **generic total** | " + " | ".join(str(gen(counts[l])) for l, _ in inputs) + " |")
print("| **total** | " + " | ".join(str(sum(counts[l].values())) for l, _ in inputs) + " |")

if not details:
    sys.exit(0)

def read_line(label, f):
    """The finding's line, from the file on disk or (history) from the commit's blob."""
    try:
        if f.get("commit") and gits:
            repo = gits[0] if len(gits) == 1 else next(g for g in gits if label.startswith(g))
            data = subprocess.run(["git", "-C", repo, "show", f"{f['commit']}:{f['path']}"],
                                  capture_output=True, check=True).stdout
        elif f.get("location"):
            return None  # inside an archive or a database: no plain line to show
        else:
            with open(f["path"], "rb") as h:
                data = h.read()
    except Exception:
        return None
    lines = data.split(b"\n")
    if f["line"] - 1 >= len(lines):
        return None
    return lines[f["line"] - 1].decode("utf-8", "replace")

for label, found in all_findings:
    print(f"\n## {label}: {len(found)} findings\n")
    for f in sorted(found, key=lambda x: (x["rule_id"], x["path"], x["line"])):
        where = f"{f['path']}:{f['line']}"
        if f.get("location"):
            where += f" ({f['location']})"
        if f.get("commit"):
            where = f"{f['commit'][:10]} {where}"
        print(f"- {where}  {f['rule_id']}  {f['redacted']}")
        line = read_line(label, f)
        if line is None:
            continue
        start = f["column"] - 1
        end = f["end_column"] if f["end_line"] == f["line"] else len(line)
        # Columns count bytes; mask on the byte string so multi-byte text does not shift them.
        raw = line.encode("utf-8", "replace")
        masked = (raw[:start] + f["redacted"].encode() + raw[end:]).decode("utf-8", "replace")
        lo = max(0, start - width // 2)
        excerpt = masked[lo:lo + width].strip()
        print(f"    {excerpt}")
PY
