use crate::common::run;

const CANARIES: [&str; 2] = ["Z7KLFYYLBEG3RHDS", "CKWcWaQKm5Fj1ChIX3hn5HyDRdnoax2gcIRd"];

#[test]
fn fires_at_the_line_without_printing_the_secret() {
    let out = run("container-static-credentials", "container/fire");
    for c in CANARIES {
        assert!(!out.contains(c), "secret printed: {out}");
    }
    for want in [
        "k8s/workloads.yaml:13:",
        "k8s/workloads.yaml:19:",
        "k8s/workloads.yaml:38:",
        "docker-compose.yml:5:",
        "docker-compose.yml:10:",
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

#[test]
fn passes() {
    assert_eq!(run("container-static-credentials", "container/pass"), "");
}
