#!/usr/bin/env bash
# Runs zerokey audit, zizmor (--offline) and checkov (--skip-download) on the same fixture tree
# and prints which planted issue each tool flags and how long each takes.
# Peers are installed from PyPI into a venv under ${ZK_PEERS:-/tmp/zk-audit-peers}.
# Usage: bench/audit-peers.sh [TREE]   (default: the zerokey-audit fixture tree)
#        bench/audit-peers.sh --real [OWNER/NAME...]
#   --real: real-world repositories (default list below) cloned with `git clone --depth 1` into
#   ${ZK_REAL:-/tmp/zk-real} (kept between runs); zerokey audits the folder of checkouts in one
#   run (each checkout is a repository), checkov and zizmor run on each checkout; prints the
#   files per repository, zerokey's findings per audit and severity, the peers' counts and times.
#   A checkout already under ${ZK_REAL} is used as it is; one that cannot be cloned is left out
#   (with a warning), and a peer that does not install or gives no JSON is shown as such.
#   ZK_NO_PEERS=1: zerokey only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
fx=$here/crates/zerokey-audit/tests/fixtures/audit
peers=${ZK_PEERS:-/tmp/zk-audit-peers}
target=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}
# Each peer is installed on its own: one that fails to install (no network, no wheel for this
# platform) is reported as "not installed" and skipped, not counted as finding nothing.
# ZK_NO_PEERS=1 runs zerokey alone (the peers are reported as not run).
have() { [ -z "${ZK_NO_PEERS:-}" ] && [ -x "$peers/bin/$1" ]; }
for p in zizmor checkov; do
  [ -z "${ZK_NO_PEERS:-}" ] || break
  have "$p" && continue
  [ -x "$peers/bin/pip" ] || python3 -m venv "$peers" || break
  "$peers/bin/pip" install -q "$p" >&2 || echo "warning: $p did not install; it is skipped" >&2
done
# ZEROKEY_BIN: use this binary instead of building a release one.
if [ -n "${ZEROKEY_BIN:-}" ]; then
  zk=$ZEROKEY_BIN
else
  CARGO_TARGET_DIR=$target cargo build -q --release -p zerokey-cli
  zk=$target/release/zerokey
