//! `/api/admin/*`: the superadmin's tools (api.md, Administration). Every handler starts with
//! `caller.superadmin()?`, and every change is audited with actor and IP.

use actix_web::http::header::{ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::accounts::{self, AdminAction, Person};
use crate::domain::api_keys::{self, ApiKeyInfo, NewApiKey};
use crate::domain::audit::{self, Record};
use crate::domain::organisations::{self, Organisation};
use crate::domain::vocabulary::{OrganisationStatus, Role};
use crate::domain::{oidc, upstream, Actor};
use crate::error::{Error, FieldError};
use crate::http::api::paging::{ListOf, Params};
use crate::http::auth::{client_ip, Caller};
use crate::http::AppState;

/// The superadmin calling, as the actor of what they do.
fn superadmin(caller: &Caller, req: &HttpRequest) -> Result<Actor, Error> {
    Ok(Actor::person(&caller.superadmin()?.id, client_ip(req)))
}

/// Organisations, by status (`?status=pending` for those awaiting confirmation).
#[utoipa::path(get, path = "/api/admin/organisations", tag = "administration", security(("bearer" = [])),
    params(("status" = Option<String>, Query), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Organisation>), (status = 400), (status = 401), (status = 403)))]
pub async fn organisations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Organisation>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let status = p.word::<OrganisationStatus>("status", &OrganisationStatus::spelled());
    let window = p.window();
    p.finish()?;
    let found = state
        .db
        .run(move |conn| organisations::list(conn, status, window))
        .await?;
    Ok(web::Json(ListOf::of(found, window)))
}

async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    confirm: bool,
) -> Result<HttpResponse, Error> {
    let actor = superadmin(&caller, &req)?;
    let status = state
        .db
        .run(move |conn| organisations::decide(conn, &id, confirm, &actor))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": status })))
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
    params(("q" = Option<String>, Query), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Person>), (status = 400), (status = 401), (status = 403)))]
pub async fn users(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Person>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let q = p.take("q");
    let window = p.window();
    p.finish()?;
    let found = state
        .db
        .run(move |conn| accounts::search(conn, q.as_deref(), window))
        .await?;
    Ok(web::Json(ListOf::of(found, window)))
}

/// A person with their version as the `ETag`, for the next `If-Match`.
fn with_version(person: Person) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(person.version.to_string())))
        .json(person)
}

/// What the four account actions below ask of the domain.
#[derive(Clone, Copy)]
enum Act {
    Lock,
    Unlock,
    Reset,
    EndSessions,
}

async fn administer(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    act: Act,
) -> Result<HttpResponse, Error> {
    let actor = superadmin(&caller, &req)?;
    let sealer = state.sealer.clone();
    let person = state
        .db
        .run(move |conn| {
            let action = match act {
                Act::Lock => AdminAction::Lock,
                Act::Unlock => AdminAction::Unlock,
                Act::Reset => AdminAction::SendReset(&sealer),
                Act::EndSessions => AdminAction::EndSessions,
            };
            accounts::administer(conn, &id, action, &actor)
        })
        .await?;
    Ok(with_version(person))
}

#[utoipa::path(post, path = "/api/admin/users/{id}/lock", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = Person), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn lock(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), Act::Lock).await
}

#[utoipa::path(post, path = "/api/admin/users/{id}/unlock", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn unlock(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), Act::Unlock).await
}

#[utoipa::path(post, path = "/api/admin/users/{id}/reset-password", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), Act::Reset).await
}

#[utoipa::path(post, path = "/api/admin/users/{id}/end-sessions", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200), (status = 403)))]
pub async fn end_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    administer(state, req, caller, id.into_inner(), Act::EndSessions).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Roles {
    /// Any of trainee, trainer, superadmin.
    pub roles: Vec<String>,
}

#[utoipa::path(put, path = "/api/admin/users/{id}/roles", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)),
    params(("If-Match" = String, Header, description = "the person's version, as listed")),
    request_body = Roles, responses((status = 200, body = Person), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 412), (status = 428)))]
