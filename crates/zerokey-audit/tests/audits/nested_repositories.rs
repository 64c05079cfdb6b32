//! `zerokey audit DIR` where DIR holds several git checkouts: the repository audits run on
//! each checkout, with paths relative to DIR; a plain folder of checkouts is not a repository.

use std::path::Path;
use std::process::Command;
use zerokey_audit::{audit_path, AuditOptions};

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "git {args:?} in {}", dir.display());
}

fn checkout(root: &Path, name: &str, files: &[(&str, &str)]) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    git(&dir, &["init", "-q"]);
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap_or_else(|e| panic!("{e}"));
    }
    git(&dir, &["add", "-A", "-f"]);
    git(&dir, &["commit", "-qm", "init"]);
}

fn run(root: &Path) -> (String, u64) {
    let opts = AuditOptions {
        only: vec!["missing-license".into(), "env-file-tracked".into()],
        ..AuditOptions::default()
    };
    let o = audit_path(root, &opts).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<String> = o
        .findings
        .iter()
        .map(|f| {
            let l = f.primary().map(|l| l.path.clone()).unwrap_or_default();
            let m = f.message.split(" by commit").next().unwrap_or_default();
            format!("{} {l} {m}", f.rule_id)
        })
        .collect();
    (lines.join("\n"), o.stats.repositories)
}

#[test]
fn every_checkout_under_the_root_is_audited() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    checkout(
        dir.path(),
        "api",
        &[("LICENSE", "MIT\n"), (".env", "X=1\n")],
    );
    checkout(dir.path(), "web", &[("README.md", "web\n")]);
    checkout(dir.path(), "libs/util", &[("LICENSE", "MIT\n")]);
    let (out, repos) = run(dir.path());
    insta::assert_snapshot!(out);
    assert_eq!(repos, 3, "{out}");
    // The folder holding them is not a repository: no missing-license at its top.
    assert!(!out.contains("missing-license LICENSE"), "{out}");
}

#[test]
fn a_root_repository_and_a_checkout_inside_it_are_audited_apart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    checkout(dir.path(), "", &[("LICENSE", "MIT\n")]);
    checkout(dir.path(), "vendor/tool", &[("main.py", "print(1)\n")]);
    let (out, repos) = run(dir.path());
    assert_eq!(repos, 2, "{out}");
    assert!(out.starts_with("missing-license vendor/tool/"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
}
