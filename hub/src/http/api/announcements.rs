//! Employer announcements (api.md): employer staff post and close them, provider staff answer.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::announcements::{self, Announcement, NewAnnouncement, Response};
use crate::domain::vocabulary::{AnnouncementKind, OrganisationKind};
use crate::error::Error;
use crate::http::api::paging::{ListOf, Params};
use crate::http::auth::Caller;
use crate::http::AppState;

/// Posts an announcement for the caller's employer organisation.
#[utoipa::path(post, path = "/api/announcements", tag = "announcements", security(("bearer" = [])),
    request_body = NewAnnouncement, responses((status = 201, body = Announcement), (status = 400), (status = 403)))]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<NewAnnouncement>,
) -> Result<HttpResponse, Error> {
    let org = caller.person()?.employer()?;
    let (actor, new) = (caller.actor(&req)?, body.into_inner());
    let created = state
        .db
        .run(move |conn| announcements::create(conn, &org, &new, &actor))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Open announcements, for signed-in users; filters `kind` and `industry`.
#[utoipa::path(get, path = "/api/announcements", tag = "announcements", security(("bearer" = [])),
    params(("kind" = Option<String>, Query), ("industry" = Option<String>, Query),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Announcement>), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Announcement>>, Error> {
    caller.person()?;
    let mut p = Params::new(query.into_inner());
    let kind = p.word::<AnnouncementKind>("kind", &AnnouncementKind::spelled());
    let industry = p.take("industry");
    let window = p.window();
    p.finish()?;
    let found = state
        .db
        .run(move |conn| announcements::open(conn, kind, industry.as_deref(), window))
        .await?;
    Ok(web::Json(ListOf::of(found, window)))
}

/// Closes an announcement of the caller's organisation.
#[utoipa::path(post, path = "/api/announcements/{id}/close", tag = "announcements", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Announcement), (status = 403), (status = 409)))]
pub async fn close(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Announcement>, Error> {
    let (person, actor) = (caller.person()?.clone(), caller.actor(&req)?);
    let id = id.into_inner();
    let closed = state
        .db
        .run(move |conn| announcements::close(conn, &id, &person, &actor))
        .await?;
    Ok(web::Json(closed))
}

/// A provider answers an announcement with one of its offers or a message.
#[utoipa::path(post, path = "/api/announcements/{id}/responses", tag = "announcements", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Response, responses((status = 201), (status = 400), (status = 403), (status = 409)))]
pub async fn respond(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Response>,
) -> Result<HttpResponse, Error> {
    let provider = caller
        .person()?
        .staff_organisations(OrganisationKind::Provider)
        .into_iter()
        .next()
        .ok_or_else(|| Error::Forbidden("only provider staff answer announcements".into()))?;
    let (actor, id, response) = (caller.actor(&req)?, id.into_inner(), body.into_inner());
    state
        .db
        .run(move |conn| announcements::respond(conn, &id, &provider, &response, &actor))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "sent": true })))
}
