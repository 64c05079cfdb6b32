//! S3 through the broker. Each request loads the caller's connection, assumes its role with a
//! session policy naming only what this request touches, makes one S3 call and drops the
//! credentials. Objects stream through the server (presigned URLs would hand temporary
//! credentials to the browser), within the configured size limit.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::routes::ApiQuery;
use crate::service::Call;
use crate::{policy, validate, AppState, ClientAddr};
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use zerokey_aws::s3::{ByteStream, ListObjects};

/// `?connection=ID`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConnQuery {
    /// Connection id.
    pub connection: Option<String>,
}

/// Query of the object listing.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Connection id.
    pub connection: Option<String>,
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// Group keys by this character (usually `/`).
    pub delimiter: Option<String>,
    /// `next` from the previous page.
    pub continuation: Option<String>,
    /// Page size, 1–1000.
    pub max_keys: Option<i32>,
}

/// A bucket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BucketOut {
    /// Name.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
}

/// Answer of the bucket listing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BucketList {
    /// Buckets.
    pub buckets: Vec<BucketOut>,
}

/// An object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectOut {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: i64,
    /// Last modification (RFC 3339).
    pub last_modified: Option<String>,
    /// ETag.
    pub etag: Option<String>,
}

/// A page of objects.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectList {
    /// Objects.
    pub objects: Vec<ObjectOut>,
    /// Common prefixes ("folders") when a delimiter was given.
    pub prefixes: Vec<String>,
    /// Pass as `continuation` for the next page.
    pub next: Option<String>,
}

/// Answer of an upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Bytes stored.
    pub size: u64,
    /// ETag.
    pub etag: Option<String>,
}

fn secs_rfc3339(s: i64) -> String {
    crate::routes::audit::rfc3339(s.saturating_mul(1000))
}

/// Lists the buckets the connection's role can see.
#[utoipa::path(get, path = "/api/s3/buckets", tag = "s3", params(ConnQuery), security(("bearer" = [])),
    responses((status = 200, body = BucketList), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn buckets(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    ApiQuery(q): ApiQuery<ConnQuery>,
) -> Result<Json<BucketList>, ApiError> {
    let call = Call::open(
        &state,
        &auth,
        &addr,
        q.connection.as_deref(),
        "s3.list_buckets",
        None,
    )
    .await?;
    let (buckets, _) = call
        .s3(policy::list_buckets(), |s3| async move {
            s3.list_buckets().await
        })
        .await?;
    Ok(Json(BucketList {
        buckets: buckets
            .into_iter()
            .map(|b| BucketOut {
                name: b.name,
                created_at: b.created_at.map(secs_rfc3339),
            })
            .collect(),
    }))
}

/// Lists objects in a bucket (prefix, delimiter, pagination).
#[utoipa::path(get, path = "/api/s3/buckets/{bucket}/objects", tag = "s3", params(("bucket" = String, Path, description = "bucket name"), ListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ObjectList), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn objects(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    Path(bucket): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ObjectList>, ApiError> {
    validate::bucket(&bucket).map_err(ApiError::invalid)?;
    let prefix = q.prefix.unwrap_or_default();
    validate::prefix(&prefix).map_err(ApiError::invalid)?;
    if let Some(d) = &q.delimiter {
        if d.chars().count() != 1 || d.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "delimiter: must be one printable character",
            ));
        }
    }
    if let Some(m) = q.max_keys {
        if !(1..=1000).contains(&m) {
            return Err(ApiError::invalid("max_keys: must be 1-1000"));
        }
    }
    let delimiter = q.delimiter.as_deref().unwrap_or("");
    let continuation = q
        .continuation
        .as_deref()
        .map(|c| open_continuation(c, &bucket, &prefix, delimiter))
        .transpose()?;
    let target = Some(format!("{bucket}/{prefix}"));
    let call = Call::open(
        &state,
        &auth,
        &addr,
        q.connection.as_deref(),
        "s3.list_objects",
        target,
    )
    .await?;
    let policy = policy::list_objects(&call.connection().role_arn, &bucket, &prefix);
    let list = ListObjects {
        bucket: &bucket,
        prefix: Some(&prefix),
        delimiter: q.delimiter.as_deref(),
        continuation: continuation.as_deref(),
        max_keys: q.max_keys,
    };
    let page = call
        .s3(policy, |s3| async move { s3.list_objects(&list).await })
        .await?;
    Ok(Json(ObjectList {
        objects: page
            .objects
            .into_iter()
            .map(|o| ObjectOut {
                key: o.key,
                size: o.size,
                last_modified: o.last_modified.map(secs_rfc3339),
                etag: o.etag,
            })
            .collect(),
        prefixes: page.common_prefixes,
        next: page
            .next_token
            .map(|t| seal_continuation(&t, &bucket, &prefix, delimiter)),
    }))
}

