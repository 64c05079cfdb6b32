use std::process::Command;
use zerokey_audit::{audit_path, AuditOptions};

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "git {args:?}");
}

fn findings(dir: &std::path::Path, id: &str) -> Vec<String> {
    let opts = AuditOptions {
        only: vec![id.into()],
        ..AuditOptions::default()
    };
    audit_path(dir, &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f.primary().map(|l| l.path.clone()).unwrap_or_default(),
                f.commit.is_some()
            )
        })
        .collect()
}

#[test]
fn tracked_now_and_added_in_history_with_the_commit() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(d.path(), &["init", "-q"]);
    std::fs::write(d.path().join(".env"), "A=1\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(d.path().join("svc")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.path().join("svc/.env.production"), "A=1\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.path().join(".env.example"), "A=\n").unwrap_or_else(|e| panic!("{e}"));
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-qm", "add"]);
    git(d.path(), &["rm", "-q", "--cached", "svc/.env.production"]);
    git(d.path(), &["commit", "-qm", "rm"]);
    let got = findings(d.path(), "env-file-tracked");
    assert_eq!(
        got,
        [".env false", ".env true", "svc/.env.production true"],
        "{got:?}"
    );
}

#[test]
fn passes_when_never_committed() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(d.path(), &["init", "-q"]);
    std::fs::write(d.path().join(".env.example"), "A=\n").unwrap_or_else(|e| panic!("{e}"));
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-qm", "add"]);
    assert!(findings(d.path(), "env-file-tracked").is_empty());
}
