//! Employees of employers (api.md): employer staff invite by e-mail; the person accepts or
//! declines. The invitation answers 202 whatever the address, so it reveals no account.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::employees;
use crate::error::Error;
use crate::http::auth::Caller;
use crate::http::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Invitation {
    pub email: String,
}

/// Invites a person as an employee of the employer `id` (its confirmed staff only).
#[utoipa::path(post, path = "/api/organisations/{id}/employees", tag = "employees", security(("bearer" = [])),
    params(("id" = String, Path, description = "the employer organisation")), request_body = Invitation,
    responses((status = 202, description = "invited, if the address belongs to a trainee"), (status = 400),
        (status = 401), (status = 403)))]
pub async fn invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Invitation>,
) -> Result<HttpResponse, Error> {
    let (person, actor) = (caller.person()?.clone(), caller.actor(&req)?);
    let (employer, email) = (id.into_inner(), body.into_inner().email);
    state
        .db
        .run(move |conn| employees::invite(conn, &employer, &email, &person, &actor))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "status": "invited" })))
}

async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    employer: String,
    accept: bool,
) -> Result<HttpResponse, Error> {
    let actor = caller.actor(&req)?;
    state
        .db
        .run(move |conn| employees::answer(conn, &employer, accept, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The invited person becomes the employer's employee.
#[utoipa::path(post, path = "/api/organisations/{id}/employees/accept", tag = "employees", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    answer(state, req, caller, id.into_inner(), true).await
}

/// The invited person declines; the invitation is gone.
#[utoipa::path(post, path = "/api/organisations/{id}/employees/decline", tag = "employees", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    answer(state, req, caller, id.into_inner(), false).await
}
