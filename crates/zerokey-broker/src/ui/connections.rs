//! Connections: the list, delete with a confirmation page, and the connect-an-account wizard
//! (step 1: the external ID, trust policy, permission policy and CloudFormation template;
//! step 2: the role ARN, verified live). The external ID only ever travels in POST bodies.

use super::{api_error_page, error_page, render, Page, UiForm, UiQuery};
use crate::error::ApiError;
use crate::routes::connections::{self as api, VerifyRequest};
use crate::routes::ApiJson;
use crate::{policy, validate, AppState};
use axum::extract::{Extension, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct ListQuery {
    added: Option<String>,
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    role_arn: String,
    created_at: String,
    new: bool,
}

/// `GET /ui/connections`.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    UiQuery(q): UiQuery<ListQuery>,
) -> Response {
    match api::list(State(state), page.auth.clone()).await {
        Ok(axum::Json(l)) => {
            let rows: Vec<Row> = l
                .connections
                .into_iter()
                .map(|c| Row {
                    new: q.added.as_deref() == Some(c.id.as_str()),
                    id: c.id,
                    name: c.name,
                    role_arn: c.role_arn,
                    created_at: c.created_at,
                })
                .collect();
            let added = rows.iter().find(|r| r.new).map(|r| r.name.clone());
            render(
                Some(&page),
                StatusCode::OK,
                "connections.html",
                context! { connections => rows, added => added, nav => "connections" },
            )
        }
        Err(e) => api_error_page(&page, &e),
    }
}

/// `GET /ui/connections/{id}/delete`: asks for confirmation.
pub async fn confirm_delete(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    match api::owned_by_id(&state, &page.auth, &id).await {
        Ok(c) => render(
            Some(&page),
            StatusCode::OK,
            "delete.html",
            context! { id => c.id, name => c.name, role_arn => c.role_arn, nav => "connections" },
        ),
        Err(e) => api_error_page(&page, &e),
    }
}

/// `POST /ui/connections/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: UiForm<serde::de::IgnoredAny>,
) -> Response {
    let page = form.page;
    match api::remove(
        State(state),
        page.auth.clone(),
        Extension(page.addr.clone()),
        Path(id),
    )
    .await
    {
        Ok(_) => Redirect::to("/ui/connections").into_response(),
        Err(e) => api_error_page(&page, &e),
    }
}

/// `GET /ui/connect`: the start of the wizard.
pub async fn start(page: Page) -> Response {
    render(
        Some(&page),
        StatusCode::OK,
        "connect_start.html",
        context! { nav => "connect" },
    )
}

#[derive(Deserialize)]
pub struct PrepareForm {
    #[serde(default)]
    buckets: String,
}

fn bucket_list(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .collect()
}

/// The documents of step 1 for an external ID.
struct Docs {
    principal: String,
    trust: String,
    permissions: String,
    template: String,
}

async fn docs(state: &AppState, external_id: &str, buckets: &[String]) -> Result<Docs, ApiError> {
    let identity = state.base_identity().await?;
    let principal = policy::trust_principal(&identity.arn);
    let partition = principal.split(':').nth(1).unwrap_or("aws").to_string();
    let session = zerokey_aws::clamp_duration(Some(state.config().session_seconds));
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    Ok(Docs {
        trust: pretty(&policy::trust(&principal, external_id)),
        permissions: pretty(&policy::permissions(&partition, buckets)),
        template: pretty(&policy::cloudformation(
            &principal,
            external_id,
            buckets,
            session,
        )),
        principal,
    })
}

#[allow(clippy::too_many_arguments)]
fn wizard(
    page: &Page,
    status: StatusCode,
    external_id: &str,
    buckets: &str,
    docs: &Docs,
    expires_at: Option<&str>,
    error: Option<&str>,
    role_arn: &str,
    name: &str,
) -> Response {
    render(
        Some(page),
        status,
        "connect.html",
        context! {
            nav => "connect",
            external_id => external_id,
            buckets => buckets,
            principal => &docs.principal,
            trust_policy => &docs.trust,
            permission_policy => &docs.permissions,
            expires_at => expires_at,
            error => error,
            role_arn => role_arn,
            name => name,
        },
    )
}

/// `POST /ui/connect`: issues an external ID (the API's prepare) and shows step 1 and 2.
pub async fn prepare(State(state): State<AppState>, form: UiForm<PrepareForm>) -> Response {
    let page = form.page;
    let buckets = bucket_list(&form.form.buckets);
    let body = serde_json::json!({ "buckets": buckets }).to_string();
    let prepared = match api::prepare(
        State(state.clone()),
        page.auth.clone(),
        Extension(page.addr.clone()),
        crate::routes::ApiBody(axum::body::Bytes::from(body)),
    )
    .await
    {
        Ok(axum::Json(p)) => p,
        Err(e) => {
            return render(
                Some(&page),
                e.status,
                "connect_start.html",
                context! { nav => "connect", error => e.message, buckets => form.form.buckets },
            )
        }
    };
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let d = Docs {
        principal: prepared.principal_arn.clone(),
        trust: pretty(&prepared.trust_policy),
        permissions: pretty(&prepared.permission_policy),
        template: String::new(),
    };
    wizard(
        &page,
        StatusCode::OK,
        &prepared.external_id,
        &buckets.join(","),
        &d,
        Some(&prepared.expires_at),
        None,
        "",
        "",
    )
}

