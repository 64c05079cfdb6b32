//! Code reads environment variables but the repository has no `.env.example`.

use super::{Audit, AuditDoc};
use crate::finding::{AuditFinding, Confidence, FindingBuilder, Location, Severity};
use crate::models::repo::Repo;
use crate::source::SourceFile;

/// The audit.
pub struct EnvExampleMissing;

/// Its documentation.
pub static DOC: AuditDoc = AuditDoc {
    id: "env-example-missing",
    title: "environment variables read but no .env.example",
    input: "repository",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    what: "If source files read environment variables (`process.env.X`, `os.environ`, `os.getenv`, `std::env::var`, `os.Getenv`, `ENV[`, `System.getenv`, `getenv(`) and the root has no `.env.example`, `.env.sample`, `.env.template` or `.env.dist`, reports the first read.",
    why: "Without a checked-in template, people share real `.env` files to get started (chat, e-mail, commits), which is how credentials leak.",
    example: "const key = process.env.STRIPE_KEY // and no .env.example",
    fix: "Commit a `.env.example` listing every variable with a placeholder value, and keep `.env` in `.gitignore`.",
};

const READS: &[&str] = &[
    "process.env.",
    "process.env[",
    "os.environ",
    "os.getenv(",
    "std::env::var",
    "env::var(",
    "os.Getenv(",
    "os.LookupEnv(",
    "ENV[",
    "ENV.fetch(",
    "System.getenv(",
    "getenv(",
    "Environment.GetEnvironmentVariable(",
];

const CODE: &[&str] = &[
    ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".rs", ".go", ".rb", ".java", ".kt",
    ".php", ".cs",
];

const TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist"];

impl Audit for EnvExampleMissing {
    fn doc(&self) -> &'static AuditDoc {
        &DOC
    }
    fn repository(&self, r: &Repo, out: &mut Vec<AuditFinding>) {
        if r.files
            .iter()
            .any(|f| TEMPLATES.iter().any(|t| f.eq_ignore_ascii_case(t)))
        {
            return;
        }
        for f in r
            .files
            .iter()
            .filter(|f| CODE.iter().any(|e| f.ends_with(e)))
        {
            let Some(text) = r.read(f) else { continue };
            let Some((at, needle)) = READS
                .iter()
                .filter_map(|n| text.find(n).map(|i| (i, *n)))
                .min()
            else {
                continue;
            };
            let src = SourceFile::new(f.clone(), text);
            out.push(
                FindingBuilder::new(&DOC)
                    .message(format!(
                        "`{f}` reads environment variables (`{needle}`) but the repository has no .env.example"
                    ))
                    .location(Location::new(&src, &(at..at + needle.len()), ""))
                    .build(),
            );
            return;
        }
    }
}
