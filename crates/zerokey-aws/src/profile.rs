//! The shared config files of the AWS CLI and SDKs (`~/.aws/config`, `~/.aws/credentials`),
//! read only as far as zerokey must: to tell whether a profile runs `zerokey
//! credential-process`, so that zerokey never reads its base credentials from a profile that
//! would start it again.

use std::path::PathBuf;

/// The shared config and credentials files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`,
/// else `~/.aws/config` and `~/.aws/credentials`).
pub fn shared_files() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let pick = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    [
        pick("AWS_CONFIG_FILE", "config"),
        pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Where `profile` (in `text`, a shared config file) sets a `credential_process` that runs
/// `zerokey credential-process`: the 1-based line number.
pub fn runs_zerokey(text: &str, profile: &str) -> Option<usize> {
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(section) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let name = section.trim();
            let name = name.strip_prefix("profile ").map_or(name, str::trim);
            inside = name == profile;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            if k.trim() == "credential_process"
                && v.contains("zerokey")
                && v.contains("credential-process")
            {
                return Some(i + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_profile_that_runs_zerokey() {
        let text = "[default]\nregion = eu-west-1\n\n[profile deploy]\ncredential_process = /usr/local/bin/zerokey credential-process --role-arn arn:aws:iam::123456789012:role/d\n[profile other]\ncredential_process = aws-vault exec x --json\n";
        assert_eq!(runs_zerokey(text, "deploy"), Some(5));
        assert_eq!(runs_zerokey(text, "default"), None);
        assert_eq!(runs_zerokey(text, "other"), None);
        let creds_file = "[deploy]\ncredential_process=zerokey credential-process --connection c\n";
        assert_eq!(runs_zerokey(creds_file, "deploy"), Some(2));
    }
}
