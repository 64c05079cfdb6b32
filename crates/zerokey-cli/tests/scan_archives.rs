//! `zerokey scan` over databases and archives built at test time in a temp dir: real SQLite
//! files (rusqlite), zips, tars, tar.gz and a `docker save` image; findings name the table,
//! rowid and column or the member path; bombs are skipped with a reason, corrupt and truncated
//! inputs are named errors; no secret reaches any output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The AWS key pair of the scan fixtures' canaries (`tests/fixtures/scan/canaries.txt`).
const AWS_KEY_ID: &str = "AKIAZ7KLFYYLBEG3RHDS";
const AWS_SECRET: &str = "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";

/// A GitHub classic token with a valid checksum, different for every `seed` (a canary: it
/// was never issued).
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

fn zerokey() -> Command {
    let mut cmd = Command::cargo_bin("zerokey").unwrap_or_else(|e| panic!("{e}"));
    cmd.env_remove("ZEROKEY_LOG")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120));
    cmd
}

struct Run {
    json: Value,
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
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {stdout}\n{stderr}"));
    Run {
        json,
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// (rule, location or path, line, column) of every finding.
fn places(report: &Value) -> BTreeSet<(String, String, u64, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let at = f["location"].as_str().or(f["path"].as_str()).unwrap();
            (
                f["rule_id"].as_str().unwrap().to_string(),
                at.to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn place(rule: &str, at: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (rule.to_string(), at.to_string(), line, column)
}

/// Fails if any 8-character piece of `secret` past its first 4 characters is in `text`.
fn assert_no_secret(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        for w in s.as_bytes()[4..].windows(8) {
            let w = String::from_utf8_lossy(w);
            assert!(
                !text.contains(w.as_ref()),
                "{what} leaks part of a secret ({w})"
            );
        }
    }
}

fn tar_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_714_564_800);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn env_file(tok: &str) -> Vec<u8> {
    format!("APP=1\nGITHUB_TOKEN={tok}\n").into_bytes()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, data).unwrap();
    p
}

/// A database with secrets in ordinary, multi-line, key-pair and WITHOUT ROWID tables.
fn make_db(path: &Path, seed: u64) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let (t1, t2, t3) = (token(seed), token(seed + 1), token(seed + 2));
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, api_key TEXT, age INTEGER);
         CREATE TABLE notes (body TEXT, data BLOB);
         CREATE TABLE credentials (access_key_id TEXT, secret_access_key TEXT);
         CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;",
    )
    .unwrap();
    for (id, name, key) in [(1, "ann", "none"), (2, "bob", ""), (3, "cy", t1.as_str())] {
        conn.execute(
            "INSERT INTO users (id, name, api_key, age) VALUES (?1, ?2, ?3, 42)",
            rusqlite::params![id, name, key],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO notes (body, data) VALUES (?1, ?2)",
        rusqlite::params![
            format!("deploy notes\nexport GITHUB_TOKEN={t2}"),
            vec![0u8, 1, 2, 3]
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO credentials VALUES (?1, ?2)",
        rusqlite::params![AWS_KEY_ID, AWS_SECRET],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO kv VALUES ('a', 'plain'), ('b', ?1)",
        rusqlite::params![t3],
    )
    .unwrap();
    vec![t1, t2, t3, AWS_KEY_ID.into(), AWS_SECRET.into()]
}

#[test]
fn sqlite_findings_name_table_rowid_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let secrets = make_db(&db, 10);
    // No extension: recognised by its magic bytes.
    let conn = rusqlite::Connection::open(dir.path().join("state")).unwrap();
    conn.execute_batch("CREATE TABLE t (x TEXT);").unwrap();
    conn.execute("INSERT INTO t VALUES (?1)", [token(20)])
        .unwrap();
    drop(conn);
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();

    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want: BTreeSet<_> = [
        place("github-pat-classic", "app.db:users[rowid=3].api_key", 1, 1),
        place("github-pat-classic", "app.db:notes[rowid=1].body", 2, 21),
        place(
            "aws-access-key-id",
            "app.db:credentials[rowid=1].access_key_id",
            1,
            1,
        ),
        place(
            "aws-secret-access-key",
            "app.db:credentials[rowid=1].secret_access_key",
            1,
            1,
        ),
        place("github-pat-classic", "app.db:kv[row=2].v", 1, 1),
        place("github-pat-classic", "state:t[rowid=1].x", 1, 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(places(&run.json), want, "{:#}", run.json["findings"]);
    for f in run.json["findings"].as_array().unwrap() {
        let loc = f["location"].as_str().unwrap();
        let path = f["path"].as_str().unwrap();
        assert!(loc.starts_with(path), "{loc} is not inside {path}");
        assert!(path == "app.db" || path == "state", "{path}");
    }
    let fps: BTreeSet<&str> = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 6, "one fingerprint per cell");
    assert_eq!(run.json["stats"]["files"], 2);
    // users 3, notes 1, credentials 1, kv 2, t 1, and sqlite_schema's 5 rows.
    assert_eq!(
        run.json["stats"]["database_rows"], 13,
        "{}",
        run.json["stats"]
    );
    assert_eq!(run.json["errors"], Value::Array(vec![]));

    // Read-only and immutable: nothing was written next to the databases, nothing changed.
    let after: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert_eq!(before.len(), after.len(), "a scan created files: {after:?}");
    for (b, a) in before.iter().zip(&after) {
        assert!(b == a, "{} changed", b.0.display());
    }

    let mut secrets = secrets;
    secrets.push(token(20));
    assert_no_secret("stdout", &run.stdout, &secrets);
    assert_no_secret("stderr", &run.stderr, &secrets);
}

/// A `docker save` image in the OCI layout (Docker 25+): gzipped and plain layer blobs named
/// by digest, a config blob with the image's environment; and a legacy `<id>/layer.tar`.
fn docker_image(tok_layer: &str, tok_env: &str, tok_legacy: &str) -> Vec<u8> {
    let layer1 = gzip(&tar_bytes(&[
        ("etc/", b""),
        ("etc/app.env", &env_file(tok_layer)),
        ("usr/bin/tool", b"\x7fELF\0\0\0binary"),
    ]));
    let layer2 = tar_bytes(&[("srv/README", b"nothing here\n")]);
    let config = format!(
        r#"{{"architecture":"amd64","config":{{"Env":["PATH=/usr/bin","GITHUB_TOKEN={tok_env}"]}}}}"#
    );
    let legacy = tar_bytes(&[("opt/.env", &env_file(tok_legacy))]);
    let d1 = "a".repeat(64);
    let d2 = "b".repeat(64);
    let dc = "c".repeat(64);
    let manifest = format!(
        r#"[{{"Config":"blobs/sha256/{dc}","Layers":["blobs/sha256/{d1}","blobs/sha256/{d2}"]}}]"#
    );
    tar_bytes(&[
        ("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#),
        ("manifest.json", manifest.as_bytes()),
        (&format!("blobs/sha256/{d1}"), &layer1),
        (&format!("blobs/sha256/{d2}"), &layer2),
        (&format!("blobs/sha256/{dc}"), config.as_bytes()),
        ("0123abcd/layer.tar", &legacy),
    ])
}

#[test]
fn archive_members_are_found_with_their_member_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let toks: Vec<String> = (30..40).map(token).collect();
    write(
        d,
        "bundle.zip",
        &zip_bytes(&[
            ("README.md", b"hello\n"),
            ("config/.env", &env_file(&toks[0])),
        ]),
    );
    // A jar-like zip without extension, holding a nested zip.
    let inner = zip_bytes(&[("inner.env", &env_file(&toks[1]))]);
    write(d, "plugin", &zip_bytes(&[("lib/inner.zip", &inner)]));
    write(
        d,
        "backup.tar",
        &tar_bytes(&[("./etc/app.env", &env_file(&toks[2]))]),
    );
    write(
        d,
        "backup.tgz",
        &gzip(&tar_bytes(&[("home/u/.env", &env_file(&toks[3]))])),
    );
    write(d, "app.log.gz", &gzip(&env_file(&toks[4])));
    write(d, "image.tar", &docker_image(&toks[5], &toks[6], &toks[7]));

    let run = scan(d, &["."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let a = "a".repeat(64);
    let c = "c".repeat(64);
    let want: BTreeSet<_> = [
        place("github-pat-classic", "bundle.zip!config/.env", 2, 14),
        place(
            "github-pat-classic",
            "plugin!lib/inner.zip!inner.env",
            2,
            14,
        ),
        place("github-pat-classic", "backup.tar!etc/app.env", 2, 14),
        place("github-pat-classic", "backup.tgz!home/u/.env", 2, 14),
        place("github-pat-classic", "app.log.gz", 2, 14),
        place(
            "github-pat-classic",
            &format!("image.tar!blobs/sha256/{a}!etc/app.env"),
            2,
            14,
        ),
        place(
            "github-pat-classic",
            &format!("image.tar!blobs/sha256/{c}"),
            1,
            72,
        ),
        place(
            "github-pat-classic",
            "image.tar!0123abcd/layer.tar!opt/.env",
            2,
            14,
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(places(&run.json), want, "{:#}", run.json["findings"]);
    let gz = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "app.log.gz")
        .unwrap();
    assert_eq!(gz["decoded"], "gzip");
    assert_eq!(gz.get("location"), None);
    assert_eq!(run.json["stats"]["files"], 6);
    assert_eq!(run.json["stats"]["skipped_binary"], 1, "usr/bin/tool");
    assert!(run.json["stats"]["archive_members"].as_u64().unwrap() >= 10);
    assert_eq!(run.json["errors"], Value::Array(vec![]));
    assert_eq!(run.json["skipped"], Value::Array(vec![]));
    assert_no_secret("stdout", &run.stdout, &toks);
    assert_no_secret("stderr", &run.stderr, &toks);

    // --no-archives: the same files are binary (tar headers hold NUL bytes) and skipped.
    let off = scan(d, &[".", "--no-archives"]);
    assert_eq!(off.json["findings"], Value::Array(vec![]));
    assert_eq!(
        off.json["stats"]["skipped_binary"], 6,
        "{}",
        off.json["stats"]
    );
}

#[test]
fn text_sarif_and_markdown_show_the_location_and_leak_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut secrets = make_db(&d.join("app.db"), 50);
    let t = token(60);
    write(d, "image.tar", &docker_image(&t, &token(61), &token(62)));
    secrets.extend([t, token(61), token(62)]);
    let out_dir = tempfile::tempdir().unwrap();
    for format in ["text", "json", "sarif", "markdown"] {
        let report = out_dir.path().join(format!("report.{format}"));
        let out = zerokey()
            .current_dir(d)
            .args(["scan", ".", "--no-config", "-vv", "--format", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            stdout.contains("app.db:users[rowid=3].api_key"),
            "{format} does not show the cell: {stdout}"
        );
        assert!(stdout.contains("!etc/app.env"), "{format}: {stdout}");
        assert_no_secret(format, &stdout, &secrets);
        assert_no_secret(
            &format!("{format} stderr"),
            &String::from_utf8_lossy(&out.stderr),
            &secrets,
        );
        zerokey()
            .current_dir(d)
            .args(["scan", ".", "--no-config", "--format", format, "--output"])
            .arg(&report)
            .assert()
            .success();
        assert_no_secret(
            &format!("{format} file"),
            &std::fs::read_to_string(&report).unwrap(),
            &secrets,
        );
    }
}

#[test]
fn zip_and_gzip_bombs_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = token(70);
    let zeros = vec![0u8; 32 << 20];
    let text = vec![b'a'; 32 << 20];
    write(
        d,
        "bomb.zip",
        &zip_bytes(&[
            ("zeros.bin", &zeros),
            ("aaaa.txt", &text),
            ("real.env", &env_file(&t)),
        ]),
    );
    // A gzip bomb has no header to tell its size: the stream itself is metered.
    write(d, "bomb.gz", &gzip(&text));
    write(
        d,
        "bomb.tar.gz",
        &gzip(&tar_bytes(&[
            ("big.log", &text),
            ("after.env", &env_file(&t)),
        ])),
    );
    let started = std::time::Instant::now();
    let run = scan(d, &["."]);
    assert!(started.elapsed() < Duration::from_secs(60), "took too long");
    assert_eq!(run.code, 0, "a limit is not an error: {}", run.stderr);
    assert_eq!(
        places(&run.json),
        [place("github-pat-classic", "bomb.zip!real.env", 2, 14)]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    let skipped: Vec<(String, String)> = run.json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let paths: Vec<&str> = skipped.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "bomb.gz",
            "bomb.tar.gz",
            "bomb.zip!aaaa.txt",
            "bomb.zip!zeros.bin"
        ],
        "{skipped:#?}"
    );
    for (path, reason) in &skipped {
        assert!(
            reason.contains("compression ratio above 100"),
            "{path}: {reason}"
        );
    }
    assert_eq!(run.json["stats"]["skipped_members"], 4);
    assert!(
        run.stderr
            .contains("zerokey: skipped bomb.gz: compression ratio above 100"),
        "{}",
        run.stderr
    );
    assert_no_secret("stdout", &run.stdout, std::slice::from_ref(&t));

    // A higher ratio lets the gzip stream through (it is text, scanned to its end).
    let run = scan(d, &["bomb.gz", "--archive-max-ratio", "100000"]);
    assert_eq!(run.json["skipped"], Value::Array(vec![]), "{}", run.json);
    assert_eq!(run.json["stats"]["archive_members"], 1);
}

#[test]
fn nesting_deeper_than_the_limit_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = token(80);
    let mut data = zip_bytes(&[("secret.env", &env_file(&t))]);
    for level in (1..=4).rev() {
        data = zip_bytes(&[(&format!("l{level}.zip"), &data)]);
    }
    write(d, "nested.zip", &data);
    let deep = "nested.zip!l1.zip!l2.zip!l3.zip!l4.zip!secret.env";
    let run = scan(d, &["."]);
    assert_eq!(
        places(&run.json),
        [place("github-pat-classic", deep, 2, 14)]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    let run = scan(d, &[".", "--archive-max-depth", "3"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json["findings"], Value::Array(vec![]));
    assert_eq!(
        run.json["skipped"][0]["path"],
        "nested.zip!l1.zip!l2.zip!l3.zip"
    );
    let reason = run.json["skipped"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("--archive-max-depth"), "{reason}");
}

#[test]
fn the_byte_budget_stops_an_archive_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Hex of a hash chain: text that barely compresses, so only the budget stops it.
    let mut x: u64 = 1;
    let mut member = String::new();
    while member.len() < 700_000 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        member.push_str(&format!("{x:016x}\n"));
    }
    let t = token(90);
    let tar = tar_bytes(&[
        ("first.env", &env_file(&t)),
        ("a.log", member.as_bytes()),
        ("b.log", member.as_bytes()),
        ("late.env", &env_file(&token(91))),
    ]);
    write(d, "logs.tar.gz", &gzip(&tar));
    let run = scan(d, &[".", "--archive-max-bytes", "1M"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        places(&run.json),
        [place("github-pat-classic", "logs.tar.gz!first.env", 2, 14)]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(run.json["skipped"][0]["path"], "logs.tar.gz");
    let reason = run.json["skipped"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("--archive-max-bytes"), "{reason}");
    let run = scan(d, &["."]);
    assert_eq!(places(&run.json).len(), 2);
}

#[test]
fn corrupt_and_truncated_inputs_are_named_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = token(100);
    let mut corrupt_db = b"SQLite format 3\0".to_vec();
    corrupt_db.extend((0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    write(d, "corrupt.db", &corrupt_db);
    // A real database cut in half.
    let db = d.join("whole.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE t (x TEXT);").unwrap();
        for i in 0..2000 {
            conn.execute(
                "INSERT INTO t VALUES (?1)",
                [format!("row {i} {}", "z".repeat(50))],
            )
            .unwrap();
        }
    }
    let bytes = std::fs::read(&db).unwrap();
    std::fs::remove_file(&db).unwrap();
    write(d, "cut.db", &bytes[..bytes.len() / 2]);

    let big = "x".repeat(100_000);
    let tar = tar_bytes(&[("a.env", &env_file(&t)), ("b.txt", big.as_bytes())]);
    write(d, "truncated.tar", &tar[..tar.len() / 2]);
    let tgz = gzip(&tar_bytes(&[
        ("a.env", &env_file(&token(101))),
        ("b.txt", big.as_bytes()),
    ]));
    write(d, "truncated.tgz", &tgz[..tgz.len() * 2 / 3]);
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend(std::iter::repeat_n(0x5a, 300));
    write(d, "corrupt.zip", &zip);

    let run = scan(d, &["."]);
    assert_eq!(run.code, 2, "errors give exit 2: {}", run.stderr);
    let errors: Vec<String> = run.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    let named = |name: &str| errors.iter().any(|e| e.starts_with(name));
    for name in [
        "corrupt.db",
        "cut.db",
        "truncated.tar",
        "truncated.tgz",
        "corrupt.zip",
    ] {
        assert!(named(name), "no error for {name}: {errors:#?}");
        assert!(
            run.stderr.contains(&format!("zerokey: warning: {name}")),
            "{name} not named on stderr: {}",
            run.stderr
        );
    }
    assert!(errors.iter().any(|e| e.contains("tar")), "{errors:#?}");
    // What was read before the damage is still reported.
    let got = places(&run.json);
    assert!(
        got.contains(&place("github-pat-classic", "truncated.tar!a.env", 2, 14)),
        "{got:#?}"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_no_secret("stdout", &run.stdout, &[t.clone(), token(101)]);
    assert_no_secret("stderr", &run.stderr, &[t, token(101)]);
}

#[test]
fn archive_scans_are_deterministic_and_baselines_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_db(&d.join("app.db"), 110);
    write(
        d,
        "image.tar",
        &docker_image(&token(120), &token(121), &token(122)),
    );
    // The same secret in two members is two findings with their own fingerprints.
    let same = env_file(&token(130));
    write(
        d,
        "twice.zip",
        &zip_bytes(&[("a/.env", &same), ("b/.env", &same)]),
    );
    let one = scan(d, &[".", "-j", "1"]);
    let four = scan(d, &[".", "-j", "4"]);
    assert_eq!(one.json["findings"], four.json["findings"]);
    let twice: Vec<&Value> = one.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "twice.zip")
        .collect();
    assert_eq!(twice.len(), 2);
    assert_ne!(twice[0]["fingerprint"], twice[1]["fingerprint"]);

    let n = one.json["findings"].as_array().unwrap().len();
    let baseline = d.join("baseline.json");
    zerokey()
        .current_dir(d)
        .args(["scan", ".", "--no-config", "-q", "--write-baseline"])
        .arg(&baseline)
        .assert()
        .success();
    let again = scan(d, &[".", "--baseline", "baseline.json"]);
    assert_eq!(again.json["findings"], Value::Array(vec![]));
    assert_eq!(again.json["stats"]["suppressed"], n as u64);
    // A new member with a new secret is exactly one new finding.
    write(
        d,
        "twice.zip",
        &zip_bytes(&[
            ("a/.env", &same),
            ("b/.env", &same),
            ("c/.env", &env_file(&token(131))),
        ]),
    );
    let third = scan(d, &[".", "--baseline", "baseline.json"]);
    assert_eq!(
        places(&third.json),
        [place("github-pat-classic", "twice.zip!c/.env", 2, 14)]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
}