#[derive(Deserialize)]
pub struct TemplateForm {
    external_id: String,
    #[serde(default)]
    buckets: String,
}

async fn pending(state: &AppState, page: &Page, external_id: &str) -> Result<(), Response> {
    let ok = validate::external_id(external_id).is_ok()
        && state
            .store()
            .pending_external_id(&page.auth.user.id, external_id)
            .await
            .map_err(|e| api_error_page(page, &ApiError::from(e)))?;
    if ok {
        Ok(())
    } else {
        Err(error_page(
            Some(page),
            StatusCode::BAD_REQUEST,
            "This external ID was not issued to you, was already used, or expired. Start again from \"Connect an account\".",
        ))
    }
}

/// `POST /ui/connect/template`: the CloudFormation template as a file download.
pub async fn template(State(state): State<AppState>, form: UiForm<TemplateForm>) -> Response {
    let page = form.page;
    if let Err(r) = pending(&state, &page, &form.form.external_id).await {
        return r;
    }
    let buckets = bucket_list(&form.form.buckets);
    for b in &buckets {
        if let Err(m) = validate::bucket(b) {
            return error_page(Some(&page), StatusCode::BAD_REQUEST, &m.to_string());
        }
    }
    match docs(&state, &form.form.external_id, &buckets).await {
        Ok(d) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"zerokey-role.cloudformation.json\"",
                ),
            ],
            d.template,
        )
            .into_response(),
        Err(e) => api_error_page(&page, &e),
    }
}

#[derive(Deserialize)]
pub struct VerifyForm {
    external_id: String,
    #[serde(default)]
    role_arn: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    buckets: String,
}

/// What to tell the user when verify fails: specific to the cause.
fn verify_message(e: &ApiError, principal: &str) -> String {
    match e.code {
        "role_not_assumable" => format!(
            "AWS refused to let the broker assume this role. Check the role's trust policy: it \
             must name the principal {principal}, allow sts:AssumeRole and sts:SetSourceIdentity, \
             and require exactly the external ID shown in step 1 (a role created for another \
             connection has a different external ID). Also check the role ARN for typos."
        ),
        "s3_access_denied" => "The role was assumed, but its permission policy does not allow \
             s3:ListAllMyBuckets. Attach the permission policy from step 1 to the role."
            .to_string(),
        "aws_unavailable" => "AWS could not be reached to verify the role; try again later.".into(),
        "invalid_input" if e.message.starts_with("roleArn") => format!(
            "The role ARN is not valid: {}. It looks like arn:aws:iam::123456789012:role/NAME.",
            e.message.trim_start_matches("roleArn: ")
        ),
        _ => e.message.clone(),
    }
}

/// `POST /ui/connect/verify`: step 2; stores the connection only when AWS accepted it.
pub async fn verify(State(state): State<AppState>, form: UiForm<VerifyForm>) -> Response {
    let page = form.page;
    let f = form.form;
    if let Err(r) = pending(&state, &page, &f.external_id).await {
        return r;
    }
    let buckets = bucket_list(&f.buckets);
    let role_arn = f.role_arn.trim().to_string();
    let name = f.name.trim().to_string();
    let res = if role_arn.is_empty() {
        Err(ApiError::invalid("roleArn: required"))
    } else {
        api::verify(
            State(state.clone()),
            page.auth.clone(),
            Extension(page.addr.clone()),
            ApiJson(VerifyRequest {
                role_arn: role_arn.clone(),
                external_id: f.external_id.clone(),
                name: (!name.is_empty()).then(|| name.clone()),
            }),
        )
        .await
        .map(|(_, axum::Json(v))| v)
    };
    match res {
        Ok(v) => Redirect::to(&format!(
            "/ui/connections?added={}",
            super::enc(&v.connection.id, false)
        ))
        .into_response(),
        Err(e) => {
            let d = match docs(&state, &f.external_id, &buckets).await {
                Ok(d) => d,
                Err(e2) => return api_error_page(&page, &e2),
            };
            let msg = verify_message(&e, &d.principal);
            wizard(
                &page,
                e.status,
                &f.external_id,
                &buckets.join(","),
                &d,
                None,
                Some(&msg),
                &role_arn,
                &name,
            )
        }
    }
}
