use zerokey_audit::{audit_path, AuditOptions};

fn run(gitignore: Option<&str>) -> Vec<String> {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    if let Some(g) = gitignore {
        std::fs::write(d.path().join(".gitignore"), g).unwrap_or_else(|e| panic!("{e}"));
    }
    let opts = AuditOptions {
        only: vec!["gitignore-env".into()],
        ..AuditOptions::default()
    };
    audit_path(d.path(), &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect()
}

#[test]
fn fires_when_not_ignored_or_negated() {
    insta::assert_snapshot!(run(Some("*.log\n")).join("\n"));
    // A later negation un-ignores it: evaluated like git does.
    assert_eq!(
        run(Some(".env*\n!.env.local\n")),
        ["`.env.local` is not ignored by .gitignore"]
    );
    assert_eq!(run(None).len(), 3);
}

#[test]
fn passes_with_patterns() {
    assert!(run(Some(".env\n.env.*\n!.env.example\n")).is_empty());
    assert!(run(Some("**/.env*\n")).is_empty());
}
