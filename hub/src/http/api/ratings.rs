//! Ratings and named trainers (api.md): participants rate completed trainings; anyone reads the
//! visible ratings and the aggregates; superadmins hide; providers name trainers, who answer.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::ratings::{self, Rating, RatingInput, Summary};
use crate::domain::{offers, trainers};
use crate::error::Error;
use crate::http::auth::{client_ip, Caller};
use crate::http::AppState;

/// Rates a completed training: 403 for anyone who did not complete it, 409 the second time.
#[utoipa::path(post, path = "/api/offers/{id}/ratings", tag = "ratings", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RatingInput,
    responses((status = 201, body = Rating), (status = 400), (status = 403), (status = 409)))]
pub async fn rate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<RatingInput>,
) -> Result<HttpResponse, Error> {
    let user = caller.person()?.id.clone();
    let (offer, input) = (id.into_inner(), body.into_inner());
    let rating = state
        .db
        .run(move |conn| ratings::rate(conn, &offer, &user, &input))
        .await?;
    Ok(HttpResponse::Created().json(rating))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OfferRatings {
    pub data: Vec<Rating>,
    pub service: Summary,
}

/// The visible ratings of a published offer.
#[utoipa::path(get, path = "/api/offers/{id}/ratings", tag = "ratings", params(("id" = String, Path)),
    responses((status = 200, body = OfferRatings), (status = 404)))]
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<OfferRatings>, Error> {
    let offer = id.into_inner();
    let found = state
        .db
        .run(move |conn| {
            offers::get(conn, &offer, offers::Visibility::Public)?;
            let data = ratings::of_offer(conn, &offer)?;
            let service = ratings::by_offer(conn, &[offer.as_str()])?
                .remove(&offer)
                .unwrap_or_default();
            Ok(OfferRatings { data, service })
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
    let actor = caller.superadmin()?.id.clone();
    let (id, ip, reason) = (
        id.into_inner(),
        client_ip(&req),
        body.into_inner().reason.unwrap_or_default(),
    );
    state
        .db
        .run(move |conn| ratings::hide(conn, &id, &reason, &actor, ip.as_deref()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TrainerEmail {
    pub email: String,
}

/// Names a trainer on the offer (the provider's staff); the trainer is notified.
#[utoipa::path(post, path = "/api/offers/{id}/trainers", tag = "ratings", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TrainerEmail, responses((status = 201), (status = 400), (status = 403), (status = 409)))]
pub async fn name_trainer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<TrainerEmail>,
) -> Result<HttpResponse, Error> {
    let offer = id.into_inner();
    let person = caller.person()?.clone();
    let email = body.into_inner().email;
    let trainer = state
        .db
        .run(move |conn| {
            let (provider, _) = offers::provider_and_status(conn, &offer)?;
            let staff = person.memberships.iter().any(|m| {
                m.organisation_id == provider && m.kind == "provider" && m.status == "confirmed"
            });
            if !staff {
                return Err(Error::Forbidden(
                    "only the provider's staff name trainers".into(),
                ));
            }
            trainers::name(conn, &offer, &email)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": trainer, "confirmed": null })))
}

async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    offer: String,
    confirmed: bool,
) -> Result<HttpResponse, Error> {
    let user = caller.person()?.id.clone();
    state
        .db
        .run(move |conn| trainers::answer(conn, &offer, &user, confirmed))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "confirmed": confirmed })))
}

#[utoipa::path(post, path = "/api/offers/{id}/trainers/confirm", tag = "ratings", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200), (status = 404)))]
pub async fn confirm_trainer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    answer(state, caller, id.into_inner(), true).await
}

#[utoipa::path(post, path = "/api/offers/{id}/trainers/decline", tag = "ratings", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200), (status = 404)))]
pub async fn decline_trainer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    answer(state, caller, id.into_inner(), false).await
}
