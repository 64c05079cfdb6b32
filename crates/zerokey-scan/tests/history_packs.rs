//! The whole-history scan reads packs in delta-tree order; the by-id reader (used for a
//! restricted range) reads each blob alone. Both must give the same findings, with the same
//! introducing commits, the same suppressed findings, stats and errors, on repositories built
//! with the `git` CLI: merges, renames, a secret added, removed and re-added, an unmerged
//! branch, binary and oversized blobs, excluded paths, and objects that are packed, in two
//! packs, and loose.
//!
//! The rule is a test rule (`tok_` and 12 lowercase letters or digits), not a real credential.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::path::Path;
use zerokey_core::Matcher;
use zerokey_scan::git::{scan_history, scan_history_by_id, GitOptions};
use zerokey_scan::{NoProgress, ScanOutcome};

const RULES: &str = r#"
[[rules]]
id = "tok"
name = "test token"
severity = "high"
confidence = "medium"
keywords = ["tok_"]
pattern = '\b(tok_[a-z0-9]{12})\b'
"#;

fn matcher() -> Matcher {
    let mut set = zerokey_core::RuleSet::default();
    set.add_file("t.toml", RULES)
        .unwrap_or_else(|e| panic!("{e}"));
    Matcher::new(&set).unwrap_or_else(|e| panic!("{e}"))
}

/// A test token, different for every `n` (random-looking: the matcher drops placeholders).
fn tok(n: u64) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let body: String = (0..12)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            CHARS[(x % 36) as usize] as char
        })
        .collect();
    format!("tok_{body}")
}

/// A repository in a temp dir, driven by the `git` CLI with a fixed identity and clock.
struct Repo {
    dir: tempfile::TempDir,
    clock: Cell<u64>,
}

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
        let date = format!("{} +0000", 1_714_564_800 + self.clock.get() * 60);
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

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    }

    /// Stages everything and commits; returns the full commit id.
    fn commit(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.tick();
        self.git(&["rev-parse", "HEAD"])
    }

    fn tick(&self) {
        self.clock.set(self.clock.get() + 1);
    }

    /// Loose object files under `.git/objects/??/`.
    fn loose_objects(&self) -> usize {
        let objects = self.path().join(".git/objects");
        std::fs::read_dir(&objects)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .filter(|d| d.file_name().len() == 2)
            .map(|d| std::fs::read_dir(d.path()).map_or(0, Iterator::count))
            .sum()
    }

    fn packs(&self) -> usize {
        std::fs::read_dir(self.path().join(".git/objects/pack")).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                .count()
        })
    }
}

/// Everything a report shows, with the run time left out.
fn report(o: &ScanOutcome) -> String {
    let mut stats = o.stats.clone();
    stats.duration_ms = 0;
    format!(
        "findings: {:#?}\nsuppressed: {:#?}\nstats: {stats:#?}\nerrors: {:#?}",
        o.findings, o.suppressed, o.errors
    )
}

/// Scans with both readers, asserts they agree, and returns the outcome.
fn both(repo: &Repo, opts: &GitOptions) -> ScanOutcome {
    let m = matcher();
    let packed = scan_history(&m, repo.path(), opts, &NoProgress).unwrap_or_else(|e| panic!("{e}"));
    let by_id =
        scan_history_by_id(&m, repo.path(), opts, &NoProgress).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report(&packed), report(&by_id));
    packed
}

/// (path, commit, secret's line) of every finding.
fn found(o: &ScanOutcome) -> Vec<(String, String, usize)> {
    o.findings
        .iter()
        .map(|f| (f.path.clone(), f.commit.clone().unwrap_or_default(), f.line))
        .collect()
}

/// A history with merges, renames, a secret added, removed and re-added, an unmerged branch,
/// a binary, an oversized and an excluded blob, and an inline-allowed secret. Returns the
/// repository and the findings expected from a scan with `opts()`.
fn history() -> (Repo, Vec<(String, String, usize)>) {
    let r = Repo::new();
    r.write("README.md", "demo\n");
    r.write("conf/app.env", &format!("NAME=demo\nTOKEN={}\n", tok(1)));
    r.write("vendor/lib.txt", &format!("T={}\n", tok(90)));
    let c1 = r.commit("first");
    // Removed, then re-added in another version of the file: still the first commit's.
    r.write("conf/app.env", "NAME=demo\n");
    r.commit("remove the token");
    r.write("conf/app.env", &format!("NAME=demo2\nTOKEN={}\n", tok(1)));
    r.commit("add the token back");
    // Re-added at a new path: a new finding.
    r.write("conf/copy.env", &format!("TOKEN={}\n", tok(1)));
    let c4 = r.commit("copy");
    // A branch: a rename (same blob, no new finding), a new secret, a binary blob with one.
    r.git(&["checkout", "-q", "-b", "feature", &c1]);
    r.git(&["mv", "conf/app.env", "conf/renamed.env"]);
    r.write("feature.txt", &format!("first line\nkey {}\n", tok(2)));
    r.write("bin.dat", &format!("\0\0binary {}\n", tok(3)));
    let f1 = r.commit("feature");
    r.write("big.txt", &format!("{}\n{}\n", tok(4), "x".repeat(4000)));
    r.write("allowed.txt", &format!("{} # zerokey:allow\n", tok(5)));
    r.commit("big and allowed");
    // Merge with a resolution that adds a secret of its own.
    r.git(&["checkout", "-q", "main"]);
    r.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    r.write("merged.txt", &format!("merge {}\n", tok(6)));
    let m = r.commit("merge feature");
    // Same content at two paths in one commit: one finding per path.
    r.write("a/one.txt", &format!("{}\n", tok(7)));
    r.write("b/two.txt", &format!("{}\n", tok(7)));
    let c6 = r.commit("twins");
    // An unmerged branch: all refs are scanned.
    r.git(&["checkout", "-q", "-b", "side", &c4]);
    r.write("side.txt", &format!("\n\n{}\n", tok(8)));
    let s1 = r.commit("side");
    r.git(&["checkout", "-q", "main"]);
    r.remove("merged.txt");
    r.commit("drop merged.txt");
    let want = vec![
        ("a/one.txt".to_string(), c6.clone(), 1),
        ("b/two.txt".to_string(), c6, 1),
        ("conf/app.env".to_string(), c1, 2),
        ("conf/copy.env".to_string(), c4, 1),
        ("feature.txt".to_string(), f1, 2),
        ("merged.txt".to_string(), m, 1),
        ("side.txt".to_string(), s1, 3),
    ];
    (r, want)
}

