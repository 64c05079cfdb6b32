//! Schema checks: which column names say "this could hold a credential", which credential-like
//! columns are allowed because they hold only hashes (`password_hash` with argon2id PHC
//! strings, `token_hash` with SHA-256 digests), and whether their values really are hashes.

/// What a column's name says about what it may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnClass {
    /// Nothing credential-like in the name.
    Ordinary,
    /// The name says it holds a secret; `reason` is the word that says so.
    Credential {
        /// The matching word or words, e.g. `secret access key`.
        reason: String,
    },
    /// A password hash: allowed when every value is an argon2id PHC string.
    PasswordHash,
    /// A token, session or key hash: allowed when every value is a SHA-256/512 digest.
    TokenHash,
}

/// Words that, alone, say a column holds a secret.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "secrets",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "token",
    "tokens",
    "credential",
    "credentials",
    "creds",
    "apikey",
    "privkey",
    "bearer",
];

/// Pairs of consecutive words that say a column holds a key.
const KEY_PAIRS: &[(&str, &str)] = &[
    ("private", "key"),
    ("access", "key"),
    ("api", "key"),
    ("secret", "key"),
    ("signing", "key"),
    ("session", "key"),
    ("master", "key"),
    ("encryption", "key"),
    ("client", "key"),
];

const PASSWORD_WORDS: &[&str] = &["password", "passwd", "pwd", "passphrase"];

/// Last words that make a column metadata about a credential, not the credential
/// (`token_expires_at`, `password_changed_at`, `token_name`, `token_prefix`).
const METADATA_WORDS: &[&str] = &[
    "at",
    "on",
    "time",
    "date",
    "ts",
    "timestamp",
    "expires",
    "expiry",
    "expiration",
    "created",
    "updated",
    "changed",
    "rotated",
    "used",
    "last",
    "name",
    "label",
    "description",
    "type",
    "kind",
    "count",
    "len",
    "length",
    "version",
    "scope",
    "scopes",
    "ttl",
    "status",
    "state",
    "algo",
    "algorithm",
    "prefix",
    "hint",
    "last4",
    "required",
    "enabled",
    "policy",
    "arn",
];

/// Last words of a column that stores a hash.
const HASH_WORDS: &[&str] = &["hash", "hashed", "digest", "sha256", "sha512"];

/// Splits a column name into lower-case words at `_`, `-`, spaces, dots and camelCase humps.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Classifies a column by its name.
pub fn classify(name: &str) -> ColumnClass {
    let w = words(name);
    let Some(last) = w.last().map(String::as_str) else {
        return ColumnClass::Ordinary;
    };
    let has = |set: &[&str]| w.iter().any(|x| set.contains(&x.as_str()));
    let mut reasons: Vec<String> = w
        .iter()
        .filter(|x| SECRET_WORDS.contains(&x.as_str()))
        .cloned()
        .collect();
    for pair in w.windows(2) {
        if KEY_PAIRS.contains(&(pair[0].as_str(), pair[1].as_str())) {
            reasons.push(format!("{} {}", pair[0], pair[1]));
        }
    }
    if HASH_WORDS.contains(&last) || w.first().is_some_and(|f| f == "hashed") {
        if has(PASSWORD_WORDS) {
            return ColumnClass::PasswordHash;
        }
        if !reasons.is_empty() || has(&["session", "key", "api"]) {
            return ColumnClass::TokenHash;
        }
        return ColumnClass::Ordinary;
    }
    if reasons.is_empty() {
        // An AWS access key id is half a credential and names the key: not for storage.
        if w.windows(3)
            .any(|p| p[0] == "access" && p[1] == "key" && p[2] == "id")
        {
            return ColumnClass::Credential {
                reason: "access key id".into(),
            };
        }
        return ColumnClass::Ordinary;
    }
    if METADATA_WORDS.contains(&last) || (last == "id" && !has(&["access"])) {
        return ColumnClass::Ordinary;
    }
    reasons.dedup();
    ColumnClass::Credential {
        reason: reasons.join(", "),
    }
}

/// True if `v` is an argon2id PHC string:
/// `$argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>` (the version part is optional).
pub fn is_argon2id_phc(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let Some(rest) = s.strip_prefix("$argon2id$") else {
        return false;
    };
    let mut parts: Vec<&str> = rest.split('$').collect();
    if parts.first().is_some_and(|p| p.starts_with("v=")) {
        let v = parts.remove(0);
        if !v[2..].bytes().all(|b| b.is_ascii_digit()) || v.len() == 2 {
            return false;
        }
    }
    let [params, salt, hash] = parts.as_slice() else {
        return false;
    };
    let mut seen = [false; 3];
    for kv in params.split(',') {
        let Some((k, val)) = kv.split_once('=') else {
            return false;
        };
        let slot = match k {
            "m" => 0,
            "t" => 1,
            "p" => 2,
            // keyid / data are allowed by the PHC format but carry no secret.
            "keyid" | "data" => continue,
            _ => return false,
        };
        if val.is_empty() || !val.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        seen[slot] = true;
    }
    let b64 = |s: &str, min: usize| {
        s.len() >= min
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    };
    seen.iter().all(|&x| x) && b64(salt, 11) && b64(hash, 16)
}

