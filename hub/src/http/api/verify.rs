//! `POST /api/verify` (open-badges.md, Verification): a credential as JSON, a baked PNG, or a URL
//! or id, checked item by item and told in the caller's language. The checks are
//! `rdf::credentials::verify`'s; this module only gathers what they need: the hub's own issuer
//! documents from its database, other issuers' over HTTP through the guarded fetcher
//! (`adapters::web_documents`), a `did:key` from the DID itself.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, FieldError};
use crate::http::auth::Caller;
use crate::http::AppState;
use crate::i18n;
use adapters::web_documents;
use rdf::credentials::verify::{self, Finding, Item, KeySource, StatusSource};
use rdf::credentials::{baking, proof, schema};

/// One item of a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Check {
    /// `schema`, `key`, `proof`, `validity` or `status`.
    pub check: &'static str,
    pub ok: bool,
    /// In plain words, in the caller's language.
    pub message: String,
}

/// What the verifier found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// Every check holds.
    pub valid: bool,
    pub checks: Vec<Check>,
    /// The credential's name and its issuer's, when it says them.
    pub name: Option<String>,
    pub issuer: Option<String>,
}

fn bad(field: &str, code: &str, message: &str) -> Error {
    Error::Validation(vec![FieldError::new(field, code, message)])
}

/// The credential in an upload: a baked PNG's, or JSON.
pub fn from_upload(bytes: &[u8], field: &str) -> Result<Value, Error> {
    if bytes.starts_with(b"\x89PNG") {
        let text = baking::extract(bytes).map_err(|e| bad(field, "not_baked", &e.to_string()))?;
        return serde_json::from_str(&text)
            .map_err(|_| bad(field, "invalid", "the image's credential is not JSON"));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(bad(
            field,
            "invalid",
            "neither a JSON credential nor a PNG image with one baked in",
        )),
    }
}

/// A document a credential names: the hub's own from its database, else fetched.
async fn document(state: &AppState, url: &str) -> Result<Value, String> {
    let base = state.config.base_url.as_str();
    if let Some(path) = url.strip_prefix(base) {
        let own = if let Some(org) = path.strip_prefix("issuers/") {
            super::badges::issuer_document(state, org).await
        } else if let Some(org) = path.strip_prefix("status/") {
            super::badges::status_document(state, org).await
        } else if let Some(id) = path.strip_prefix("api/badges/") {
            let id = id.to_string();
            state
                .db
                .run(move |conn| crate::domain::badges::held::get(conn, &id))
                .await
                .map(|v| v.credential)
        } else {
            return Err(format!("{url} is not a document this hub publishes"));
        };
        return own.map_err(|e| match e {
            Error::NotFound(what) => format!("{what} is not known here"),
            other => other.to_string(),
        });
    }
    let target = match url.strip_prefix("did:web:") {
        Some(_) => {
            web_documents::did_web_url(url).ok_or_else(|| format!("{url} is not a did:web"))?
        }
        None => url.to_string(),
    };
    web_documents::fetch_json(&target, state.config.verify_private_addresses)
        .await
        .map_err(|e| e.to_string())
}

/// What a key needs fetched: the issuer's document, and the method's own when it lives
/// elsewhere (nothing for a `did:key`).
async fn key_source(state: &AppState, method: Option<&str>, issuer: &str) -> KeySource {
    let Some(method) = method else {
        return KeySource::Failed("no verification method".into());
    };
    if method.starts_with("did:key:") {
        return KeySource::Offline;
    }
    let controller = match document(state, issuer).await {
        Ok(doc) => doc,
        Err(why) => return KeySource::Failed(why),
    };
    let base = method.split('#').next().unwrap_or(method);
    let elsewhere = if base == issuer {
        None
    } else {
        match document(state, base).await {
            Ok(doc) => Some(doc),
            Err(why) => return KeySource::Failed(why),
        }
    };
    KeySource::Fetched {
        controller,
        method: elsewhere,
    }
}

async fn status_source(state: &AppState, url: &str) -> StatusSource {
    let list = match document(state, url).await {
        Ok(list) => list,
        Err(why) => return StatusSource::Failed(why),
    };
    // The list is a credential too: its proof must hold, by a key of its issuer.
    let method = verify::plan(&list).verification_method;
    let issuer = verify::issuer_id(&list);
    let source = key_source(state, method.as_deref(), issuer).await;
    let proof_ok = method
        .as_deref()
        .and_then(|m| verify::resolve_key(m, &source, issuer).ok())
        .is_some_and(|key| proof::verify(&list, &key).is_ok());
    StatusSource::Fetched { list, proof_ok }
}

fn message(lang: &str, item: Item, finding: &Finding) -> String {
    let (key, detail) = match finding {
        Finding::Holds => ("holds", ""),
        Finding::HoldsUntil(d) => ("until", d.as_str()),
        Finding::NoStatus => ("none", ""),
        Finding::Revoked => ("revoked", ""),
        Finding::NotYetValid(d) => ("not-yet", d.as_str()),
        Finding::Expired(d) => ("expired", d.as_str()),
        Finding::Fails(d) => ("fails", d.as_str()),
    };
    i18n::t(
        lang,
        &format!("verify-{}-{key}", item.name()),
        &[("detail", detail)],
    )
}