/// Check value binding a continuation token to its listing (bucket, prefix, delimiter).
fn continuation_check(token: &str, bucket: &str, prefix: &str, delimiter: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in ["zerokey-continuation-v1", bucket, prefix, delimiter, token] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

/// The `next` we hand out: S3's continuation token (base64url) and a check value binding it
/// to this listing, so that a mangled or foreign token is refused here, at once, instead of
/// reaching AWS.
fn seal_continuation(token: &str, bucket: &str, prefix: &str, delimiter: &str) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.as_bytes());
    format!(
        "{b}.{}",
        continuation_check(token, bucket, prefix, delimiter)
    )
}

/// Opens a `continuation` given back by a client; a 400 naming it when it is not a `next`
/// value of this listing.
fn open_continuation(
    given: &str,
    bucket: &str,
    prefix: &str,
    delimiter: &str,
) -> Result<String, ApiError> {
    use base64::Engine;
    let bad = || {
        ApiError::invalid(
            "continuation: malformed; pass the `next` value of the previous page of this \
             listing unchanged",
        )
    };
    if given.len() > 4096 || given.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(bad());
    }
    let (b, check) = given.rsplit_once('.').ok_or_else(bad)?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b)
        .map_err(|_| bad())?;
    let token = String::from_utf8(raw).map_err(|_| bad())?;
    if token.is_empty()
        || token.chars().any(char::is_control)
        || !crate::auth::token::same(
            &continuation_check(&token, bucket, prefix, delimiter),
            check,
        )
    {
        return Err(bad());
    }
    Ok(token)
}

/// `attachment; filename*=UTF-8''…` for the key's last segment.
fn content_disposition(key: &str) -> HeaderValue {
    let name = key
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("download");
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            enc.push(char::from(b));
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Downloads an object, streamed.
#[utoipa::path(get, path = "/api/s3/buckets/{bucket}/objects/{key}", tag = "s3",
    params(("bucket" = String, Path, description = "bucket name"), ("key" = String, Path, description = "object key (may contain /)"), ConnQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "the object's bytes", content_type = "application/octet-stream"),
        (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)))]
pub async fn get_object(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    Path((bucket, key)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ConnQuery>,
) -> Result<Response, ApiError> {
    validate::bucket(&bucket).map_err(ApiError::invalid)?;
    validate::key(&key).map_err(ApiError::invalid)?;
    let target = Some(format!("{bucket}/{key}"));
    let call = Call::open(
        &state,
        &auth,
        &addr,
        q.connection.as_deref(),
        "s3.get_object",
        target,
    )
    .await?;
    let policy = policy::object(&call.connection().role_arn, "s3:GetObject", &bucket, &key);
    let obj = call
        .s3(policy, |s3| {
            let (bucket, key) = (&bucket, &key);
            async move { s3.get_object(bucket, key).await }
        })
        .await?;
    let limit = state.config().max_object_bytes;
    let len = obj.content_length.and_then(|l| u64::try_from(l).ok());
    if len.is_some_and(|l| l > limit) {
        return Err(ApiError::too_large(format!(
            "object is larger than the broker's limit of {limit} bytes"
        )));
    }
    let mut headers = HeaderMap::new();
    let ct = obj
        .content_type
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, ct);
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(&key));
    // Objects are the customer's bytes on our origin (the web UI links here): never let one
    // run as a page, even if a browser ignored the attachment disposition.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    if let Some(l) = len {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(l));
    }
    if let Some(etag) = obj
        .etag
        .as_deref()
        .and_then(|e| HeaderValue::from_str(e).ok())
    {
        headers.insert(header::ETAG, etag);
    }
    let stream = tokio_util::io::ReaderStream::new(obj.body.into_async_read());
    Ok((StatusCode::OK, headers, Body::from_stream(stream)).into_response())
}

