#!/usr/bin/env python3
"""Replays zerokey's composite GitHub Action (action.yml) the way the runner does.

Each step's `if:` and `${{ }}` expressions are evaluated over the inputs, the step outputs and
`github.action_path`; each `run:` runs with `bash --noprofile --norc -eo pipefail` and the
runner's files and variables (GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH,
GITHUB_ENV, RUNNER_TEMP, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, INPUT_*). Two steps are replaced,
each named here: "Build zerokey" (cargo install) by putting the already built ZEROKEY_BIN on
PATH, and the SARIF upload (`uses: github/codeql-action/upload-sarif`) by a check of the file it
would upload. The inputs come from the README's workflow snippet (docs/ci/github-workflow.yml).

Scenarios: a push with git-history on a repository whose secret is only in an old commit; a
pull request that adds a secret (only its commits are scanned); a clean pull request; bad
inputs. Needs python3 with PyYAML, git, jq and ZEROKEY_BIN. Exit 0 when every check passes.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile

import yaml

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ZEROKEY_BIN", "")
FAILED = []


def check(cond, what):
    print("ok: " + what.splitlines()[0] if cond else "FAIL: " + what)
    if not cond:
        FAILED.append(what)


def canary():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    proc = subprocess.run(["git", "-C", repo, *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def commit(repo, files, message):
    for name, text in files.items():
        path = os.path.join(repo, name)
        if text is None:
            os.remove(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    git(repo, "add", "-A", "--", *files)  # not the reports the action left in the workspace
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class Expr:
    """The subset of GitHub's expression language action.yml uses."""

    TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))"
                       r"|(?P<call>always\(\)|success\(\)|failure\(\))"
                       r"|(?P<ref>[A-Za-z_][A-Za-z0-9_.-]*)|(?P<num>\d+))")

    def __init__(self, ctx):
        self.ctx = ctx

    def lookup(self, ref):
        parts = ref.split(".")
        if parts[0] == "inputs":
            return self.ctx["inputs"].get(parts[1], "")
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.ctx["outputs"].get(parts[1], {}).get(parts[3], "")
        if parts[0] == "github":
            return self.ctx["github"].get(parts[1], "")
        raise ValueError(f"unknown reference {ref}")

    def eval(self, text):
        py = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse expression {text!r} at {pos}")
            pos = m.end()
            if m.group("str"):
                py.append(repr(m.group("str")[1:-1].replace("''", "'")))
            elif m.group("op"):
                py.append({"&&": " and ", "||": " or ", "!": " not "}.get(m.group("op"), m.group("op")))
            elif m.group("call"):
                name = m.group("call")
                py.append(repr(name == "always()" or (name == "success()") == self.ctx["ok"]))
            elif m.group("ref"):
                py.append(repr(self.lookup(m.group("ref"))))
            else:
                py.append(repr(m.group("num")))
        return eval("".join(py), {"__builtins__": {}}, {})  # only literals and operators

    def template(self, value):
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(self.eval(m.group(1))), str(value))


