//! Buckets and objects: the bucket list of a connection, an object browser that shows
//! prefixes as folders with pagination, object details, downloads (the API's streaming GET,
//! cookie-authenticated) and uploads (the API's PUT from `app.js`, with progress).

use super::{enc, human_size, render, Page, UiQuery};
use crate::routes::s3::{self as api, ConnQuery, ListQuery};
use crate::routes::ApiQuery;
use crate::AppState;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct BucketsQuery {
    connection: Option<String>,
}

#[derive(Serialize)]
struct ConnChoice {
    id: String,
    name: String,
    selected: bool,
}

async fn choices(state: &AppState, page: &Page, current: Option<&str>) -> Vec<ConnChoice> {
    state
        .store()
        .list_connections(&page.auth.user.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| ConnChoice {
            selected: current == Some(c.id.as_str()),
            id: c.id,
            name: c.name,
        })
        .collect()
}

#[derive(Serialize)]
struct BucketRow {
    name: String,
    created_at: Option<String>,
    url: String,
}

/// `GET /ui/buckets?connection=ID`.
pub async fn buckets(
    State(state): State<AppState>,
    page: Page,
    UiQuery(q): UiQuery<BucketsQuery>,
) -> Response {
    let connections = choices(&state, &page, q.connection.as_deref()).await;
    let Some(conn) = q.connection.clone().filter(|c| !c.is_empty()) else {
        return render(
            Some(&page),
            StatusCode::OK,
            "buckets.html",
            context! { nav => "buckets", connections => connections },
        );
    };
    let conn_name = connections
        .iter()
        .find(|c| c.selected)
        .map(|c| c.name.clone());
    match api::buckets(
        State(state.clone()),
        page.auth.clone(),
        Extension(page.addr.clone()),
        ApiQuery(ConnQuery {
            connection: Some(conn.clone()),
        }),
    )
    .await
    {
        Ok(axum::Json(list)) => {
            let rows: Vec<BucketRow> = list
                .buckets
                .into_iter()
                .map(|b| BucketRow {
                    url: format!(
                        "/ui/objects?connection={}&bucket={}",
                        enc(&conn, false),
                        enc(&b.name, false)
                    ),
                    name: b.name,
                    created_at: b.created_at,
                })
                .collect();
            render(
                Some(&page),
                StatusCode::OK,
                "buckets.html",
                context! { nav => "buckets", connections => connections, connection => conn,
                conn_name => conn_name, buckets => rows },
            )
        }
        Err(e) => render(
            Some(&page),
            e.status,
            "buckets.html",
            context! { nav => "buckets", connections => connections, connection => conn,
            conn_name => conn_name, error => e.message },
        ),
    }
}

#[derive(Deserialize)]
pub struct ObjectsQuery {
    connection: String,
    bucket: String,
    #[serde(default)]
    prefix: String,
    continuation: Option<String>,
    max_keys: Option<i32>,
}

