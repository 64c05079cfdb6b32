//! S3 with temporary credentials: list buckets, list objects (prefix, pagination), get and
//! put objects as streams. One [`S3Session`] per request; dropping it drops the credentials.

use crate::{AssumedRole, BaseAws};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::RequestId;
pub use aws_smithy_types::byte_stream::ByteStream;
use std::fmt;

/// An S3 client bound to one set of temporary credentials.
pub struct S3Session {
    client: aws_sdk_s3::Client,
}

impl fmt::Debug for S3Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3Session { .. }")
    }
}

/// A bucket in a ListBuckets answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Bucket name.
    pub name: String,
    /// Creation time (Unix seconds), when S3 gave one.
    pub created_at: Option<i64>,
}

/// One object in a ListObjectsV2 page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Object key.
    pub key: String,
    /// Size in bytes.
    pub size: i64,
    /// Last modification (Unix seconds).
    pub last_modified: Option<i64>,
    /// ETag as S3 sends it (quoted).
    pub etag: Option<String>,
}

/// One page of ListObjectsV2.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectPage {
    /// Objects on this page.
    pub objects: Vec<Object>,
    /// "Folders" when a delimiter was given.
    pub common_prefixes: Vec<String>,
    /// Token for the next page, if there is one.
    pub next_token: Option<String>,
    /// S3 request id.
    pub request_id: Option<String>,
}

/// What ListObjectsV2 is asked for.
#[derive(Debug, Clone, Default)]
pub struct ListObjects<'a> {
    /// Bucket name.
    pub bucket: &'a str,
    /// Only keys starting with this.
    pub prefix: Option<&'a str>,
    /// Group keys by this (usually `/`).
    pub delimiter: Option<&'a str>,
    /// Continuation token from the previous page.
    pub continuation: Option<&'a str>,
    /// Page size (S3 caps it at 1000).
    pub max_keys: Option<i32>,
}

/// A downloaded object: metadata plus the body as a stream.
#[derive(Debug)]
pub struct GetObject {
    /// Body, streamed from S3.
    pub body: ByteStream,
    /// Content length, when S3 sent one.
    pub content_length: Option<i64>,
    /// Content type, when S3 sent one.
    pub content_type: Option<String>,
    /// ETag.
    pub etag: Option<String>,
    /// S3 request id.
    pub request_id: Option<String>,
}

/// An object's metadata (HeadObject).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadObject {
    /// Size in bytes.
    pub content_length: Option<i64>,
    /// Content type.
    pub content_type: Option<String>,
    /// ETag as S3 sends it (quoted).
    pub etag: Option<String>,
    /// Last modification (Unix seconds).
    pub last_modified: Option<i64>,
    /// Storage class (S3 omits it for STANDARD).
    pub storage_class: Option<String>,
    /// Server-side encryption (`AES256`, `aws:kms`...).
    pub server_side_encryption: Option<String>,
    /// User metadata (`x-amz-meta-*`), sorted by name.
    pub metadata: Vec<(String, String)>,
    /// S3 request id.
    pub request_id: Option<String>,
}

/// Why an S3 call failed. Messages are ours, never S3's text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum S3Error {
    /// The session is not allowed to do this.
    #[error("access denied ({code})")]
    AccessDenied {
        /// AWS error code.
        code: String,
        /// S3 request id.
        request_id: Option<String>,
    },
    /// The bucket does not exist.
    #[error("no such bucket")]
    NoSuchBucket {
        /// S3 request id.
        request_id: Option<String>,
    },
    /// The key does not exist.
    #[error("no such key")]
    NoSuchKey {
        /// S3 request id.
        request_id: Option<String>,
    },
    /// S3 rejected the request (bad name, bad token, too large...).
    #[error("S3 rejected the request ({code})")]
    Invalid {
        /// AWS error code.
        code: String,
        /// S3 request id.
        request_id: Option<String>,
    },
    /// S3 could not be reached or failed.
    #[error("S3 request failed: {0}")]
    Unavailable(String),
}

impl S3Error {
    /// S3 request id, when S3 answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            S3Error::AccessDenied { request_id, .. }
            | S3Error::NoSuchBucket { request_id }
            | S3Error::NoSuchKey { request_id }
            | S3Error::Invalid { request_id, .. } => request_id.as_deref(),
            S3Error::Unavailable(_) => None,
        }
    }
}

