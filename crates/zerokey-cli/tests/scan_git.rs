//! `zerokey scan --git` and `--staged` on real repositories built with the `git` CLI in a temp
//! dir: the commit that introduced a secret, deleted secrets, merges, blob deduplication, the
//! walk limits, the index, and corrupt repositories.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::cell::Cell;
use std::path::{Path, PathBuf};

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A GitHub classic token with a valid checksum (as the scan fixtures' generate.py builds
/// them), different for every `seed`.
fn token(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let body: String = (0..30)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            B62[(x % 62) as usize] as char
        })
        .collect();
    let mut n = crc32fast::hash(body.as_bytes());
    let mut check = Vec::new();
    while n > 0 {
        check.push(B62[(n % 62) as usize]);
        n /= 62;
    }
    while check.len() < 6 {
        check.push(b'0');
    }
    check.reverse();
    format!("ghp_{body}{}", String::from_utf8_lossy(&check))
}

/// A repository in a temp dir, driven by the `git` CLI with a fixed identity and clock.
struct Repo {
    dir: tempfile::TempDir,
    /// Seconds added to the clock for each commit, so commit times are distinct and ordered.
    clock: Cell<u64>,
}

/// First commit date of every test repository: 2024-05-01T12:00:00Z.
const EPOCH: u64 = 1_714_564_800;

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            clock: Cell::new(0),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        let date = format!("{} +0200", EPOCH + self.clock.get() * 60);
        let out = std::process::Command::new("git")
            .current_dir(self.path())
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }

    /// Stages everything and commits; returns the full commit id.
    fn commit(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.clock.set(self.clock.get() + 1);
        self.git(&["rev-parse", "HEAD"])
    }
}

fn zerokey() -> Command {
    let mut cmd = Command::cargo_bin("zerokey").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("ZEROKEY_LOG")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env("NO_COLOR", "1");
    cmd
}

struct Run {
    report: Value,
    code: i32,
    stdout: String,
    stderr: String,
}

