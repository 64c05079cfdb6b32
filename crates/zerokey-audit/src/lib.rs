//! zerokey's auditor: models of workflows, IAM policies and the repository (`models/`), one
//! file per audit (`audits/`), inline suppression and renderers (`report`).
//!
//! [`audit_path`] walks a folder (or reads one file), parses each input it recognises, runs
//! every audit's hook for that input and returns findings, suppressed findings and parse
//! errors; a malformed file is an error naming its line, and the other files are still audited.

pub mod audits;
pub mod error;
pub mod finding;
pub mod models;
pub mod node;
pub mod report;
pub mod source;

use crate::audits::Audit;
use crate::error::{AuditError, ParseError};
use crate::finding::{AuditFinding, Severity};
use crate::models::iam::Policy;
use crate::models::infra::{looks_like_cloudformation, Infra};
use crate::models::platform;
use crate::models::repo::{self, Repo};
use crate::models::terraform::{self, TfBlock};
use crate::models::workflow::Workflow;
use crate::source::SourceFile;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Only these audit ids (empty: all).
    pub only: Vec<String>,
    /// Not these audit ids.
    pub disable: Vec<String>,
    /// Drop findings below this severity.
    pub min_severity: Option<Severity>,
    /// Fingerprints to suppress (baseline and config).
    pub baseline: std::collections::HashSet<String>,
    /// Suppressions from the config file (`[[audit.ignore]]`), for inputs without comments
    /// such as JSON.
    pub ignores: Vec<ConfigIgnore>,
    /// Largest policy or configuration file audited (`None`: [`DEFAULT_MAX_FILE_SIZE`]); a
    /// larger one is an error naming it and the limit, and is not read.
    pub max_file_size: Option<u64>,
    /// Paths (relative to the audit root) not audited at all (`[audit] exclude`).
    pub exclude: Option<globset::GlobSet>,
}

/// Default cap on one audited file: parsing keeps a tree of the whole document in memory
/// (about 16 times its size), so a 50 MB policy would cost most of a gigabyte.
/// CloudFormation caps templates at 1 MB and IAM policies at a few KB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Reads `file` as UTF-8 unless it is larger than `cap` bytes (checked on the size and while
/// reading, so a growing file or a pipe cannot get past it).
fn read_capped(file: &Path, cap: u64) -> Result<String, String> {
    use std::io::Read;
    let too_large = |n: u64| {
        format!(
            "larger than the {} MiB limit for audited files ({n} bytes; --max-file-size); not audited",
            cap as f64 / (1024.0 * 1024.0)
        )
    };
    let f = fs_err::File::open(file).map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    if len > cap {
        return Err(too_large(len));
    }
    let mut text = String::new();
    f.take(cap + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > cap {
        return Err(too_large(text.len() as u64));
    }
    Ok(text)
}

/// One `[[audit.ignore]]` entry of `.zerokey.toml`.
#[derive(Debug, Clone)]
pub struct ConfigIgnore {
    /// The audit id.
    pub rule_id: String,
    /// Paths (relative to the audit root) it applies to.
    pub paths: globset::GlobMatcher,
    /// Only findings whose logical path starts with this (empty: all).
    pub logical_path: String,
    /// Why.
    pub reason: String,
}

/// A suppressed finding and why.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressedFinding {
    /// `inline`, `config` or `baseline`.
    pub kind: &'static str,
    /// The reason given in the comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The finding.
    #[serde(flatten)]
    pub finding: AuditFinding,
}

/// Counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditStats {
    /// Workflows audited.
    pub workflows: u64,
    /// IAM policy documents audited (raw JSON and embedded in Terraform/CloudFormation).
    pub policies: u64,
    /// Terraform files audited.
    pub terraform_files: u64,
    /// CloudFormation templates audited.
    pub cloudformation_files: u64,
    /// Container and platform definition files audited (Kubernetes, docker-compose, ECS task
    /// definitions, App Runner, Elastic Beanstalk).
    pub platform_files: u64,
    /// Repositories whose files and history were audited (the root, and each git checkout
    /// below it).
    pub repositories: u64,
    /// Files that failed to parse (reported and skipped).
    pub errors: u64,
    /// Suppressed findings.
    pub suppressed: u64,
    /// Findings dropped by `--min-severity`.
    pub below_min_severity: u64,
    /// Wall time (set by the caller).
    pub duration_ms: u64,
}

