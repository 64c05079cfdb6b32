//! CloudTrail log files in S3: lists the `.json.gz` objects under `s3://bucket/prefix` and
//! reads them (still compressed; the caller decompresses and parses). Read-only.

use crate::iam::classify;
use std::fmt;
use time::OffsetDateTime;

/// Why listing or reading trail files failed. Messages name the bucket or object.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrailFilesError {
    /// The `s3://` location is malformed.
    #[error("invalid trail location {input:?}: {reason}")]
    BadLocation {
        /// What the user gave.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The bucket does not exist.
    #[error("s3://{bucket}: no such bucket")]
    NoSuchBucket {
        /// Bucket name.
        bucket: String,
    },
    /// The caller may not read the bucket or object.
    #[error("{location}: access denied ({code})")]
    Denied {
        /// `s3://bucket/key`.
        location: String,
        /// AWS error code.
        code: String,
    },
    /// An object is larger than the limit.
    #[error("{location}: {size} bytes is more than the {limit}-byte limit for one log file")]
    TooLarge {
        /// `s3://bucket/key`.
        location: String,
        /// Object size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Any other S3 failure.
    #[error("{location}: {action} failed ({detail})")]
    Failed {
        /// `s3://bucket/key` or `s3://bucket/prefix`.
        location: String,
        /// `s3:ListObjectsV2` or `s3:GetObject`.
        action: &'static str,
        /// Error code, HTTP status or what went wrong.
        detail: String,
    },
}

/// Where CloudTrail writes its files: a bucket and an optional key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailLocation {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix (may be empty), without a leading `/`.
    pub prefix: String,
}

impl TrailLocation {
    /// Parses `s3://bucket` or `s3://bucket/prefix/…`.
    pub fn parse(input: &str) -> Result<Self, TrailFilesError> {
        let bad = |reason| TrailFilesError::BadLocation {
            input: input.to_string(),
            reason,
        };
        let rest = input
            .strip_prefix("s3://")
            .ok_or_else(|| bad("expected s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && !bucket.starts_with(['-', '.'])
            && !bucket.ends_with(['-', '.']);
        if !valid_bucket {
            return Err(bad(
                "bucket names are 3-63 characters of a-z, 0-9, '-' and '.'",
            ));
        }
        if prefix.chars().any(char::is_control) {
            return Err(bad("the prefix holds control characters"));
        }
        Ok(TrailLocation {
            bucket: bucket.to_string(),
            prefix: prefix.trim_start_matches('/').to_string(),
        })
    }

    fn object(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

impl fmt::Display for TrailLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// One log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailObject {
    /// Object key.
    pub key: String,
    /// Size in bytes (compressed).
    pub size: u64,
    /// Last modified.
    pub last_modified: Option<OffsetDateTime>,
}

/// Reads trail files from one bucket.
#[derive(Debug, Clone)]
pub struct TrailFiles {
    client: aws_sdk_s3::Client,
    location: TrailLocation,
}

impl TrailFiles {
    /// A reader for `location`. With an endpoint override (the emulator, a VPC endpoint)
    /// requests are path-style, which every S3-compatible endpoint understands.
    pub fn new(conf: &aws_config::SdkConfig, location: TrailLocation) -> Self {
        let mut builder = aws_sdk_s3::config::Builder::from(conf);
        if conf.endpoint_url().is_some() {
            builder = builder.force_path_style(true);
        }
        TrailFiles {
            client: aws_sdk_s3::Client::from_conf(builder.build()),
            location,
        }
    }

    /// Where the files are read from.
    pub fn location(&self) -> &TrailLocation {
        &self.location
    }

    /// Every `.json.gz` object under the prefix (`s3:ListObjectsV2`, all pages), in key order.
    pub async fn list(&self) -> Result<Vec<TrailObject>, TrailFilesError> {
        const ACTION: &str = "s3:ListObjectsV2";
        let mut files = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .client
                .list_objects_v2()
                .bucket(&self.location.bucket)
                .set_continuation_token(token.take());
            if !self.location.prefix.is_empty() {
                req = req.prefix(&self.location.prefix);
            }
            let out = req.send().await.map_err(|e| {
                let f = classify(&e);
                match (f.status, f.code) {
                    (_, Some(c)) if c == "NoSuchBucket" => TrailFilesError::NoSuchBucket {
                        bucket: self.location.bucket.clone(),
                    },
                    (Some(403), code) => TrailFilesError::Denied {
                        location: self.location.to_string(),
                        code: code.unwrap_or_else(|| "HTTP 403".into()),
                    },
                    (Some(404), _) => TrailFilesError::NoSuchBucket {
                        bucket: self.location.bucket.clone(),
                    },
                    (status, code) => TrailFilesError::Failed {
                        location: self.location.to_string(),
                        action: ACTION,
                        detail: code
                            .or_else(|| status.map(|s| format!("HTTP {s}")))
                            .unwrap_or_else(|| f.reason.to_string()),
                    },
                }
            })?;
            for o in out.contents() {
                let Some(key) = o.key() else { continue };
                if !key.ends_with(".json.gz") {
                    continue;
                }
                files.push(TrailObject {
                    key: key.to_string(),
                    size: o.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    last_modified: o.last_modified().and_then(crate::iam::to_time),
                });
            }
            match (out.is_truncated(), out.next_continuation_token()) {
                (Some(true), Some(t)) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        files.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(files)
    }

    /// The bytes of one object (`s3:GetObject`), refusing objects over `limit` bytes.
    pub async fn get(&self, key: &str, limit: u64) -> Result<Vec<u8>, TrailFilesError> {
        const ACTION: &str = "s3:GetObject";
        let location = self.location.object(key);
        let out = self
            .client
            .get_object()
            .bucket(&self.location.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                let f = classify(&e);
                match (f.status, f.code) {
                    (Some(403), code) => TrailFilesError::Denied {
                        location: location.clone(),
                        code: code.unwrap_or_else(|| "HTTP 403".into()),
                    },
                    (status, code) => TrailFilesError::Failed {
                        location: location.clone(),
                        action: ACTION,
                        detail: code
                            .or_else(|| status.map(|s| format!("HTTP {s}")))
                            .unwrap_or_else(|| f.reason.to_string()),
                    },
                }
            })?;
        let size = out
            .content_length()
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(0);
        if size > limit {
            return Err(TrailFilesError::TooLarge {
                location,
                size,
                limit,
            });
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|_| TrailFilesError::Failed {
                location: location.clone(),
                action: ACTION,
                detail: "the body could not be read".into(),
            })?
            .into_bytes();
        if bytes.len() as u64 > limit {
            return Err(TrailFilesError::TooLarge {
                location,
                size: bytes.len() as u64,
                limit,
            });
        }
        Ok(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        let l = TrailLocation::parse("s3://my-trail/org/AWSLogs/").unwrap();
        assert_eq!(l.bucket, "my-trail");
        assert_eq!(l.prefix, "org/AWSLogs/");
        assert_eq!(TrailLocation::parse("s3://my-trail").unwrap().prefix, "");
        for bad in [
            "my-trail/x",
            "s3://",
            "s3://ab",
            "s3://Upper/x",
            "https://b/x",
        ] {
            assert!(TrailLocation::parse(bad).is_err(), "{bad}");
        }
        let e = TrailLocation::parse("bucket").unwrap_err().to_string();
        assert!(e.contains("\"bucket\"") && e.contains("s3://"), "{e}");
    }
}
