//! Employer announcements and the caller's notifications (api.md).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::announcements::{self, Announcement, NewAnnouncement, Response};
use crate::domain::notifications::{self, Notification};
use crate::error::Error;
use crate::http::api::paging::Params;
use crate::http::auth::Caller;
use crate::http::AppState;

fn organisations_of(caller: &Caller, kind: &str) -> Result<Vec<String>, Error> {
    Ok(caller
        .person()?
        .memberships
        .iter()
        .filter(|m| m.kind == kind && m.status == "confirmed")
        .map(|m| m.organisation_id.clone())
        .collect())
}

/// Posts an announcement for the caller's employer organisation.
#[utoipa::path(post, path = "/api/announcements", tag = "announcements", security(("bearer" = [])),
    request_body = NewAnnouncement, responses((status = 201, body = Announcement), (status = 400), (status = 403)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewAnnouncement>,
) -> Result<HttpResponse, Error> {
    let org = organisations_of(&caller, "employer")?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Forbidden("only employer staff post announcements".into()))?;
    let (author, new) = (caller.person()?.id.clone(), body.into_inner());
    let created = state
        .db
        .run(move |conn| announcements::create(conn, &org, &author, &new))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Open announcements, for signed-in users; filters `kind` and `industry`.
#[utoipa::path(get, path = "/api/announcements", tag = "announcements", security(("bearer" = [])),
    params(("kind" = Option<String>, Query), ("industry" = Option<String>, Query)),
    responses((status = 200, body = Vec<Announcement>), (status = 401)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<Vec<Announcement>>, Error> {
    caller.person()?;
    let mut p = Params::new(query.into_inner());
    let kind = p.one_of("kind", &announcements::KINDS);
    let industry = p.take("industry");
    p.finish()?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| announcements::open(conn, kind.as_deref(), industry.as_deref()))
            .await?,
    ))
}

/// Closes an announcement of the caller's organisation.
#[utoipa::path(post, path = "/api/announcements/{id}/close", tag = "announcements", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Announcement), (status = 403), (status = 409)))]
pub async fn close(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Announcement>, Error> {
    let mine = organisations_of(&caller, "employer")?;
    let id = id.into_inner();
    let closed = state
        .db
        .run(move |conn| {
            let a = announcements::get(conn, &id)?;
            if !mine.contains(&a.organisation_id) {
                return Err(Error::Forbidden(
                    "only the employer's staff close its announcements".into(),
                ));
            }
            announcements::close(conn, &id)?;
            announcements::get(conn, &id)
        })
        .await?;
    Ok(web::Json(closed))
}

/// A provider answers an announcement with one of its offers or a message.
#[utoipa::path(post, path = "/api/announcements/{id}/responses", tag = "announcements", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Response, responses((status = 201), (status = 400), (status = 403), (status = 409)))]
pub async fn respond(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Response>,
) -> Result<HttpResponse, Error> {
    let provider = organisations_of(&caller, "provider")?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Forbidden("only provider staff answer announcements".into()))?;
    let (author, id, response) = (
        caller.person()?.id.clone(),
        id.into_inner(),
        body.into_inner(),
    );
    state
        .db
        .run(move |conn| announcements::respond(conn, &id, &provider, &author, &response))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "sent": true })))
}

/// The caller's notifications, newest first (`unread=true` for the unread ones).
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    params(("unread" = Option<bool>, Query)), responses((status = 200, body = Vec<Notification>), (status = 401)))]
pub async fn notifications_list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<Vec<Notification>>, Error> {
    let user = caller.person()?.id.clone();
    let mut p = Params::new(query.into_inner());
    let unread = p.parse::<bool>("unread", "true or false").unwrap_or(false);
    p.finish()?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| notifications::list(conn, &user, unread))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404)))]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (user, id) = (caller.person()?.id.clone(), id.into_inner());
    state
        .db
        .run(move |conn| notifications::mark_read(conn, &user, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailPreferences {
    /// Notification kinds the person gets no e-mail for.
    pub opt_out: Vec<String>,
    /// Every kind that can be opted out of.
    #[serde(default)]
    pub kinds: Vec<String>,
}

#[utoipa::path(get, path = "/api/me/email-preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = EmailPreferences)))]
pub async fn preferences(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<EmailPreferences>, Error> {
    let user = caller.person()?.id.clone();
    let opt_out = state
        .db
        .run(move |conn| notifications::opt_outs(conn, &user))
        .await?;
    Ok(web::Json(EmailPreferences {
        opt_out,
        kinds: notifications::EMAIL_KINDS.map(String::from).to_vec(),
    }))
}

#[utoipa::path(put, path = "/api/me/email-preferences", tag = "notifications", security(("bearer" = [])),
    request_body = EmailPreferences, responses((status = 200, body = EmailPreferences), (status = 400)))]
pub async fn set_preferences(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<EmailPreferences>,
) -> Result<web::Json<EmailPreferences>, Error> {
    let user = caller.person()?.id.clone();
    let kinds = body.into_inner().opt_out;
    let u = user.clone();
    state
        .db
        .run(move |conn| notifications::set_opt_outs(conn, &u, &kinds))
        .await?;
    let opt_out = state
        .db
        .run(move |conn| notifications::opt_outs(conn, &user))
        .await?;
    Ok(web::Json(EmailPreferences {
        opt_out,
        kinds: notifications::EMAIL_KINDS.map(String::from).to_vec(),
    }))
}