fn scan(dir: &Path, args: &[&str]) -> Run {
    let out = zerokey()
        .current_dir(dir)
        .args(["scan", "--no-config", "--format", "json"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    Run {
        report: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// (path, commit) of every finding, in report order.
fn found(run: &Run) -> Vec<(String, String)> {
    run.report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {}\n{}", run.stdout, run.stderr))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["commit"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn paths(run: &Run) -> Vec<String> {
    found(run).into_iter().map(|(p, _)| p).collect()
}

fn assert_no_secret(run: &Run, secrets: &[&str]) {
    for s in secrets {
        let tail = &s[4..];
        assert!(
            !run.stdout.contains(tail) && !run.stderr.contains(tail),
            "output leaks a secret"
        );
    }
}

#[test]
fn secret_added_then_deleted_is_found_in_history_with_the_adding_commit() {
    let repo = Repo::new();
    let secret = token(1);
    repo.write("README.md", "hello\n");
    repo.commit("first");
    repo.write("config/app.env", &format!("APP=1\nGITHUB_TOKEN={secret}\n"));
    let added = repo.commit("add config");
    repo.git(&["rm", "-q", "config/app.env"]);
    repo.commit("remove the token");

    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(found(&run), vec![("config/app.env".to_string(), added)]);
    let f = &run.report["findings"][0];
    assert_eq!(f["rule_id"], "github-pat-classic");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(14))
    );
    // Author date of the adding commit (second commit: one minute after EPOCH), in UTC.
    assert_eq!(f["date"], "2024-05-01T12:01:00Z");
    assert_eq!(run.report["stats"]["blobs"], 2, "{}", run.report["stats"]);
    assert_no_secret(&run, &[&secret]);

    // The working tree no longer has it.
    let plain = scan(repo.path(), &[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert_eq!(found(&plain), vec![]);

    // Text output names the commit too, and never the secret.
    let text = zerokey()
        .current_dir(repo.path())
        .args(["scan", "--no-config", "--git", "--format", "text"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&text.stdout);
    let commit = &found(&run)[0].1;
    assert!(stdout.contains(&commit[..12]), "{stdout}");
    assert!(!stdout.contains(&secret[4..]));
}

#[test]
fn secret_in_a_merged_branch_is_found_once() {
    let repo = Repo::new();
    let secret = token(2);
    repo.write("a.txt", "base\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "feature/keys.sh",
        &format!("export GITHUB_TOKEN={secret}\n"),
    );
    let introduced = repo.commit("feature adds a token");
    repo.write("feature/other.txt", "more\n");
    repo.commit("feature continues");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", "base, changed on main\n");
    repo.commit("main moves on");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    repo.git(&["branch", "-q", "-D", "feature"]);
    repo.clock.set(repo.clock.get() + 1);
    repo.write("a.txt", "after the merge\n");
    repo.commit("after merge");

    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        found(&run),
        vec![("feature/keys.sh".to_string(), introduced)]
    );
    // Same result whatever the thread count.
    let one = scan(repo.path(), &["--git", "-j", "1"]);
    assert_eq!(one.report["findings"], run.report["findings"]);
}

#[test]
fn same_secret_in_two_files_is_two_findings_from_one_blob() {
    let repo = Repo::new();
    let secret = token(3);
    let text = format!("TOKEN={secret}\n");
    repo.write("one.env", &text);
    repo.write("dir/two.env", &text);
    let commit = repo.commit("two copies");
    // A later copy of the same content is not new: the blob was already scanned.
    repo.write("three.env", &text);
    repo.commit("third copy");

    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        found(&run),
        vec![
            ("dir/two.env".to_string(), commit.clone()),
            ("one.env".to_string(), commit)
        ]
    );
    assert_eq!(run.report["stats"]["blobs"], 1, "{}", run.report["stats"]);
    assert_eq!(run.report["stats"]["files"], 1, "{}", run.report["stats"]);
    let fps: Vec<&Value> = run.report["findings"]
        .as_array()
        .map(|a| a.iter().map(|f| &f["fingerprint"]).collect())
        .unwrap_or_default();
    assert_ne!(fps[0], fps[1], "fingerprints include the path");
}

#[test]
fn staged_finds_what_is_staged_and_not_what_is_not() {
    let repo = Repo::new();
    let (staged, unstaged, untracked) = (token(4), token(5), token(6));
    repo.write("app.py", "print('hi')\n");
    repo.commit("first");
    repo.write("deploy.sh", &format!("export GITHUB_TOKEN={staged}\n"));
    repo.git(&["add", "deploy.sh"]);
    // Modified in the working tree only, and a file never added.
    repo.write("app.py", &format!("TOKEN = '{unstaged}'\n"));
    repo.write("notes.txt", &format!("{untracked}\n"));

    let run = scan(repo.path(), &["--staged"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(found(&run), vec![("deploy.sh".to_string(), String::new())]);
    assert!(run.report["findings"][0]["commit"].is_null());
    assert_eq!(run.report["stats"]["blobs"], 1, "{}", run.report["stats"]);
    assert_no_secret(&run, &[&staged, &unstaged, &untracked]);

    // Staging the modification makes it part of the scan; committing everything empties it.
    repo.git(&["add", "app.py"]);
    let run = scan(repo.path(), &["--staged"]);
    assert_eq!(paths(&run), vec!["app.py", "deploy.sh"]);
    repo.commit("commit them");
    let run = scan(repo.path(), &["--staged", "--fail-on-findings"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(paths(&run), Vec::<String>::new());
}

#[test]
fn staged_works_before_the_first_commit() {
    let repo = Repo::new();
    let secret = token(7);
    repo.write("src/settings.py", &format!("GITHUB_TOKEN = '{secret}'\n"));
    repo.write("README.md", "hello\n");
    repo.git(&["add", "-A"]);
    let run = scan(repo.path(), &["--staged", "--fail-on-findings"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(paths(&run), vec!["src/settings.py"]);
    assert_eq!(run.report["stats"]["blobs"], 2);
    // History of a repository with no commit: nothing to scan, not an error.
    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.report["stats"]["blobs"], 0);
}

/// main: c1 (s1) -> c2 (s2) -> c3 (s3); side branches off c1: c4 (s4).
fn limits_repo() -> (Repo, [String; 4]) {
    let repo = Repo::new();
    repo.write("s1.env", &format!("T={}\n", token(11)));
    let c1 = repo.commit("c1");
    repo.write("s2.env", &format!("T={}\n", token(12)));
    let c2 = repo.commit("c2");
    repo.git(&["checkout", "-q", "-b", "side", &c1]);
    repo.write("s4.env", &format!("T={}\n", token(14)));
    let c4 = repo.commit("c4");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("s3.env", &format!("T={}\n", token(13)));
    let c3 = repo.commit("c3");
    (repo, [c1, c2, c3, c4])
}

#[test]
fn branch_since_and_max_commits_limit_the_walk() {
    let (repo, [c1, c2, c3, c4]) = limits_repo();
    let all = scan(repo.path(), &["--git"]);
    assert_eq!(
        found(&all),
        vec![
            ("s1.env".to_string(), c1.clone()),
            ("s2.env".to_string(), c2.clone()),
            ("s3.env".to_string(), c3.clone()),
            ("s4.env".to_string(), c4.clone()),
        ]
    );
    let main = scan(repo.path(), &["--git", "--branch", "main"]);
    assert_eq!(paths(&main), vec!["s1.env", "s2.env", "s3.env"]);
    let side = scan(repo.path(), &["--git", "--branch", "side"]);
    assert_eq!(paths(&side), vec!["s1.env", "s4.env"]);

    // Only what the newest commits introduced, attributed to them.
    let last = scan(
        repo.path(),
        &["--git", "--branch", "main", "--max-commits", "1"],
    );
    assert_eq!(found(&last), vec![("s3.env".to_string(), c3.clone())]);
    assert_eq!(last.report["stats"]["blobs"], 1, "{}", last.report["stats"]);
    let two = scan(
        repo.path(),
        &["--git", "--branch", "main", "--max-commits", "2"],
    );
    assert_eq!(paths(&two), vec!["s2.env", "s3.env"]);

    // Commits not reachable from REV.
    let since = scan(repo.path(), &["--git", "--branch", "main", "--since", &c1]);
    assert_eq!(
        found(&since),
        vec![("s2.env".to_string(), c2), ("s3.env".to_string(), c3)]
    );
    let since_main = scan(repo.path(), &["--git", "--since", "main"]);
    assert_eq!(found(&since_main), vec![("s4.env".to_string(), c4)]);

    let bad = scan(repo.path(), &["--git", "--since", "no-such-branch"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-branch"), "{}", bad.stderr);
}

#[test]
fn walk_flags_need_git() {
    let (repo, _) = limits_repo();
    let run = scan(repo.path(), &["--branch", "main"]);
    assert_eq!(run.code, 2);
    let run = scan(repo.path(), &["--git", "--staged"]);
    assert_eq!(run.code, 2);
}

/// Exit 2 with one `zerokey: error:` line naming the repository, no panic.
fn assert_clean_failure(run: &Run, want: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("zerokey: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains(want), "{}", run.stderr);
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap_or_else(|e| panic!("{e}"));
    for flag in ["--git", "--staged"] {
        let run = scan(dir.path(), &[flag]);
        assert_clean_failure(&run, "not a git repository");
    }
    let run = scan(dir.path(), &["--git", "does-not-exist"]);
    assert_clean_failure(&run, "does-not-exist: not a git repository");
}

#[test]
fn garbage_head_is_a_clear_error() {
    let repo = Repo::new();
    repo.write("a.txt", "hello\n");
    repo.commit("first");
    std::fs::write(repo.path().join(".git/HEAD"), "\0\x01garbage\n")
        .unwrap_or_else(|e| panic!("{e}"));
    for flag in ["--git", "--staged"] {
        let run = scan(repo.path(), &[flag]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert_eq!(
            run.stderr
                .lines()
                .filter(|l| l.starts_with("zerokey: error:"))
                .count(),
            1,
            "{}",
            run.stderr
        );
    }
}

fn object_file(repo: &Repo, id: &str) -> PathBuf {
    repo.path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..])
}

fn truncate(path: &Path) {
    let mut perms = std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
}

/// The JSON `errors` of a run; asserts exit 2, no panic, and that some error names `id`.
fn assert_unreadable_names(run: &Run, id: &str) -> Vec<Value> {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let errors = run.report["errors"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no JSON report: {}\n{}", run.stdout, run.stderr));
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap_or_default().contains(id)),
        "no error names {id}: {errors:?}"
    );
    assert_eq!(run.report["stats"]["errors"], errors.len());
    errors
}

/// The text summary of a scan that could not read everything never reads as clean.
fn assert_text_not_clean(dir: &Path, args: &[&str]) {
    let out = zerokey()
        .current_dir(dir)
        .args(["scan", "--no-config"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("INCOMPLETE"), "{stderr}");
}

#[test]
fn corrupt_tip_commit_is_not_a_clean_scan() {
    let repo = Repo::new();
    repo.write("a.txt", "hello\n");
    repo.commit("first");
    repo.write("b.txt", "world\n");
    let tip = repo.commit("second");
    truncate(&object_file(&repo, &tip));
    let run = scan(repo.path(), &["--git", "--fail-on-findings"]);
    assert_unreadable_names(&run, &tip);
    assert_text_not_clean(repo.path(), &["--git", "--fail-on-findings"]);
}

#[test]
fn branch_ref_to_a_missing_object_is_not_a_clean_scan() {
    let repo = Repo::new();
    let secret = token(21);
    repo.write("a.env", &format!("T={secret}\n"));
    repo.commit("first");
    // A branch whose commit was never written (or was lost): nothing of it can be scanned.
    let ghost = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        repo.path().join(".git/refs/heads/ghost"),
        format!("{ghost}\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = scan(repo.path(), &["--git", "--fail-on-findings"]);
    let errors = assert_unreadable_names(&run, ghost);
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("refs/heads/ghost")),
        "{errors:?}"
    );
    // What could be read is still scanned and reported.
    assert_eq!(paths(&run), vec!["a.env"]);
    assert_no_secret(&run, &[&secret]);
    // The only branch missing: the same, with nothing scanned.
    std::fs::remove_file(repo.path().join(".git/refs/heads/main"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/ghost\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let run = scan(repo.path(), &["--git", "--fail-on-findings"]);
    assert_unreadable_names(&run, ghost);
    assert_text_not_clean(repo.path(), &["--git", "--fail-on-findings"]);
}

#[test]
fn missing_tree_is_not_a_clean_scan() {
    let repo = Repo::new();
    let secret = token(22);
    repo.write("dir/a.txt", "hello\n");
    repo.write("top.env", &format!("T={secret}\n"));
    repo.commit("first");
    let tree = repo.git(&["rev-parse", "HEAD:dir"]);
    std::fs::remove_file(object_file(&repo, &tree)).unwrap_or_else(|e| panic!("{e}"));
    let run = scan(repo.path(), &["--git", "--fail-on-findings"]);
    let errors = assert_unreadable_names(&run, &tree);
    assert!(errors.iter().any(|e| e["path"] == "dir"), "{errors:?}");
    assert_eq!(paths(&run), vec!["top.env"]);
    assert_text_not_clean(repo.path(), &["--git", "--fail-on-findings"]);
    // Corrupt rather than missing: the same.
    let repo = Repo::new();
    repo.write("dir/a.txt", "hello\n");
    repo.commit("first");
    let tree = repo.git(&["rev-parse", "HEAD:dir"]);
    truncate(&object_file(&repo, &tree));
    let run = scan(repo.path(), &["--git", "--fail-on-findings"]);
    assert_unreadable_names(&run, &tree);
}

#[test]
fn missing_blob_is_not_a_clean_scan() {
    let repo = Repo::new();
    repo.write("gone.txt", "this blob will be deleted on disk\n");
    repo.commit("first");
    let blob = repo.git(&["rev-parse", "HEAD:gone.txt"]);
    std::fs::remove_file(object_file(&repo, &blob)).unwrap_or_else(|e| panic!("{e}"));
    let run = scan(repo.path(), &["--git", "--fail-on-findings"]);
    let errors = assert_unreadable_names(&run, &blob);
    assert_eq!(errors[0]["path"], "gone.txt");
    assert_text_not_clean(repo.path(), &["--git", "--fail-on-findings"]);
}

#[test]
fn corrupt_blob_is_reported_and_the_rest_is_scanned() {
    let repo = Repo::new();
    let secret = token(8);
    repo.write("bad.txt", "this blob will be truncated on disk\n");
    repo.write("good.env", &format!("T={secret}\n"));
    repo.commit("first");
    let blob = repo.git(&["rev-parse", "HEAD:bad.txt"]);
    truncate(&object_file(&repo, &blob));
    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(paths(&run), vec!["good.env"]);
    let errors = run.report["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{}", run.report["errors"]);
    assert_eq!(errors[0]["path"], "bad.txt");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&blob),
        "{}",
        errors[0]
    );
    // Missing entirely: the same.
    std::fs::remove_file(object_file(&repo, &blob)).unwrap_or_else(|e| panic!("{e}"));
    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(paths(&run), vec!["good.env"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn secret_kept_while_its_file_is_edited_is_one_finding_from_the_adding_commit() {
    let repo = Repo::new();
    let secret = token(9);
    repo.write("settings.ini", "[app]\nname = demo\n");
    repo.commit("first");
    repo.write(
        "settings.ini",
        &format!("[app]\nname = demo\ngithub_token = {secret}\n"),
    );
    let added = repo.commit("add the token");
    for i in 0..3 {
        repo.write(
            "settings.ini",
            &format!("[app]\nname = demo {i}\ngithub_token = {secret}\n"),
        );
        repo.commit("edit");
    }
    let run = scan(repo.path(), &["--git"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hits: Vec<(String, String)> = found(&run)
        .into_iter()
        .zip(
            run.report["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        )
        .filter(|(_, f)| f["rule_id"] == "github-pat-classic")
        .map(|(h, _)| h)
        .collect();
    assert_eq!(hits, vec![("settings.ini".to_string(), added)]);
    // Every version of the file was scanned.
    assert_eq!(run.report["stats"]["blobs"], 5, "{}", run.report["stats"]);
}

/// The whole history is read pack by pack; a blob whose pack entry does not inflate must still
/// be reported by id, with the rest scanned.
#[test]
fn corrupt_blob_in_a_pack_is_reported_and_the_rest_is_scanned() {
    let repo = Repo::new();
    let secret = token(23);
    let text: String = (0..200)
        .map(|i| format!("line {i}: {}\n", i * 7919 % 1000))
        .collect();
    repo.write("bad.txt", &text);
    repo.write("good.env", &format!("T={secret}\n"));
    repo.commit("first");
    repo.git(&["gc", "-q", "--prune=now"]);
    let blob = repo.git(&["rev-parse", "HEAD:bad.txt"]);
    let pack_dir = repo.path().join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap_or_else(|| panic!("no pack index"));
    // `git verify-pack -v`: id type size size-in-pack offset
    let listing = repo.git(&["verify-pack", "-v", &idx.to_string_lossy()]);
    let (in_pack, offset) = listing
        .lines()
        .find(|l| l.starts_with(&blob))
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.get(3)?.parse::<usize>().ok()?,
                f.get(4)?.parse::<usize>().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("{blob} not in {listing}"));
    let pack = idx.with_extension("pack");
    let mut perms = std::fs::metadata(&pack)
        .unwrap_or_else(|e| panic!("{e}"))
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap_or_else(|e| panic!("{e}"));
    let mut bytes = std::fs::read(&pack).unwrap_or_else(|e| panic!("{e}"));
    for b in &mut bytes[offset + in_pack / 3..offset + in_pack * 2 / 3] {
        *b ^= 0x5a;
    }
    std::fs::write(&pack, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let run = scan(repo.path(), &["--git"]);
    let errors = assert_unreadable_names(&run, &blob);
    assert_eq!(errors[0]["path"], "bad.txt", "{errors:?}");
    assert_eq!(paths(&run), vec!["good.env"]);
    assert_no_secret(&run, &[&secret]);
    assert_text_not_clean(repo.path(), &["--git"]);
}