fn opts() -> GitOptions {
    GitOptions {
        threads: 2,
        max_file_size: 1000,
        exclude: Some(
            zerokey_scan::suppress::PathGlobs::new(&["vendor/**".to_string()], None)
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        ..GitOptions::default()
    }
}

#[test]
fn packed_history_gives_the_same_findings_and_commits_as_reading_by_id() {
    let (r, want) = history();
    // Loose only.
    let loose = both(&r, &opts());
    assert_eq!(found(&loose), want);
    // All packed.
    r.git(&["gc", "-q", "--prune=now"]);
    assert_eq!(r.loose_objects(), 0);
    assert_eq!(r.packs(), 1);
    let packed = both(&r, &opts());
    assert_eq!(report(&packed), report(&loose));
    assert_eq!(packed.stats.skipped_binary, 1, "{:?}", packed.stats);
    assert_eq!(packed.stats.skipped_too_large, 1, "{:?}", packed.stats);
    assert_eq!(packed.suppressed.len(), 1);
    assert!(packed.stats.skipped_excluded > 0);
    assert!(packed.errors.is_empty(), "{:?}", packed.errors);
}

#[test]
fn packed_and_loose_objects_give_the_same_findings_as_reading_by_id() {
    let (r, mut want) = history();
    r.git(&["gc", "-q", "--prune=now"]);
    // A second pack, then loose objects on top; an old secret re-added (already seen) and a
    // new one.
    r.write("later.txt", &format!("{}\n", tok(9)));
    let l1 = r.commit("later");
    r.git(&["repack", "-q"]);
    assert_eq!(r.packs(), 2);
    r.write("conf/app.env", &format!("NAME=demo3\nTOKEN={}\n", tok(1)));
    r.write("loose.txt", &format!("x\n{}\n", tok(10)));
    let l2 = r.commit("loose");
    assert!(r.loose_objects() > 0);
    let out = both(&r, &opts());
    want.push(("later.txt".to_string(), l1, 1));
    want.push(("loose.txt".to_string(), l2, 2));
    want.sort();
    assert_eq!(found(&out), want);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn a_restricted_range_reads_by_id_with_the_same_result() {
    let (r, _) = history();
    r.git(&["gc", "-q", "--prune=now"]);
    let first = r.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let o = GitOptions {
        since: Some(first.clone()),
        ..opts()
    };
    let out = both(&r, &o);
    assert!(!out.findings.is_empty());
    assert!(
        out.findings
            .iter()
            .all(|f| f.commit.as_deref() != Some(first.as_str())),
        "{:?}",
        found(&out)
    );
}

#[test]
fn a_blob_whose_pack_entry_is_corrupt_is_an_error_naming_it_and_the_rest_is_scanned() {
    let r = Repo::new();
    let text: String = (0..200)
        .map(|i| format!("line {i}: {}\n", i * 7919 % 1000))
        .collect();
    r.write("bad.txt", &text);
    r.write("good.env", &format!("T={}\n", tok(11)));
    let c = r.commit("first");
    r.git(&["gc", "-q", "--prune=now"]);
    let blob = r.git(&["rev-parse", "HEAD:bad.txt"]);
    let idx = std::fs::read_dir(r.path().join(".git/objects/pack"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap_or_else(|| panic!("no pack index"));
    // `git verify-pack -v`: id type size size-in-pack offset
    let listing = r.git(&["verify-pack", "-v", &idx.to_string_lossy()]);
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
    // Default size limit: `opts()` would skip bad.txt as too large without reading it.
    let o = GitOptions {
        threads: 2,
        ..GitOptions::default()
    };
    let out = both(&r, &o);
    assert_eq!(found(&out), vec![("good.env".to_string(), c, 1)]);
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].path, "bad.txt");
    assert!(out.errors[0].message.contains(&blob), "{:?}", out.errors);
}
