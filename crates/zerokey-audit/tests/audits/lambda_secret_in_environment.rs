use crate::common::{run, run_many};

const CANARIES: &[&str] = &[
    "AKIAZ7KLFYYLBEG3RHDS",
    "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",
];

#[test]
fn fires_without_printing_the_secret() {
    let out = run_many("lambda-secret-in-environment", &["tf/fire", "cfn/fire"]);
    assert!(out.contains("AWS_ACCESS_KEY_ID"), "{out}");
    assert!(out.contains("GITHUB_TOKEN"), "{out}");
    assert!(
        !out.contains("LOG_LEVEL") && !out.contains("STAGE"),
        "{out}"
    );
    for c in CANARIES {
        assert!(!out.contains(c), "secret printed: {out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["tf/pass", "cfn/pass"] {
        assert_eq!(run("lambda-secret-in-environment", dir), "", "{dir}");
    }
}
