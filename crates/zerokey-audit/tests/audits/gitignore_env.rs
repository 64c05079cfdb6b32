use zerokey_audit::{audit_path, AuditOptions};

fn run(gitignore: Option<&str>) -> Vec<String> {
    run_with(gitignore, &[])
        .into_iter()
        .map(|(_, m)| m)
        .collect()
}

/// Severity and message of each finding, with extra (empty) files in the repository.
fn run_with(gitignore: Option<&str>, files: &[&str]) -> Vec<(String, String)> {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for f in files {
        let p = d.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap_or(d.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, "").unwrap_or_else(|e| panic!("{e}"));
    }
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
        .map(|f| (f.severity.to_string(), f.message))
        .collect()
}

#[test]
fn fires_when_not_ignored_or_negated() {
    insta::assert_snapshot!(run(Some("*.log\n")).join("\n"));
    // A later negation un-ignores it: evaluated like git does.
    assert_eq!(
        run(Some(".env*\n!.env.local\n")),
        ["`.env.local` is not ignored by .gitignore; the repository has no .env file, template or Compose file"]
    );
    assert_eq!(run(None).len(), 1);
}

#[test]
fn passes_with_patterns() {
    assert!(run(Some(".env\n.env.*\n!.env.example\n")).is_empty());
    assert!(run(Some("**/.env*\n")).is_empty());
}

/// Regression (eight real repositories): each repository got three medium findings, one per
/// name, even Terraform modules that never use `.env`. Now one finding per repository, medium
/// only when the repository works with `.env` files (a template or a Compose file, not one
/// under `node_modules/`).
#[test]
fn one_finding_per_repository_medium_only_if_env_files_are_used() {
    let low = run_with(
        Some("*.log\n"),
        &["main.tf", "web/node_modules/p/.env.example"],
    );
    assert_eq!(low.len(), 1, "{low:?}");
    assert_eq!(low[0].0, "low", "{low:?}");
    assert!(
        low[0]
            .1
            .starts_with("`.env`, `.env.local`, `.env.production` are not ignored"),
        "{low:?}"
    );
    for used in [".env.example", "app/docker-compose.yml", "compose.yaml"] {
        let got = run_with(Some("*.log\n"), &[used]);
        assert_eq!(got.len(), 1, "{used}: {got:?}");
        assert_eq!(got[0].0, "medium", "{used}: {got:?}");
    }
}