def run_action(workspace, inputs, event_name="push", event=None, action_file="action.yml", env=None):
    """Runs the steps of `action_file` (relative to the repository) with the runner's files and
    `env` added to the environment; returns (ok, outputs, summary, log, uploaded SARIF path,
    the SARIF report, RUNNER_TEMP, GITHUB_ENV's content). RUNNER_TEMP is gone on return."""
    with open(os.path.join(SRC, action_file), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    declared = action["inputs"]
    for name in inputs:
        if name not in declared:
            raise ValueError(f"input {name} is not declared in action.yml")
    values = {k: str(v.get("default", "")) for k, v in declared.items()}
    values.update({k: str(v) for k, v in inputs.items()})
    temp = tempfile.mkdtemp(prefix="runner-temp-")
    files = {k: os.path.join(temp, k) for k in ("output", "summary", "path", "env", "event.json")}
    for p in files.values():
        open(p, "w").close()
    with open(files["event.json"], "w", encoding="utf-8") as f:
        json.dump(event or {}, f)
    action_path = os.path.dirname(os.path.join(SRC, action_file))
    ctx = {"inputs": values, "outputs": {}, "github": {"action_path": action_path}, "ok": True}
    expr = Expr(ctx)
    path_dirs = []
    extra_env = {}
    log = []
    for step in action["runs"]["steps"]:
        name = step.get("name", "")
        cond = step.get("if")
        if cond is not None:
            cond = str(cond).strip()
            if cond.startswith("${{"):
                cond = cond[3:-2]
            run_it = bool(expr.eval(cond)) if re.search(r"always\(\)|failure\(\)", cond) \
                else ctx["ok"] and bool(expr.eval(cond))
        else:
            run_it = ctx["ok"]
        if not run_it:
            log.append(f"[skipped] {name}")
            continue
        if "uses" in step:
            if "upload-sarif" not in step["uses"]:
                raise ValueError(f"step {name} uses {step['uses']}, which the replay does not know")
            # Replaced: check the file the upload would send.
            with_ = {k: expr.template(v) for k, v in step.get("with", {}).items()}
            sarif_path = os.path.join(workspace, with_["sarif_file"])
            try:
                with open(sarif_path, encoding="utf-8") as f:
                    sarif = json.load(f)
                good = sarif.get("version") == "2.1.0" and len(sarif.get("runs", [])) == 1
            except (OSError, ValueError):
                good = False
            ctx["uploaded"] = sarif_path if good else None
            log.append(f"[replaced upload] {name}: {sarif_path} {'valid' if good else 'INVALID'}")
            if not good:
                ctx["ok"] = False
            continue
        step_env = dict(os.environ)
        step_env.update(env or {})
        step_env.update(extra_env)
        env_ = step_env
        env_.update({f"INPUT_{k.replace(' ', '_').upper()}": v for k, v in values.items()})
        env_.update({
            "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": workspace,
            "GITHUB_OUTPUT": files["output"], "GITHUB_STEP_SUMMARY": files["summary"],
            "GITHUB_PATH": files["path"], "GITHUB_ENV": files["env"], "RUNNER_TEMP": temp,
            "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": files["event.json"],
            "GITHUB_ACTION_PATH": action_path,
        })
        env_.update({k: expr.template(v) for k, v in step.get("env", {}).items()})
        env_["PATH"] = os.pathsep.join(path_dirs + [env_["PATH"]])
        script = expr.template(step["run"])
        if name in ("Build zerokey", "Install zerokey"):
            # Replaced: the binary is already built; the step's other effect is GITHUB_PATH.
            script = f'echo "{os.path.dirname(BIN)}" >> "$GITHUB_PATH"'
        open(files["output"], "w").close()
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=workspace, env=env_, capture_output=True, text=True)
        log.append(f"[{name}] exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
        with open(files["output"], encoding="utf-8") as f:
            outs = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        if "id" in step:
            ctx["outputs"][step["id"]] = outs
        with open(files["path"], encoding="utf-8") as f:
            path_dirs = [line for line in f.read().splitlines() if line][::-1]
        with open(files["env"], encoding="utf-8") as f:
            extra_env = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        if proc.returncode != 0:
            ctx["ok"] = False
    with open(files["summary"], encoding="utf-8") as f:
        summary = f.read()
    outputs = {k: expr.template(v["value"]) for k, v in action.get("outputs", {}).items()}
    sarif = None
    if outputs.get("sarif-file") and os.path.isfile(outputs["sarif-file"]):
        with open(outputs["sarif-file"], encoding="utf-8") as f:
            sarif = json.load(f)
    with open(files["env"], encoding="utf-8") as f:
        github_env = f.read()
    result = (ctx["ok"], outputs, summary, "\n".join(log), ctx.get("uploaded"), sarif, temp, github_env)
    shutil.rmtree(temp)
    return result


def snippet_inputs():
    """The `with:` of the README's workflow snippet (docs/ci/github-workflow.yml)."""
    with open(os.path.join(SRC, "docs/ci/github-workflow.yml"), encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    steps = workflow["jobs"]["secrets"]["steps"]
    step = next(s for s in steps if s.get("uses", "").startswith("zerokey/zerokey@"))
    return {k: str(v) for k, v in step["with"].items()}


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        sys.exit("replay_action.py: set ZEROKEY_BIN to the built zerokey binary")
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        git(repo, "init", "-q", "-b", "main")
        old_secret = canary()
        commit(repo, {"README.md": "demo\n"}, "initial")
        planted = commit(repo, {"deploy.env": f"aws_access_key_id = {old_secret}\n"}, "add deploy config")
        commit(repo, {"deploy.env": "aws_access_key_id = ${AWS_ACCESS_KEY_ID}\n"}, "use the environment")
        # The README snippet's baseline, reviewed and empty.
        base = commit(repo, {".zerokey-baseline.json": '{"version": 1, "fingerprints": []}\n'},
                      "baseline")
        inputs = snippet_inputs()
        leaked = lambda text: old_secret[4:16] in text  # noqa: E731

        # 1. push, git-history: the secret that is only in an old commit is found.
        ok, outputs, summary, log, uploaded, sarif, temp, _ = run_action(repo, inputs)
        check(not ok, "push with git-history: the job fails on a secret in an old commit")
        check(outputs.get("findings") == "1", f"output findings is 1 (got {outputs.get('findings')})")
        check(uploaded is not None, "the SARIF file the upload step would send is valid SARIF")
        check(sarif is not None and outputs["sarif-file"] == os.path.join(temp, "zerokey.sarif"),
              f"the SARIF report is written under RUNNER_TEMP by default (got {outputs.get('sarif-file')})")
        check(not any(n.endswith(".sarif") for n in os.listdir(repo)),
              "nothing is written into the workspace")
        results = sarif["runs"][0]["results"]
        check(len(results) == 1 and results[0]["properties"].get("commit") == planted,
              "the SARIF result names the commit that planted the secret")
        check("## zerokey: 1 credential finding(s)" in summary and "| `aws-access-key-id` |" in summary
              and "`deploy.env`:1" in summary and planted[:12] in summary and "AKIA…(20)" in summary,
              "the job summary is a Markdown table a person reads (rule, file:line, commit, redacted)")
        check("whole git history" in summary, "the summary says what was scanned")
        check("::error title=zerokey::1 credential finding(s)" in log, "the failing step says why")
        check(not leaked(log) and not leaked(summary) and not leaked(json.dumps(sarif)),
              "no output, summary or SARIF contains the secret")

        # 2. pull request adding a secret: only its commits are scanned.
        git(repo, "checkout", "-q", "-b", "feature")
        new_secret = canary()
        commit(repo, {"app.cfg": "name = demo\n"}, "feature work")
        commit(repo, {"ci.sh": f"export AWS_ACCESS_KEY_ID={new_secret}\n"}, "add ci script")
        event = {"pull_request": {"base": {"sha": base}, "head": {"sha": git(repo, "rev-parse", "HEAD")}}}
        ok, outputs, summary, log, *_ = run_action(repo, inputs, "pull_request", event)
        check(not ok and outputs.get("findings") == "1",
              f"pull request adding a secret: 1 finding, job fails (got {outputs.get('findings')})\n{summary}")
        check("`ci.sh`:1" in summary and "`deploy.env`" not in summary,
              "only the pull request's commits are scanned (the old secret is not reported)")
        check("commits this pull request adds" in summary, "the summary says it scanned the PR's commits")
        check(new_secret[4:16] not in log + summary, "no output contains the new secret")

        # 3. a clean pull request passes.
        git(repo, "checkout", "-q", "main")
        git(repo, "checkout", "-q", "-b", "clean")
        commit(repo, {"notes.txt": "nothing secret\n"}, "notes")
        event = {"pull_request": {"base": {"sha": base}}}
        ok, outputs, summary, log, *_ = run_action(repo, inputs, "pull_request", event)
        check(ok and outputs.get("findings") == "0", f"a clean pull request passes (findings {outputs.get('findings')})\n{log}")

        # 4. bad inputs: a clear error before anything is scanned.
        ok, outputs, summary, log, *_ = run_action(
            repo, dict(inputs, **{"git-history": "yes", "baseline": "missing.json"}))
        check(not ok and "git-history must be 'true' or 'false', got 'yes'" in log
              and "baseline 'missing.json' is not a file" in log and "[skipped] Scan" in log,
              "bad inputs fail with errors naming each input, and nothing is scanned")
        try:
            run_action(repo, {"git_history": "true"})
            check(False, "an undeclared input is refused")
        except ValueError as e:
            check("not declared" in str(e), "an undeclared input is refused")
    if FAILED:
        sys.exit(f"replay_action.py: {len(FAILED)} check(s) failed")
    print("replay_action.py: all passed")


if __name__ == "__main__":
    main()
