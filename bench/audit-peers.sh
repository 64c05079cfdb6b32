#!/usr/bin/env bash
# Runs zerokey audit, zizmor (--offline) and checkov (--skip-download) on the same fixture tree
# and prints which planted issue each tool flags and how long each takes.
# Peers are installed from PyPI into a venv under ${ZK_PEERS:-/tmp/zk-audit-peers}.
# Usage: bench/audit-peers.sh [TREE]   (default: the zerokey-audit fixture tree)
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
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
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
