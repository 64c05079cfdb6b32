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

/// Regression (docker/awesome-compose, cloned with --depth 1): the boundary commit of a shallow
/// clone shows every file it holds as added, so each tracked `.env` was also reported as "added
/// by" that commit. Only the "tracked" finding remains.
#[test]
fn shallow_clone_boundary_commit_is_not_reported_as_adding_env_files() {
    let src = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(src.path(), &["init", "-q"]);
    std::fs::write(src.path().join(".env"), "A=1\n").unwrap_or_else(|e| panic!("{e}"));
    git(src.path(), &["add", "-A"]);
    git(src.path(), &["commit", "-qm", "add"]);
    std::fs::write(src.path().join("README.md"), "x\n").unwrap_or_else(|e| panic!("{e}"));
    git(src.path(), &["add", "-A"]);
    git(src.path(), &["commit", "-qm", "readme"]);
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("file://{}", src.path().display());
    let clone = d.path().join("c");
    git(
        d.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            &clone.to_string_lossy(),
        ],
    );
    assert_eq!(findings(&clone, "env-file-tracked"), [".env false"]);
}

/// Regression (kubernetes/kops): a Go module's test `.env` files under `vendor/` (written by
/// `go mod vendor`, with `vendor/modules.txt`) and a package's under `node_modules/` are
/// third-party copies, not the repository's own configuration.
#[test]
fn vendored_third_party_env_files_are_skipped() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(d.path(), &["init", "-q"]);
    for (f, text) in [
        ("vendor/modules.txt", "# example.com/dotenv v1.0.0\n"),
        ("vendor/example.com/dotenv/.env", "HELLO=world\n"),
        ("web/node_modules/pkg/.env", "HELLO=world\n"),
        ("tools/vendor/.env", "A=1\n"),
    ] {
        let p = d.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap_or(d.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-qm", "add"]);
    // `tools/vendor` holds no modules.txt: it is not a Go vendor tree, so its `.env` counts.
    assert_eq!(
        findings(d.path(), "env-file-tracked"),
        ["tools/vendor/.env false", "tools/vendor/.env true"]
    );
}
