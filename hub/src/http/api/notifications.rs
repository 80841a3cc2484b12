//! The caller's notifications and e-mail preferences (api.md, Announcements).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::notifications::{self, Notification};
use crate::domain::vocabulary::NotificationKind;
use crate::error::Error;
use crate::http::api::paging::{ListOf, Params};
use crate::http::auth::Caller;
use crate::http::AppState;

/// The caller's notifications, newest first (`unread=true` for the unread ones).
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", security(("bearer" = [])),
    params(("unread" = Option<bool>, Query), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Notification>), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Notification>>, Error> {
    let user = caller.person()?.id.clone();
    let mut p = Params::new(query.into_inner());
    let unread = p.parse::<bool>("unread", "true or false").unwrap_or(false);
    let window = p.window();
    p.finish()?;
    let all = state
        .db
        .run(move |conn| notifications::list(conn, &user, unread))
        .await?;
    Ok(web::Json(ListOf::of(window.of(all), window)))
}

#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404)))]
pub async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (actor, id) = (caller.actor(&req)?, id.into_inner());
    state
        .db
        .run(move |conn| notifications::mark_read(conn, &id, &actor))
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

impl EmailPreferences {
    fn of(opt_out: Vec<NotificationKind>) -> Self {
        let words = |kinds: &[NotificationKind]| kinds.iter().map(|k| k.to_string()).collect();
        Self {
            opt_out: words(&opt_out),
            kinds: words(&NotificationKind::EMAILED),
        }
    }
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
    Ok(web::Json(EmailPreferences::of(opt_out)))
}

#[utoipa::path(put, path = "/api/me/email-preferences", tag = "notifications", security(("bearer" = [])),
    request_body = EmailPreferences, responses((status = 200, body = EmailPreferences), (status = 400)))]
pub async fn set_preferences(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<EmailPreferences>,
) -> Result<web::Json<EmailPreferences>, Error> {
    let (user, actor) = (caller.person()?.id.clone(), caller.actor(&req)?);
    let kinds = notifications::parse_opt_outs(&body.into_inner().opt_out)?;
    state
        .db
        .run(move |conn| notifications::set_opt_outs(conn, &kinds, &actor))
        .await?;
    let opt_out = state
        .db
        .run(move |conn| notifications::opt_outs(conn, &user))
        .await?;
    Ok(web::Json(EmailPreferences::of(opt_out)))
}
