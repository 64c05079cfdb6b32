#!/usr/bin/env python3
"""Generate a labelled secret-scanning corpus (deterministic, fixed seed).

    bench/quality/make_corpus.py OUTDIR [--seed N]

Writes a realistic mixed repository under OUTDIR (services in Python, JS/TS, Go and Java,
Kubernetes manifests, Terraform, .env files, JSON configs, Dockerfiles, shell scripts, logs,
docs, a UTF-16LE PowerShell file, CRLF files, a minified bundle with a very long line) with
planted secrets and hard negatives, and the manifest OUTDIR/../labels.json:

    {"seed", "root", "positives": [{id, path, line, kind, context, secret_sha256, span?}],
     "negatives": [{id, path, line, kind, context, span?}]}

`line` is 1-based, where the secret (or the negative) starts; `span` [first, last] is given for
multi-line values (PEM blocks, a service-account JSON) and any finding inside it matches.
The manifest never contains a secret, only its SHA-256.

Every value is generated here (pure Python, no network, no openssl): private keys are real RSA /
EC P-256 / OpenSSH keys built from the seeded generator, so a run with the same seed produces a
byte-identical tree. GitHub classic and npm tokens carry a valid CRC32 checksum (CRC32 of the 30
random characters after the 4-character prefix, base62-encoded to 6 characters, zero-padded).
"""
import base64
import hashlib
import json
import os
import random
import shutil
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families  # noqa: E402  (bench/quality/families/: one module per credential family)

DEFAULT_SEED = 20250611
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B64URL = B62 + "-_"
B64 = B62 + "+/"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGITS = "0123456789"
HEX = "0123456789abcdef"

R = random.Random(DEFAULT_SEED)


# ----------------------------------------------------------------------------- small helpers
def rs(alphabet, n):
    return "".join(R.choice(alphabet) for _ in range(n))


