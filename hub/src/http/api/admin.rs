//! `/api/admin/*`: the superadmin's tools (api.md, Administration). Every handler starts with
//! `caller.superadmin()?`, and every change is audited with actor and IP.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::accounts::{self, AdminAction, Person};
use crate::domain::api_keys::{self, ApiKeyInfo, NewApiKey};
use crate::domain::audit::{self, Record};
use crate::domain::organisations::{self, Organisation};
use crate::domain::{oidc, sessions, upstream};
use crate::error::Error;
use crate::http::api::paging::Params;
use crate::http::auth::{client_ip, Caller};
use crate::http::AppState;

fn audit_entry(
    conn: &mut crate::db::DbConnection,
    actor: &str,
    action: &str,
    subject_type: &str,
    subject: &str,
    ip: Option<&str>,
) -> Result<(), Error> {
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(actor),
            action,
            subject_type,
            subject_id: Some(subject),
            ip,
            detail: serde_json::json!({}),
        },
    )
}

/// Organisations, by status (`?status=pending` for those awaiting confirmation).
#[utoipa::path(get, path = "/api/admin/organisations", tag = "administration", security(("bearer" = [])),
    params(("status" = Option<String>, Query)), responses((status = 200, body = Vec<Organisation>), (status = 403)))]
pub async fn organisations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<Vec<Organisation>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let status = p.one_of("status", &["pending", "confirmed", "rejected"]);
    p.finish()?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| organisations::list(conn, status.as_deref()))
            .await?,
    ))
}

async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    confirm: bool,
) -> Result<HttpResponse, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    state
        .db
        .run(move |conn| organisations::decide(conn, &id, confirm, &actor, ip.as_deref()))
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "status": if confirm { "confirmed" } else { "rejected" } })))
}

#[utoipa::path(post, path = "/api/admin/organisations/{id}/confirm", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200), (status = 403), (status = 409)))]
pub async fn confirm_organisation(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    decide(state, req, caller, id.into_inner(), true).await
}

#[utoipa::path(post, path = "/api/admin/organisations/{id}/reject", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200), (status = 403), (status = 409)))]
pub async fn reject_organisation(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    decide(state, req, caller, id.into_inner(), false).await
}

/// People, optionally matching `q` in e-mail or name.
#[utoipa::path(get, path = "/api/admin/users", tag = "administration", security(("bearer" = [])),
    params(("q" = Option<String>, Query)), responses((status = 200, body = Vec<Person>), (status = 403)))]
pub async fn users(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<Vec<Person>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let q = p.take("q");
    p.finish()?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| accounts::search(conn, q.as_deref(), 100))
            .await?,
    ))
}

async fn administer(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    action: &'static str,
) -> Result<HttpResponse, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    let sealer = state.sealer.clone();
    state
        .db
        .run(move |conn| match action {
            "lock" => accounts::administer(conn, &id, AdminAction::Lock, &actor, ip.as_deref()),
            "unlock" => accounts::administer(conn, &id, AdminAction::Unlock, &actor, ip.as_deref()),
            "reset" => accounts::admin_reset(conn, &id, &actor, ip.as_deref(), &sealer),
            _ => crate::db::write_transaction(conn, |conn| {
                accounts::person(conn, &id)?;
                let ended = sessions::end_all(conn, &id, None)?;
                audit::record(
                    conn,
                    audit::Entry {
                        actor_id: Some(&actor),
                        action: "user.sessions_ended",
                        subject_type: "user",
                        subject_id: Some(&id),
                        ip: ip.as_deref(),
                        detail: serde_json::json!({ "ended": ended }),
                    },
                )
            }),
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "done": action })))
}

#[utoipa::path(post, path = "/api/admin/users/{id}/lock", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn lock(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), "lock").await
}

#[utoipa::path(post, path = "/api/admin/users/{id}/unlock", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn unlock(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), "unlock").await
}

#[utoipa::path(post, path = "/api/admin/users/{id}/reset-password", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), "reset").await
}

#[utoipa::path(post, path = "/api/admin/users/{id}/end-sessions", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn end_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), "end-sessions").await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Roles {
    /// Any of trainee, trainer, superadmin.
    pub roles: Vec<String>,
}