/// Checks `credential`, in `lang`.
pub async fn check(state: &AppState, credential: &Value, lang: &str) -> Report {
    let plan = verify::plan(credential);
    let key = key_source(
        state,
        plan.verification_method.as_deref(),
        verify::issuer_id(credential),
    )
    .await;
    let status = match &plan.status_list {
        Some(url) => Some(status_source(state, url).await),
        None => None,
    };
    let items = verify::report(
        credential,
        &schema::errors(credential),
        &key,
        status.as_ref(),
        Utc::now(),
    );
    let checks: Vec<Check> = items
        .iter()
        .map(|(item, finding)| Check {
            check: item.name(),
            ok: finding.ok(),
            message: message(lang, *item, finding),
        })
        .collect();
    Report {
        valid: checks.iter().all(|c| c.ok),
        checks,
        name: credential["name"].as_str().map(str::to_string),
        issuer: credential["issuer"]["name"].as_str().map(str::to_string),
    }
}

/// The credential a URL or id names: one of the hub's by id, else fetched.
pub async fn by_url(state: &AppState, url: &str) -> Result<Value, Error> {
    let url = url.trim();
    let absolute = if url.contains("://") {
        url.to_string()
    } else {
        state
            .config
            .base_url
            .join(&format!("api/badges/{url}"))
            .map(String::from)
            .map_err(|_| bad("url", "invalid", "not a URL or a badge id"))?
    };
    document(state, &absolute)
        .await
        .map_err(|why| bad("url", "not_found", &why))
}

/// The caller's language for an API answer: `?lang=`, the account's, else `Accept-Language`.
fn api_language(req: &HttpRequest, caller: &Caller) -> String {
    let asked = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.to_string());
    match asked {
        Some(l) if i18n::LANGUAGES.contains(&l.as_str()) => l,
        _ => crate::http::pages::language(req, caller),
    }
}

/// Checks a credential: its proof, its key and controller, the status list, the validity
/// window and the schema, each in plain words.
#[utoipa::path(post, path = "/api/verify", tag = "badges",
    params(("lang" = Option<String>, Query, description = "en, pl, it or el: the language of the messages")),
    request_body(content = Object, description = "the credential (JSON); or `{\"url\": …}` (a URL or a badge id); or multipart with a `file` part (JSON or a baked PNG)",
        content_type = "application/json"),
    responses((status = 200, body = Report), (status = 400, body = crate::http::problem::Problem),
        (status = 413, body = crate::http::problem::Problem)))]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let lang = api_language(&req, &caller);
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let credential = if kind.starts_with("multipart/form-data") {
        from_form(&state, read_form(&req, body).await?).await?
    } else if kind.starts_with("image/png") {
        from_upload(&body, "body")?
    } else {
        let value: Value =
            serde_json::from_slice(&body).map_err(|_| bad("body", "invalid", "not JSON"))?;
        match value.get("url").and_then(Value::as_str) {
            Some(url) if value.get("@context").is_none() => by_url(&state, url).await?,
            _ if value.is_object() => value,
            _ => return Err(bad("body", "invalid", "a credential is a JSON object")),
        }
    };
    Ok(HttpResponse::Ok().json(check(&state, &credential, &lang).await))
}

/// The credential a form names: its file, else its URL, else its pasted text.
pub async fn from_form(state: &AppState, form: Form) -> Result<Value, Error> {
    match (form.file, form.url, form.text) {
        (Some(file), _, _) if !file.is_empty() => from_upload(&file, "file"),
        (_, Some(url), _) if !url.trim().is_empty() => by_url(state, &url).await,
        (_, _, Some(text)) if !text.trim().is_empty() => from_upload(text.as_bytes(), "credential"),
        _ => Err(bad(
            "file",
            "required",
            "a credential file, its text, or its URL",
        )),
    }
}

/// The parts of the verifier's form.
#[derive(Default)]
pub struct Form {
    pub file: Option<Vec<u8>>,
    pub text: Option<String>,
    pub url: Option<String>,
    pub csrf: Option<String>,
}

/// Reads a `multipart/form-data` body already held in memory (its size was limited when read).
pub async fn read_form(req: &HttpRequest, body: web::Bytes) -> Result<Form, Error> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut parts = actix_multipart::Multipart::new(req.headers(), stream);
    let mut form = Form::default();
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| bad("body", "invalid", &format!("not a form: {e}")))?;
        let name = part
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or_default()
            .to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| bad(&name, "invalid", &e.to_string()))?;
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" => form.file = Some(bytes),
            "credential" => form.text = Some(text()),
            "url" => form.url = Some(text()),
            "csrf" => form.csrf = Some(text()),
            _ => {}
        }
    }
    Ok(form)
}
