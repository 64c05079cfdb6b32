//! The shared config files of the AWS CLI and SDKs (`~/.aws/config`, `~/.aws/credentials`),
//! read only as far as zerokey must: to tell whether a profile runs `zerokey
//! credential-process`, so that zerokey never reads its base credentials from a profile that
//! would start it again.

use std::ffi::OsString;
use std::path::PathBuf;
pub use zerokey_core::env::ZEROKEY_CREDENTIAL_PROCESS_ACTIVE;

/// Why `zerokey credential-process` must not read its base credentials as configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelfReference {
    /// We were started by ourselves.
    #[error(
        "zerokey credential-process was started by zerokey credential-process \
         ({} is set): the profile it reads base credentials from runs zerokey again; give \
         --base-profile NAME, a profile that holds the base credentials",
        ZEROKEY_CREDENTIAL_PROCESS_ACTIVE
    )]
    Nested,
    /// The base profile runs zerokey.
    #[error(
        "{}:{line}: profile {profile:?} runs zerokey credential-process, and it is also the \
         profile the base credentials would be read from; give --base-profile NAME, a profile \
         that holds the base credentials",
        file.display()
    )]
    Profile {
        /// The shared file.
        file: PathBuf,
        /// Its 1-based line of `credential_process`.
        line: usize,
        /// The profile.
        profile: String,
    },
}

/// Refuses when the base credentials would come from a profile (in `files`) that runs
/// `zerokey credential-process`, or when [`ZEROKEY_CREDENTIAL_PROCESS_ACTIVE`] is set in
/// `env`. The profile is `base_profile`, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else
/// `default`; none is read when `AWS_ACCESS_KEY_ID` is set (environment keys come first in
/// the provider chain). Unreadable files are skipped.
pub fn check_not_self(
    base_profile: Option<&str>,
    files: &[PathBuf],
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<(), SelfReference> {
    if env(ZEROKEY_CREDENTIAL_PROCESS_ACTIVE).is_some() {
        return Err(SelfReference::Nested);
    }
    if env("AWS_ACCESS_KEY_ID").is_some() {
        return Ok(());
    }
    let var = |name: &str| env(name).and_then(|v| v.into_string().ok());
    let profile = base_profile
        .map(str::to_string)
        .or_else(|| var("AWS_PROFILE"))
        .or_else(|| var("AWS_DEFAULT_PROFILE"))
        .unwrap_or_else(|| "default".to_string());
    for file in files {
        let Ok(text) = fs_err::read_to_string(file) else {
            continue;
        };
        if let Some(line) = runs_zerokey(&text, &profile) {
            return Err(SelfReference::Profile {
                file: file.clone(),
                line,
                profile,
            });
        }
    }
    Ok(())
}

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

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), OsString::from(v)))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_base_profile_must_not_run_zerokey() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "[profile base]\nregion = eu-west-1\n[profile deploy]\ncredential_process = zerokey credential-process --role-arn x\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let files = [dir.path().join("missing"), config.clone()];
        let e = check_not_self(None, &files, env(&[("AWS_PROFILE", "deploy")]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with(&format!(
                "{}:4: profile \"deploy\" runs zerokey credential-process",
                config.display()
            )),
            "{e}"
        );
        assert!(check_not_self(Some("base"), &files, env(&[("AWS_PROFILE", "deploy")])).is_ok());
        assert!(check_not_self(None, &files, env(&[])).is_ok());
        let keys = env(&[("AWS_PROFILE", "deploy"), ("AWS_ACCESS_KEY_ID", "x")]);
        assert!(check_not_self(None, &files, keys).is_ok());
        let nested = env(&[(ZEROKEY_CREDENTIAL_PROCESS_ACTIVE, "1")]);
        assert!(matches!(
            check_not_self(Some("base"), &files, nested),
            Err(SelfReference::Nested)
        ));
    }
}