#[utoipa::path(put, path = "/api/admin/users/{id}/roles", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Roles, responses((status = 200, body = Person), (status = 400), (status = 403)))]
pub async fn set_roles(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Roles>,
) -> Result<web::Json<Person>, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    let (id, roles) = (id.into_inner(), body.into_inner().roles);
    let person = state
        .db
        .run(move |conn| {
            accounts::administer(
                conn,
                &id,
                AdminAction::SetRoles(&roles),
                &actor,
                ip.as_deref(),
            )?;
            accounts::person(conn, &id)
        })
        .await?;
    Ok(web::Json(person))
}

/// The audit log, newest first, filtered by `actor`, `action` and `since` (ISO 8601).
#[utoipa::path(get, path = "/api/admin/audit", tag = "administration", security(("bearer" = [])),
    params(("actor" = Option<String>, Query), ("action" = Option<String>, Query), ("since" = Option<String>, Query)),
    responses((status = 200, body = Vec<Record>), (status = 403)))]
pub async fn audit_log(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<Vec<Record>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let actor = p.take("actor");
    let action = p.take("action");
    let since = p
        .parse::<chrono::DateTime<chrono::Utc>>("since", "an ISO 8601 time")
        .map(|t| t.naive_utc());
    p.finish()?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| audit::search(conn, actor.as_deref(), action.as_deref(), since, 500))
            .await?,
    ))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// Shown this once; only its hash is kept.
    pub key: String,
}

#[utoipa::path(post, path = "/api/admin/api-keys", tag = "administration", security(("bearer" = [])), request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 400), (status = 403)))]
pub async fn create_api_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<NewApiKey>,
) -> Result<HttpResponse, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    let new = body.into_inner();
    let (info, key) = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let (info, key) = api_keys::create(conn, &new, &actor)?;
                audit_entry(
                    conn,
                    &actor,
                    "api_key.created",
                    "api_key",
                    &info.id,
                    ip.as_deref(),
                )?;
                Ok((info, key))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiKey { info, key }))
}

#[utoipa::path(get, path = "/api/admin/api-keys", tag = "administration", security(("bearer" = [])), responses((status = 200, body = Vec<ApiKeyInfo>), (status = 403)))]
pub async fn api_keys_list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<ApiKeyInfo>>, Error> {
    caller.superadmin()?;
    Ok(web::Json(state.db.run(api_keys::list).await?))
}

#[utoipa::path(delete, path = "/api/admin/api-keys/{id}", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    let id = id.into_inner();
    state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                api_keys::revoke(conn, &id)?;
                audit_entry(
                    conn,
                    &actor,
                    "api_key.revoked",
                    "api_key",
                    &id,
                    ip.as_deref(),
                )
            })
        })
        .await?;
    state.limits.forget_keys();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/admin/identity-providers", tag = "administration", security(("bearer" = [])), request_body = upstream::NewProvider,
    responses((status = 201, body = upstream::Provider), (status = 400), (status = 403)))]
pub async fn create_identity_provider(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<upstream::NewProvider>,
) -> Result<HttpResponse, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    let (new, sealer) = (body.into_inner(), state.sealer.clone());
    let provider = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let p = upstream::create(conn, &new, &sealer)?;
                audit_entry(
                    conn,
                    &actor,
                    "identity_provider.created",
                    "identity_provider",
                    &p.id,
                    ip.as_deref(),
                )?;
                Ok(p)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(provider))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewOidcClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    pub first_party: bool,
    /// A public client has no secret and must use PKCE.
    #[serde(default)]
    pub public: bool,
}

#[utoipa::path(post, path = "/api/admin/oidc-clients", tag = "administration", security(("bearer" = [])), request_body = NewOidcClient,
    responses((status = 201, description = "{client_id, client_secret}: the secret is shown once"), (status = 400), (status = 403)))]
pub async fn create_oidc_client(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<NewOidcClient>,
) -> Result<HttpResponse, Error> {
    let actor = caller.superadmin()?.id.clone();
    let ip = client_ip(&req);
    let c = body.into_inner();
    let created = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let created = oidc::create_client(
                    conn,
                    &c.name,
                    &c.redirect_uris,
                    &c.post_logout_redirect_uris,
                    c.first_party,
                    c.public,
                )?;
                audit_entry(
                    conn,
                    &actor,
                    "oidc_client.created",
                    "oidc_client",
                    &created.client_id,
                    ip.as_deref(),
                )?;
                Ok(created)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}
