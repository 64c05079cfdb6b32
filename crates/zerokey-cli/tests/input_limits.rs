//! Inputs built to cost memory or time: `zerokey audit` on a huge IAM policy (it peaked at
//! 799 MB RSS on 50 MB) is refused with the file and the limit named, and a zip whose central
//! directory points a thousand times at one member (28 s before the byte cap stopped it) is
//! refused before any member is inflated. Inputs are generated here; memory and time are
//! measured in `bench/`, not asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;
use std::io::Write;

fn zerokey() -> Command {
    let mut cmd = Command::cargo_bin("zerokey").unwrap();
    cmd.env_remove("ZEROKEY_LOG").env("NO_COLOR", "1");
    cmd
}

/// An IAM policy document of at least `bytes` bytes (many statements).
fn big_policy(bytes: usize) -> String {
    let mut s = String::from("{\"Version\": \"2012-10-17\", \"Statement\": [");
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"Sid\": \"S{i}\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::bucket-{i}/*\"}}"
        ));
        i += 1;
    }
    s.push_str("]}\n");
    s
}

#[test]
fn huge_iam_policy_is_refused_naming_the_file_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Over the 16 MiB default.
    std::fs::write(dir.path().join("huge.json"), big_policy(17 << 20)).unwrap();
    let out = zerokey()
        .args(["audit", "--no-config", "--format", "json"])
        .arg(dir.path().join("huge.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("huge.json"), "{stderr}");
    assert!(stderr.contains("16 MiB limit"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The limit is a flag; a small policy under it is audited as before.
    std::fs::write(dir.path().join("small.json"), big_policy(4 << 10)).unwrap();
    let out = zerokey()
        .args(["audit", "--no-config", "--max-file-size", "1K"])
        .arg(dir.path().join("small.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("small.json"), "{stderr}");
    let out = zerokey()
        .args(["audit", "--no-config", "--max-file-size", "1M"])
        .arg(dir.path().join("small.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn u16le(v: &mut Vec<u8>, n: u16) {
    v.extend_from_slice(&n.to_le_bytes());
}

fn u32le(v: &mut Vec<u8>, n: u32) {
    v.extend_from_slice(&n.to_le_bytes());
}

/// A zip with one stored member of `data` and `refs` central directory entries (distinct
/// names) that all point at that member's local header.
fn overlapping_zip(data: &[u8], refs: usize) -> Vec<u8> {
    let crc = crc32fast::hash(data);
    let name = b"m0000.txt";
    let mut z = Vec::new();
    // Local file header.
    u32le(&mut z, 0x0403_4b50);
    u16le(&mut z, 20);
    u16le(&mut z, 0);
    u16le(&mut z, 0); // stored
    u16le(&mut z, 0);
    u16le(&mut z, 0x21);
    u32le(&mut z, crc);
    u32le(&mut z, data.len() as u32);
    u32le(&mut z, data.len() as u32);
    u16le(&mut z, name.len() as u16);
    u16le(&mut z, 0);
    z.extend_from_slice(name);
    z.extend_from_slice(data);
    let cd_start = z.len();
    for i in 0..refs {
        let n = format!("m{i:04}.txt");
        u32le(&mut z, 0x0201_4b50);
        u16le(&mut z, 20);
        u16le(&mut z, 20);
        u16le(&mut z, 0);
        u16le(&mut z, 0);
        u16le(&mut z, 0);
        u16le(&mut z, 0x21);
        u32le(&mut z, crc);
        u32le(&mut z, data.len() as u32);
        u32le(&mut z, data.len() as u32);
        u16le(&mut z, n.len() as u16);
        u16le(&mut z, 0);
        u16le(&mut z, 0);
        u16le(&mut z, 0);
        u16le(&mut z, 0);
        u32le(&mut z, 0o100644 << 16);
        u32le(&mut z, 0); // every entry: the one local header at offset 0
        z.extend_from_slice(n.as_bytes());
    }
    let cd_len = z.len() - cd_start;
    u32le(&mut z, 0x0605_4b50);
    u16le(&mut z, 0);
    u16le(&mut z, 0);
    u16le(&mut z, refs as u16);
    u16le(&mut z, refs as u16);
    u32le(&mut z, cd_len as u32);
    u32le(&mut z, cd_start as u32);
    u16le(&mut z, 0);
    z
}

#[test]
fn zip_with_a_thousand_entries_on_one_member_is_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    // Text that does not compress much, so no ratio limit applies to one member.
    let mut data = Vec::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while data.len() < 700 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        writeln!(data, "{x:016x} {:016x}", x.rotate_left(17)).unwrap();
    }
    let zip = overlapping_zip(&data, 1000);
    std::fs::write(dir.path().join("overlap.zip"), &zip).unwrap();
    let out = zerokey()
        .args(["scan", "--no-config", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{v}");
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{v}");
    assert!(
        skipped[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("overlap.zip"),
        "{v}"
    );
    assert!(
        skipped[0]["reason"].as_str().unwrap().contains("overlap"),
        "{v}"
    );
    assert_eq!(v["stats"]["archive_members"], 0, "nothing inflated: {v}");

    // The same member referenced once is an ordinary zip and is scanned.
    std::fs::remove_file(dir.path().join("overlap.zip")).unwrap();
    std::fs::write(dir.path().join("one.zip"), overlapping_zip(&data, 1)).unwrap();
    let out = zerokey()
        .args(["scan", "--no-config", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["stats"]["archive_members"], 1, "{v}");
    assert!(v["skipped"].as_array().unwrap().is_empty(), "{v}");
}
