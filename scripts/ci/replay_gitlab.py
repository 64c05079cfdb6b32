#!/usr/bin/env python3
"""Replays the GitLab CI template (docs/ci/gitlab.yml) the way a runner does and checks its
report against GitLab's published secret-detection schema (vendored in
crates/zerokey-report/tests/schemas/).

The job's `script:` entries run in order with `bash -eo pipefail` in a repository, with GitLab's
predefined variables (CI, GITLAB_CI, CI_PROJECT_DIR, CI_COMMIT_SHA and, for a merge request
pipeline, CI_MERGE_REQUEST_DIFF_BASE_SHA) and the job's `variables:`. One entry is replaced,
named here: the `cargo install` line, by the already built ZEROKEY_BIN on PATH.

Scenarios: a branch pipeline over files with a secret (the finding names CI_COMMIT_SHA); a
merge request pipeline that adds a secret while an older one sits in the history (only the new
one is reported, with its own commit). Needs python3 with PyYAML and jsonschema, git, ZEROKEY_BIN.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile

import jsonschema
import yaml

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ZEROKEY_BIN", "")
SCHEMA = os.path.join(SRC, "crates/zerokey-report/tests/schemas/secret-detection-report-format.json")
FAILED = []


def check(cond, what):
    print("ok: " + what.splitlines()[0] if cond else "FAIL: " + what)
    if not cond:
        FAILED.append(what)


def canary():
    return "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    proc = subprocess.run(["git", "-C", repo, *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def commit(repo, files, message):
    for name, text in files.items():
        with open(os.path.join(repo, name), "w", encoding="utf-8") as f:
            f.write(text)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def run_job(repo, extra_vars):
    """Runs the template's job; returns (exit code, log, report or None)."""
    with open(os.path.join(SRC, "docs/ci/gitlab.yml"), encoding="utf-8") as f:
        template = yaml.safe_load(f)
    (name, job), = template.items()
    report_name = job["artifacts"]["reports"]["secret_detection"]
    path = os.path.join(repo, report_name)
    if os.path.exists(path):
        os.remove(path)
    bindir = tempfile.mkdtemp()
    os.symlink(BIN, os.path.join(bindir, "zerokey"))
    env = dict(os.environ, CI="true", GITLAB_CI="true", CI_PROJECT_DIR=repo,
               CI_JOB_NAME=name, CI_COMMIT_SHA=git(repo, "rev-parse", "HEAD"))
    env.update({k: str(v) for k, v in job.get("variables", {}).items()})
    env.update(extra_vars)
    env["PATH"] = bindir + os.pathsep + env["PATH"]
    log = []
    code = 0
    for entry in job["script"]:
        if entry.startswith("cargo install"):
            log.append("[replaced] " + entry)
            continue
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", entry],
                              cwd=repo, env=env, capture_output=True, text=True)
        log.append(f"$ {entry}\n{proc.stdout}{proc.stderr}")
        if proc.returncode != 0:
            code = proc.returncode
            break
    report = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    return code, "\n".join(log), report, (job["artifacts"].get("when") == "always")


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        sys.exit("replay_gitlab.py: set ZEROKEY_BIN to the built zerokey binary")
    with open(SCHEMA, encoding="utf-8") as f:
        validator = jsonschema.Draft7Validator(json.load(f))
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        git(repo, "init", "-q", "-b", "main")
        old = canary()
        planted = commit(repo, {"config.env": f"aws_access_key_id = {old}\n"}, "config")

        # 1. Branch pipeline: the checked-out files.
        code, log, report, always = run_job(repo, {})
        check(code == 0 and report is not None, f"the job writes its report\n{log}")
        if report is None:
            sys.exit("replay_gitlab.py: no report, nothing more to check")
        check(always, "artifacts are kept when the job fails (when: always)")
        errors = [f"{e.message} at {list(e.path)}" for e in validator.iter_errors(report)]
        check(not errors, f"the report validates against GitLab's schema: {errors}")
        vulns = report["vulnerabilities"]
        check(len(vulns) == 1 and vulns[0]["location"]["file"] == "config.env"
              and vulns[0]["location"]["commit"]["sha"] == planted,
              f"one vulnerability in config.env naming CI_COMMIT_SHA\n{json.dumps(vulns, indent=1)}")
        check(vulns and vulns[0]["raw_source_code_extract"] == "AKIA…(20)",
              "raw_source_code_extract is the redacted value")
        check(old[4:16] not in json.dumps(report) + log, "neither report nor log holds the secret")

        # 2. Merge request pipeline: only the commits the merge request adds.
        base = commit(repo, {"config.env": "aws_access_key_id = ${KEY}\n"}, "fix")
        git(repo, "checkout", "-q", "-b", "feature")
        new = canary()
        added = commit(repo, {"deploy.sh": f"export AWS_ACCESS_KEY_ID={new}\n"}, "deploy")
        commit(repo, {"notes.txt": "more work\n"}, "notes")
        code, log, report, _ = run_job(repo, {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
        errors = [f"{e.message} at {list(e.path)}" for e in validator.iter_errors(report or {})]
        check(code == 0 and report is not None and not errors,
              f"merge request pipeline: a valid report {errors}\n{log}")
        vulns = (report or {}).get("vulnerabilities", [])
        check(len(vulns) == 1 and vulns[0]["location"]["file"] == "deploy.sh"
              and vulns[0]["location"]["commit"]["sha"] == added,
              f"only the merge request's secret, with the commit that added it\n{json.dumps(vulns, indent=1)}")
        check(new[4:16] not in json.dumps(report) + log, "neither report nor log holds the secret")

        # 3. ZEROKEY_ARGS=--fail-on-findings fails the job and still leaves the report.
        code, log, report, _ = run_job(repo, {"ZEROKEY_ARGS": "--fail-on-findings"})
        check(code == 1 and report is not None, f"--fail-on-findings fails the job (exit {code})\n{log}")

        # The check can fail: a report without the required commit is refused.
        broken = json.loads(json.dumps(report))
        del broken["vulnerabilities"][0]["location"]["commit"]
        check(any(True for _ in validator.iter_errors(broken)),
              "the schema check refuses a report without the commit")
    if FAILED:
        sys.exit(f"replay_gitlab.py: {len(FAILED)} check(s) failed")
    print("replay_gitlab.py: all passed")


if __name__ == "__main__":
    main()
