//! Deterministic inputs for the matcher's equivalence test and its benchmark: source-like text
//! (code, manifests, docs, with the words secret rules look for used innocently, plus a few
//! planted credentials) and synthetic extra rules that grow the catalogue to the size it is
//! heading for. Shared by `tests/matcher_equivalence.rs` and `benches/matcher.rs`.
//!
//! Nothing here is a real credential: every value is drawn from a seeded generator.

#![allow(dead_code)]

/// splitmix64: small, seedable, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
pub const LOWER_DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";
pub const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const UPPER_B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const IDENTS: &[&str] = &[
    "cluster",
    "client",
    "config",
    "server",
    "request",
    "response",
    "handler",
    "node",
    "spec",
    "status",
    "instance",
    "image",
    "volume",
    "bucket",
    "region",
    "zone",
    "network",
    "subnet",
    "manager",
    "controller",
    "options",
    "result",
    "value",
    "name",
    "items",
    "ctx",
    "err",
    "token",
    "tokenSource",
    "accessToken",
    "password",
    "passwordFile",
    "secret",
    "secretName",
    "secretRef",
    "apiKey",
    "api_key",
    "keyPair",
    "sshKey",
    "privateKey",
    "credentials",
    "auth",
    "authToken",
    "bearer",
    "session",
    "account",
    "project",
    "service",
    "deployment",
    "pod",
];

const WORDS: &[&str] = &[
    "the",
    "a",
    "cluster",
    "is",
    "created",
    "with",
    "and",
    "to",
    "of",
    "for",
    "in",
    "this",
    "token",
    "secret",
    "password",
    "key",
    "that",
    "when",
    "node",
    "instance",
    "group",
    "can",
    "be",
    "used",
    "by",
    "configure",
    "kubernetes",
    "AWS",
    "GCE",
    "Azure",
    "DigitalOcean",
    "api",
    "server",
    "etcd",
    "certificate",
    "authentication",
    "bearer",
    "see",
    "https://kops.sigs.k8s.io/",
    "run",
    "kops",
    "update",
    "rolling",
    "upgrade",
    "on",
    "your",
    "should",
    "not",
    "stored",
];

