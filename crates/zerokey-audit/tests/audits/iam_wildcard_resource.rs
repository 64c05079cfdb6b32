use crate::common::{run, run_many};

#[test]
fn fires() {
    let out = run_many(
        "iam-wildcard-resource",
        &["tf/fire", "cfn/fire", "iam/fire"],
    );
    assert!(out.lines().filter(|l| !l.starts_with("== ")).count() > 0);
    insta::assert_snapshot!(out);
}

#[test]
fn passes() {
    for dir in ["tf/pass", "cfn/pass", "iam/pass"] {
        assert_eq!(run("iam-wildcard-resource", dir), "", "{dir}");
    }
}

#[test]
fn conditions_narrow_to_info_and_account_level_actions_are_left_out() {
    let out = run("iam-wildcard-resource", "iam/scoped/fire");
    insta::assert_snapshot!(out);
    // Four narrowed statements are info; the negated and IfExists conditions do not narrow.
    let info = out.lines().filter(|l| l.contains(" info ")).count();
    assert_eq!(info, 4, "{out}");
    assert!(!out.contains("DescribeInstances"), "{out}");
    assert!(!out.contains("GetAuthorizationToken,"), "{out}");
}

#[test]
fn actions_without_resource_level_permissions_pass() {
    assert_eq!(run("iam-wildcard-resource", "iam/scoped/pass"), "");
}
