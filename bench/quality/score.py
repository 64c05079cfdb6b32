#!/usr/bin/env python3
"""Score secret scanners against the labelled corpus from make_corpus.py.

    bench/quality/score.py --labels LABELS.json --root REPO_DIR --out OUT_DIR [options]

OUT_DIR holds one report per tool, found by name (missing ones are skipped):

    zerokey.json        {"findings":[{"rule_id","path","line",...}]}
    kingfisher.json     {"findings":[{"rule":{"id"},"finding":{"path","line","dependent_captures"}}]}
    gitleaks.json       [{"RuleID","File","StartLine"}]
    betterleaks.json    {"findings":[{"rule_id","location":{"path","start_line"}}]} (or gitleaks' form)
    detect-secrets.json {"results":{FILE:[{"type","line_number"}]}}
    ripsecrets.txt      PATH:LINE:TEXT lines

Options:
    --tools a,b,c        only these tools (default: every report present)
    --details TOOL       also list TOOL's misses and false positives (secret values masked)
    --json FILE          write every number (and the details) as JSON

Matching: a finding at (path, line) matches a label on the same path when line == label.line or
the line falls inside the label's span (multi-line PEM blocks, a service-account JSON file).
Several findings on one positive count once (TP); a positive no finding matches is a FN. A
finding location that matches no positive is a FP, counted once per distinct (path, line) and
split into "on a hard negative" (a labelled negative at that location) and "elsewhere".
A finding that spans lines (start..end, at most 20 lines) and matches nothing at its start is
credited to a positive on its end line (gitleaks' kubernetes-secret-yaml starts at `kind: Secret`).
Kingfisher reports an AWS key id with its secret as a "dependent capture" (value, no line): the
capture's line is found by searching the file for the value near the finding, so the pair is
credited to both labels.
Paths are normalised to the corpus root whether a tool prints them absolute, relative to the
scan root, or prefixed with the directory given on its command line.
"""
import argparse
import json
import os
import re
import sys

TOOL_FILES = [("zerokey", "zerokey.json"), ("kingfisher", "kingfisher.json"),
              ("gitleaks", "gitleaks.json"), ("betterleaks", "betterleaks.json"),
              ("detect-secrets", "detect-secrets.json"), ("ripsecrets", "ripsecrets.txt")]


class PathNorm:
    def __init__(self, root, label_paths):
        self.root = os.path.abspath(root)
        self.known = set(label_paths)
        for dp, dn, fn in os.walk(self.root):
            for f in fn:
                self.known.add(os.path.relpath(os.path.join(dp, f), self.root))
        self.cache = {}

    def __call__(self, p):
        if p in self.cache:
            return self.cache[p]
        q = p
        if os.path.isabs(q):
            q = os.path.relpath(q, self.root)
        while q.startswith("./"):
            q = q[2:]
        out = q
        if q not in self.known:
            parts = q.split("/")
            for i in range(1, len(parts)):
                cand = "/".join(parts[i:])
                if cand in self.known:
                    out = cand
                    break
        self.cache[p] = out
        return out


def line_of_value(root, path, value, near):
    """1-based line of `value` in root/path closest to line `near` (None if absent)."""
    try:
        with open(os.path.join(root, path), "rb") as f:
            data = f.read()
    except OSError:
        return None
    enc = "utf-8"
    if data.startswith(b"\xff\xfe"):
        enc = "utf-16-le"
        data = data[2:]
    text = data.decode(enc, errors="replace")
    best = None
    for i, line in enumerate(text.split("\n"), 1):
        if value in line and (best is None or abs(i - near) < abs(best - near)):
            best = i
    return best


# ----------------------------------------------------------------------------- parsers
def parse_zerokey(path, root):
    d = json.load(open(path))
    return [(f["path"], int(f["line"]), f.get("rule_id", "?"), f.get("end_line")) for f in d.get("findings", [])]


def parse_kingfisher(path, root, norm):
    d = json.load(open(path))
    out = []
    for f in d.get("findings", []):
        fi, rule = f.get("finding", {}), f.get("rule", {}).get("id", "?")
        p, ln = fi.get("path"), int(fi.get("line", 0))
        out.append((p, ln, rule))
        for _, val in (fi.get("dependent_captures") or {}).items():
            if isinstance(val, str) and len(val) >= 8:
                l2 = line_of_value(root, norm(p), val, ln)
                if l2 and l2 != ln:
                    out.append((p, l2, rule + "(dependent)"))
    return out


def parse_gitleaks(path, root):
    d = json.load(open(path))
    if isinstance(d, dict) and "findings" in d:
        return parse_betterleaks_obj(d)
    return [(f["File"], int(f["StartLine"]), f.get("RuleID", "?"), f.get("EndLine")) for f in d or []]


def parse_betterleaks_obj(d):
    out = []
    for f in d.get("findings", []):
        loc = f.get("location") or {}
        if loc:
            out.append((loc["path"], int(loc["start_line"]), f.get("rule_id", "?"), loc.get("end_line")))
        else:
            out.append((f.get("File") or f.get("path"), int(f.get("StartLine") or f.get("line")), f.get("RuleID", "?")))
    return out