pub async fn set_roles(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Roles>,
) -> Result<HttpResponse, Error> {
    let actor = superadmin(&caller, &req)?;
    let (id, roles) = (id.into_inner(), body.into_inner().roles);
    let roles = roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.parse::<Role>()
                .map_err(|_| FieldError::new(format!("roles[{i}]"), "invalid", Role::spelled()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Validation(vec![e]))?;
    let expected = super::if_match(&req)?;
    let person = state
        .db
        .run(move |conn| {
            accounts::administer(conn, &id, AdminAction::SetRoles { roles, expected }, &actor)
        })
        .await?;
    Ok(with_version(person))
}

/// The audit log, newest first, filtered by `actor`, `action` and `since` (ISO 8601).
#[utoipa::path(get, path = "/api/admin/audit", tag = "administration", security(("bearer" = [])),
    params(("actor" = Option<String>, Query), ("action" = Option<String>, Query), ("since" = Option<String>, Query)),
    responses((status = 200, body = ListOf<Record>), (status = 400), (status = 401), (status = 403)))]
pub async fn audit_log(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Record>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let actor = p.take("actor");
    let action = p.take("action");
    let since = p
        .parse::<chrono::DateTime<chrono::Utc>>("since", "an ISO 8601 time")
        .map(|t| t.naive_utc());
    let window = p.window();
    p.finish()?;
    let found = state
        .db
        .run(move |conn| audit::search(conn, actor.as_deref(), action.as_deref(), since, window))
        .await?;
    Ok(web::Json(ListOf::of(found, window)))
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
    let actor = superadmin(&caller, &req)?;
    let new = body.into_inner();
    let (info, key) = state
        .db
        .run(move |conn| api_keys::create(conn, &new, &actor))
        .await?;
    // A key tried before it existed may be remembered as a miss.
    state.limits.forget_keys();
    Ok(HttpResponse::Created().json(CreatedApiKey { info, key }))
}

#[utoipa::path(get, path = "/api/admin/api-keys", tag = "administration", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<ApiKeyInfo>), (status = 400), (status = 401), (status = 403)))]
pub async fn api_keys_list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<ApiKeyInfo>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let all = state.db.run(api_keys::list).await?;
    Ok(web::Json(ListOf::of(window.of(all), window)))
}

#[utoipa::path(delete, path = "/api/admin/api-keys/{id}", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let actor = superadmin(&caller, &req)?;
    let id = id.into_inner();
    state
        .db
        .run(move |conn| api_keys::revoke(conn, &id, &actor))
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
    let actor = superadmin(&caller, &req)?;
    let (new, sealer) = (body.into_inner(), state.sealer.clone());
    let provider = state
        .db
        .run(move |conn| upstream::create(conn, &new, &sealer, &actor))
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
    let actor = superadmin(&caller, &req)?;
    let c = body.into_inner();
    let created = state
        .db
        .run(move |conn| {
            oidc::create_client(
                conn,
                &c.name,
                &c.redirect_uris,
                &c.post_logout_redirect_uris,
                c.first_party,
                c.public,
                &actor,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The outbox's deliveries, newest first: `consumer` (`chamilo`, `qdr`, `mail`, …) and `status`
/// (`pending`, `delivered`, `dead`) narrow them.
#[utoipa::path(get, path = "/api/admin/deliveries", tag = "administration", security(("bearer" = [])),
    params(("consumer" = Option<String>, Query), ("status" = Option<String>, Query),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<crate::domain::deliveries::Delivery>), (status = 400), (status = 401), (status = 403)))]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<crate::domain::deliveries::Delivery>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    let consumer = p.take("consumer");
    let status = p.one_of("status", &["pending", "delivered", "dead"]);
    let window = p.window();
    p.finish()?;
    let found = state
        .db
        .run(move |conn| {
            crate::domain::deliveries::list(conn, consumer.as_deref(), status.as_deref(), window)
        })
        .await?;
    Ok(web::Json(ListOf::of(found, window)))
}

/// Tries a delivery again now (a dead one with a fresh count of attempts).
#[utoipa::path(post, path = "/api/admin/deliveries/{id}/retry", tag = "administration", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 202, description = "due now"), (status = 401), (status = 403),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json"),
        (status = 409, body = crate::http::problem::Problem, content_type = "application/problem+json")))]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let actor = superadmin(&caller, &req)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Error::NotFound(format!("delivery {:?}", id.as_str())))?;
    state
        .db
        .run(move |conn| crate::domain::deliveries::retry(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}