/// The secrets one workflow needs.
#[derive(Debug, Clone, Serialize)]
pub struct RequiredSecrets {
    /// The workflow file.
    pub workflow: String,
    /// Secret names and the jobs that read them.
    pub secrets: Vec<RequiredSecret>,
}

/// One required secret.
#[derive(Debug, Clone, Serialize)]
pub struct RequiredSecret {
    /// Name (upper-case).
    pub name: String,
    /// Jobs reading it.
    pub jobs: Vec<String>,
}

/// Result of an audit run.
#[derive(Debug, Default)]
pub struct AuditOutcome {
    /// Active findings, sorted by path, line, rule.
    pub findings: Vec<AuditFinding>,
    /// Suppressed findings.
    pub suppressed: Vec<SuppressedFinding>,
    /// Files that could not be parsed.
    pub errors: Vec<ParseError>,
    /// Secrets each workflow requires.
    pub required_secrets: Vec<RequiredSecrets>,
    /// Counts.
    pub stats: AuditStats,
}

impl AuditOutcome {
    /// Inputs that were parsed and audited (workflows, policy files, Terraform files,
    /// CloudFormation templates).
    pub fn inputs_read(&self) -> u64 {
        let s = &self.stats;
        s.workflows + s.policies + s.terraform_files + s.cloudformation_files + s.platform_files
    }

    /// True if the run must end with an error: some input could not be read and either
    /// `strict` is set or nothing at all could be read. Otherwise unreadable files are reported
    /// (in `errors`) and skipped.
    pub fn failed(&self, strict: bool) -> bool {
        !self.errors.is_empty() && (strict || self.inputs_read() == 0)
    }
}