#[derive(Serialize)]
struct Crumb {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct ObjRow {
    name: String,
    key: String,
    size: String,
    last_modified: Option<String>,
    download: String,
    details: String,
}

fn objects_url(conn: &str, bucket: &str, prefix: &str) -> String {
    let mut u = format!(
        "/ui/objects?connection={}&bucket={}",
        enc(conn, false),
        enc(bucket, false)
    );
    if !prefix.is_empty() {
        u.push_str(&format!("&prefix={}", enc(prefix, false)));
    }
    u
}

/// URL of the API's download of one object (cookie-authenticated GET).
fn download_url(conn: &str, bucket: &str, key: &str) -> String {
    format!(
        "/api/s3/buckets/{}/objects/{}?connection={}",
        enc(bucket, false),
        enc(key, true),
        enc(conn, false)
    )
}

/// `GET /ui/objects?connection=ID&bucket=B&prefix=P&continuation=T`.
pub async fn objects(
    State(state): State<AppState>,
    page: Page,
    UiQuery(q): UiQuery<ObjectsQuery>,
) -> Response {
    let max_keys = q.max_keys.unwrap_or(50);
    let mut crumbs = vec![Crumb {
        name: q.bucket.clone(),
        url: objects_url(&q.connection, &q.bucket, ""),
    }];
    let mut acc = String::new();
    for part in q.prefix.split_inclusive('/') {
        acc.push_str(part);
        crumbs.push(Crumb {
            name: part.trim_end_matches('/').to_string(),
            url: objects_url(&q.connection, &q.bucket, &acc),
        });
    }
    let base = context! {
        nav => "buckets",
        connection => &q.connection,
        bucket => &q.bucket,
        prefix => &q.prefix,
        crumbs => crumbs,
        buckets_url => format!("/ui/buckets?connection={}", enc(&q.connection, false)),
        upload_base => format!("/api/s3/buckets/{}/objects/", enc(&q.bucket, false)),
        first_page => q.continuation.is_some().then(|| objects_url(&q.connection, &q.bucket, &q.prefix)),
    };
    let res = api::objects(
        State(state.clone()),
        page.auth.clone(),
        Extension(page.addr.clone()),
        Path(q.bucket.clone()),
        ApiQuery(ListQuery {
            connection: Some(q.connection.clone()),
            prefix: Some(q.prefix.clone()),
            delimiter: Some("/".into()),
            continuation: q.continuation.clone(),
            max_keys: Some(max_keys),
        }),
    )
    .await;
    match res {
        Ok(axum::Json(list)) => {
            let folders: Vec<Crumb> = list
                .prefixes
                .iter()
                .map(|p| Crumb {
                    name: p.strip_prefix(q.prefix.as_str()).unwrap_or(p).to_string(),
                    url: objects_url(&q.connection, &q.bucket, p),
                })
                .collect();
            let objects: Vec<ObjRow> = list
                .objects
                .into_iter()
                .filter(|o| o.key != q.prefix)
                .map(|o| ObjRow {
                    name: o
                        .key
                        .strip_prefix(q.prefix.as_str())
                        .unwrap_or(&o.key)
                        .to_string(),
                    size: human_size(o.size),
                    last_modified: o.last_modified,
                    download: download_url(&q.connection, &q.bucket, &o.key),
                    details: format!(
                        "/ui/object?connection={}&bucket={}&key={}",
                        enc(&q.connection, false),
                        enc(&q.bucket, false),
                        enc(&o.key, false)
                    ),
                    key: o.key,
                })
                .collect();
            let next = list.next.map(|n| {
                let mut u = objects_url(&q.connection, &q.bucket, &q.prefix);
                u.push_str(&format!("&continuation={}", enc(&n, false)));
                if q.max_keys.is_some() {
                    u.push_str(&format!("&max_keys={max_keys}"));
                }
                u
            });
            render(
                Some(&page),
                StatusCode::OK,
                "objects.html",
                context! { folders => folders, objects => objects, next => next, ..base },
            )
        }
        Err(e) => render(
            Some(&page),
            e.status,
            "objects.html",
            context! { error => e.message, ..base },
        ),
    }
}

#[derive(Deserialize)]
pub struct ObjectQuery {
    connection: String,
    bucket: String,
    key: String,
}

/// `GET /ui/object?connection=ID&bucket=B&key=K`: an object's metadata (HeadObject).
pub async fn object(
    State(state): State<AppState>,
    page: Page,
    UiQuery(q): UiQuery<ObjectQuery>,
) -> Response {
    let folder = q
        .key
        .rfind('/')
        .map_or(String::new(), |i| q.key[..=i].to_string());
    let base = context! {
        nav => "buckets",
        bucket => &q.bucket,
        key => &q.key,
        folder_url => objects_url(&q.connection, &q.bucket, &folder),
        download => download_url(&q.connection, &q.bucket, &q.key),
    };
    match api::head_object(
        &state,
        &page.auth,
        &page.addr,
        &q.connection,
        &q.bucket,
        &q.key,
    )
    .await
    {
        Ok(h) => {
            let bytes = h.content_length.unwrap_or(0);
            render(
                Some(&page),
                StatusCode::OK,
                "object.html",
                context! {
                    size => human_size(bytes),
                    bytes => bytes,
                    last_modified => h.last_modified.map(|s| crate::routes::audit::rfc3339(s.saturating_mul(1000))),
                    etag => h.etag,
                    content_type => h.content_type,
                    storage_class => h.storage_class.unwrap_or_else(|| "STANDARD".into()),
                    encryption => h.server_side_encryption,
                    metadata => h.metadata,
                    ..base
                },
            )
        }
        Err(e) => render(
            Some(&page),
            e.status,
            "object.html",
            context! { error => e.message, ..base },
        ),
    }
}