/// Source-like text of about `len` bytes: Go, Python, YAML, JSON, shell and prose lines, with
/// rule keywords used innocently, base64 and hex blobs, URLs, and now and then a planted
/// credential-shaped value.
pub fn source_text(seed: u64, len: usize) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let mut out = String::with_capacity(len + 256);
    while out.len() < len {
        let a = r.pick(IDENTS);
        let b = r.pick(IDENTS);
        let line = match r.below(24) {
            0 => format!("func (c *{a}) Get{b}(ctx context.Context) (*{b}, error) {{"),
            1 => format!("\tif err := c.{a}.Validate({b}); err != nil {{\n\t\treturn nil, fmt.Errorf(\"validating {b}: %w\", err)\n\t}}"),
            2 => format!("\t{a} := &{b}{{Name: \"{}\", Namespace: \"kube-system\"}}", r.string(LOWER, 8)),
            3 => format!("    {a}: {}", r.string(LOWER_DIGITS, 12)),
            4 => format!("  - name: {}\n    value: \"{}\"", a.to_uppercase(), r.string(LOWER, 6)),
            5 => format!("    \"{a}\": \"{}\",", r.string(LOWER_DIGITS, 10)),
            6 => format!("def {a}_{b}(self, {b}=None):\n    return self.{a}.get(\"{b}\")"),
            7 => format!("export {}=\"${{{}}}\"", a.to_uppercase(), b.to_uppercase()),
            8 => format!("// {a} holds the {b} used to talk to the API server; the token is refreshed by the controller."),
            9 => format!("  {a}Ref:\n    name: {}-{}\n    key: {b}", r.string(LOWER, 5), r.string(LOWER, 4)),
            10 => format!("    checksum: sha256:{}", r.string(HEX, 64)),
            11 => format!("  tls.crt: {}", r.string(B64, 76)),
            12 => format!("See https://{}.example.org/docs/{a}/{b}#{} for details.", r.string(LOWER, 6), r.string(LOWER, 5)),
            13 => format!("    image: registry.k8s.io/{}/{a}:v1.{}.{}", r.string(LOWER, 5), r.below(30), r.below(9)),
            14 => format!("\t{a}.{b} = {b}.Spec.{}", r.string(LOWER, 7)),
            15 => format!("resource \"aws_{a}\" \"{b}\" {{\n  name = \"{}\"\n  tags = local.tags\n}}", r.string(LOWER, 8)),
            16 => format!("{a} = os.environ.get(\"{}\", \"\")", b.to_uppercase()),
            17 => format!("    id: {}-{}-{}-{}-{}", r.string(HEX, 8), r.string(HEX, 4), r.string(HEX, 4), r.string(HEX, 4), r.string(HEX, 12)),
            18 => (0..12).map(|_| r.pick(WORDS)).collect::<Vec<_>>().join(" "),
            19 => format!("curl -sSL https://{}.io/{a} | bash -s -- --{b}", r.string(LOWER, 7)),
            20 => format!("\tlog.Infof(\"{a} %s: %v\", {b}.Name, err)"),
            21 => r.string(B64, 120),
            22 => planted(&mut r),
            _ => format!("\t\"github.com/{}/{a}/pkg/{b}\"", r.string(LOWER, 6)),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.into_bytes()
}

/// A credential-shaped line (random values; some pass the rules' checks, some do not).
fn planted(r: &mut Rng) -> String {
    match r.below(10) {
        0 => format!("aws_access_key_id = AKIA{}", r.string(UPPER_B32, 16)),
        1 => format!("aws_secret_access_key = {}", r.string(B64, 40)),
        2 => format!("GITHUB_TOKEN=ghp_{}", r.string(ALNUM, 36)),
        3 => format!("password = \"{}\"", r.string(ALNUM, 20)),
        4 => format!("  api_key: {}", r.string(ALNUM, 32)),
        5 => format!(
            "postgres://app:{}@db.internal:5432/app",
            r.string(ALNUM, 16)
        ),
        6 => format!(
            "token: eyJ{}.eyJ{}.{}",
            r.string(ALNUM, 20),
            r.string(ALNUM, 30),
            r.string(ALNUM, 43)
        ),
        7 => format!(
            "slack: xoxb-{}-{}-{}",
            r.string(b"0123456789", 12),
            r.string(b"0123456789", 12),
            r.string(ALNUM, 24)
        ),
        8 => format!(
            "{}_{}",
            r.pick(&["vqz", "kxt", "plm", "wrb"]),
            r.string(ALNUM, 32)
        ),
        _ => format!("SECRET_KEY = '{}'", r.string(ALNUM, 24)),
    }
}

/// Service-like words the synthetic context rules key on: words that do occur in ordinary
/// source, so their rules get keyword hits (the costly case for a keyword prefilter).
const CONTEXT_WORDS: &[&str] = &[
    "cloud",
    "account",
    "storage",
    "deploy",
    "region",
    "bucket",
    "project",
    "registry",
    "webhook",
    "monitor",
    "analytics",
    "payment",
    "billing",
    "mail",
    "search",
    "cdn",
    "queue",
    "metrics",
    "logging",
    "backup",
    "vault",
    "ci",
    "build",
    "chat",
    "notify",
    "feature",
];

/// TOML for `n` synthetic rules in the shapes real vendor rules have: mostly prefixed tokens
/// (a rare keyword), some context rules keyed on a common word, some case-insensitive ones.
/// Returns (toml, examples): one example input per rule.
pub fn synthetic_rules(seed: u64, n: usize) -> (String, Vec<String>) {
    let mut r = Rng::new(seed);
    let mut toml = String::new();
    let mut examples = Vec::new();
    let mut used = std::collections::HashSet::new();
    for i in 0..n {
        let (keyword, pattern, example) = match r.below(20) {
            0..=13 => {
                // Prefixed token: `abc_` + 32..40 alphanumerics.
                let prefix = loop {
                    let p = format!(
                        "{}{}",
                        r.string(LOWER, 3),
                        r.pick(&["_", "-", "_live_", "pat_"])
                    );
                    if used.insert(p.clone()) {
                        break p;
                    }
                };
                let len = 32 + r.below(9);
                let pat = format!(
                    r"\b(?P<secret>{}[A-Za-z0-9]{{{len}}})(?:[^A-Za-z0-9_-]|$)",
                    prefix.replace('-', r"\-")
                );
                let ex = format!("key: {prefix}{}", r.string(ALNUM, len));
                (prefix, pat, ex)
            }
            14..=17 => {
                // Context rule: a service word, then key/token/secret, then a hex value.
                let word = r.pick(CONTEXT_WORDS);
                let len = [32, 40, 64][r.below(3)];
                let pat = format!(
                    r#"(?i){word}[a-z0-9_-]{{0,20}}(?:key|token|secret)["']?\s*(?:=>|:=|[:=])\s*["']?(?P<secret>[a-f0-9]{{{len}}})\b"#
                );
                let ex = format!("{word}_api_key = \"{}\"", r.string(HEX, len));
                (word.to_string(), pat, ex)
            }
            _ => {
                // Case-insensitive prefixed token with a dotted structure.
                let prefix = loop {
                    let p = format!("{}.", r.string(LOWER, 4));
                    if used.insert(p.clone()) {
                        break p;
                    }
                };
                let pat = format!(
                    r"(?i)\b(?P<secret>{}[a-z0-9]{{20}}\.[a-z0-9]{{24}})\b",
                    prefix.replace('.', r"\.")
                );
                let ex = format!(
                    "value = {}{}.{}",
                    prefix.to_uppercase(),
                    r.string(LOWER_DIGITS, 20),
                    r.string(LOWER_DIGITS, 24)
                );
                (prefix, pat, ex)
            }
        };
        toml.push_str(&format!(
            "[[rules]]\nid = \"synthetic-{i}\"\nname = \"synthetic {i}\"\nservice = \"Synthetic\"\n\
             severity = \"high\"\nconfidence = \"medium\"\nkeywords = [{keyword:?}]\npattern = '''{pattern}'''\n\n"
        ));
        examples.push(example);
    }
    (toml, examples)
}

/// A mixed corpus: source text with every given snippet planted at a random line start.
pub fn mixed_corpus(seed: u64, len: usize, snippets: &[String]) -> Vec<u8> {
    let mut r = Rng::new(seed ^ 0x5eed);
    let text = source_text(seed, len);
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let mut at: Vec<(usize, &String)> =
        snippets.iter().map(|s| (r.below(lines.len()), s)).collect();
    at.sort_by_key(|(i, _)| *i);
    let mut out = Vec::with_capacity(text.len() + snippets.iter().map(String::len).sum::<usize>());
    let mut k = 0;
    for (i, line) in lines.iter().enumerate() {
        while k < at.len() && at[k].0 == i {
            out.extend_from_slice(at[k].1.as_bytes());
            out.push(if r.chance(50) { b'\n' } else { b' ' });
            k += 1;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}