/// The audits that `opts` selects; unknown ids are an error.
pub fn select(opts: &AuditOptions) -> Result<Vec<Box<dyn Audit>>, String> {
    let all = audits::all();
    for id in opts.only.iter().chain(&opts.disable) {
        if !all.iter().any(|a| a.doc().id == id) {
            return Err(format!(
                "unknown audit id {id:?} (see `zerokey audit --list`)"
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|a| opts.only.is_empty() || opts.only.iter().any(|o| o == a.doc().id))
        .filter(|a| !opts.disable.iter().any(|o| o == a.doc().id))
        .collect())
}

/// A parsed Terraform file.
type TfFile = (Arc<SourceFile>, Vec<TfBlock>);

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

fn is_workflow(rel: &str) -> bool {
    rel.contains(".github/workflows/") && (rel.ends_with(".yml") || rel.ends_with(".yaml"))
}

/// Audits `path` (a folder or one file).
pub fn audit_path(path: &Path, opts: &AuditOptions) -> Result<AuditOutcome, AuditError> {
    let selected = select(opts).map_err(|e| AuditError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
    })?;
    let meta = fs_err::metadata(path).map_err(|e| AuditError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    // Git checkouts below the root (folders holding `.git`), relative to the root.
    let mut checkouts: Vec<String> = Vec::new();
    let (root, files): (std::path::PathBuf, Vec<std::path::PathBuf>) = if meta.is_dir() {
        let mut files = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .hidden(false)
            .git_ignore(true)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .sort_by_file_path(|a, b| a.cmp(b))
            .build();
        for entry in walker.flatten() {
            if entry.depth() > 0
                && entry.file_type().is_some_and(|t| t.is_dir())
                && entry.path().join(".git").exists()
            {
                let r = rel(path, entry.path());
                if !opts.exclude.as_ref().is_some_and(|x| x.is_match(&r)) {
                    checkouts.push(r);
                }
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            if let Some(exclude) = &opts.exclude {
                if exclude.is_match(rel(path, entry.path())) {
                    continue;
                }
            }
            files.push(entry.into_path());
        }
        (path.to_path_buf(), files)
    } else {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        (root, vec![path.to_path_buf()])
    };
    let mut out = AuditOutcome::default();
    let mut raw = Vec::new();
    let mut sources: Vec<Arc<SourceFile>> = Vec::new();
    let mut engine: Option<Arc<zerokey_core::Matcher>> = None;
    let mut scanner = || -> Result<Arc<zerokey_core::Matcher>, AuditError> {
        if let Some(m) = &engine {
            return Ok(m.clone());
        }
        let set = zerokey_core::RuleSet::builtin().map_err(|e| AuditError::Rules(e.to_string()))?;
        let m = Arc::new(
            zerokey_core::Matcher::new(&set).map_err(|e| AuditError::Rules(e.to_string()))?,
        );
        engine = Some(m.clone());
        Ok(m)
    };
    let mut tf_dirs: std::collections::BTreeMap<String, Vec<TfFile>> =
        std::collections::BTreeMap::new();
    let mut infras: Vec<Infra> = Vec::new();
    for file in &files {
        let r = rel(&root, file);
        let lower = r.to_ascii_lowercase();
        let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
        let json = lower.ends_with(".json");
        let tf = lower.ends_with(".tf");
        let eb = lower.ends_with(".config") && lower.contains(".ebextensions/");
        if !yaml && !json && !tf && !eb {
            continue;
        }
        let cap = opts.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
        let text = match read_capped(file, cap) {
            Ok(t) => t,
            Err(message) => {
                out.errors.push(ParseError {
                    path: r,
                    line: 1,
                    column: 1,
                    message,
                });
                continue;
            }
        };
        let cfn = !is_workflow(&r) && (yaml || json) && looks_like_cloudformation(&text);
        let plat = if cfn || is_workflow(&r) || tf {
            None
        } else {
            platform::recognise(&r, &text)
        };
        let wf = !cfn && plat.is_none() && yaml && (is_workflow(&r) || !meta.is_dir());
        if let Some(kind) = plat {
            let src = Arc::new(SourceFile::new(r.clone(), text));
            match platform::parse(src.clone(), kind) {
                Ok(p) => {
                    out.stats.platform_files += 1;
                    sources.push(src);
                    let m = scanner()?;
                    for a in &selected {
                        a.platform(&p, &m, &mut raw);
                    }
                }
                Err(e) => out.errors.push(e),
            }
            continue;
        }
        if !(cfn || wf || tf || (json && text.contains("\"Statement\""))) {
            continue;
        }
        let src = SourceFile::new(r.clone(), text);
        if tf {
            let src = Arc::new(src);
            match terraform::parse(&src) {
                Ok(blocks) => {
                    out.stats.terraform_files += 1;
                    sources.push(src.clone());
                    let dir = r.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                    tf_dirs.entry(dir).or_default().push((src, blocks));
                }
                Err(e) => out.errors.push(e),
            }
        } else if cfn {
            let src = Arc::new(src);
            let doc = if json {
                node::parse_json(&src, 0, src.text.len())
            } else {
                node::parse_yaml(&src)
            };
            match doc {
                Ok(doc) => {
                    out.stats.cloudformation_files += 1;
                    sources.push(src.clone());
                    infras.push(Infra::cloudformation(src, &doc, scanner()?));
                }
                Err(e) => out.errors.push(e),
            }
        } else if wf {
            match Workflow::parse(src) {
                Ok(w) => {
                    out.stats.workflows += 1;
                    sources.push(w.src.clone());
                    for a in &selected {
                        a.workflow(&w, &mut raw);
                    }
                    let req = audits::workflow_required_secrets::required(&w);
                    if !req.is_empty() {
                        out.required_secrets.push(RequiredSecrets {
                            workflow: w.src.path.clone(),
                            secrets: req
                                .into_iter()
                                .map(|(name, jobs, _)| RequiredSecret { name, jobs })
                                .collect(),
                        });
                    }
                }
                Err(e) => out.errors.push(e),
            }
        } else {
            let src = Arc::new(src);
            match node::parse_json(&src, 0, src.text.len()) {
                Ok(doc) => {
                    if let Some(p) = Policy::from_node(src.clone(), &doc, "", None) {
                        out.stats.policies += 1;
                        sources.push(src.clone());
                        for a in &selected {
                            a.iam_policy(&p, &mut raw);
                        }
                    }
                }
                Err(e) => out.errors.push(e),
            }
        }
    }
    for files in tf_dirs.values() {
        infras.push(Infra::terraform(files, scanner()?));
    }
    for infra in &infras {
        for a in &selected {
            a.infra(infra, &mut raw);
        }
        let (policies, errors) = infra.policies();
        out.errors.extend(errors);
        let (platforms, errors) = platform::from_infra(infra);
        out.errors.extend(errors);
        for p in &platforms {
            for a in &selected {
                a.platform(p, &infra.scanner, &mut raw);
            }
        }
        for p in &policies {
            out.stats.policies += 1;
            for a in &selected {
                a.iam_policy(p, &mut raw);
            }
        }
    }
    if meta.is_dir() {
        let all: Vec<String> = files.iter().map(|f| rel(&root, f)).collect();
        // The root is a repository unless it is a plain folder holding checkouts.
        let mut repos: Vec<String> = Vec::new();
        if checkouts.is_empty() || repo::inside_work_tree(&root) {
            repos.push(String::new());
        }
        repos.extend(checkouts.iter().cloned());
        for dir in &repos {
            // Files of this repository, not of a checkout nested deeper in it.
            let mine: Vec<String> = all
                .iter()
                .filter(|f| inside(f, dir))
                .filter(|f| {
                    !checkouts
                        .iter()
                        .any(|c| c != dir && inside(c, dir) && inside(f, c))
                })
                .map(|f| {
                    if dir.is_empty() {
                        f.clone()
                    } else {
                        f[dir.len() + 1..].to_string()
                    }
                })
                .collect();
            let repo = Repo::load(&root.join(dir), mine);
            let mut found = Vec::new();
            for a in &selected {
                a.repository(&repo, &mut found);
            }
            if !dir.is_empty() {
                for f in &mut found {
                    for l in &mut f.locations {
                        l.path = format!("{dir}/{}", l.path);
                    }
                    let path = f.primary().map(|l| l.path.clone()).unwrap_or_default();
                    f.fingerprint =
                        zerokey_core::fingerprint(&f.rule_id, &path, f.fingerprint.as_bytes());
                }
            }
            out.stats.repositories += 1;
            raw.extend(found);
        }
    }
    // Logical paths of raw JSON policies start with ".": drop it.
    for f in &mut raw {
        for l in &mut f.locations {
            if let Some(s) = l.logical_path.strip_prefix('.') {
                l.logical_path = s.to_string();
            }
        }
    }
    for f in raw {
        if let Some(min) = opts.min_severity {
            if f.severity < min {
                out.stats.below_min_severity += 1;
                continue;
            }
        }
        if let Some(p) = f.primary().map(|l| l.path.clone()) {
            if !sources.iter().any(|s| s.path == p) {
                if let Ok(t) = fs_err::read_to_string(root.join(&p)) {
                    sources.push(Arc::new(SourceFile::new(p, t)));
                }
            }
        }
        if let Some(reason) = inline_ignore(&sources, &f) {
            out.suppressed.push(SuppressedFinding {
                kind: "inline",
                reason,
                finding: f,
            });
        } else if let Some(c) = opts.ignores.iter().find(|c| {
            c.rule_id == f.rule_id
                && f.primary().is_some_and(|l| {
                    c.paths.is_match(&l.path) && l.logical_path.starts_with(&c.logical_path)
                })
        }) {
            out.suppressed.push(SuppressedFinding {
                kind: "config",
                reason: Some(c.reason.clone()),
                finding: f,
            });
        } else if opts.baseline.contains(&f.fingerprint) {
            out.suppressed.push(SuppressedFinding {
                kind: "baseline",
                reason: None,
                finding: f,
            });
        } else {
            out.findings.push(f);
        }
    }
    out.findings.sort_by(|a, b| {
        let ka = a.primary().map(|l| (l.path.clone(), l.line, l.column));
        let kb = b.primary().map(|l| (l.path.clone(), l.line, l.column));
        (ka, &a.rule_id).cmp(&(kb, &b.rule_id))
    });
    out.stats.suppressed = out.suppressed.len() as u64;
    out.stats.errors = out.errors.len() as u64;
    Ok(out)
}

/// True if the relative path `f` is inside the folder `dir` (`""`: the root).
fn inside(f: &str, dir: &str) -> bool {
    dir.is_empty() || f.starts_with(&format!("{dir}/"))
}

/// `# zerokey:ignore[rule-id,other] reason` on the finding's line or the line above: Some(reason).
fn inline_ignore(sources: &[Arc<SourceFile>], f: &AuditFinding) -> Option<Option<String>> {
    let loc = f.primary()?;
    let src = sources.iter().find(|s| s.path == loc.path)?;
    for line in [loc.line, loc.line.saturating_sub(1)] {
        if line == 0 {
            continue;
        }
        let text = src.line_text(line);
        let Some(i) = text.find("zerokey:ignore[") else {
            continue;
        };
        let rest = &text[i + 15..];
        let Some(end) = rest.find(']') else { continue };
        if rest[..end].split(',').any(|id| id.trim() == f.rule_id) {
            let reason = rest[end + 1..].trim();
            return Some((!reason.is_empty()).then(|| reason.to_string()));
        }
    }
    None
}