fi
out=$(mktemp -d)
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
if [ "${1:-}" = "--real" ]; then
  shift
  real=${ZK_REAL:-/tmp/zk-real}
  repos=("$@")
  [ ${#repos[@]} -gt 0 ] || repos=(
    kubernetes/kops
    terraform-aws-modules/terraform-aws-iam
    terraform-aws-modules/terraform-aws-eks
    terraform-aws-modules/terraform-aws-ecs
    aws-cloudformation/aws-cloudformation-templates
    kubernetes/examples
    docker/awesome-compose
    actions/starter-workflows
  )
  mkdir -p "$real"
  # A checkout already under $real is used as it is (a pre-placed copy works offline); a repository
  # that cannot be cloned is reported and left out of every count, not counted as empty.
  ok=()
  for r in "${repos[@]}"; do
    d=$real/${r#*/}
    if [ ! -d "$d" ] && ! git clone -q --depth 1 "https://github.com/$r" "$d"; then
      rm -rf "$d"
      echo "warning: $r could not be cloned; left out" >&2
      continue
    fi
    if ! git -C "$d" rev-parse -q --verify HEAD >/dev/null; then
      echo "warning: $d is not a git checkout; left out" >&2
      continue
    fi
    ok+=("$r")
  done
  [ ${#ok[@]} -gt 0 ] || { echo "no repository to audit" >&2; exit 2; }
  # zerokey audits $real in one run; other folders there (checkouts of earlier runs) are excluded
  # through a config file, so the counts cover exactly the listed repositories.
  zcfg=()
  extra=$(cd "$real" && for e in *; do
    keep=; for r in "${ok[@]}"; do [ "$e" = "${r#*/}" ] && keep=1; done
    [ -n "$keep" ] || printf '"%s", ' "$e"
  done)
  if [ -n "$extra" ]; then
    printf '[audit]\nexclude = [%s]\n' "${extra%, }" > "$out/zk.toml"
    zcfg=(--config "$out/zk.toml")
  fi
  printf '%-48s %-10s %7s %7s\n' repository commit files iac
  for r in "${ok[@]}"; do
    d=$real/${r#*/}
    printf '%-48s %-10s %7s %7s\n' "$r" "$(git -C "$d" rev-parse --short=9 HEAD)" \
      "$(git -C "$d" ls-files | wc -l)" \
      "$(git -C "$d" ls-files | grep -Ec '\.(tf|ya?ml|json|template|config)$' || true)"
  done
  s=$(date +%s.%N)
  zrc=0
  "$zk" audit "$real" "${zcfg[@]}" --format json --output "$out/zk.json" 2>"$out/zk.err" || zrc=$?
  e=$(date +%s.%N); tz=$(echo "$e - $s" | bc)
  tck=0; tzi=0
  for r in "${ok[@]}"; do
    d=$real/${r#*/}; n=${r#*/}
    if have checkov; then
      a=$(t sh -c "'$peers/bin/checkov' --skip-download -d '$d' -o json --quiet > '$out/checkov-$n.json' 2>'$out/checkov-$n.err'")
      tck=$(echo "$tck + $a" | bc)
    fi
    if have zizmor; then
      b=$(t sh -c "'$peers/bin/zizmor' --offline --format json '$d' > '$out/zizmor-$n.json' 2>'$out/zizmor-$n.err'")
      tzi=$(echo "$tzi + $b" | bc)
    fi
  done
  python3 - "$out" "$zrc" "$(have checkov && echo 1)" "$(have zizmor && echo 1)" "${ok[@]}" <<'PY'
import json, sys, pathlib, collections
out = pathlib.Path(sys.argv[1]); zrc = sys.argv[2]
has_ck, has_zz = sys.argv[3] == "1", sys.argv[4] == "1"
repos = [r.split("/", 1)[1] for r in sys.argv[5:]]
try:
    zk = json.loads((out / "zk.json").read_text())
except Exception as e:
    zk = None
    print(f"\nzerokey: no report (exit {zrc}): {e}")
findings = zk.get("findings", []) if zk else []
sev_order = ["critical", "high", "medium", "low", "info"]
def repo_of(f):
    locs = f.get("locations") or [{}]
    return (locs[0].get("path") or "").split("/", 1)[0]
if zk:
    per = collections.Counter((f["rule_id"], f["severity"]) for f in findings)
    print(f"\nzerokey findings per audit (severity), exit {zrc}:")
    for (rule, sev), n in sorted(per.items(), key=lambda x: (sev_order.index(x[0][1]) if x[0][1] in sev_order else 9, -x[1], x[0])):
        print(f"  {n:5d}  {rule} ({sev})")
    s = zk.get("stats", {})
    sev = collections.Counter(f["severity"] for f in findings)
    print(f"  total {len(findings)} (" + ", ".join(f"{sev[k]} {k}" for k in sev_order if sev[k]) + ")")
    print(f"  inputs: {s.get('workflows')} workflows, {s.get('policies')} policies, "
          f"{s.get('terraform_files')} Terraform, {s.get('cloudformation_files')} CloudFormation, "
          f"{s.get('platform_files')} container/platform files, {s.get('repositories')} repositories; "
          f"{s.get('errors')} files not parsed")
def count(kind, n):
    """Findings of one peer on one checkout, or None when its output is missing or not JSON."""
    f = out / f"{kind}-{n}.json"
    try:
        v = json.loads(f.read_text())
    except Exception:
        err = out / f"{kind}-{n}.err"
        # zizmor refuses a checkout without workflows; that is zero findings, not a failure.
        if kind == "zizmor" and err.exists() and "no inputs collected" in err.read_text(errors="replace"):
            return 0
        return None
    if kind == "zizmor":
        return len(v) if isinstance(v, list) else None
    total = 0
    for r in (v if isinstance(v, list) else [v]):
        if isinstance(r, dict):
            total += len(r.get("results", {}).get("failed_checks", []))
    return total
print(f"\n{'repository':30} {'zk>=med':>8} {'zk all':>7} {'checkov':>8} {'zizmor':>7}")
zr = collections.Counter(repo_of(f) for f in findings)
zm = collections.Counter(repo_of(f) for f in findings if f["severity"] in sev_order[:3])
tot = {"checkov": 0, "zizmor": 0}; bad = {"checkov": [], "zizmor": []}
for n in repos:
    row = []
    for kind, has in (("checkov", has_ck), ("zizmor", has_zz)):
        c = count(kind, n) if has else None
        if c is None:
            row.append("n/a")
            if has:
                bad[kind].append(n)
        else:
            row.append(str(c)); tot[kind] += c
    print(f"{n:30} {zm[n]:8d} {zr[n]:7d} {row[0]:>8} {row[1]:>7}")
for kind, has in (("checkov", has_ck), ("zizmor", has_zz)):
    if not has:
        print(f"{kind}: not run (not installed, or ZK_NO_PEERS set)")
    else:
        extra = f" (no JSON output on: {', '.join(bad[kind])})" if bad[kind] else ""
        print(f"{kind} {'failed checks' if kind == 'checkov' else 'findings'}: {tot[kind]}{extra}")
PY
  printf '\nwall seconds: zerokey %.2f  zizmor %s  checkov %s\n' "$tz" \
    "$(have zizmor && printf %.2f "$tzi" || echo 'not run')" "$(have checkov && printf %.2f "$tck" || echo 'not run')"
  echo "$("$zk" --version); zizmor $(have zizmor && "$peers/bin/zizmor" --version 2>/dev/null | awk '{print $2}' || echo 'not run'); checkov $(have checkov && "$peers/bin/checkov" --version 2>/dev/null || echo 'not run')"
  echo "outputs: $out"
  exit 0
fi
# The default tree: every must-fire fixture once, in one git repository whose history added and
# then removed a .env file (the must-not-fire fixtures stay out, so repository-level checks such
# as "no secret scanning in CI" are not hidden by a passing fixture).
if [ $# -ge 1 ]; then
  tree=$1
else
  tree=$out/tree
  mkdir -p "$tree/iam" "$tree/infra/tf" "$tree/infra/cfn"
  cp -r "$fx/workflows/fire/.github" "$tree/"
  cp "$fx"/iam/fire/*.json "$tree/iam/"
  cp "$fx"/tf/fire/* "$tree/infra/tf/"
  cp "$fx"/cfn/fire/* "$tree/infra/cfn/"
  cp -r "$fx/repo/fire/." "$tree/"
  g() { git -C "$tree" -c user.name=bench -c user.email=bench@example.invalid -c commit.gpgsign=false "$@" >/dev/null; }
  g init -q
  printf 'DB_PASSWORD=not-a-real-one\n' > "$tree/.env"
  g add -A && g commit -qm "planted tree"
  g rm -q .env && g commit -qm "remove .env"
fi
tz=$(t sh -c "'$zk' audit '$tree' --format json --output '$out/zk.json'")
tzi=$(t sh -c "'$peers/bin/zizmor' --offline --format json '$tree' > '$out/zizmor.json'")
tck=$(t sh -c "'$peers/bin/checkov' --skip-download -d '$tree' -o json --quiet > '$out/checkov.json'")
# planted issue | zerokey rule | grep pattern in zizmor json | grep pattern in checkov json
planted=(
  "static AWS keys in a workflow|static-aws-keys-in-workflow|NOPE|NOPE"
  "OIDC without id-token: write|oidc-without-id-token-permission|NOPE|NOPE"
  "id-token: write workflow-wide|id-token-write-workflow-wide|NOPE|NOPE"
  "\${{ secret.X }} unknown context|malformed-secret-reference|NOPE|NOPE"
  "secret echoed in run|secret-echoed-in-run|NOPE|NOPE"
  "secrets in pull_request_target|secrets-in-pull-request-target|dangerous-triggers|NOPE"
  "write-all permissions|excessive-permissions|excessive-permissions|CKV2_GHA_1"
  "Action * / svc:*|iam-wildcard-action|NOPE|CKV_AWS_(1|62|63|286|287|288|289|290)"
  "Allow + NotAction|iam-not-action|NOPE|NOPE"
  "cross-account trust w/o ExternalId|cross-account-trust-without-external-id|NOPE|NOPE"
  "OIDC trust without aud|oidc-trust-without-audience|NOPE|NOPE"
  "OIDC sub repo:org/* or missing|oidc-trust-subject|NOPE|CKV_AWS_358"
  ".env committed (history)|env-file-tracked|NOPE|NOPE"
  ".env not in .gitignore|gitignore-env|NOPE|NOPE"
  "no SECURITY.md|missing-security-policy|NOPE|NOPE"
  "no LICENSE|missing-license|NOPE|NOPE"
  "IAM action on Resource *|iam-wildcard-resource|NOPE|CKV_AWS_(111|108|355|356)"
  "privilege escalation on *|iam-privilege-escalation|NOPE|CKV_AWS_(286|287|288|289)"
  "Principal *|iam-public-principal|NOPE|CKV_AWS_(70|168|33)"
  "S3 no default encryption|s3-bucket-encryption|NOPE|CKV_AWS_(19|145)"
  "S3 public-access flag off (by name)|s3-public-access-block|NOPE|CKV_AWS_(53|54|55|56)"
  "S3 versioning off|s3-bucket-versioning|NOPE|CKV_AWS_21"
  "S3 no lifecycle|s3-bucket-lifecycle|NOPE|CKV2_AWS_61"
  "DynamoDB no customer key|dynamodb-customer-managed-key|NOPE|CKV_AWS_119"
  "DynamoDB no PITR|dynamodb-point-in-time-recovery|NOPE|CKV_AWS_28"
  "API Gateway CORS *|api-gateway-cors-wildcard|NOPE|NOPE"
  "API Gateway no throttling|api-gateway-throttling|NOPE|NOPE"
  "API Gateway no access logs|api-gateway-access-logs|NOPE|CKV_AWS_(76|95)"
  "Lambda no reserved concurrency|lambda-reserved-concurrency|NOPE|CKV_AWS_115"
  "Lambda no DLQ / on-failure|lambda-dead-letter-queue|NOPE|CKV_AWS_116"
  "secret in Lambda env|lambda-secret-in-environment|NOPE|CKV_AWS_45"
  "unpinned requirements.txt|unpinned-requirements|NOPE|NOPE"
  "code reads env, no .env.example|env-example-missing|NOPE|NOPE"
  "static cloud keys in other CI|ci-static-cloud-keys|NOPE|NOPE"
  "no secret scanning in CI|no-secret-scanning-in-ci|NOPE|NOPE"
)
# Only failed checks count (checkov's JSON also lists the passed ones).
python3 - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
def load(name):
    try:
        return json.loads((out / name).read_text() or "null")
    except Exception:
        return None
zk = load("zk.json") or {}
(out / "zk.ids").write_text("\n".join(f["rule_id"] for f in zk.get("findings", [])) + "\n")
zz = load("zizmor.json") or []
(out / "zizmor.ids").write_text("\n".join(str(f.get("ident", "")) for f in zz) + "\n")
ck = load("checkov.json") or []
if isinstance(ck, dict):
    ck = [ck]
ids = [c["check_id"] for r in ck if isinstance(r, dict) for c in r.get("results", {}).get("failed_checks", [])]
(out / "checkov.ids").write_text("\n".join(ids) + "\n")
PY
printf '%-38s %-8s %-8s %-8s\n' "planted issue" zerokey zizmor checkov
for row in "${planted[@]}"; do
  IFS='|' read -r name rule zpat cpat <<<"$row"
  a=$(grep -qx "$rule" "$out/zk.ids" && echo yes || echo no)
  b=$(grep -Eq "^($zpat)$" "$out/zizmor.ids" 2>/dev/null && echo yes || echo no)
  c=$(grep -Eq "^($cpat)$" "$out/checkov.ids" 2>/dev/null && echo yes || echo no)
  printf '%-38s %-8s %-8s %-8s\n' "$name" "$a" "$b" "$c"
done
printf '\nwall seconds: zerokey %.2f  zizmor %.2f  checkov %.2f\n' "$tz" "$tzi" "$tck"
echo "outputs: $out"
echo "$("$zk" --version); zizmor $("$peers/bin/zizmor" --version 2>/dev/null | awk '{print $2}'); checkov $("$peers/bin/checkov" --version 2>/dev/null)"