def parse_betterleaks(path, root):
    d = json.load(open(path))
    if isinstance(d, list):
        return [(f["File"], int(f["StartLine"]), f.get("RuleID", "?"), f.get("EndLine")) for f in d]
    return parse_betterleaks_obj(d)


def parse_detect_secrets(path, root):
    d = json.load(open(path))
    out = []
    for fname, items in (d.get("results") or {}).items():
        for it in items:
            out.append((fname, int(it["line_number"]), it.get("type", "?")))
    return out


RIP_RE = re.compile(r"^(.+?):(\d+):")


def parse_ripsecrets(path, root):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = re.sub(r"\x1b\[[0-9;]*m", "", line)
            m = RIP_RE.match(line)
            if m:
                out.append((m.group(1), int(m.group(2)), "ripsecrets"))
    return out


# ----------------------------------------------------------------------------- scoring
KEY_PREFIX = re.compile(r"""^((?:export\s+|ENV\s+|ARG\s+|set\s+|\$env:|const\s+|export const\s+|"""
                        r"""private static final String\s+|- name:\s+)?["']?[\w.\-]{1,60}["']?\s*[:=]\s*)""")


def mask_line(text, width=160):
    """Describe a line without its secrets: long tokens keep 4 characters and their length."""
    def rep(m):
        s = m.group(0)
        if re.fullmatch(r"[a-z]+(?:\.[a-z]+)+|[A-Z][A-Z_]*|[a-z][a-z_]*|https?://[\w.\-/]+", s):
            return s  # identifiers, dotted names and plain URLs (no credentials) stay readable
        return "%s…(%d)" % (s[:4], len(s))
    text = text.strip()
    m = KEY_PREFIX.match(text)
    head, rest = (m.group(1), text[m.end(1):]) if m else ("", text)
    t = head + re.sub(r"[A-Za-z0-9+/=_\-.~:@%!#*^$,]{12,}", rep, rest)
    return t if len(t) <= width else t[:width] + "…"


