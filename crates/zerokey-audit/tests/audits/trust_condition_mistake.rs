use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many(
        "trust-condition-mistake",
        &["iam/trust/fire", "tf/trust/fire"],
    );
    assert!(
        out.contains("token.action.githubusercontent.com:aud"),
        "{out}"
    );
    assert!(out.contains(":subject"), "{out}");
    assert!(out.contains("matched literally"), "{out}");
    assert!(out.contains("ForAllValues:"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["iam/trust/pass", "iam/pass", "tf/pass", "cfn/pass"] {
        assert_eq!(run("trust-condition-mistake", dir), "", "{dir}");
    }
}
