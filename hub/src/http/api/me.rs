//! `/api/me`: the caller's own account, its data export and its erasure (api.md, Accounts), and
//! their sessions (identity.md: a user sees and ends their own sessions).

use actix_web::http::header::{ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::accounts::{self, Person, Profile};
use crate::domain::sessions::{self, Session};
use crate::domain::{privacy, Actor};
use crate::error::Error;
use crate::http::api::paging::{ListOf, Params};
use crate::http::auth::{client_ip, lifetime, Caller};
use crate::http::AppState;

#[utoipa::path(get, path = "/api/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Person, headers(("ETag" = String, description = "\"{version}\""))),
        (status = 401, body = crate::http::problem::Problem), (status = 403)))]
pub async fn me(caller: Caller) -> Result<HttpResponse, Error> {
    let person = caller.person()?;
    Ok(HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(person.version.to_string())))
        .json(person))
}

/// Changes the caller's name and language; the account's copies elsewhere (Chamilo) follow.
#[utoipa::path(put, path = "/api/me", tag = "accounts", security(("bearer" = [])), request_body = Profile,
    params(("If-Match" = String, Header, description = "the account's version (`ETag` of `GET /api/me`)")),
    responses((status = 200, body = Person, headers(("ETag" = String, description = "\"{version}\""))),
        (status = 400, body = crate::http::problem::Problem), (status = 401, body = crate::http::problem::Problem),
        (status = 412), (status = 428)))]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<Profile>,
) -> Result<HttpResponse, Error> {
    let id = caller.person()?.id.clone();
    let expected = super::if_match(&req)?;
    let actor = caller.actor(&req)?;
    let profile = body.into_inner();
    let person = state
        .db
        .run(move |conn| accounts::update_profile(conn, &id, &profile, expected, &actor))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(person.version.to_string())))
        .json(person))
}

/// Everything the hub holds about the caller, as JSON (GDPR Art. 15 and 20); audited.
#[utoipa::path(get, path = "/api/me/export", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "the caller's data"), (status = 401, body = crate::http::problem::Problem)))]
pub async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let id = caller.person()?.id.clone();
    let actor = Actor::person(&id, client_ip(&req));
    let data = state
        .db
        .run(move |conn| privacy::export(conn, &id, &actor))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            "attachment; filename=\"my-data.json\"",
        ))
        .json(data))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Erase {
    /// The current password, so a stolen token alone cannot erase an account.
    pub password: String,
}

/// Erases the caller's personal data and ends every session.
#[utoipa::path(delete, path = "/api/me", tag = "accounts", security(("bearer" = [])), request_body = Erase,
    params(("If-Match" = String, Header, description = "the account's version (`ETag` of `GET /api/me`)")),
    responses((status = 204), (status = 400), (status = 401, body = crate::http::problem::Problem), (status = 403),
        (status = 409), (status = 412), (status = 423), (status = 428)))]
pub async fn erase(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<Erase>,
) -> Result<HttpResponse, Error> {
    let id = caller.person()?.id.clone();
    let expected = super::if_match(&req)?;
    // The password is checked as a sign-in checks it, so a stolen token cannot guess it here
    // past the lockout either.
    let (email, password) = (caller.person()?.email.clone(), body.into_inner().password);
    match state.sign_in(email, password, client_ip(&req)).await {
        Ok(_) => {}
        Err(Error::Unauthenticated) => {
            return Err(Error::field(
                "password",
                "wrong",
                "the password is not right",
            ))
        }
        Err(other) => return Err(other),
    }
    let actor = Actor::person(&id, client_ip(&req));
    state
        .db
        .run(move |conn| privacy::erase(conn, &id, expected, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionView {
    #[serde(flatten)]
    pub session: Session,
    pub current: bool,
}

/// The caller's live sessions.
#[utoipa::path(get, path = "/api/me/sessions", tag = "accounts", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<SessionView>)))]
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<SessionView>>, Error> {
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let (user, current) = (caller.person()?.id.clone(), caller.session()?.id.clone());
    let life = lifetime(&state);
    let all = state
        .db
        .run(move |conn| sessions::list(conn, &user, life))
        .await?;
    let views = all
        .into_iter()
        .map(|s| SessionView {
            current: s.id == current,
            session: s,
        })
        .collect();
    Ok(web::Json(ListOf::of(window.of(views), window)))
}

/// Ends one of the caller's sessions.
#[utoipa::path(delete, path = "/api/me/sessions/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404)))]
pub async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let actor = caller.actor(&req)?;
    let id = id.into_inner();
    let ended = state
        .db
        .run(move |conn| sessions::end(conn, &id, &actor))
        .await?;
    if ended {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(Error::NotFound("session".into()))
    }
}
