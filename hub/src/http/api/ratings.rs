//! Ratings (api.md): participants rate completed trainings; anyone reads the visible ratings and
//! the aggregates; superadmins hide.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::ratings::{self, Rating, RatingInput, Summary};
use crate::domain::{offers, Actor};
use crate::error::Error;
use crate::http::api::paging::{ListOf, Meta, Params};
use crate::http::auth::{client_ip, Caller};
use crate::http::AppState;

/// Rates a completed training: 403 for anyone who did not complete it, 409 the second time.
#[utoipa::path(post, path = "/api/offers/{id}/ratings", tag = "ratings", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RatingInput,
    responses((status = 201, body = Rating), (status = 400), (status = 403), (status = 409)))]
pub async fn rate(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RatingInput>,
) -> Result<HttpResponse, Error> {
    let actor = caller.actor(&req)?;
    let (offer, input) = (id.into_inner(), body.into_inner());
    let rating = state
        .db
        .run(move |conn| ratings::rate(conn, &offer, &input, &actor))
        .await?;
    Ok(HttpResponse::Created().json(rating))
}

/// A page of an offer's visible ratings, and the summary over all of them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OfferRatings {
    pub data: Vec<Rating>,
    pub meta: Meta,
    pub service: Summary,
}

/// The visible ratings of a published offer.
#[utoipa::path(get, path = "/api/offers/{id}/ratings", tag = "ratings",
    params(("id" = String, Path), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = OfferRatings), (status = 400), (status = 404)))]
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<OfferRatings>, Error> {
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let offer = id.into_inner();
    let found = state
        .db
        .run(move |conn| {
            offers::get(conn, &offer, offers::Visibility::Public)?;
            let all = ratings::of_offer(conn, &offer)?;
            let service = ratings::by_offer(conn, &[offer.as_str()])?
                .remove(&offer)
                .unwrap_or_default();
            let page = ListOf::of(window.of(all), window);
            Ok(OfferRatings {
                data: page.data,
                meta: page.meta,
                service,
            })
        })
        .await?;
    Ok(web::Json(found))
}

#[utoipa::path(get, path = "/api/providers/{id}/rating", tag = "ratings", params(("id" = String, Path)),
    responses((status = 200, body = Summary)))]
pub async fn provider(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<Summary>, Error> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .db
            .run(move |conn| ratings::of_provider(conn, &id))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/trainers/{id}/rating", tag = "ratings", params(("id" = String, Path)),
    responses((status = 200, body = Summary)))]
pub async fn trainer(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<Summary>, Error> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .db
            .run(move |conn| ratings::of_trainer(conn, &id))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reason {
    pub reason: Option<String>,
}

/// Hides a rating (kept, with the reason, in the audit log).
#[utoipa::path(post, path = "/api/admin/ratings/{id}/hide", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Reason, responses((status = 204), (status = 400), (status = 403), (status = 404)))]
pub async fn hide(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Reason>,
) -> Result<HttpResponse, Error> {
    let actor = Actor::person(&caller.superadmin()?.id, client_ip(&req));
    let (id, reason) = (
        id.into_inner(),
        body.into_inner().reason.unwrap_or_default(),
    );
    state
        .db
        .run(move |conn| ratings::hide(conn, &id, &reason, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
