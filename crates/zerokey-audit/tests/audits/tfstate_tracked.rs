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
    assert!(ok, "git {args:?}");
}

fn run(dir: &Path) -> String {
    let opts = AuditOptions {
        only: vec!["tfstate-tracked".into()],
        ..AuditOptions::default()
    };
    let o = audit_path(dir, &opts).unwrap_or_else(|e| panic!("{e}"));
    o.findings
        .iter()
        .map(|f| {
            let p = f.primary().map(|l| l.path.clone()).unwrap_or_default();
            format!(
                "{p}: {}",
                f.message.split(" by commit").next().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn fires() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::create_dir_all(d.join("envs/prod")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("envs/prod/terraform.tfstate"), "{\"version\": 4}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("old.tfstate.backup"), "{}\n").unwrap_or_else(|e| panic!("{e}"));
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "state"]);
    git(d, &["rm", "-q", "old.tfstate.backup"]);
    git(d, &["commit", "-qm", "drop backup"]);
    insta::assert_snapshot!(run(d));
}

#[test]
fn passes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::write(d.join(".gitignore"), "*.tfstate\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("terraform.tfstate"), "{}\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.join("main.tf"), "\n").unwrap_or_else(|e| panic!("{e}"));
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "init"]);
    assert_eq!(run(d), "");
}
