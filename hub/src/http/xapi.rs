//! The hub as the learning record store Chamilo's xapi plugin sends to (chamilo.md, "Learning
//! results back", push): the subset of xAPI 1.0.3's statements resource a sending client needs,
//! behind HTTP Basic credentials. Also the operator's list of statements the hub could not place,
//! and the providers' completion rules.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::Value;

use super::api::paging::{ListOf, Params};
use super::auth::Caller;
use super::AppState;
use crate::domain::completion::{self, CompletionRule};
use crate::domain::xapi::{self, Unmapped};
use crate::error::Error;

const VERSION: &str = "1.0.3";

/// 401 with the challenge a Basic client answers.
fn challenge() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"xAPI\""))
        .insert_header(("X-Experience-API-Version", VERSION))
        .json(serde_json::json!({
            "type": "about:blank", "title": "sign-in required", "status": 401,
            "detail": "this LRS takes the HTTP Basic credentials configured as HUB_XAPI_USERNAME and HUB_XAPI_PASSWORD"
        }))
}

/// The Basic credentials match the configured ones (none configured: nobody's do), and the
/// request speaks xAPI 1.0.x.
fn admit(state: &AppState, req: &HttpRequest) -> Result<Option<HttpResponse>, Error> {
    let Some((user, password)) = &state.config.xapi else {
        return Ok(Some(challenge()));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let expected = format!("{user}:{password}");
    if !given.is_some_and(|g| crate::crypto::equal(&g, &expected)) {
        return Ok(Some(challenge()));
    }
    let version = req
        .headers()
        .get("X-Experience-API-Version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !version.starts_with("1.0") {
        return Err(Error::field(
            "X-Experience-API-Version",
            "unsupported",
            "send 1.0.x (this LRS speaks 1.0.3)",
        ));
    }
    Ok(None)
}

fn statements(body: &[u8]) -> Result<Vec<Value>, Error> {
    let parsed: Value = serde_json::from_slice(body)
        .map_err(|e| Error::field("statements", "invalid", format!("not JSON: {e}")))?;
    Ok(match parsed {
        Value::Array(all) => all,
        one => vec![one],
    })
}

/// Stores one statement or an array of them; their ids, in order.
#[utoipa::path(post, path = "/xapi/statements", tag = "learning results",
    request_body(content = Object, description = "an xAPI statement or an array of them"),
    params(("X-Experience-API-Version" = String, Header, description = "1.0.x")),
    responses((status = 200, description = "the statements' ids", body = Vec<String>),
        (status = 400, body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "HTTP Basic credentials required"),
        (status = 409, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    if let Some(refused) = admit(&state, &req)? {
        return Ok(refused);
    }
    let all = statements(&body)?;
    let ids = state
        .db
        .run(move |conn| xapi::store(conn, &all, None))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Experience-API-Version", VERSION))
        .json(ids))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PutQuery {
    #[serde(rename = "statementId")]
    statement_id: String,
}

/// Stores one statement under the id the client chose.
#[utoipa::path(put, path = "/xapi/statements", tag = "learning results",
    request_body(content = Object, description = "one xAPI statement"),
    params(("statementId" = String, Query), ("X-Experience-API-Version" = String, Header, description = "1.0.x")),
    responses((status = 204, description = "stored (or stored already, the same)"),
        (status = 400, body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 401, description = "HTTP Basic credentials required"),
        (status = 409, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn put(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PutQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    if let Some(refused) = admit(&state, &req)? {
        return Ok(refused);
    }
    let one: Value = serde_json::from_slice(&body)
        .map_err(|e| Error::field("statement", "invalid", format!("not JSON: {e}")))?;
    if !one.is_object() {
        return Err(Error::field(
            "statement",
            "invalid",
            "PUT takes one statement",
        ));
    }
    let id = query.into_inner().statement_id;
    state
        .db
        .run(move |conn| xapi::store(conn, &[one], Some(&id)))
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header(("X-Experience-API-Version", VERSION))
        .finish())
}

/// Which xAPI version this LRS speaks.
#[utoipa::path(get, path = "/xapi/about", tag = "learning results",
    responses((status = 200, description = "`{version: [\"1.0.3\"]}`", body = Object)))]
pub async fn about() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("X-Experience-API-Version", VERSION))
        .json(serde_json::json!({ "version": [VERSION] }))
}

/// Statements the hub could not place on a person or an offer, newest first.
#[utoipa::path(get, path = "/api/admin/xapi/unmapped", tag = "administration", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Unmapped>), (status = 400), (status = 401), (status = 403)))]
pub async fn unmapped(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Unmapped>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let found = state
        .db
        .run(move |conn| xapi::unmapped(conn, window))
        .await?;
    Ok(web::Json(ListOf::of(found, window)))
}

/// What completes the offer's training.
#[utoipa::path(get, path = "/api/offers/{id}/completion-rule", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = CompletionRule),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn rule(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<CompletionRule>, Error> {
    let id = id.into_inner();
    let person = caller.person().ok().cloned();
    Ok(web::Json(
        state
            .db
            .run(move |conn| {
                // A published offer's rule is anyone's to read; a draft's, its provider's.
                let (provider, status) = crate::domain::offers::provider_and_status(conn, &id)?;
                let public = status == crate::domain::vocabulary::OfferStatus::Published;
                let staff = person
                    .as_ref()
                    .is_some_and(|p| p.provider_staff_or_superadmin(&provider).is_ok());
                if !public && !staff {
                    return Err(Error::NotFound(format!("offer {id}")));
                }
                completion::rule(conn, &id)
            })
            .await?,
    ))
}

/// The provider sets what completes the offer's training.
#[utoipa::path(put, path = "/api/offers/{id}/completion-rule", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CompletionRule,
    responses((status = 200, body = CompletionRule), (status = 400), (status = 401), (status = 403),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn set_rule(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<CompletionRule>,
) -> Result<web::Json<CompletionRule>, Error> {
    let person = caller.person()?.clone();
    let (id, rule) = (id.into_inner(), body.into_inner());
    let stored = rule.clone();
    state
        .db
        .run(move |conn| completion::set_rule(conn, &person, &id, &stored))
        .await?;
    Ok(web::Json(rule))
}
