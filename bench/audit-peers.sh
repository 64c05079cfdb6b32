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
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
fx=$here/crates/zerokey-audit/tests/fixtures/audit
peers=${ZK_PEERS:-/tmp/zk-audit-peers}
target=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}
if [ ! -x "$peers/bin/zizmor" ] || [ ! -x "$peers/bin/checkov" ]; then
  python3 -m venv "$peers"
  "$peers/bin/pip" install -q zizmor checkov
fi
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
  for r in "${repos[@]}"; do
    [ -d "$real/${r#*/}" ] || git clone -q --depth 1 "https://github.com/$r" "$real/${r#*/}"
  done
  printf '%-34s %7s %7s\n' repository files iac
  for r in "${repos[@]}"; do
    d=$real/${r#*/}
    printf '%-34s %7s %7s\n' "$r" "$(git -C "$d" ls-files | wc -l)" \
      "$(git -C "$d" ls-files | grep -Ec '\.(tf|ya?ml|json|config)$' || true)"
  done
  tz=$(t sh -c "'$zk' audit '$real' --format json --output '$out/zk.json'")
  tck=0; tzi=0
  for r in "${repos[@]}"; do
    d=$real/${r#*/}; n=${r#*/}
    a=$(t sh -c "'$peers/bin/checkov' --skip-download -d '$d' -o json --quiet > '$out/checkov-$n.json'")
    b=$(t sh -c "'$peers/bin/zizmor' --offline --format json '$d' > '$out/zizmor-$n.json'")
    tck=$(echo "$tck + $a" | bc); tzi=$(echo "$tzi + $b" | bc)
  done
  python3 - "$out" <<'PY'
import json, sys, pathlib, collections
out = pathlib.Path(sys.argv[1])
zk = json.loads((out / "zk.json").read_text() or "{}")
per = collections.Counter((f["rule_id"], f["severity"]) for f in zk.get("findings", []))
print("\nzerokey findings per audit (severity):")
for (rule, sev), n in sorted(per.items(), key=lambda x: (-x[1], x[0])):
    print(f"  {n:5d}  {rule} ({sev})")
s = zk.get("stats", {})
print(f"  total {len(zk.get('findings', []))}; inputs: {s.get('workflows')} workflows, {s.get('policies')} policies, "
      f"{s.get('terraform_files')} Terraform, {s.get('cloudformation_files')} CloudFormation, "
      f"{s.get('platform_files')} container/platform files, {s.get('repositories')} repositories; "
      f"{s.get('errors')} files not parsed")
ck = zz = 0
for f in out.glob("checkov-*.json"):
    try:
        v = json.loads(f.read_text() or "null")
    except Exception:
        continue
    for r in (v if isinstance(v, list) else [v]):
        if isinstance(r, dict):
            ck += len(r.get("results", {}).get("failed_checks", []))
for f in out.glob("zizmor-*.json"):
    try:
        zz += len(json.loads(f.read_text() or "[]"))
    except Exception:
        pass
print(f"checkov failed checks: {ck}; zizmor findings: {zz}")
PY
  printf '\nwall seconds: zerokey %.2f  zizmor %.2f  checkov %.2f\n' "$tz" "$tzi" "$tck"
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