fn map_err<E>(e: SdkError<E>) -> S3Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let request_id = se.err().meta().request_id().map(str::to_string);
            let code = se
                .err()
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            match (code.as_str(), status) {
                ("NoSuchBucket", _) => S3Error::NoSuchBucket { request_id },
                ("NoSuchKey", _) => S3Error::NoSuchKey { request_id },
                (_, 404) => S3Error::NoSuchKey { request_id },
                ("AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch", _)
                | ("ExpiredToken" | "InvalidToken", _)
                | (_, 401 | 403) => S3Error::AccessDenied { code, request_id },
                (_, 500..) => S3Error::Unavailable(format!("error code {code}")),
                _ => S3Error::Invalid { code, request_id },
            }
        }
        other => S3Error::Unavailable(crate::sts::sdk_failure(other).into()),
    }
}

impl S3Session {
    /// An S3 client for `role`'s temporary credentials, sharing `base`'s region, endpoint and
    /// HTTP connection pool. Path-style addressing (the emulator needs it; AWS accepts it).
    pub fn new(base: &BaseAws, role: &AssumedRole) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(base.sdk_config())
            .credentials_provider(role.credentials.to_sdk())
            .force_path_style(true)
            .build();
        S3Session {
            client: aws_sdk_s3::Client::from_conf(conf),
        }
    }

    /// ListBuckets.
    pub async fn list_buckets(&self) -> Result<(Vec<Bucket>, Option<String>), S3Error> {
        let out = self.client.list_buckets().send().await.map_err(map_err)?;
        let request_id = out.request_id().map(str::to_string);
        let buckets = out
            .buckets()
            .iter()
            .map(|b| Bucket {
                name: b.name().unwrap_or_default().to_string(),
                created_at: b.creation_date().map(|d| d.secs()),
            })
            .collect();
        Ok((buckets, request_id))
    }

    /// One page of ListObjectsV2.
    pub async fn list_objects(&self, req: &ListObjects<'_>) -> Result<ObjectPage, S3Error> {
        let mut call = self.client.list_objects_v2().bucket(req.bucket);
        if let Some(p) = req.prefix.filter(|p| !p.is_empty()) {
            call = call.prefix(p);
        }
        if let Some(d) = req.delimiter.filter(|d| !d.is_empty()) {
            call = call.delimiter(d);
        }
        if let Some(t) = req.continuation.filter(|t| !t.is_empty()) {
            call = call.continuation_token(t);
        }
        if let Some(m) = req.max_keys {
            call = call.max_keys(m);
        }
        let out = call.send().await.map_err(map_err)?;
        Ok(ObjectPage {
            request_id: out.request_id().map(str::to_string),
            objects: out
                .contents()
                .iter()
                .map(|o| Object {
                    key: o.key().unwrap_or_default().to_string(),
                    size: o.size().unwrap_or(0),
                    last_modified: o.last_modified().map(|d| d.secs()),
                    etag: o.e_tag().map(str::to_string),
                })
                .collect(),
            common_prefixes: out
                .common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string))
                .collect(),
            next_token: out
                .next_continuation_token()
                .filter(|_| out.is_truncated().unwrap_or(false))
                .map(str::to_string),
        })
    }

    /// GetObject; the body is a stream the caller forwards.
    pub async fn get_object(&self, bucket: &str, key: &str) -> Result<GetObject, S3Error> {
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(map_err)?;
        Ok(GetObject {
            request_id: out.request_id().map(str::to_string),
            content_length: out.content_length(),
            content_type: out.content_type().map(str::to_string),
            etag: out.e_tag().map(str::to_string),
            body: out.body,
        })
    }

    /// HeadObject: an object's metadata without its body.
    pub async fn head_object(&self, bucket: &str, key: &str) -> Result<HeadObject, S3Error> {
        let out = self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(map_err)?;
        let mut metadata: Vec<(String, String)> = out
            .metadata()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        metadata.sort();
        Ok(HeadObject {
            content_length: out.content_length(),
            content_type: out.content_type().map(str::to_string),
            etag: out.e_tag().map(str::to_string),
            last_modified: out.last_modified().map(aws_smithy_types::DateTime::secs),
            storage_class: out.storage_class().map(|c| c.as_str().to_string()),
            server_side_encryption: out.server_side_encryption().map(|c| c.as_str().to_string()),
            metadata,
            request_id: out.request_id().map(str::to_string),
        })
    }

    /// PutObject from a stream of exactly `length` bytes; returns the ETag and request id.
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: ByteStream,
        length: i64,
        content_type: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), S3Error> {
        let mut call = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_length(length)
            .body(body);
        if let Some(ct) = content_type {
            call = call.content_type(ct);
        }
        let out = call.send().await.map_err(map_err)?;
        Ok((
            out.e_tag().map(str::to_string),
            out.request_id().map(str::to_string),
        ))
    }
}