/// axum's body is `Send` but not `Sync`; the SDK wants both. The mutex is never contended:
/// `poll_frame` has `&mut self`.
struct SyncBody(std::sync::Mutex<Body>);

impl hyper::body::Body for SyncBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        match self.get_mut().0.get_mut() {
            Ok(body) => std::pin::Pin::new(body).poll_frame(cx),
            Err(_) => std::task::Poll::Ready(Some(Err(axum::Error::new("body lock poisoned")))),
        }
    }
}

/// Uploads an object, streamed; needs `Content-Length` within the size limit.
#[utoipa::path(put, path = "/api/s3/buckets/{bucket}/objects/{key}", tag = "s3",
    params(("bucket" = String, Path, description = "bucket name"), ("key" = String, Path, description = "object key (may contain /)"), ConnQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses((status = 201, body = Uploaded), (status = 411, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn put_object(
    State(state): State<AppState>,
    auth: AuthUser,
    Extension(addr): Extension<ClientAddr>,
    Path((bucket, key)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ConnQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    validate::bucket(&bucket).map_err(ApiError::invalid)?;
    validate::key(&key).map_err(ApiError::invalid)?;
    let limit = state.config().max_object_bytes;
    let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return Err(ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "uploads need a Content-Length header",
        ));
    };
    if len > limit {
        return Err(ApiError::too_large(format!(
            "upload of {len} bytes is larger than the broker's limit of {limit} bytes"
        )));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 256)
        .map(str::to_string);
    let target = Some(format!("{bucket}/{key}"));
    let call = Call::open(
        &state,
        &auth,
        &addr,
        q.connection.as_deref(),
        "s3.put_object",
        target,
    )
    .await?;
    let policy = policy::object(&call.connection().role_arn, "s3:PutObject", &bucket, &key);
    let limited = http_body_util::Limited::new(
        SyncBody(std::sync::Mutex::new(body)),
        usize::try_from(len).unwrap_or(usize::MAX),
    );
    let stream = ByteStream::from_body_1_x(limited);
    let size = i64::try_from(len).unwrap_or(i64::MAX);
    let (etag, _) = call
        .s3(policy, |s3| {
            let (bucket, key) = (&bucket, &key);
            async move {
                s3.put_object(bucket, key, stream, size, content_type.as_deref())
                    .await
            }
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            bucket,
            key,
            size: len,
            etag,
        }),
    ))
}

/// HeadObject for the web UI's object page: one of the caller's connections, a session
/// policy naming only `s3:GetObject` on this key (HeadObject needs it), audited as
/// `s3.head_object`.
pub async fn head_object(
    state: &AppState,
    auth: &AuthUser,
    addr: &ClientAddr,
    connection: &str,
    bucket: &str,
    key: &str,
) -> Result<zerokey_aws::s3::HeadObject, ApiError> {
    validate::bucket(bucket).map_err(ApiError::invalid)?;
    validate::key(key).map_err(ApiError::invalid)?;
    let target = Some(format!("{bucket}/{key}"));
    let call = Call::open(
        state,
        auth,
        addr,
        Some(connection),
        "s3.head_object",
        target,
    )
    .await?;
    let policy = policy::object(&call.connection().role_arn, "s3:GetObject", bucket, key);
    call.s3(
        policy,
        |s3| async move { s3.head_object(bucket, key).await },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_tokens_round_trip_and_bind_to_their_listing() {
        let t = "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=";
        let sealed = seal_continuation(t, "bkt", "a/", "/");
        assert_eq!(open_continuation(&sealed, "bkt", "a/", "/").unwrap(), t);
        assert!(open_continuation(&sealed, "bkt", "b/", "/").is_err());
        assert!(open_continuation(&sealed, "other", "a/", "/").is_err());
        assert!(open_continuation(t, "bkt", "a/", "/").is_err());
        assert!(open_continuation("abc\0def.00", "bkt", "a/", "/").is_err());
        let mut mangled = sealed.clone();
        mangled.insert(3, 'x');
        assert!(open_continuation(&mangled, "bkt", "a/", "/").is_err());
    }
}
