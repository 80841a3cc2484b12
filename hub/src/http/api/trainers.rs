//! Trainers named on offers (api.md): the provider's staff name a trainer, who confirms or
//! declines.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::{offers, trainers};
use crate::error::Error;
use crate::http::auth::Caller;
use crate::http::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TrainerEmail {
    pub email: String,
}

/// Names a trainer on the offer (the provider's staff); the trainer is notified.
#[utoipa::path(post, path = "/api/offers/{id}/trainers", tag = "trainers", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TrainerEmail, responses((status = 201), (status = 400), (status = 403), (status = 409)))]
pub async fn name(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<TrainerEmail>,
) -> Result<HttpResponse, Error> {
    let offer = id.into_inner();
    let (person, actor) = (caller.person()?.clone(), caller.actor(&req)?);
    let email = body.into_inner().email;
    let trainer = state
        .db
        .run(move |conn| {
            let (provider, _) = offers::provider_and_status(conn, &offer)?;
            person.provider_staff(&provider)?;
            trainers::name(conn, &offer, &email, &actor)
        })
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": trainer, "confirmed": null })))
}

async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    offer: String,
    confirmed: bool,
) -> Result<HttpResponse, Error> {
    let actor = caller.actor(&req)?;
    state
        .db
        .run(move |conn| trainers::answer(conn, &offer, confirmed, &actor))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "confirmed": confirmed })))
}

#[utoipa::path(post, path = "/api/offers/{id}/trainers/confirm", tag = "trainers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200), (status = 404)))]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    answer(state, req, caller, id.into_inner(), true).await
}

#[utoipa::path(post, path = "/api/offers/{id}/trainers/decline", tag = "trainers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200), (status = 404)))]
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    answer(state, req, caller, id.into_inner(), false).await
}
