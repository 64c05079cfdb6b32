#!/usr/bin/env bash
# Runs zerokey audit, zizmor (--offline) and checkov (--skip-download) on the same fixture tree
# and prints which planted issue each tool flags and how long each takes.
# Peers are installed from PyPI into a venv under ${ZK_PEERS:-/tmp/zk-audit-peers}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-$here/crates/zerokey-audit/tests/fixtures/audit}
peers=${ZK_PEERS:-/tmp/zk-audit-peers}
target=${CARGO_TARGET_DIR:-$HOME/.cache/zerokey/target-release}
if [ ! -x "$peers/bin/zizmor" ] || [ ! -x "$peers/bin/checkov" ]; then
  python3 -m venv "$peers"
  "$peers/bin/pip" install -q zizmor checkov
fi
CARGO_TARGET_DIR=$target cargo build -q --release -p zerokey-cli
zk=$target/release/zerokey
out=$(mktemp -d)
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
tz=$(t sh -c "'$zk' audit '$tree' --format json --output '$out/zk.json'")
tzi=$(t sh -c "'$peers/bin/zizmor' --offline --format json '$tree' > '$out/zizmor.json'")
tck=$(t sh -c "'$peers/bin/checkov' --skip-download -d '$tree' -o json --quiet > '$out/checkov.json'")
# planted issue | zerokey rule | grep pattern in zizmor json | grep pattern in checkov json
planted=(
  "static AWS keys in a workflow|static-aws-keys-in-workflow|aws-access-key|NOPE"
  "OIDC without id-token: write|oidc-without-id-token-permission|NOPE|NOPE"
  "id-token: write workflow-wide|id-token-write-workflow-wide|NOPE|NOPE"
  "\${{ secret.X }} unknown context|malformed-secret-reference|NOPE|NOPE"
  "secret echoed in run|secret-echoed-in-run|NOPE|NOPE"
  "secrets in pull_request_target|secrets-in-pull-request-target|dangerous-triggers|NOPE"
  "write-all permissions|excessive-permissions|excessive-permissions|CKV2_GHA_1"
  "Action * / svc:*|iam-wildcard-action|NOPE|CKV_AWS_(1|62|63|286|287|288|289|290)\\b"
  "Allow + NotAction|iam-not-action|NOPE|NOPE"
  "cross-account trust w/o ExternalId|cross-account-trust-without-external-id|NOPE|NOPE"
  "OIDC trust without aud|oidc-trust-without-audience|NOPE|NOPE"
  "OIDC sub repo:org/* or missing|oidc-trust-subject|NOPE|CKV_AWS_358"
  ".env committed (history)|env-file-tracked|NOPE|NOPE"
  ".env not in .gitignore|gitignore-env|NOPE|NOPE"
  "no SECURITY.md|missing-security-policy|NOPE|NOPE"
  "no LICENSE|missing-license|NOPE|NOPE"
)
printf '%-38s %-8s %-8s %-8s\n' "planted issue" zerokey zizmor checkov
for row in "${planted[@]}"; do
  IFS='|' read -r name rule zpat cpat <<<"$row"
  a=$(grep -q "\"rule_id\": \"$rule\"" "$out/zk.json" && echo yes || echo no)
  b=$(grep -Eq "$zpat" "$out/zizmor.json" 2>/dev/null && echo yes || echo no)
  c=$(grep -Eq "$cpat" "$out/checkov.json" 2>/dev/null && echo yes || echo no)
  printf '%-38s %-8s %-8s %-8s\n' "$name" "$a" "$b" "$c"
done
printf '\nwall seconds: zerokey %.2f  zizmor %.2f  checkov %.2f\n' "$tz" "$tzi" "$tck"
echo "$("$zk" --version); zizmor $("$peers/bin/zizmor" --version 2>/dev/null | awk '{print $2}'); checkov $("$peers/bin/checkov" --version 2>/dev/null)"
