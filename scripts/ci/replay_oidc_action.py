#!/usr/bin/env python3
"""Replays zerokey's OIDC composite Action (actions/oidc/action.yml) the way the runner does,
against the AWS emulator and a FAKE of GitHub's OIDC token endpoint.

The steps run through replay_action.run_action (the runner's files and variables; "Install
zerokey" is replaced by putting the built ZEROKEY_BIN on PATH). GitHub's token endpoint cannot
run here, so a FAKE serves ACTIONS_ID_TOKEN_REQUEST_URL on loopback: it checks the request token
and the audience and answers with a JWT carrying GitHub's claims (the emulator's STS does not
check signatures). The emulator (scripts/aws-emulator/start, moto) answers
AssumeRoleWithWebIdentity and holds the secret in Secrets Manager.

Scenarios: the secret reaches the command in the named variable only, the command's output is
redacted, nothing is written to GITHUB_ENV, the workspace or RUNNER_TEMP, the endpoint was asked
for the configured audience with the request token; a JSON key is picked; a missing secret and a
bad role ARN fail with errors naming them. Needs python3 with PyYAML, curl and ZEROKEY_BIN.
"""

import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay_action  # noqa: E402
from replay_action import SRC, check, run_action  # noqa: E402

EMULATOR = os.path.join(SRC, "scripts", "aws-emulator")
PORT = os.environ.get("REPLAY_EMULATOR_PORT", "5187")
ROLE = "arn:aws:iam::123456789012:role/zk-ci-deploy"
REQUEST_TOKEN = "zk-fake-request-" + secrets.token_hex(12)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_jwt(audience):
    now = int(time.time())
    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": audience,
        "sub": "repo:zk-org@101/zk-app@202:ref:refs/heads/main",
        "repository": "zk-org/zk-app",
        "ref": "refs/heads/main",
        "event_name": "push",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    head = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "fake"}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(secrets.token_bytes(64))}"


class FakeGitHub(BaseHTTPRequestHandler):
    """FAKE of GitHub Actions' OIDC token endpoint."""

    requests = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        query = parse_qs(urlparse(self.path).query)
        audience = query.get("audience", [""])[0]
        auth = self.headers.get("Authorization", "")
        FakeGitHub.requests.append({"audience": audience, "authorized": auth == f"bearer {REQUEST_TOKEN}"
                                    or auth == f"Bearer {REQUEST_TOKEN}"})
        if not FakeGitHub.requests[-1]["authorized"]:
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"value": fake_jwt(audience)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def secretsmanager(endpoint, target, payload):
    """One Secrets Manager call to the emulator (JSON protocol; the emulator needs no signature)."""
    req = urllib.request.Request(
        endpoint, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": f"secretsmanager.{target}",
                 "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAZKREPLAYEXAMPLE0/20260101/"
                                  "us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def files_containing(root, needle):
    hits = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            try:
                with open(p, "rb") as f:
                    if needle.encode() in f.read():
                        hits.append(p)
            except OSError:
                pass
    return hits


def main():
    if not replay_action.BIN or not os.access(replay_action.BIN, os.X_OK):
        sys.exit("replay_oidc_action.py: set ZEROKEY_BIN to the built zerokey binary")
    env_port = dict(os.environ, AWS_EMULATOR_PORT=PORT)
    endpoint = subprocess.run([os.path.join(EMULATOR, "start")], env=env_port, check=True,
                              capture_output=True, text=True).stdout.strip()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        secret = "zk-deploy-" + secrets.token_hex(16)
        secretsmanager(endpoint, "CreateSecret", {"Name": "ci/deploy-token", "SecretString": secret})
        pypi = "pypi-" + secrets.token_hex(20)
        secretsmanager(endpoint, "CreateSecret", {"Name": "ci/pypi",
                                                  "SecretString": json.dumps({"token": pypi, "user": "__token__"})})
        env = {
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"http://127.0.0.1:{server.server_port}/token?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
            "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
            "GITHUB_REPOSITORY": "zk-org/zk-app", "GITHUB_RUN_ID": "4242",
        }
        # No AWS keys anywhere: the job's only credential is the OIDC token.
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            os.environ.pop(k, None)
        with tempfile.TemporaryDirectory() as workspace:
            inputs = {"role-arn": ROLE, "secret-name": "ci/deploy-token", "env-name": "DEPLOY_TOKEN",
                      "run": 'test -n "$DEPLOY_TOKEN"; echo "length ${#DEPLOY_TOKEN}"; echo "value $DEPLOY_TOKEN"; '
                             'env | grep -c "^AWS_ACCESS_KEY_ID=" || true'}
            ok, _, _, log, _, _, temp, github_env = run_action(
                workspace, inputs, action_file="actions/oidc/action.yml", env=env)
            check(ok, f"the OIDC action runs the command with the secret\n{log}")
            check(f"length {len(secret)}" in log, "the command got the secret in DEPLOY_TOKEN")
            check(secret not in log and secret[10:22] not in log and "value " in log,
                  "the command's output is redacted (the secret is not in the log)")
            check(secret not in github_env, "nothing goes to GITHUB_ENV")
            check(not files_containing(workspace, secret), "nothing is written into the workspace")
            check(not os.path.exists(temp), "RUNNER_TEMP is gone after the job")
            check(FakeGitHub.requests and all(r["authorized"] for r in FakeGitHub.requests)
                  and FakeGitHub.requests[-1]["audience"] == "sts.amazonaws.com",
                  f"the token endpoint was asked with the request token for sts.amazonaws.com {FakeGitHub.requests}")
            check(REQUEST_TOKEN not in log, "the request token is not in the log")

            ok, _, _, log, *_ = run_action(workspace, dict(inputs, **{
                "secret-name": "ci/pypi", "json-key": "token", "env-name": "TWINE_PASSWORD",
                "run": 'echo "length ${#TWINE_PASSWORD}"'}), action_file="actions/oidc/action.yml", env=env)
            check(ok and f"length {len(pypi)}" in log, f"json-key picks one value of a JSON secret\n{log}")
            check(pypi not in log, "the JSON secret's value is not in the log")

            ok, _, _, log, *_ = run_action(workspace, dict(inputs, **{"secret-name": "ci/missing"}),
                                           action_file="actions/oidc/action.yml", env=env)
            check(not ok and "ci/missing" in log and "length" not in log,
                  f"a missing secret fails the step, names the secret and runs nothing\n{log}")

            ok, _, _, log, *_ = run_action(workspace, dict(inputs, **{"role-arn": "arn:aws:iam::1:role/x"}),
                                           action_file="actions/oidc/action.yml", env=env)
            check(not ok and "role" in log.lower() and "length" not in log,
                  f"a malformed role ARN fails with an error naming it\n{log}")
    finally:
        server.shutdown()
        subprocess.run([os.path.join(EMULATOR, "stop")], env=env_port, capture_output=True)
    if replay_action.FAILED:
        sys.exit(f"replay_oidc_action.py: {len(replay_action.FAILED)} check(s) failed")
    print("replay_oidc_action.py: all passed")


if __name__ == "__main__":
    main()