class Corpus:
    def __init__(self, labels_path, root):
        m = json.load(open(labels_path))
        self.root = root
        self.pos, self.neg = m["positives"], m["negatives"]
        self.by_path_pos, self.by_path_neg = {}, {}
        for l in self.pos:
            self.by_path_pos.setdefault(l["path"], []).append(l)
        for l in self.neg:
            self.by_path_neg.setdefault(l["path"], []).append(l)
        self.norm = PathNorm(root, [l["path"] for l in self.pos + self.neg])
        self._lines = {}

    @staticmethod
    def hit(label, line):
        if line == label["line"]:
            return True
        sp = label.get("span")
        return bool(sp) and sp[0] <= line <= sp[1]

    def line_text(self, path, line):
        if path not in self._lines:
            try:
                data = open(os.path.join(self.root, path), "rb").read()
                enc = "utf-8"
                if data.startswith(b"\xff\xfe"):
                    enc, data = "utf-16-le", data[2:]
                self._lines[path] = data.decode(enc, errors="replace").split("\n")
            except OSError:
                self._lines[path] = []
        ls = self._lines[path]
        return ls[line - 1].rstrip("\r") if 0 < line <= len(ls) else ""

    def score(self, findings):
        tp_ids, fp_neg, fp_else = set(), {}, {}
        locs = set()
        for f in findings:
            p, ln, rule = self.norm(f[0]), f[1], f[2]
            end = f[3] if len(f) > 3 else None
            locs.add((p, ln))
            matched = [l for l in self.by_path_pos.get(p, []) if self.hit(l, ln)]
            if not matched and isinstance(end, int) and ln < end <= ln + 20:
                # a multi-line match (e.g. gitleaks' kubernetes-secret-yaml from `kind: Secret`
                # to the data line) is credited to a positive on its last line
                matched = [l for l in self.by_path_pos.get(p, []) if self.hit(l, end)]
            if matched:
                for l in matched:
                    tp_ids.add(l["id"])
                continue
            negs = [l for l in self.by_path_neg.get(p, []) if self.hit(l, ln)]
            if negs:
                fp_neg.setdefault((p, ln), (negs[0], set()))[1].add(rule)
            else:
                fp_else.setdefault((p, ln), set()).add(rule)
        tp = len(tp_ids)
        fn = [l for l in self.pos if l["id"] not in tp_ids]
        fp = len(fp_neg) + len(fp_else)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / len(self.pos) if self.pos else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_kind = {}
        for l in self.pos:
            k = per_kind.setdefault(l["kind"], [0, 0])
            k[1] += 1
            if l["id"] in tp_ids:
                k[0] += 1
        neg_kinds = {}
        for (p, ln), (lab, _) in fp_neg.items():
            neg_kinds[lab["kind"]] = neg_kinds.get(lab["kind"], 0) + 1
        return {"findings": len(findings), "locations": len(locs), "tp": tp, "fn": len(fn),
                "fp": fp, "fp_negative": len(fp_neg), "fp_elsewhere": len(fp_else),
                "precision": prec, "recall": rec, "f1": f1, "per_kind": per_kind,
                "fp_negative_kinds": neg_kinds,
                "_fn": fn, "_fp_neg": fp_neg, "_fp_else": fp_else}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tools")
    ap.add_argument("--details", action="append", default=[])
    ap.add_argument("--json")
    a = ap.parse_args()

    C = Corpus(a.labels, a.root)
    want = a.tools.split(",") if a.tools else None
    results = {}
    for tool, fname in TOOL_FILES:
        if want and tool not in want:
            continue
        path = os.path.join(a.out, fname)
        if not os.path.exists(path):
            continue
        try:
            if tool == "zerokey":
                fs = parse_zerokey(path, a.root)
            elif tool == "kingfisher":
                fs = parse_kingfisher(path, a.root, C.norm)
            elif tool == "gitleaks":
                fs = parse_gitleaks(path, a.root)
            elif tool == "betterleaks":
                fs = parse_betterleaks(path, a.root)
            elif tool == "detect-secrets":
                fs = parse_detect_secrets(path, a.root)
            else:
                fs = parse_ripsecrets(path, a.root)
        except (ValueError, KeyError, TypeError) as e:
            print("warning: cannot parse %s: %s" % (path, e), file=sys.stderr)
            continue
        results[tool] = C.score(fs)

    npos, nneg = len(C.pos), len(C.neg)
    print("Corpus: %d positives, %d hard negatives (%s)\n" % (npos, nneg, a.labels))
    print("| tool | reported locations | TP | FN | FP on hard negatives | FP elsewhere | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for tool, r in results.items():
        print("| %s | %d | %d | %d | %d | %d | %.3f | %.3f | %.3f |" % (
            tool, r["locations"], r["tp"], r["fn"], r["fp_negative"], r["fp_elsewhere"],
            r["precision"], r["recall"], r["f1"]))
    kinds = sorted({k for r in results.values() for k in r["per_kind"]})
    tools = list(results)
    print("\nRecall per kind (found/planted):\n")
    print("| kind | " + " | ".join(tools) + " |")
    print("|---|" + "---:|" * len(tools))
    for k in kinds:
        row = []
        for t in tools:
            f, n = results[t]["per_kind"].get(k, (0, 0))
            row.append("%d/%d" % (f, n))
        print("| %s | %s |" % (k, " | ".join(row)))
    nkinds = sorted({k for r in results.values() for k in r["fp_negative_kinds"]} |
                    {l["kind"] for l in C.neg})
    ncount = {}
    for l in C.neg:
        ncount[l["kind"]] = ncount.get(l["kind"], 0) + 1
    print("\nHard negatives reported (locations reported/planted):\n")
    print("| negative kind | " + " | ".join(tools) + " |")
    print("|---|" + "---:|" * len(tools))
    for k in nkinds:
        print("| %s | %s |" % (k, " | ".join("%d/%d" % (results[t]["fp_negative_kinds"].get(k, 0), ncount.get(k, 0)) for t in tools)))

    details = {}
    for tool in a.details:
        if tool not in results:
            continue
        r = results[tool]
        print("\n## %s: %d missed positives\n" % (tool, r["fn"]))
        miss = []
        for l in sorted(r["_fn"], key=lambda l: (l["kind"], l["path"], l["line"])):
            txt = mask_line(C.line_text(l["path"], l["line"]))
            miss.append({"id": l["id"], "path": l["path"], "line": l["line"], "kind": l["kind"],
                         "context": l["context"], "masked_line": txt})
            print("- %s `%s:%d` kind=%s form=%s — `%s`" % (l["id"], l["path"], l["line"], l["kind"], l["context"], txt))
        print("\n## %s: %d false-positive locations on hard negatives\n" % (tool, r["fp_negative"]))
        fpn = []
        for (p, ln), (lab, rules) in sorted(r["_fp_neg"].items()):
            txt = mask_line(C.line_text(p, ln))
            fpn.append({"path": p, "line": ln, "negative_kind": lab["kind"], "context": lab["context"],
                        "rules": sorted(rules), "masked_line": txt})
            print("- `%s:%d` negative=%s form=%s rules=%s — `%s`" % (p, ln, lab["kind"], lab["context"], ",".join(sorted(rules)), txt))
        print("\n## %s: %d false-positive locations elsewhere\n" % (tool, r["fp_elsewhere"]))
        fpe = []
        for (p, ln), rules in sorted(r["_fp_else"].items()):
            txt = mask_line(C.line_text(p, ln))
            fpe.append({"path": p, "line": ln, "rules": sorted(rules), "masked_line": txt})
            print("- `%s:%d` rules=%s — `%s`" % (p, ln, ",".join(sorted(rules)), txt))
        details[tool] = {"missed": miss, "fp_on_negatives": fpn, "fp_elsewhere": fpe}

    if a.json:
        clean = {t: {k: v for k, v in r.items() if not k.startswith("_")} for t, r in results.items()}
        with open(a.json, "w") as f:
            json.dump({"positives": npos, "negatives": nneg, "tools": clean, "details": details}, f, indent=1)


if __name__ == "__main__":
    main()