def b62enc(num, width):
    out = ""
    while num:
        num, r = divmod(num, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def gh_checksum(body):
    return b62enc(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def camel(name):
    parts = name.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def snake(name):
    return name.lower()


def kebab(name):
    return name.lower().replace("_", "-")


# ----------------------------------------------------------------------------- secret makers
def aws_key_id(prefix="AKIA"):
    return prefix + rs(UPPER + "234567", 16)


def aws_secret():
    while True:
        s = rs(B62 + "/+", 40)
        if any(c in s for c in "/+") and any(c.isdigit() for c in s):
            return s


def aws_session_token():
    head = R.choice([b"!\n\torigin_ec", b"\x17\n\x06ervaws"])
    body = head + bytes(R.getrandbits(8) for _ in range(R.randint(280, 520)))
    return base64.b64encode(body).decode().rstrip("=")


def gh_classic(prefix):
    body = rs(B62, 30)
    return prefix + body + gh_checksum(body)


def gh_bad_checksum(prefix="ghp_"):
    t = gh_classic(prefix)
    last = t[-1]
    repl = R.choice([c for c in B62 if c != last])
    return t[:-1] + repl


def gh_fine_grained():
    return "github_pat_11" + rs(UPPER + DIGITS, 20) + "_" + rs(B62, 59)


def glpat():
    return "glpat-" + rs(B62 + "-_", 20)


def npm_token():
    body = rs(B62, 30)
    return "npm_" + body + gh_checksum(body)


def pypi_token():
    def field(ftype, data):
        return bytes([ftype]) + bytes([len(data)]) + data

    ident = "%08x-%04x-%04x-%04x-%012x" % (R.getrandbits(32), R.getrandbits(16),
                                          R.getrandbits(16), R.getrandbits(16), R.getrandbits(48))
    caveat1 = json.dumps({"version": 1, "permissions": {"projects": [R.choice(
        ["billing-sdk", "zk-utils", "orderflow", "ledgerkit"])]}}, separators=(",", ":"))
    caveat2 = json.dumps({"nbf": 1717000000 + R.randint(0, 9999999), "exp": 1760000000 +
                          R.randint(0, 9999999)}, separators=(",", ":"))
    raw = b"\x02" + field(1, b"pypi.org") + field(2, ident.encode()) + b"\x00"
    raw += field(2, caveat1.encode()) + b"\x00" + field(2, caveat2.encode()) + b"\x00" + b"\x00"
    raw += b"\x06\x20" + bytes(R.getrandbits(8) for _ in range(32))
    tok = "pypi-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert tok.startswith("pypi-AgEIcHlwaS5vcmc"), tok[:30]
    return tok


def slack_bot():
    return "xoxb-%s-%s-%s" % (rs(DIGITS, 12), rs(DIGITS, 13), rs(B62, 24))


def slack_user():
    return "xoxp-%s-%s-%s-%s" % (rs(DIGITS, 12), rs(DIGITS, 12), rs(DIGITS, 13), rs(HEX, 32))


def slack_webhook():
    return "https://hooks.slack.com/services/T%s/B%s/%s" % (rs(UPPER + DIGITS, 8),
                                                           rs(UPPER + DIGITS, 10), rs(B62, 24))


def stripe_live():
    if R.random() < 0.5:
        return "sk_live_" + rs(B62, 24)
    return "sk_live_51" + rs(B62, 97)


def google_api_key():
    return "AIza" + rs(B62 + "-_", 35)


def sendgrid():
    return "SG." + rs(B64URL, 22) + "." + rs(B64URL, 43)


def openai_key():
    return "sk-proj-" + rs(B64URL, 74) + "T3BlbkFJ" + rs(B64URL, 74)


def anthropic_key():
    return "sk-ant-api03-" + rs(B64URL, 93) + "AA"


def hf_token():
    return "hf_" + rs(UPPER + LOWER, 34)


def azure_account_key():
    return base64.b64encode(bytes(R.getrandbits(8) for _ in range(64))).decode()


WORDS = ["Maple", "Harbor", "Falcon", "Copper", "Violet", "Summit", "Orchid", "Tundra", "Lumen",
         "Quartz", "Raven", "Cobalt", "Juniper", "Ember", "Nimbus", "Saffron"]


def password():
    # high-entropy, mixed classes, no quotes/backslashes/dollars
    while True:
        p = rs(B62 + "!#%*-_+=.@^", R.randint(16, 28))
        if (any(c.isupper() for c in p) and any(c.islower() for c in p)
                and any(c.isdigit() for c in p) and any(c in "!#%*-_+=.@^" for c in p)):
            return p


def url_password():
    # URL-safe password, human-ish but high entropy ("S3cr3t..." style)
    return R.choice(WORDS) + rs(DIGITS, 2) + R.choice("-_.~") + rs(B62, R.randint(10, 16))


def uuid4():
    h = "%032x" % R.getrandbits(128)
    h = h[:12] + "4" + h[13:16] + R.choice("89ab") + h[17:]
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def hexs(n):
    return "%0*x" % (n, R.getrandbits(4 * n))


# ----------------------------------------------------------------------------- crypto (pure python)
SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


def is_probable_prime(n):
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(24):
        a = R.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def gen_prime(bits):
    while True:
        c = R.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (c - 1) % 65537 and is_probable_prime(c):
            return c


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(x):
    return der(0x02, x.to_bytes(max(1, (x.bit_length() + 8) // 8), "big"))


def der_seq(*items):
    return der(0x30, b"".join(items))


OID_RSA = bytes.fromhex("06092a864886f70d010101")
OID_SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")
OID_EC = bytes.fromhex("06072a8648ce3d0201")
OID_P256 = bytes.fromhex("06082a8648ce3d030107")
NULL = b"\x05\x00"


class RSAKey:
    def __init__(self, bits):
        e = 65537
        while True:
            p, q = gen_prime(bits // 2), gen_prime(bits // 2)
            if p != q:
                break
        if p < q:
            p, q = q, p
        self.n, self.e, self.p, self.q = p * q, e, p, q
        self.d = pow(e, -1, (p - 1) * (q - 1))

    def pkcs1(self):
        return der_seq(der_int(0), der_int(self.n), der_int(self.e), der_int(self.d),
                       der_int(self.p), der_int(self.q), der_int(self.d % (self.p - 1)),
                       der_int(self.d % (self.q - 1)), der_int(pow(self.q, -1, self.p)))

    def pkcs8(self):
        return der_seq(der_int(0), der_seq(OID_RSA, NULL), der(0x04, self.pkcs1()))

    def spki(self):
        pub = der_seq(der_int(self.n), der_int(self.e))
        return der_seq(der_seq(OID_RSA, NULL), der(0x03, b"\x00" + pub))

    def ssh_pub_blob(self):
        return ssh_str(b"ssh-rsa") + ssh_mpint(self.e) + ssh_mpint(self.n)

    def openssh_private(self, comment):
        check = R.getrandbits(32)
        priv = struct.pack(">II", check, check) + ssh_str(b"ssh-rsa") + ssh_mpint(self.n) + \
            ssh_mpint(self.e) + ssh_mpint(self.d) + ssh_mpint(pow(self.q, -1, self.p)) + \
            ssh_mpint(self.p) + ssh_mpint(self.q) + ssh_str(comment.encode())
        i = 1
        while len(priv) % 8:
            priv += bytes([i])
            i += 1
        blob = b"openssh-key-v1\x00" + ssh_str(b"none") + ssh_str(b"none") + ssh_str(b"") + \
            struct.pack(">I", 1) + ssh_str(self.ssh_pub_blob()) + ssh_str(priv)
        return pem("OPENSSH PRIVATE KEY", blob, 70)

    def sign_sha256(self, data):
        prefix = bytes.fromhex("3031300d060960864801650304020105000420")
        t = prefix + hashlib.sha256(data).digest()
        k = (self.n.bit_length() + 7) // 8
        em = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
        return pow(int.from_bytes(em, "big"), self.d, self.n).to_bytes(k, "big")


def ssh_str(b):
    return struct.pack(">I", len(b)) + b


def ssh_mpint(x):
    b = x.to_bytes((x.bit_length() + 8) // 8, "big") if x else b""
    return ssh_str(b)


def pem(label, data, width=64):
    b = base64.b64encode(data).decode()
    body = "\n".join(b[i:i + width] for i in range(0, len(b), width))
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, body, label)


# P-256
EC_P = 2 ** 256 - 2 ** 224 + 2 ** 192 + 2 ** 96 - 1
EC_A = EC_P - 3
EC_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
EC_G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)
EC_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def ec_add(P, Q):
    if P is None:
        return Q
    if Q is None:
        return P
    if P[0] == Q[0] and (P[1] + Q[1]) % EC_P == 0:
        return None
    if P == Q:
        lam = (3 * P[0] * P[0] + EC_A) * pow(2 * P[1], -1, EC_P) % EC_P
    else:
        lam = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, EC_P) % EC_P
    x = (lam * lam - P[0] - Q[0]) % EC_P
    return (x, (lam * (P[0] - x) - P[1]) % EC_P)


def ec_mul(k, P):
    acc = None
    while k:
        if k & 1:
            acc = ec_add(acc, P)
        P = ec_add(P, P)
        k >>= 1
    return acc


def ec_private_pem():
    d = R.randrange(1, EC_N)
    X, Y = ec_mul(d, EC_G)
    pub = b"\x04" + X.to_bytes(32, "big") + Y.to_bytes(32, "big")
    body = der_seq(der_int(1), der(0x04, d.to_bytes(32, "big")), der(0xA0, OID_P256),
                   der(0xA1, der(0x03, b"\x00" + pub)))
    return pem("EC PRIVATE KEY", body)


def name_der(cn):
    return der_seq(der(0x31, der_seq(bytes.fromhex("0603550403"), der(0x0C, cn.encode()))))


def certificate_pem(key, cn):
    tbs = der_seq(der(0xA0, der_int(2)), der_int(R.getrandbits(120)), der_seq(OID_SHA256_RSA, NULL),
                  name_der(cn), der_seq(der(0x17, b"240101000000Z"), der(0x17, b"340101000000Z")),
                  name_der(cn), key.spki())
    sig = key.sign_sha256(tbs)
    cert = der_seq(tbs, der_seq(OID_SHA256_RSA, NULL), der(0x03, b"\x00" + sig))
    return pem("CERTIFICATE", cert)


def tiny_png():
    w = h = 8
    raw = b"".join(b"\x00" + bytes(R.getrandbits(8) for _ in range(w * 3)) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


# ----------------------------------------------------------------------------- items
class Item:
    """One planted value. positive=True: a secret; False: a hard negative."""

    def __init__(self, kind, value, positive, name, secret=None, multiline=False):
        self.kind, self.value, self.positive, self.name = kind, value, positive, name
        self.secret = value if secret is None else secret
        self.multiline = multiline


def P(kind, value, name, **kw):
    return Item(kind, value, True, name, **kw)


def N(kind, value, name, **kw):
    return Item(kind, value, False, name, **kw)


# ----------------------------------------------------------------------------- file builder
class FB:
    def __init__(self, path, ftype, crlf=False, encoding="utf-8", bom=False):
        self.path, self.ftype, self.crlf, self.encoding, self.bom = path, ftype, crlf, encoding, bom
        self.lines = []
        self.labels = []  # (item, line, span, context)

    def add(self, *lines):
        for chunk in lines:
            self.lines.extend(chunk.split("\n"))

    def plant(self, text, item, context, offset=0, span=None):
        """text may span lines; the value starts on line `offset` of it (0-based)."""
        start = len(self.lines) + 1
        self.add(text)
        line = start + offset
        sp = None
        if span is not None:
            sp = [start + span[0], start + span[1]]
        self.labels.append((item, line, sp, context))

    def text(self):
        nl = "\r\n" if self.crlf else "\n"
        return nl.join(self.lines) + nl


# ----------------------------------------------------------------------------- filler
NOUNS = ["order", "invoice", "customer", "payment", "shipment", "report", "metric", "event",
         "job", "queue", "cache", "profile", "catalog", "cart", "ledger", "tenant", "webhook",
         "export", "import", "audit", "schedule", "region", "bucket", "upload", "message"]
VERBS = ["load", "fetch", "build", "render", "compute", "validate", "sync", "refresh", "parse",
         "encode", "publish", "archive", "resolve", "merge", "dispatch", "normalize", "collect"]
FIELDS = ["id", "name", "status", "created_at", "updated_at", "amount", "currency", "region",
          "owner_id", "count", "limit", "offset", "total", "retries", "timeout_ms", "version"]


def pick(seq):
    return R.choice(seq)


def ident():
    return "%s_%s" % (pick(VERBS), pick(NOUNS))


def py_function():
    name, arg, f = ident(), pick(NOUNS), pick(FIELDS)
    body = [
        "def %s(%s, limit=%d):" % (name, arg, R.choice([10, 50, 100, 500])),
        '    """%s the %s records for the current tenant."""' % (name.split("_")[0].title(), arg),
        "    results = []",
        "    for row in %s.rows[:limit]:" % arg,
        "        if row.get(\"%s\") is None:" % f,
        "            log.debug(\"skipping %%s without %s\", row.get(\"id\"))" % f,
        "            continue",
        "        results.append(row)",
    ]
    body += pick([["    if not results:", "        raise ValueError(\"no %s found\")" % arg],
                  ["    results.sort(key=lambda r: r[\"%s\"])" % f],
                  ["    metrics.increment(\"%s.count\", len(results))" % arg]])
    body += ["    return results", ""]
    return "\n".join(body)


def py_class():
    cls = pick(NOUNS).title() + pick(["Service", "Repository", "Client", "Handler", "Worker"])
    lines = ["class %s:" % cls, '    """Wraps %s access."""' % cls.lower(), "",
             "    def __init__(self, session, timeout=%d):" % R.choice([5, 10, 30]),
             "        self.session = session", "        self.timeout = timeout",
             "        self._cache = {}", ""]
    for _ in range(R.randint(1, 3)):
        m, f = ident(), pick(FIELDS)
        lines += ["    def %s(self, key):" % m,
                  "        if key in self._cache:", "            return self._cache[key]",
                  "        resp = self.session.get(f\"/api/v1/%s/{key}\", timeout=self.timeout)" % pick(NOUNS),
                  "        resp.raise_for_status()",
                  "        value = resp.json().get(\"%s\")" % f,
                  "        self._cache[key] = value", "        return value", ""]
    return "\n".join(lines)


def js_function(ts=False):
    name = camel(ident())
    arg = pick(NOUNS)
    t = ": Record<string, unknown>" if ts else ""
    lines = ["export async function %s(%s%s, opts = {}) {" % (name, arg, t),
             "  const url = `${BASE_URL}/api/%s/${%s.id}`;" % (pick(NOUNS), arg),
             "  const res = await fetch(url, { method: '%s', headers: { 'content-type': 'application/json' } });" % pick(["GET", "POST", "PUT"]),
             "  if (!res.ok) {",
             "    throw new Error(`%s failed: ${res.status}`);" % name, "  }",
             "  const body = await res.json();",
             "  logger.info('%s', { count: body.items?.length ?? 0 });" % name,
             "  return body.items.filter((x) => x.%s !== undefined);" % camel(pick(FIELDS)), "}", ""]
    return "\n".join(lines)


def go_function():
    name = "".join(p.title() for p in ident().split("_"))
    n = pick(NOUNS).title()
    return "\n".join([
        "// %s %s the %s list." % (name, name[:1].lower() + name[1:], n.lower()),
        "func (s *Server) %s(ctx context.Context, id string) ([]%s, error) {" % (name, n),
        "\tctx, cancel := context.WithTimeout(ctx, %d*time.Second)" % R.choice([2, 5, 10]),
        "\tdefer cancel()",
        "\trows, err := s.db.QueryContext(ctx, \"SELECT id, %s FROM %ss WHERE owner_id = $1\", id)" % (pick(FIELDS), n.lower()),
        "\tif err != nil {",
        "\t\treturn nil, fmt.Errorf(\"%s: %%w\", err)" % name.lower(), "\t}",
        "\tdefer rows.Close()",
        "\tvar out []%s" % n,
        "\tfor rows.Next() {", "\t\tvar v %s" % n,
        "\t\tif err := rows.Scan(&v.ID, &v.%s); err != nil {" % pick(FIELDS).title().replace("_", ""),
        "\t\t\treturn nil, err", "\t\t}", "\t\tout = append(out, v)", "\t}",
        "\treturn out, rows.Err()", "}", ""])


def java_method():
    name = camel(ident())
    n = pick(NOUNS).title()
    return "\n".join([
        "    public List<%s> %s(String ownerId) {" % (n, name),
        "        Objects.requireNonNull(ownerId, \"ownerId\");",
        "        List<%s> result = new ArrayList<>();" % n,
        "        for (%s item : repository.findByOwner(ownerId)) {" % n,
        "            if (item.get%s() != null) {" % pick(FIELDS).title().replace("_", ""),
        "                result.add(item);", "            }", "        }",
        "        LOG.debug(\"%s returned {} rows\", result.size());" % name,
        "        return result;", "    }", ""])


def sh_block():
    svc = pick(NOUNS)
    return "\n".join(pick([
        ["echo \"deploying %s to ${ENVIRONMENT}\"" % svc,
         "kubectl -n \"${NAMESPACE}\" rollout restart deployment/%s" % svc,
         "kubectl -n \"${NAMESPACE}\" rollout status deployment/%s --timeout=%ds" % (svc, R.choice([60, 120, 300]))],
        ["if [ ! -d \"${BUILD_DIR}\" ]; then", "  mkdir -p \"${BUILD_DIR}\"", "fi",
         "tar -czf \"${BUILD_DIR}/%s.tgz\" -C dist ." % svc],
        ["for f in migrations/*.sql; do", "  echo \"applying $f\"",
         "  psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 -f \"$f\"", "done"],
        ["aws s3 sync ./public \"s3://${BUCKET}/%s/\" --delete --only-show-errors" % svc,
         "aws cloudfront create-invalidation --distribution-id \"$DIST_ID\" --paths '/*'"],
    ])) + "\n"


def log_line(ts):
    lvl = R.choice(["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"])
    msg = R.choice([
        "GET /api/v1/%s/%d 200 %dms" % (pick(NOUNS), R.randint(1, 99999), R.randint(1, 900)),
        "POST /api/v1/%s 201 %dms" % (pick(NOUNS), R.randint(1, 900)),
        "worker %s processed %d messages" % (pick(NOUNS), R.randint(1, 500)),
        "cache miss for %s:%d" % (pick(NOUNS), R.randint(1, 9999)),
        "retrying %s (attempt %d/5)" % (ident(), R.randint(1, 5)),
        "connection pool size=%d idle=%d" % (R.randint(5, 50), R.randint(0, 5)),
    ])
    return "%s %-5s [%s] %s" % (ts, lvl, pick(NOUNS), msg)


def md_paragraph():
    return " ".join(R.choice([
        "The %s service reads from the %s queue and writes results to the %s table." % (pick(NOUNS), pick(NOUNS), pick(NOUNS)),
        "Run the migrations before starting the %s worker." % pick(NOUNS),
        "Configuration is read from environment variables; see the table below.",
        "Retries use exponential backoff with jitter, capped at %d seconds." % R.choice([30, 60, 120]),
        "Metrics are exported on `/metrics` in Prometheus format.",
        "Each %s belongs to exactly one tenant and is never shared." % pick(NOUNS),
    ]) for _ in range(R.randint(2, 4)))


def tf_resource():
    n = pick(NOUNS)
    return "\n".join(pick([
        ['resource "aws_s3_bucket" "%s" {' % n, '  bucket = "${var.prefix}-%s"' % n,
         "  tags = local.common_tags", "}", "",
         'resource "aws_s3_bucket_versioning" "%s" {' % n, "  bucket = aws_s3_bucket.%s.id" % n,
         "  versioning_configuration {", '    status = "Enabled"', "  }", "}", ""],
        ['resource "aws_sqs_queue" "%s" {' % n, '  name                       = "${var.prefix}-%s"' % n,
         "  visibility_timeout_seconds = %d" % R.choice([30, 60, 300]),
         "  message_retention_seconds  = 1209600", "}", ""],
        ['resource "aws_iam_role" "%s" {' % n, '  name               = "${var.prefix}-%s"' % n,
         "  assume_role_policy = data.aws_iam_policy_document.%s_assume.json" % n, "}", ""],
        ['variable "%s_count" {' % n, '  type    = number', "  default = %d" % R.randint(1, 9),
         '  description = "How many %s workers to run"' % n, "}", ""],
    ]))


# ----------------------------------------------------------------------------- renderers
def render_single(fb, item, style=None):
    """Append `item` (single-line value) to fb in a form natural for fb.ftype."""
    t, v, name = fb.ftype, item.value, item.name
    forms = {
        "py": ['%s = "%s"' % (name, v), '    "%s": "%s",' % (snake(name), v),
               'os.environ.setdefault("%s", "%s")' % (name, v)],
        "js": ['const %s = "%s";' % (camel(name), v), "  %s: '%s'," % (camel(name), v)],
        "ts": ['export const %s = "%s";' % (name, v), "  %s: '%s'," % (camel(name), v)],
        "go": ['\t%s = "%s"' % (camel(name), v), '\t%s := "%s"' % (camel(name), v)],
        "java": ['    private static final String %s = "%s";' % (name, v),
                 '        props.setProperty("%s", "%s");' % (kebab(name).replace("-", "."), v)],
        "yaml": ["  %s: %s" % (snake(name), v), '  %s: "%s"' % (camel(name), v)],
        "k8s-env": ["            - name: %s\n              value: \"%s\"" % (name, v)],
        "tf": ['  %s = "%s"' % (snake(name), v)],
        "env": ["%s=%s" % (name, v), '%s="%s"' % (name, v)],
        "json": ['  "%s": "%s",' % (camel(name), v)],
        "docker": ["ENV %s=%s" % (name, v), "ARG %s=%s" % (name, v)],
        "sh": ['export %s="%s"' % (name, v), "%s='%s'" % (name, v)],
        "ps1": ['$env:%s = "%s"' % (name, v)],
        "ini": ["%s = %s" % (snake(name), v)],
        "properties": ["%s=%s" % (kebab(name).replace("-", "."), v)],
        "log": ["%s DEBUG [config] loaded %s=%s" % (ts_now(), name, v)],
        "md": ["export %s=%s" % (name, v)],
        "bat": ["set %s=%s" % (name, v)],
    }
    opts = forms[t]
    i = style if style is not None else R.randrange(len(opts))
    text = opts[i % len(opts)]
    fb.plant(text, item, "%s-assign%d" % (t, i % len(opts)), offset=text.count("\n"))


_TS = [1717400000]


def ts_now():
    _TS[0] += R.randint(1, 40)
    s = _TS[0]
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % R.randint(0, 999)


def render_pem(fb, item):
    """Multi-line PEM value in the form natural for fb.ftype."""
    t, v, name = fb.ftype, item.value, item.name
    n = v.count("\n")
    if t == "pem":
        fb.plant(v, item, "pem-file", 0, (0, n))
    elif t == "yaml":
        ind = "      " if "compose" in fb.path else "  "
        fb.add("%s%s: |" % (ind, snake(name)))
        fb.plant("\n".join(ind + "  " + l for l in v.split("\n")), item, "yaml-block", 0, (0, n))
    elif t == "py":
        fb.plant('%s = """%s\n"""' % (name, v), item, "py-triple-quoted", 0, (0, n))
    elif t == "tf":
        fb.add("  %s = <<-EOT" % snake(name))
        fb.plant("\n".join("    " + l for l in v.split("\n")), item, "tf-heredoc", 0, (0, n))
        fb.add("  EOT")
    elif t in ("json", "js", "ts"):
        esc = v.replace("\n", "\\n") + "\\n"
        if t == "json":
            fb.plant('  "%s": "%s",' % (snake(name), esc), item, "json-escaped-pem", 0, (0, 0))
        else:
            fb.plant("  %s: \"%s\"," % (camel(name), esc), item, "js-escaped-pem", 0, (0, 0))
    elif t == "env":
        fb.plant('%s="%s"' % (name, v), item, "env-multiline-quoted", 0, (0, n))
    elif t == "md":
        fb.add("```")
        fb.plant(v, item, "md-code-block", 0, (0, n))
        fb.add("```")
    elif t == "go":
        fb.plant("const %s = `%s`" % (camel(name), v), item, "go-raw-string", 0, (0, n))
    elif t == "java":
        fb.add('    private static final String %s = """' % name)
        fb.plant("\n".join("        " + l for l in v.split("\n")), item, "java-text-block", 0, (0, n))
        fb.add('        """;')
    elif t == "sh":
        fb.add("cat > \"$HOME/.ssh/%s\" <<'EOF'" % snake(name))
        fb.plant(v, item, "sh-heredoc", 0, (0, n))
        fb.add("EOF")
    else:
        raise ValueError(t)


def render(fb, item, style=None):
    if item.multiline:
        render_pem(fb, item)
    else:
        render_single(fb, item, style)


# ----------------------------------------------------------------------------- item catalogue
def make_items():
    pos, neg = [], []
    # AWS pairs/triples are kept together as groups
    groups = []
    for i in range(12):
        kid = aws_key_id("AKIA")
        names = R.choice([("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                          ("AWS_ACCESS_KEY", "AWS_SECRET_KEY"),
                          ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"),
                          ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY")])
        groups.append([P("aws_access_key_id", kid, names[0]),
                       P("aws_secret_access_key", aws_secret(), names[1])])
    for i in range(5):
        groups.append([P("aws_access_key_id", aws_key_id("ASIA"), "AWS_ACCESS_KEY_ID"),
                       P("aws_secret_access_key", aws_secret(), "AWS_SECRET_ACCESS_KEY"),
                       P("aws_session_token", aws_session_token(), "AWS_SESSION_TOKEN")])
    singles = []
    for p in ["ghp_"] * 6 + ["gho_"] * 3 + ["ghs_"] * 3 + ["ghu_", "ghr_"]:
        singles.append(P("github_classic", gh_classic(p), R.choice(["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT", "BOT_TOKEN"])))
    singles += [P("github_fine_grained", gh_fine_grained(), R.choice(["GITHUB_TOKEN", "GH_PAT"])) for _ in range(6)]
    singles += [P("gitlab_pat", glpat(), R.choice(["GITLAB_TOKEN", "CI_PUSH_TOKEN", "GL_TOKEN"])) for _ in range(7)]
    singles += [P("pypi_token", pypi_token(), R.choice(["PYPI_TOKEN", "TWINE_PASSWORD", "PYPI_API_TOKEN"])) for _ in range(6)]
    singles += [P("npm_token", npm_token(), R.choice(["NPM_TOKEN", "NODE_AUTH_TOKEN"])) for _ in range(7)]
    singles += [P("slack_bot_token", slack_bot(), R.choice(["SLACK_BOT_TOKEN", "SLACK_TOKEN"])) for _ in range(6)]
    singles += [P("slack_user_token", slack_user(), "SLACK_USER_TOKEN") for _ in range(3)]
    singles += [P("slack_webhook", slack_webhook(), R.choice(["SLACK_WEBHOOK_URL", "ALERT_WEBHOOK"])) for _ in range(6)]
    singles += [P("stripe_live_key", stripe_live(), R.choice(["STRIPE_SECRET_KEY", "STRIPE_API_KEY", "PAYMENTS_KEY"])) for _ in range(6)]
    singles += [P("google_api_key", google_api_key(), R.choice(["GOOGLE_API_KEY", "MAPS_API_KEY", "FIREBASE_API_KEY"])) for _ in range(7)]
    singles += [P("sendgrid_key", sendgrid(), R.choice(["SENDGRID_API_KEY", "MAIL_API_KEY"])) for _ in range(6)]
    singles += [P("openai_key", openai_key(), R.choice(["OPENAI_API_KEY", "LLM_API_KEY"])) for _ in range(6)]
    singles += [P("anthropic_key", anthropic_key(), R.choice(["ANTHROPIC_API_KEY", "CLAUDE_KEY"])) for _ in range(6)]
    singles += [P("huggingface_token", hf_token(), R.choice(["HF_TOKEN", "HUGGINGFACE_TOKEN", "HF_HUB_TOKEN"])) for _ in range(6)]
    for _ in range(6):
        acct = R.choice(["stprodlogs", "zkartifacts", "billingexports", "mediastore01"]) + rs(DIGITS, 2)
        k = azure_account_key()
        v = "DefaultEndpointsProtocol=https;AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net" % (acct, k)
        singles.append(P("azure_storage_key", v, R.choice(["AZURE_STORAGE_CONNECTION_STRING", "STORAGE_CONN"]), secret=k))
    for _ in range(13):
        pw = url_password()
        u = R.choice([
            "postgres://app:{pw}@db.internal:5432/app", "postgresql://billing_rw:{pw}@pg-primary.prod.svc:5432/billing?sslmode=require",
            "mysql://root:{pw}@mysql.default.svc.cluster.local:3306/shop", "redis://:{pw}@redis-master:6379/0",
            "amqp://events:{pw}@rabbitmq:5672/prod", "mongodb+srv://reporting:{pw}@cluster0.ab12c.mongodb.net/reports",
        ]).format(pw=pw)
        singles.append(P("url_password", u, R.choice(["DATABASE_URL", "DB_DSN", "BROKER_URL", "CACHE_URL"]), secret=pw))
    for _ in range(26):
        singles.append(P("generic_password", password(), R.choice([
            "DB_PASSWORD", "PASSWORD", "ADMIN_PASSWORD", "SMTP_PASSWORD", "API_SECRET", "CLIENT_SECRET",
            "SECRET_KEY", "JWT_SECRET", "REDIS_PASSWORD", "LDAP_BIND_PASSWORD", "ENCRYPTION_KEY"])))
    singles += families.positives(R, P)
    return groups, singles


def make_keys():
    """Private keys (positives) and public material (negatives)."""
    keys = []
    for i in range(5):
        k = RSAKey(R.choice([1024, 2048, 2048]))
        keys.append(P("private_key", pem("RSA PRIVATE KEY", k.pkcs1()), "PRIVATE_KEY", multiline=True))
    for i in range(4):
        k = RSAKey(2048)
        keys.append(P("private_key", pem("PRIVATE KEY", k.pkcs8()), "SIGNING_KEY", multiline=True))
    for i in range(3):
        keys.append(P("private_key", ec_private_pem(), "EC_KEY", multiline=True))
    for i in range(3):
        k = RSAKey(1024)
        keys.append(P("private_key", k.openssh_private("deploy@ci-%d" % i), "DEPLOY_KEY", multiline=True))
    pubs = []
    for i in range(13):
        k = RSAKey(1024)
        pubs.append(k)
    return keys, pubs


# ----------------------------------------------------------------------------- corpus layout
class Corpus:
    def __init__(self):
        self.files = {}

    def new(self, path, ftype, **kw):
        assert path not in self.files, path
        fb = FB(path, ftype, **kw)
        self.files[path] = fb
        return fb


def build(outdir):
    C = Corpus()
    groups, singles = make_items()
    keys, pubkeys = make_keys()
    pub_iter = iter(pubkeys)

    services = [("billing", "py"), ("auth", "py"), ("reports", "py"), ("gateway", "ts"),
                ("web", "js"), ("notifier", "js"), ("ledger", "go"), ("ingest", "go"),
                ("orders", "java"), ("inventory", "java")]

    # Plant slots: list of FB targets for items; each FB gets a list of pending items.
    pending = {}

    def want(fb, items):
        pending.setdefault(fb.path, []).extend(items)

    code_files = []  # (fb, filler_fn, header, footer)

    # -------- services
    for svc, lang in services:
        base = "services/%s" % svc
        if lang == "py":
            nfiles = R.randint(12, 18)
            for i in range(nfiles):
                mod = pick(NOUNS) + "_" + pick(["service", "views", "models", "tasks", "utils", "client", "api", "schemas"])
                path = "%s/%s/%s_%d.py" % (base, svc, mod, i)
                fb = C.new(path, "py")
                code_files.append(fb)
            C.new("%s/%s/settings.py" % (base, svc), "py")
            code_files.append(C.files["%s/%s/settings.py" % (base, svc)])
            fb = C.new("%s/requirements.txt" % base, "req")
        elif lang in ("js", "ts"):
            ext = lang
            for i in range(R.randint(12, 18)):
                path = "%s/src/%s%s.%s" % (base, camel(ident()), i, ext)
                code_files.append(C.new(path, lang))
            code_files.append(C.new("%s/src/config.%s" % (base, ext), lang))
            C.new("%s/package.json" % base, "pkgjson")
            C.new("%s/package-lock.json" % base, "pkglock")
        elif lang == "go":
            for i in range(R.randint(10, 14)):
                path = "%s/internal/%s/%s_%d.go" % (base, pick(NOUNS), pick(NOUNS), i)
                if path in C.files:
                    continue
                code_files.append(C.new(path, "go"))
            code_files.append(C.new("%s/cmd/%s/main.go" % (base, svc), "go"))
            C.new("%s/go.mod" % base, "gomod")
            C.new("%s/go.sum" % base, "gosum")
        elif lang == "java":
            for i in range(R.randint(10, 14)):
                cls = pick(NOUNS).title() + pick(["Service", "Controller", "Repository", "Mapper"]) + str(i)
                path = "%s/src/main/java/com/example/%s/%s.java" % (base, svc, cls)
                code_files.append(C.new(path, "java"))
            code_files.append(C.new("%s/src/main/resources/application.properties" % base, "properties"))
        C.new("%s/Dockerfile" % base, "docker")
        C.new("%s/.env.example" % base, "env")
        C.new("%s/README.md" % base, "md")
        C.new("%s/config/%s.json" % (base, R.choice(["appsettings", "config", "defaults"])), "json")
    # -------- deploy / k8s
    for env in ["dev", "staging", "prod"]:
        for svc, _ in services:
            C.new("deploy/k8s/%s/%s-deployment.yaml" % (env, svc), "k8s-deploy")
            if R.random() < 0.5:
                C.new("deploy/k8s/%s/%s-configmap.yaml" % (env, svc), "k8s-cm")
        for i in range(4):
            C.new("deploy/k8s/%s/secret-%s.yaml" % (env, pick(NOUNS) + str(i)), "k8s-secret")
        C.new("deploy/helm/values-%s.yaml" % env, "yaml")
        C.new("deploy/compose/docker-compose.%s.yml" % env, "yaml")
        C.new(".env.%s" % env, "env")
    C.new("deploy/k8s/prod/tls-secret.yaml", "k8s-tls")
    C.new("deploy/k8s/prod/registry-secret.yaml", "k8s-dockercfg")
    # -------- terraform
    for mod in ["network", "storage", "iam", "database", "queues", "dns", "monitoring", "cdn"]:
        for f in ["main.tf", "variables.tf", "outputs.tf"]:
            C.new("infra/terraform/modules/%s/%s" % (mod, f), "tf")
    for env in ["dev", "staging", "prod"]:
        C.new("infra/terraform/envs/%s/main.tf" % env, "tf")
        C.new("infra/terraform/envs/%s/terraform.tfvars" % env, "tfvars")
        C.new("infra/terraform/envs/%s/.terraform.lock.hcl" % env, "tflock")
    # -------- CI
    for wf in ["ci", "release", "deploy", "nightly", "docs", "codeql", "publish-pypi", "publish-npm"]:
        C.new(".github/workflows/%s.yml" % wf, "workflow")
    C.new(".gitlab-ci.yml", "yaml")
    # -------- scripts, logs, docs, config, keys
    for i in range(22):
        C.new("scripts/%s_%d.sh" % (ident(), i), "sh")
    for i in range(10):
        C.new("logs/%s-%d.log" % (pick(NOUNS), i), "log")
    C.new("logs/cloudtrail-events.json", "cloudtrail")
    for i in range(24):
        C.new("docs/%s-%d.md" % (kebab(ident()), i), "md")
    C.new("docs/CHANGELOG.md", "changelog")
    for i in range(14):
        C.new("config/%s-%d.json" % (pick(NOUNS), i), "json")
    for i in range(4):
        C.new("config/%s-%d.ini" % (pick(NOUNS), i), "ini")
    C.new("config/gcp/sa-%s.json" % "exporter", "gcp-sa")
    C.new("config/gcp/sa-%s.json" % "backup", "gcp-sa")
    C.new("config/gcp/sa-%s.json" % "bigquery-loader", "gcp-sa")
    C.new("requirements.lock", "reqlock")
    C.new("web/static/styles.css", "css")
    C.new("web/static/index.html", "html")
    C.new("web/dist/bundle.min.js", "minjs")
    C.new("windows/Set-DevEnv.ps1", "ps1", crlf=True, encoding="utf-16-le", bom=True)
    C.new("windows/deploy.bat", "bat", crlf=True)
    C.new("windows/app.ini", "ini", crlf=True)
    C.new("windows/.env.windows", "env", crlf=True)
    C.new("ops/authorized_keys", "authkeys")
    for i, (nm, t) in enumerate([("id_rsa", "pem"), ("deploy_key", "pem"), ("server.key", "pem"),
                                 ("jwt-signing.pem", "pem"), ("ec-signer.pem", "pem"),
                                 ("legacy/backup_id_rsa", "pem")]):
        C.new("keys/%s" % nm, t)
    for nm in ["ca.crt", "server.crt", "intermediate.pem", "jwt-public.pem", "oauth-public.pem", "root-ca.pem"]:
        C.new("certs/%s" % nm, "pubpem")
    C.new("tests/fixtures/aws_example_config.ini", "ini")
    C.new("tests/fixtures/tokens_invalid.txt", "txtlist")
    C.new("services/web/.npmrc", "npmrc")
    C.new("ops/iam/deploy-bot_accessKeys.csv", "awscsv")
    C.new("logs/assume-role-output.log", "stslog")
    C.new("services/billing/billing/s3_upload.py", "boto3")
    C.new("services/auth/auth/password_fixtures.py", "pwhash")
    C.new("logs/proxy-access.log", "basicauthlog")
    C.new("services/notifier/.npmrc", "npmrc-ref")
    C.new("services/billing/.pypirc", "pypirc")
    C.new("ops/.git-credentials", "gitcreds")
    C.new("ops/docker/config.json", "dockerjson")
    C.new("deploy/k8s/prod/admission-webhook.yaml", "k8s-webhook")
    C.new("web/dist/bundle.min.js.map", "sourcemap")

    # ----------------------------------------------------------------- assign positives
    single_types = {
        "py": 0.0, "js": 0, "ts": 0, "go": 0, "java": 0, "yaml": 0, "tf": 0, "env": 0, "json": 0,
        "docker": 0, "sh": 0, "ini": 0, "properties": 0, "log": 0, "md": 0, "k8s-deploy": 0,
        "k8s-cm": 0, "k8s-secret": 0, "workflow": 0, "tfvars": 0,
    }
    by_type = {}
    for fb in C.files.values():
        by_type.setdefault(fb.ftype, []).append(fb)

    def pick_file(types):
        t = R.choice([t for t in types if t in by_type])
        return R.choice(by_type[t])

    assign = {}  # path -> list of groups (each group: list of (item, style))

    def put(fb, grp):
        assign.setdefault(fb.path, []).append(grp)

    # special placements first
    R.shuffle(singles)
    specials = []

    def take(kind):
        for i, it in enumerate(singles):
            if it.kind == kind:
                return singles.pop(i)
        raise KeyError(kind)

    ps1 = C.files["windows/Set-DevEnv.ps1"]
    put(ps1, groups.pop())  # an ASIA triple (key id, secret, session token)
    put(ps1, [take("github_classic")])
    put(ps1, [take("generic_password")])
    put(C.files["windows/deploy.bat"], [take("npm_token")])
    put(C.files["windows/deploy.bat"], [take("url_password")])
    put(C.files["windows/app.ini"], [take("sendgrid_key")])
    put(C.files["windows/.env.windows"], groups.pop())
    put(C.files["windows/.env.windows"], [take("openai_key")])
    put(C.files["web/dist/bundle.min.js"], [take("stripe_live_key")])
    # k8s Secret data: base64 values (positives of kind k8s_secret_b64)
    b64_items = []
    for fb in by_type["k8s-secret"]:
        nitems = R.randint(1, 3)
        grp = []
        for _ in range(nitems):
            src = R.choice(["pw", "url", "tok"])
            if src == "pw":
                raw, nm = password(), R.choice(["password", "db-password", "admin-password"])
            elif src == "url":
                raw, nm = "postgres://app:%s@db:5432/app" % url_password(), "database-url"
            else:
                raw, nm = R.choice([slack_bot, stripe_live, sendgrid, glpat])(), "api-token"
            it = P("k8s_secret_b64", base64.b64encode(raw.encode()).decode(), nm, secret=raw)
            grp.append(it)
        put(fb, grp)

    # AWS groups go to env/sh/py/ini/tf/yaml/json/log etc.
    for g in groups:
        fb = pick_file(["env", "sh", "py", "ini", "tf", "yaml", "json", "log", "docker", "md", "k8s-deploy", "ts", "go", "java", "properties", "workflow"])
        put(fb, g)
    groups.clear()
    for it in singles:
        fb = pick_file(["env", "sh", "py", "js", "ts", "go", "java", "yaml", "tf", "json", "docker", "ini", "properties", "log", "md", "k8s-deploy", "k8s-cm", "workflow", "tfvars"])
        put(fb, [it])
    # private keys
    pem_files = [C.files[p] for p in ["keys/id_rsa", "keys/deploy_key", "keys/server.key",
                                      "keys/jwt-signing.pem", "keys/ec-signer.pem", "keys/legacy/backup_id_rsa"]]
    openssh = [k for k in keys if "OPENSSH" in k.value]
    others = [k for k in keys if "OPENSSH" not in k.value]
    put(pem_files[0], [openssh.pop()])
    put(pem_files[1], [openssh.pop()])
    put(pem_files[5], [openssh.pop()])
    put(pem_files[2], [others.pop(0)])
    put(pem_files[3], [[k for k in others if "BEGIN PRIVATE KEY" in k.value][0]])
    others.remove(assign[pem_files[3].path][0][0])
    ec = [k for k in others if "EC PRIVATE" in k.value]
    put(pem_files[4], [ec[0]])
    others.remove(ec[0])
    for k in others:
        fb = pick_file(["yaml", "py", "tf", "env", "md", "go", "java", "sh", "js"])
        put(fb, [k])

    # ----------------------------------------------------------------- negatives
    negs = []
    EX_ID, EX_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    for _ in range(6):
        negs.append([N("aws_example_key", EX_ID, "AWS_ACCESS_KEY_ID"), N("aws_example_key", EX_SECRET, "AWS_SECRET_ACCESS_KEY")])
    placeholders = [
        ("placeholder_x", lambda: "X" * R.choice([20, 32, 40]), ["API_KEY", "AWS_ACCESS_KEY_ID", "STRIPE_SECRET_KEY"]),
        ("placeholder_x", lambda: "AKIA" + "X" * 16, ["AWS_ACCESS_KEY_ID"]),
        ("placeholder_x", lambda: "ghp_" + "x" * 36, ["GITHUB_TOKEN"]),
        ("placeholder_angle", lambda: R.choice(["<your-key>", "<your-api-key>", "<YOUR_SECRET_HERE>", "<password>", "<token>"]),
         ["API_KEY", "PASSWORD", "SLACK_TOKEN", "OPENAI_API_KEY"]),
        ("placeholder_changeme", lambda: R.choice(["changeme", "change-me", "CHANGE_ME", "replace-me", "your-password-here"]),
         ["PASSWORD", "DB_PASSWORD", "ADMIN_PASSWORD", "SECRET_KEY"]),
        ("placeholder_var", lambda: R.choice(["${DB_PASSWORD}", "${API_TOKEN}", "${AWS_SECRET_ACCESS_KEY}", "$(cat /run/secrets/db_password)"]),
         ["DB_PASSWORD", "API_TOKEN", "AWS_SECRET_ACCESS_KEY"]),
        ("redacted", lambda: R.choice(["********", "****************", "[REDACTED]", "***REDACTED***", "<redacted>"]),
         ["PASSWORD", "API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY"]),
    ]
    for _ in range(44):
        kind, mk, names = R.choice(placeholders)
        negs.append([N(kind, mk(), R.choice(names))])
    for _ in range(10):
        negs.append([N("github_bad_checksum", gh_bad_checksum(R.choice(["ghp_", "gho_", "ghs_"])), "GITHUB_TOKEN")])
    for _ in range(2):
        body = rs(B62, 30)
        negs.append([N("github_bad_checksum", "npm_" + body + gh_checksum(body + "x"), "NPM_TOKEN")])
    for _ in range(10):
        negs.append([N("uuid", uuid4(), R.choice(["REQUEST_ID", "TENANT_ID", "CLIENT_ID", "CORRELATION_ID", "INSTALLATION_ID"]))])
    for _ in range(8):
        negs.append([N("sha_hash", R.choice([hexs(40), hexs(64)]), R.choice(["GIT_SHA", "BUILD_COMMIT", "CHECKSUM", "ARTIFACT_SHA256", "CACHE_KEY"]))])
    for _ in range(8):
        negs.append([N("iam_unique_id", R.choice(["AIDA", "AROA", "AIPA"]) + rs(UPPER + "234567", 17), R.choice(["PRINCIPAL_ID", "ROLE_ID", "USER_ID"]))])
    negs += [[n] for n in families.negatives(R, N)]
    R.shuffle(negs)
    for g in negs:
        fb = pick_file(["env", "sh", "py", "js", "ts", "go", "java", "yaml", "tf", "json", "docker", "ini", "properties", "md", "k8s-deploy", "k8s-cm", "workflow"])
        put(fb, g)

    # ----------------------------------------------------------------- render every file
    nstate = {"pub": pub_iter}
    for path in sorted(C.files):
        fb = C.files[path]
        render_file(fb, assign.get(path, []), nstate)

    # ----------------------------------------------------------------- write
    if os.path.exists(outdir):
        shutil.rmtree(outdir)
    pos_labels, neg_labels = [], []
    seen_lines = {}
    for path in sorted(C.files):
        fb = C.files[path]
        full = os.path.join(outdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = fb.text()
        raw = data.encode(fb.encoding)
        if fb.bom and fb.encoding == "utf-16-le":
            raw = b"\xff\xfe" + raw
        with open(full, "wb") as f:
            f.write(raw)
        for item, line, span, ctx in fb.labels:
            key = (path, line)
            assert key not in seen_lines, ("two labels on one line", key, item.kind, seen_lines[key])
            seen_lines[key] = item.kind
            assert 1 <= line <= len(fb.lines)
            if not item.multiline:
                assert item.value in fb.lines[line - 1], (path, line, item.kind)
            lab = {"path": path, "line": line, "kind": item.kind, "context": ctx}
            if span:
                lab["span"] = span
            if item.positive:
                lab["secret_sha256"] = sha(item.secret)
                pos_labels.append(lab)
            else:
                neg_labels.append(lab)
    for i, l in enumerate(pos_labels):
        l["id"] = "P%03d" % i
    for i, l in enumerate(neg_labels):
        l["id"] = "N%03d" % i
    manifest = {"seed": SEED_USED[0], "root": os.path.basename(os.path.normpath(outdir)),
                "files": len(C.files), "positives": pos_labels, "negatives": neg_labels}
    lab_path = os.path.join(os.path.dirname(os.path.normpath(os.path.abspath(outdir))), "labels.json")
    with open(lab_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return manifest, lab_path


SEED_USED = [DEFAULT_SEED]


# ----------------------------------------------------------------------------- file templates
SECRET_NAMES = ["DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "STRIPE_SECRET_KEY", "GITHUB_TOKEN",
                "API_KEY", "JWT_SECRET", "SMTP_PASSWORD", "OPENAI_API_KEY"]


def plant_refs(fb, n=None):
    """Lines that name a secret but hold a reference to it (hard negatives)."""
    t = fb.ftype
    forms = {
        "py": ['{n} = os.environ["{N}"]', '{n} = os.getenv("{N}")', '{n} = os.environ.get("{N}", "")',
               '{n} = settings.{N}', '{n} = secrets_client.get_secret_value(SecretId="prod/{k}")["SecretString"]'],
        "js": ["const {c} = process.env.{N};", "const {c} = process.env['{N}'] ?? '';", "const {c} = config.get('{k}');"],
        "ts": ["const {c}: string = process.env.{N}!;", "const {c} = process.env.{N} || '';"],
        "go": ['	{c} := os.Getenv("{N}")', '	{c}, ok := os.LookupEnv("{N}")'],
        "java": ['        String {c} = System.getenv("{N}");', '        String {c} = env.getProperty("{k}");',
                 '        @Value("${{{d}}}") String {c};'],
        "tf": ["  {n} = var.{n}", "  {n} = data.aws_secretsmanager_secret_version.{n}.secret_string",
               "  {n} = random_password.{n}.result"],
        "yaml": ["  {n}: ${{{N}}}", '  {n}: "{{{{ .Values.{c} }}}}"', "  {n}: !Ref {C}", '  {n}: "{{{{ vault_{n} }}}}"'],
        "sh": ['kubectl create secret generic app --from-literal={k}="$(openssl rand -hex 32)"',
               '{N}="$(aws secretsmanager get-secret-value --secret-id prod/{k} --query SecretString --output text)"',
               'export {N}="${{{N}:?must be set}}"', '{N}=$(vault kv get -field={n} secret/app)'],
        "env": ["{N}=${{{N}}}", "{N}=", "# {N}= (set in the secret store)"],
        "docker": ["ARG {N}", "RUN --mount=type=secret,id={k} cat /run/secrets/{k} > /dev/null"],
        "properties": ["{d}=${{{N}}}"],
        "json": ['  "{c}": "${{{N}}}",', '  "{c}Ref": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/{k}",'],
    }
    if t not in forms:
        return
    for _ in range(n if n is not None else R.randint(1, 2)):
        N_ = R.choice(SECRET_NAMES)
        line = R.choice(forms[t]).format(n=snake(N_), N=N_, c=camel(N_), C=camel(N_)[0].upper() + camel(N_)[1:],
                                         k=kebab(N_), d=kebab(N_).replace("-", "."))
        fb.plant(line, N("reference", "", N_), "%s-reference" % t)


def emit_items(fb, groups, style=None):
    for g in groups:
        for it in g:
            render(fb, it, style)


def render_file(fb, groups, st):
    t = fb.ftype
    p = fb.path
    if t == "py":
        fb.add('"""%s."""' % os.path.basename(p)[:-3].replace("_", " ").capitalize(),
               "import logging", "import os", "from typing import Optional", "", "log = logging.getLogger(__name__)", "")
        singles = [g for g in groups]
        if singles:
            fb.add("# local defaults (TODO: move to the secret store)")
            for g in singles:
                for it in g:
                    render(fb, it, R.choice([0, 2]))
            fb.add("")
        if R.random() < 0.35:
            plant_refs(fb)
            fb.add("")
        if "settings" in p:
            fb.add('DATABASE_URL = os.environ["DATABASE_URL"]', 'DEBUG = os.getenv("DEBUG", "0") == "1"',
                   'ALLOWED_HOSTS = ["*.example.com"]', "")
        for _ in range(R.randint(1, 5)):
            fb.add(R.choice([py_function, py_class])())
        if R.random() < 0.2:
            fb.add("def login(request):", '    password = request.form["password"]',
                   "    if not check_password(request.user, password):", "        return None",
                   "    return issue_session(request.user)", "")
    elif t in ("js", "ts"):
        fb.add("import { logger } from './logger';", "const BASE_URL = process.env.API_BASE_URL || 'http://localhost:8080';", "")
        if R.random() < 0.35:
            plant_refs(fb)
            fb.add("")
        if groups:
            fb.add("// fallback credentials for local development")
            for g in groups:
                for it in g:
                    if it.multiline:
                        fb.add("const keys = {")
                        render(fb, it)
                        fb.add("};")
                    else:
                        render(fb, it, 0)
            fb.add("")
        for _ in range(R.randint(1, 5)):
            fb.add(js_function(t == "ts"))
    elif t == "go":
        pkg = p.split("/")[-2]
        fb.add("package %s" % ("main" if "cmd/" in p else pkg), "", "import (", '\t"context"', '\t"fmt"', '\t"time"', ")", "")
        if groups:
            fb.add("var (")
            later = []
            for g in groups:
                for it in g:
                    if it.multiline:
                        later.append(it)
                    else:
                        render(fb, it, 0)
            fb.add(")", "")
            for it in later:
                render(fb, it)
                fb.add("")
        fb.add("type Server struct {", "\tdb *sql.DB", "}", "")
        if R.random() < 0.35:
            fb.add("func loadConfig() {")
            plant_refs(fb)
            fb.add("\t_ = ok", "}", "")
        for _ in range(R.randint(1, 4)):
            fb.add(go_function())
    elif t == "java":
        pkgpath = p.split("src/main/java/")[1].rsplit("/", 1)[0].replace("/", ".")
        cls = os.path.basename(p)[:-5]
        fb.add("package %s;" % pkgpath, "", "import java.util.ArrayList;", "import java.util.List;",
               "import java.util.Objects;", "", "public class %s {" % cls,
               "    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(%s.class);" % cls, "")
        for g in groups:
            for it in g:
                render(fb, it, 0)
        fb.add("")
        if R.random() < 0.35:
            fb.add("    void configure(org.springframework.core.env.Environment env) {")
            plant_refs(fb)
            fb.add("    }", "")
        for _ in range(R.randint(1, 4)):
            fb.add(java_method())
        fb.add("}")
    elif t == "properties":
        fb.add("server.port=8080", "spring.application.name=%s" % p.split("/")[1],
               "spring.datasource.url=jdbc:postgresql://db:5432/app", "spring.datasource.username=app",
               "spring.datasource.password=${DB_PASSWORD}", "management.endpoints.web.exposure.include=health,info")
        emit_items(fb, groups)
        plant_refs(fb, 1)
        fb.add("logging.level.root=INFO")
    elif t == "env":
        fb.add("# %s" % os.path.basename(p), "APP_ENV=%s" % R.choice(["development", "staging", "production"]),
               "LOG_LEVEL=info", "PORT=%d" % R.choice([3000, 8000, 8080]))
        emit_items(fb, groups)
        if R.random() < 0.5:
            plant_refs(fb)
        fb.add("FEATURE_FLAGS=checkout_v2,new_nav")
    elif t == "docker":
        if R.random() < 0.5:
            d = hexs(64)
            fb.plant("FROM %s@sha256:%s" % (R.choice(["python:3.11-slim", "node:20-alpine", "eclipse-temurin:21-jre"]), d),
                     N("sha_hash", d, "digest"), "dockerfile-pinned-digest")
        else:
            fb.add("FROM %s" % R.choice(["python:3.11-slim", "node:20-alpine", "golang:1.22 AS build", "eclipse-temurin:21-jre"]))
        fb.add("WORKDIR /app", "COPY . .")
        emit_items(fb, groups)
        if R.random() < 0.4:
            plant_refs(fb, 1)
        fb.add("RUN make build", "EXPOSE 8080", 'CMD ["./start.sh"]')
    elif t == "md":
        fb.add("# %s" % os.path.basename(p)[:-3].replace("-", " ").title(), "", md_paragraph(), "")
        if groups:
            fb.add("## Local setup", "", "```bash")
            later = []
            for g in groups:
                for it in g:
                    if it.multiline:
                        later.append(it)
                    else:
                        render(fb, it)
            fb.add("```", "")
            for it in later:
                fb.add("The key used by the staging bastion:", "")
                render(fb, it)
                fb.add("")
        fb.add(md_paragraph(), "")
        if R.random() < 0.3:
            item = N("base64_image", tiny_png(), "IMG")
            fb.plant("![architecture](data:image/png;base64,%s)" % item.value, item, "md-data-uri")
            fb.add("")
    elif t == "yaml":
        if "compose" in p:
            fb.add("services:", "  app:", "    image: registry.example.com/app:1.4.2", "    environment:")
            for g in groups:
                for it in g:
                    if it.multiline:
                        render(fb, it)
                    else:
                        fb.plant("      %s: \"%s\"" % (it.name, it.value), it, "compose-env")
            fb.add("    ports:", '      - "8080:8080"', "  db:", "    image: postgres:16",
                   "    environment:", "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}")
        else:
            fb.add("replicaCount: %d" % R.randint(1, 5), "image:", "  repository: registry.example.com/%s" % pick(NOUNS),
                   "  tag: \"1.%d.%d\"" % (R.randint(0, 9), R.randint(0, 20)), "config:")
            emit_items(fb, groups)
            plant_refs(fb)
            fb.add("resources:", "  limits:", "    cpu: 500m", "    memory: 512Mi")
    elif t == "k8s-deploy":
        svc = os.path.basename(p).split("-")[0]
        fb.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: %s" % svc,
               "  labels:", "    app: %s" % svc, "spec:", "  replicas: %d" % R.randint(1, 4),
               "  selector:", "    matchLabels:", "      app: %s" % svc, "  template:", "    metadata:",
               "      labels:", "        app: %s" % svc, "    spec:", "      containers:",
               "        - name: %s" % svc, "          image: registry.example.com/%s:1.0.%d" % (svc, R.randint(0, 99)),
               "          env:", "            - name: LOG_LEVEL", "              value: info",
               "            - name: DB_PASSWORD", "              valueFrom:", "                secretKeyRef:",
               "                  name: %s-db" % svc, "                  key: password")
        for g in groups:
            for it in g:
                fb.plant("            - name: %s\n              value: \"%s\"" % (it.name, it.value), it, "k8s-env-value", offset=1)
        fb.add("          ports:", "            - containerPort: 8080")
    elif t == "k8s-cm":
        fb.add("apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: %s-config" % os.path.basename(p).split("-")[0], "data:",
               "  LOG_LEVEL: info", "  REGION: eu-west-1")
        for g in groups:
            for it in g:
                fb.plant("  %s: \"%s\"" % (it.name, it.value), it, "k8s-configmap")
    elif t == "k8s-secret":
        fb.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: %s" % os.path.basename(p)[:-5],
               "type: Opaque", "data:")
        for nm, raw in R.sample([("username", R.choice(["admin", "app", "billing_rw", "reporting"])),
                                 ("port", "5432"), ("host", "db.internal"), ("database", "app")], 2):
            b = base64.b64encode(raw.encode()).decode()
            fb.plant("  %s: %s" % (nm, b), N("k8s_b64_nonsecret", b, nm), "k8s-secret-data-nonsecret")
        for g in groups:
            for it in g:
                if it.kind == "k8s_secret_b64":
                    fb.plant("  %s: %s" % (it.name, it.value), it, "k8s-secret-data-b64")
        rest = [it for g in groups for it in g if it.kind != "k8s_secret_b64"]
        if rest:
            fb.add("stringData:")
            for it in rest:
                fb.plant("  %s: \"%s\"" % (kebab(it.name), it.value), it, "k8s-secret-stringdata")
    elif t == "k8s-tls":
        k = next(st["pub"])
        cert = certificate_pem(k, "api.example.com")
        key = RSAKey(1024)
        fb.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: api-tls", "type: kubernetes.io/tls", "data:")
        fb.plant("  tls.crt: %s" % base64.b64encode(cert.encode()).decode(), N("certificate_b64", "", "tls.crt"), "k8s-tls-crt-b64")
        kp = pem("RSA PRIVATE KEY", key.pkcs1())
        fb.plant("  tls.key: %s" % base64.b64encode(kp.encode()).decode(), P("k8s_secret_b64", "", "tls.key", secret=kp), "k8s-tls-key-b64")
    elif t == "k8s-dockercfg":
        tok = gh_classic("ghp_")
        auth = base64.b64encode(("ci-bot:" + tok).encode()).decode()
        cfg = json.dumps({"auths": {"ghcr.io": {"username": "ci-bot", "password": tok, "auth": auth}}})
        fb.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: ghcr-pull", "type: kubernetes.io/dockerconfigjson", "data:")
        fb.plant("  .dockerconfigjson: %s" % base64.b64encode(cfg.encode()).decode(), P("k8s_secret_b64", "", "dockercfg", secret=tok), "k8s-dockerconfigjson-b64")
    elif t == "tf":
        fb.add('terraform {', '  required_version = ">= 1.6"', "}", "")
        if groups:
            fb.add('provider "aws" {', '  region = var.region')
            for g in groups:
                for it in g:
                    render(fb, it)
            fb.add("}", "")
        if R.random() < 0.4:
            fb.add('resource "aws_db_instance" "main" {', '  engine   = "postgres"', "  username = var.db_username")
            plant_refs(fb)
            fb.add("}", "")
        for _ in range(R.randint(1, 4)):
            fb.add(tf_resource())
    elif t == "tfvars":
        fb.add('region = "eu-west-1"', 'prefix = "zk-%s"' % p.split("/")[-2], "instance_count = 2")
        for g in groups:
            for it in g:
                fb.plant('%s = "%s"' % (snake(it.name), it.value), it, "tfvars-assign")
    elif t == "tflock":
        for prov in ["hashicorp/aws", "hashicorp/random", "hashicorp/tls"]:
            fb.add('provider "registry.terraform.io/%s" {' % prov, '  version     = "5.%d.0"' % R.randint(1, 60),
                   '  constraints = "~> 5.0"', "  hashes = [")
            for _ in range(3):
                h = "h1:" + base64.b64encode(bytes(R.getrandbits(8) for _ in range(32))).decode()
                fb.plant('    "%s",' % h, N("integrity_hash", h, "h1"), "tf-lock-h1")
            for _ in range(2):
                h = "zh:" + hexs(64)
                fb.plant('    "%s",' % h, N("sha_hash", h, "zh"), "tf-lock-zh")
            fb.add("  ]", "}", "")
    elif t == "workflow":
        fb.add("name: %s" % os.path.basename(p)[:-4], "on:", "  push:", "    branches: [main]", "permissions:",
               "  contents: read", "jobs:", "  build:", "    runs-on: ubuntu-latest", "    steps:")
        sha1 = hexs(40)
        fb.plant("      - uses: actions/checkout@%s # v4" % sha1, N("sha_hash", sha1, "sha"), "workflow-pinned-sha")
        fb.add("      - name: Build", "        run: make build", "        env:")
        fb.plant("          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}", N("placeholder_var", "${{ secrets.GITHUB_TOKEN }}", "GITHUB_TOKEN"), "workflow-secrets-ref")
        for g in groups:
            for it in g:
                fb.plant("          %s: %s" % (it.name, it.value), it, "workflow-env")
        if "pypi" in p or "npm" in p:
            fb.add("      - name: Publish", "        env:")
            fb.plant("          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}", N("placeholder_var", "", "PYPI"), "workflow-secrets-ref")
            fb.add("        run: make publish")
    elif t == "sh":
        fb.add("#!/usr/bin/env bash", "set -euo pipefail", "", 'ENVIRONMENT="${1:-staging}"',
               'NAMESPACE="app-${ENVIRONMENT}"', "")
        later = []
        for g in groups:
            for it in g:
                if it.multiline:
                    later.append(it)
                else:
                    render(fb, it)
        for it in later:
            render(fb, it)
        if R.random() < 0.4:
            plant_refs(fb)
        if R.random() < 0.3:
            u = url_password()
            it = P("url_password", "curl -fsS -u deploy:%s https://artifacts.example.com/upload" % u, "CURL", secret=u)
            fb.plant(it.value + " -T dist.tgz", it, "sh-curl-basic-auth")
        for _ in range(R.randint(1, 4)):
            fb.add(sh_block())
    elif t == "ps1":
        fb.add("# Sets up a developer shell", "$ErrorActionPreference = 'Stop'")
        for g in groups:
            for it in g:
                render(fb, it)
        fb.add("Write-Host 'environment ready'")
    elif t == "bat":
        fb.add("@echo off", "setlocal")
        emit_items(fb, groups)
        fb.add("call gradlew.bat build", "endlocal")
    elif t == "ini":
        fb.add("[default]", "region = eu-west-1", "output = json")
        if "aws_example" in p:
            fb.plant("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", N("aws_example_key", "", "x"), "ini-aws-example")
            fb.plant("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", N("aws_example_key", "", "x"), "ini-aws-example")
        fb.add("", "[service]", "timeout = 30", "retries = 3")
        emit_items(fb, groups)
    elif t == "json":
        fb.add("{", '  "service": "%s",' % pick(NOUNS), '  "port": %d,' % R.choice([8080, 9090, 3000]))
        for g in groups:
            for it in g:
                render(fb, it)
        if R.random() < 0.4:
            plant_refs(fb, 1)
        fb.add('  "features": ["%s", "%s"],' % (pick(NOUNS), pick(NOUNS)), '  "timeoutMs": %d' % R.choice([1000, 5000]), "}")
    elif t == "gcp-sa":
        key = RSAKey(2048)
        kp = pem("PRIVATE KEY", key.pkcs8())
        proj = "zk-%s-%d" % (pick(NOUNS), R.randint(100, 999))
        nm = os.path.basename(p)[3:-5]
        fields = [("type", "service_account"), ("project_id", proj), ("private_key_id", hexs(40)),
                  ("private_key", kp.replace("\n", "\\n") + "\\n"),
                  ("client_email", "%s@%s.iam.gserviceaccount.com" % (nm, proj)),
                  ("client_id", str(R.randint(10 ** 20, 10 ** 21))),
                  ("auth_uri", "https://accounts.google.com/o/oauth2/auth"),
                  ("token_uri", "https://oauth2.googleapis.com/token"),
                  ("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs"),
                  ("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/%s%%40%s.iam.gserviceaccount.com" % (nm, proj)),
                  ("universe_domain", "googleapis.com")]
        fb.add("{")
        for i, (k, v) in enumerate(fields):
            line = '  "%s": "%s"%s' % (k, v, "," if i < len(fields) - 1 else "")
            if k == "private_key":
                fb.plant(line, P("gcp_service_account", "", "sa", secret=kp), "gcp-sa-json", 0, (-(i + 1), len(fields) - i))
            else:
                fb.add(line)
        fb.add("}")
    elif t == "log":
        for _ in range(R.randint(20, 60)):
            fb.add(log_line(ts_now()))
            if R.random() < 0.08:
                u = uuid4()
                fb.plant("%s INFO  [http] request_id=%s GET /healthz 200 1ms" % (ts_now(), u), N("uuid", u, "rid"), "log-request-id")
            if R.random() < 0.04:
                fb.plant("%s DEBUG [http] Authorization: Bearer ****" % ts_now(), N("redacted", "****", "auth"), "log-redacted-bearer")
        for g in groups:
            for it in g:
                render(fb, it)
                for _ in range(R.randint(1, 5)):
                    fb.add(log_line(ts_now()))
        if R.random() < 0.4:
            tok = gh_classic("ghs_")
            it = P("github_classic", tok, "auth", secret=tok)
            fb.plant("%s ERROR [git] clone failed: https://x-access-token:%s@github.com/example/infra.git" % (ts_now(), tok), it, "log-url-token")
        for _ in range(R.randint(5, 20)):
            fb.add(log_line(ts_now()))
    elif t == "cloudtrail":
        fb.add("{", '  "Records": [')
        for i in range(8):
            uid = R.choice(["AIDA", "AROA"]) + rs(UPPER + "234567", 17)
            fb.add("    {", '      "eventVersion": "1.08",', '      "userIdentity": {', '        "type": "%s",' % ("IAMUser" if uid.startswith("AIDA") else "AssumedRole"))
            fb.plant('        "principalId": "%s%s",' % (uid, "" if uid.startswith("AIDA") else ":ci-session"), N("iam_unique_id", uid, "pid"), "cloudtrail-principal-id")
            fb.add('        "accountId": "%012d"' % R.randint(10 ** 11, 10 ** 12 - 1), "      },",
                   '      "eventName": "%s",' % R.choice(["GetObject", "AssumeRole", "ListBuckets", "PutObject"]))
            rid = uuid4()
            fb.plant('      "requestID": "%s"' % rid, N("uuid", rid, "rid"), "cloudtrail-request-id")
            fb.add("    }%s" % ("," if i < 7 else ""))
        fb.add("  ]", "}")
    elif t == "changelog":
        fb.add("# Changelog", "")
        for i in range(15):
            s = hexs(40)
            fb.add("## 1.%d.0" % (15 - i), "")
            fb.plant("- %s (commit %s)" % (md_paragraph().split(".")[0], s), N("sha_hash", s, "sha"), "changelog-commit-sha")
            fb.add("")
    elif t == "req":
        for pkg in ["requests==2.32.3", "boto3==1.34.%d" % R.randint(0, 150), "pydantic==2.7.%d" % R.randint(0, 4), "sqlalchemy==2.0.30"]:
            fb.add(pkg)
    elif t == "reqlock":
        for pkg in ["requests==2.32.3", "urllib3==2.2.2", "idna==3.7", "certifi==2024.6.2", "charset-normalizer==3.3.2",
                    "boto3==1.34.120", "botocore==1.34.120", "jmespath==1.0.1", "s3transfer==0.10.1"]:
            h1 = hexs(64)
            fb.add("%s \\" % pkg)
            fb.plant("    --hash=sha256:%s \\" % h1, N("sha_hash", h1, "h"), "requirements-hash")
            h2 = hexs(64)
            fb.plant("    --hash=sha256:%s" % h2, N("sha_hash", h2, "h"), "requirements-hash")
    elif t == "pkgjson":
        fb.add("{", '  "name": "%s",' % p.split("/")[1], '  "version": "1.%d.0",' % R.randint(0, 9), '  "private": true,',
               '  "scripts": { "build": "tsc -p .", "test": "vitest run" },',
               '  "dependencies": { "express": "^4.19.2", "zod": "^3.23.8" }', "}")
    elif t == "pkglock":
        fb.add("{", '  "name": "%s",' % p.split("/")[1], '  "lockfileVersion": 3,', '  "requires": true,', '  "packages": {')
        pk = ["express", "zod", "debug", "ms", "qs", "body-parser", "cookie", "etag", "send", "vary"]
        for i, name in enumerate(pk):
            integ = "sha512-" + base64.b64encode(bytes(R.getrandbits(8) for _ in range(64))).decode()
            fb.add('    "node_modules/%s": {' % name, '      "version": "%d.%d.%d",' % (R.randint(0, 5), R.randint(0, 20), R.randint(0, 9)),
                   '      "resolved": "https://registry.npmjs.org/%s/-/%s-1.0.0.tgz",' % (name, name))
            fb.plant('      "integrity": "%s"' % integ, N("integrity_hash", integ, "i"), "package-lock-integrity")
            fb.add("    }%s" % ("," if i < len(pk) - 1 else ""))
        fb.add("  }", "}")
    elif t == "gomod":
        fb.add("module github.com/example/%s" % p.split("/")[1], "", "go 1.22", "", "require (",
               "\tgithub.com/aws/aws-sdk-go-v2 v1.30.3", "\tgithub.com/jackc/pgx/v5 v5.6.0", ")")
    elif t == "gosum":
        for mod, ver in [("github.com/aws/aws-sdk-go-v2", "v1.30.3"), ("github.com/jackc/pgx/v5", "v5.6.0"),
                         ("github.com/jackc/puddle/v2", "v2.2.1"), ("golang.org/x/crypto", "v0.24.0"),
                         ("golang.org/x/text", "v0.16.0")]:
            for suffix in ["", "/go.mod"]:
                h = base64.b64encode(bytes(R.getrandbits(8) for _ in range(32))).decode()
                fb.plant("%s %s%s h1:%s" % (mod, ver, suffix, h), N("go_sum", h, "h"), "go-sum-line")
    elif t == "pem":
        emit_items(fb, groups)
    elif t == "pubpem":
        k = next(st["pub"])
        if "public" in p:
            v = pem("PUBLIC KEY", k.spki())
            fb.plant(v, N("public_key", v, "pub", multiline=True), "pem-public-key", 0, (0, v.count("\n")))
        else:
            v = certificate_pem(k, os.path.basename(p).split(".")[0] + ".example.internal")
            fb.plant(v, N("certificate", v, "cert", multiline=True), "pem-certificate", 0, (0, v.count("\n")))
    elif t == "authkeys":
        for i in range(4):
            k = next(st["pub"])
            line = "ssh-rsa %s %s@%s" % (base64.b64encode(k.ssh_pub_blob()).decode(), R.choice(["alice", "bob", "ci", "ops"]), R.choice(["laptop", "bastion", "runner"]))
            fb.plant(line, N("public_key", "", "ssh"), "authorized-keys-ssh-rsa")
    elif t == "css":
        fb.add("body { margin: 0; font-family: system-ui, sans-serif; }", ".header { display: flex; }")
        for i in range(3):
            v = tiny_png()
            fb.plant(".icon-%d { background-image: url(data:image/png;base64,%s); }" % (i, v), N("base64_image", v, "img"), "css-data-uri")
    elif t == "html":
        fb.add("<!doctype html>", "<html>", "<head><title>Dashboard</title></head>", "<body>")
        v = tiny_png()
        fb.plant('  <img alt="logo" src="data:image/png;base64,%s">' % v, N("base64_image", v, "img"), "html-data-uri")
        fb.add('  <script src="/dist/bundle.min.js"></script>', "</body>", "</html>")
    elif t == "minjs":
        parts = []
        for i in range(1800):
            a, b = rs(LOWER, 1), rs(LOWER, 2)
            parts.append("function %s%d(%s){return %s.map(function(e){return e.%s})}" % (a, i, b, b, camel(pick(FIELDS))))
            if i % 97 == 0:
                parts.append('var cfg%d={endpoint:"https://api.example.com/v%d",retries:%d};' % (i, i % 5, i % 7))
        it = groups[0][0]
        mid = len(parts) // 2
        line = ";".join(parts[:mid]) + ';var stripeCfg={key:"%s",mode:"live"};' % it.value + ";".join(parts[mid:])
        fb.plant(line, it, "minified-js-long-line")
        fb.add("//# sourceMappingURL=bundle.min.js.map")
    elif t == "awscsv":
        fb.add("User name,Password,Access key ID,Secret access key,Console login link")
        kid, sec = aws_key_id("AKIA"), aws_secret()
        fb.plant("deploy-bot,,%s,%s,https://123456789012.signin.aws.amazon.com/console" % (kid, sec),
                 P("aws_credentials_csv", kid, "csv", secret=kid + ":" + sec), "iam-credentials-csv")
    elif t == "stslog":
        for _ in range(R.randint(3, 8)):
            fb.add(log_line(ts_now()))
        fb.add("%s DEBUG [deploy] aws sts assume-role output:" % ts_now(), "{", '    "Credentials": {')
        kid, sec, tok = aws_key_id("ASIA"), aws_secret(), aws_session_token()
        fb.plant('        "AccessKeyId": "%s",' % kid, P("aws_access_key_id", kid, "x"), "sts-json-output")
        fb.plant('        "SecretAccessKey": "%s",' % sec, P("aws_secret_access_key", sec, "x"), "sts-json-output")
        fb.plant('        "SessionToken": "%s",' % tok, P("aws_session_token", tok, "x"), "sts-json-output")
        fb.add('        "Expiration": "2024-06-03T09:16:26+00:00"', "    },", '    "AssumedRoleUser": {')
        rid = "AROA" + rs(UPPER + "234567", 17)
        fb.plant('        "AssumedRoleId": "%s:deploy",' % rid, N("iam_unique_id", rid, "x"), "sts-json-output")
        fb.add('        "Arn": "arn:aws:sts::123456789012:assumed-role/deploy/deploy"', "    }", "}")
        for _ in range(R.randint(3, 8)):
            fb.add(log_line(ts_now()))
    elif t == "boto3":
        fb.add('"""Upload exports to S3."""', "import boto3", "", "", "def client():", "    return boto3.client(",
               '        "s3",', '        region_name="eu-west-1",')
        kid, sec = aws_key_id("AKIA"), aws_secret()
        fb.plant('        aws_access_key_id="%s",' % kid, P("aws_access_key_id", kid, "x"), "py-kwargs")
        fb.plant('        aws_secret_access_key="%s",' % sec, P("aws_secret_access_key", sec, "x"), "py-kwargs")
        fb.add("    )", "")
        fb.add(py_function())
    elif t == "pwhash":
        fb.add('"""Password hashes for the login tests (hashes, not passwords)."""', "", "USERS = {")
        for i in range(4):
            salt = rs(B64.replace("+", "").replace("/", ""), 22)
            h = R.choice(["$argon2id$v=19$m=65536,t=3,p=4$%s$%s" % (salt, rs(B62, 43)),
                          "$2b$12$%s%s" % (salt[:22], rs(B62 + "./", 31))])
            fb.plant('    "user%d@example.com": {"password_hash": "%s"},' % (i, h), N("password_hash", h, "x"), "py-password-hash")
        fb.add("}")
        for i in range(4):
            v = hexs(32)
            it = P("generic_api_key_hex", v, "x")
            nm = R.choice(["DD_API_KEY", "DATADOG_API_KEY", "NEW_RELIC_LICENSE_KEY", "MAILGUN_API_KEY"])
            if nm == "MAILGUN_API_KEY":
                it.value = "key-" + v
            fb.plant('%s = "%s"' % (nm, it.value), it, "py-hex-api-key")
    elif t == "basicauthlog":
        for _ in range(R.randint(10, 20)):
            fb.add(log_line(ts_now()))
        for _ in range(2):
            user, pw = R.choice(["admin", "deploy", "grafana"]), password()
            b = base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
            fb.plant('%s DEBUG [proxy] upstream request headers: {"Authorization": "Basic %s", "Accept": "*/*"}' % (ts_now(), b),
                     P("basic_auth_b64", b, "x", secret=pw), "log-basic-auth-header")
            for _ in range(R.randint(3, 9)):
                fb.add(log_line(ts_now()))
    elif t == "npmrc":
        tok = npm_token()
        fb.add("registry=https://registry.npmjs.org/", "always-auth=true")
        fb.plant("//registry.npmjs.org/:_authToken=%s" % tok, P("npm_token", tok, "npmrc"), "npmrc-authtoken")
    elif t == "npmrc-ref":
        fb.add("registry=https://registry.npmjs.org/")
        fb.plant("//registry.npmjs.org/:_authToken=${NPM_TOKEN}", N("placeholder_var", "", "npmrc"), "npmrc-env-ref")
    elif t == "pypirc":
        tok = pypi_token()
        fb.add("[distutils]", "index-servers =", "    pypi", "", "[pypi]", "username = __token__")
        fb.plant("password = %s" % tok, P("pypi_token", tok, "pypirc"), "pypirc-password")
    elif t == "gitcreds":
        for i in range(2):
            tok = gh_classic("ghp_")
            fb.plant("https://%s:%s@github.com" % (R.choice(["ci-bot", "deploy", "alice"]), tok), P("github_classic", tok, "gitcreds"), "git-credentials-url")
        pw = url_password()
        fb.plant("https://builder:%s@gitlab.example.com" % pw, P("url_password", pw, "gitcreds"), "git-credentials-url")
    elif t == "dockerjson":
        pw = password()
        auth = base64.b64encode(("robot$ci:" + pw).encode()).decode()
        fb.add("{", '  "auths": {', '    "registry.example.com": {')
        fb.plant('      "auth": "%s"' % auth, P("docker_auth_b64", auth, "auth", secret=pw), "docker-config-auth-b64")
        fb.add("    }", "  },", '  "credsStore": ""', "}")
    elif t == "k8s-webhook":
        k = next(st["pub"])
        cert = certificate_pem(k, "webhook.default.svc")
        fb.add("apiVersion: admissionregistration.k8s.io/v1", "kind: ValidatingWebhookConfiguration", "metadata:",
               "  name: policy-webhook", "webhooks:", "  - name: policy.example.com", "    clientConfig:",
               "      service:", "        name: policy-webhook", "        namespace: default")
        fb.plant("      caBundle: %s" % base64.b64encode(cert.encode()).decode(), N("certificate_b64", "", "ca"), "k8s-cabundle-b64")
        fb.add("    admissionReviewVersions: [v1]", "    sideEffects: None")
    elif t == "sourcemap":
        segs = []
        for _ in range(3000):
            segs.append("".join(R.choice("ACEGIKMOQSUWYacegikmoqsuwy") for _ in range(R.choice([4, 4, 5, 6, 8]))))
        m = ",".join(segs[:1500]) + ";" + ",".join(segs[1500:])
        fb.add("{", '  "version": 3,', '  "file": "bundle.min.js",', '  "sources": ["src/app.ts", "src/api.ts"],', '  "names": ["e", "t", "n"],')
        fb.plant('  "mappings": "%s"' % m, N("sourcemap", "", "map"), "sourcemap-mappings")
        fb.add("}")
    elif t == "txtlist":
        fb.add("# tokens with a wrong checksum (must not be reported)")
        for _ in range(4):
            v = gh_bad_checksum()
            fb.plant(v, N("github_bad_checksum", v, "t"), "txt-bad-checksum")
    else:
        raise ValueError(t)
    # ensure no file is empty
    if not fb.lines:
        fb.add("")


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if args else 2)
    seed = DEFAULT_SEED
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    SEED_USED[0] = seed
    R.seed(seed)
    manifest, lab = build(args[0])
    kinds = {}
    for l in manifest["positives"]:
        kinds[l["kind"]] = kinds.get(l["kind"], 0) + 1
    print("wrote %d files under %s; %d positives, %d negatives; labels: %s" % (
        manifest["files"], args[0], len(manifest["positives"]), len(manifest["negatives"]), lab), file=sys.stderr)


if __name__ == "__main__":
    main()
