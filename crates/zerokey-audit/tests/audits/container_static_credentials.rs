use crate::common::{fixture, run};

/// The planted values, read from the fixtures (so this file holds none).
fn canaries() -> Vec<String> {
    let mut out = Vec::new();
    for f in ["k8s/workloads.yaml", "tf/main.tf"] {
        let text = std::fs::read_to_string(fixture("container/fire").join(f)).unwrap_or_default();
        for w in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if w.starts_with("AKIA") || w.starts_with("ghp_") {
                // Everything after the first four characters, which the message may show.
                out.push(w[4..].to_string());
            }
        }
    }
    assert!(out.len() >= 2, "{out:?}");
    out
}

#[test]
fn fires_at_the_line_without_printing_the_secret() {
    let out = run("container-static-credentials", "container/fire");
    for c in canaries() {
        assert!(!out.contains(&c), "secret printed: {out}");
    }
    for want in [
        "k8s/workloads.yaml:13:",
        "k8s/workloads.yaml:19:",
        "k8s/workloads.yaml:38:",
        "docker-compose.yml:5:",
        "docker-compose.yml:10:",
        "docker-compose.yml:15:",
        "task-definition.json:8:",
        ".ebextensions/env.config:3:",
        "apprunner.yaml:7:",
        "tf/main.tf:8:",
        "tf/main.tf:23:",
        "tf/main.tf:36:",
        "tf/main.tf:53:",
        "tf/main.tf:66:",
    ] {
        assert!(out.contains(want), "{want} missing:\n{out}");
    }
    insta::assert_snapshot!(out);
}

/// Issue 19 (real-world run, docker/awesome-compose): a database URL with a word as its
/// password in a compose `environment` was missed, since the engine's URL rule wants more
/// than a word. In a service's environment any literal password is one; references,
/// placeholders and stock defaults are not.
#[test]
fn regression_compose_database_url_with_a_word_password() {
    let out = run("container-static-credentials", "container/fire");
    assert!(
        out.contains("docker-compose.yml:15:")
            && out.contains("connection URL with a literal password"),
        "{out}"
    );
    assert!(!out.contains("angecrab"), "password printed: {out}");
}

#[test]
fn passes() {
    assert_eq!(run("container-static-credentials", "container/pass"), "");
}