/// True if `v` is a SHA-256 or SHA-512 digest: 64 or 128 hex characters (optionally behind
/// `sha256:`/`sha512:`), or 32/64 raw bytes (a `bytea`/`BLOB` digest).
pub fn is_digest(v: &[u8]) -> bool {
    let hex = |s: &[u8]| (s.len() == 64 || s.len() == 128) && s.iter().all(u8::is_ascii_hexdigit);
    if hex(v) {
        return true;
    }
    for p in [&b"sha256:"[..], b"sha512:"] {
        if let Some(rest) = v.strip_prefix(p) {
            return hex(rest);
        }
    }
    // Raw digests: binary, not text that happens to be 32 characters long.
    (v.len() == 32 || v.len() == 64) && std::str::from_utf8(v).is_err()
}

/// Migration bookkeeping tables; with the broker's own tables
/// ([`zerokey_broker::store::TABLES`]) they are known; others are reported as info.
pub const MIGRATION_TABLES: &[&str] = &["_sqlx_migrations", "schema_migrations"];

/// True for a table a zerokey broker keeps (or migration bookkeeping).
pub fn known_table(name: &str) -> bool {
    zerokey_broker::store::TABLES.contains(&name) || MIGRATION_TABLES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(name: &str) -> bool {
        matches!(classify(name), ColumnClass::Credential { .. })
    }

    #[test]
    fn splits_words() {
        assert_eq!(
            words("awsSecretAccessKey"),
            ["aws", "secret", "access", "key"]
        );
        assert_eq!(words("AWS_SESSION_TOKEN"), ["aws", "session", "token"]);
        assert_eq!(words("password-hash"), ["password", "hash"]);
    }

    #[test]
    fn credential_columns() {
        for n in [
            "aws_secret_access_key",
            "secret",
            "client_secret",
            "access_key",
            "aws_access_key_id",
            "session_token",
            "password",
            "private_key",
            "token",
            "api_token",
            "credentials",
            "apiKey",
            "githubToken",
        ] {
            assert!(cred(n), "{n}");
        }
    }

    #[test]
    fn ordinary_and_hash_columns() {
        for n in [
            "id",
            "name",
            "role_arn",
            "external_id",
            "owner",
            "created_at",
            "token_expires_at",
            "password_changed_at",
            "token_name",
            "token_prefix",
            "token_id",
            "session_id",
            "kms_key_id",
            "key",
            "content_hash",
        ] {
            assert_eq!(classify(n), ColumnClass::Ordinary, "{n}");
        }
        assert_eq!(classify("password_hash"), ColumnClass::PasswordHash);
        assert_eq!(classify("passwordHash"), ColumnClass::PasswordHash);
        assert_eq!(classify("token_hash"), ColumnClass::TokenHash);
        assert_eq!(classify("session_hash"), ColumnClass::TokenHash);
        assert_eq!(classify("api_key_sha256"), ColumnClass::TokenHash);
    }

    #[test]
    fn argon2id_values() {
        let ok = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jq0yW3mJc8cW2e6yvYVbXJ0Vh8vSmVYh0iYcHk3s2eM";
        assert!(is_argon2id_phc(ok.as_bytes()));
        assert!(is_argon2id_phc(ok.replacen("v=19$", "", 1).as_bytes()));
        assert!(!is_argon2id_phc(
            ok.replacen("argon2id", "argon2i", 1).as_bytes()
        ));
        assert!(!is_argon2id_phc(b"hunter2"));
        assert!(!is_argon2id_phc(b"$argon2id$v=19$m=19456,t=2,p=1$short$x"));
        assert!(!is_argon2id_phc(b"$argon2id$v=19$m=19456,t=2$c29tZXNhbHRzb21lc2FsdA$Jq0yW3mJc8cW2e6yvYVbXJ0Vh8vSmVYh0iYcHk3s2eM"));
    }

    #[test]
    fn digest_values() {
        let h = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert!(is_digest(h.as_bytes()));
        assert!(is_digest(format!("sha256:{h}").as_bytes()));
        assert!(is_digest(&[0xffu8; 32]));
        assert!(!is_digest(b"ghp_0123456789abcdefghijklmnopqrstuvwxyz"));
        assert!(!is_digest(&h.as_bytes()[..40]));
        assert!(!is_digest(b"0123456789abcdef0123456789abcdef"));
    }
}
