//! Applications (api.md): trainees apply (or employer staff for a named employee), providers
//! decide and mark completion, applicants cancel; every step is the domain's to allow.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::applications::{self, Applicant, Application, Listed, Step};
use crate::domain::offers;
use crate::domain::vocabulary::ApplicationStatus as Status;
use crate::error::Error;
use crate::http::api::paging::{ListOf, Params};
use crate::http::auth::Caller;
use crate::http::AppState;

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct ApplyBody {
    /// Employer staff name the employee they apply for.
    pub employee_email: Option<String>,
}

/// Applies for an offer: a trainee for themselves, or employer staff for an employee (who then
/// has to accept). A full offer puts the application on its waiting list.
#[utoipa::path(post, path = "/api/offers/{id}/applications", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ApplyBody,
    responses((status = 201, body = Application), (status = 403), (status = 404), (status = 409)))]
pub async fn apply(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: Option<web::Json<ApplyBody>>,
) -> Result<HttpResponse, Error> {
    let (person, actor) = (caller.person()?.clone(), caller.actor(&req)?);
    let offer_id = id.into_inner();
    let employee = body.and_then(|b| b.into_inner().employee_email);
    let application = state
        .db
        .run(move |conn| {
            let applicant = match employee.as_deref() {
                Some(email) => Applicant::Employee { email },
                None => Applicant::Myself,
            };
            applications::apply_as(conn, &offer_id, &person, applicant, &actor)
        })
        .await?;
    Ok(HttpResponse::Created().json(application))
}

/// One application with its completion record (what a badge's `evidence` points at): for its
/// participant, whoever applied for them, the provider's staff and superadmins.
#[utoipa::path(get, path = "/api/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = applications::Record), (status = 401), (status = 404)))]
pub async fn one(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<applications::Record>, Error> {
    let person = caller.person()?.clone();
    let id = id.into_inner();
    Ok(web::Json(
        state
            .db
            .run(move |conn| applications::record(conn, &person, &id))
            .await?,
    ))
}

/// The caller's own applications.
#[utoipa::path(get, path = "/api/me/applications", tag = "applications", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Application>), (status = 400), (status = 401), (status = 403)))]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Application>>, Error> {
    let id = caller.person()?.id.clone();
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let all = state
        .db
        .run(move |conn| applications::of_user(conn, &id))
        .await?;
    Ok(web::Json(ListOf::of(window.of(all), window)))
}

/// True when the caller is staff of the offer's provider (or a superadmin).
#[utoipa::path(get, path = "/api/offers/{id}/applications", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<Listed>), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn of_offer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Listed>>, Error> {
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let offer_id = id.into_inner();
    let oid = offer_id.clone();
    let (provider, _) = state
        .db
        .run(move |conn| offers::provider_and_status(conn, &oid))
        .await?;
    caller.person()?.provider_staff_or_superadmin(&provider)?;
    let all = state
        .db
        .run(move |conn| applications::of_offer(conn, &offer_id))
        .await?;
    Ok(web::Json(ListOf::of(window.of(all), window)))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct StepBody {
    /// Required to reject.
    pub reason: Option<String>,
    /// For `/complete`: `completed` (default) or `failed`.
    pub outcome: Option<String>,
}

async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    step: Step,
    body: StepBody,
) -> Result<HttpResponse, Error> {
    let (person, actor) = (caller.person()?.clone(), caller.actor(&req)?);
    let step = match (step, body.outcome.as_deref()) {
        (Step::Complete, Some(o)) if o == Status::Failed.as_str() => Step::Fail,
        (Step::Complete, None) => Step::Complete,
        (Step::Complete, Some(o)) if o == Status::Completed.as_str() => Step::Complete,
        (Step::Complete, Some(_)) => {
            return Err(Error::field("outcome", "invalid", "completed or failed"))
        }
        (s, _) => s,
    };
    let updated = state
        .db
        .run(move |conn| {
            applications::step(conn, &id, step, body.reason.as_deref(), &person, &actor)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

macro_rules! step_route {
    ($name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "applications", security(("bearer" = [])),
            params(("id" = String, Path)), request_body = Option<StepBody>,
            responses((status = 200, body = Application), (status = 400), (status = 403), (status = 404), (status = 409)))]
        pub async fn $name(state: web::Data<AppState>, req: HttpRequest, caller: Caller, id: web::Path<String>, body: Option<web::Json<StepBody>>) -> Result<HttpResponse, Error> {
            act(state, req, caller, id.into_inner(), $step, body.map(|b| b.into_inner()).unwrap_or_default()).await
        }
    };
}

step_route!(
    accept,
    "/api/applications/{id}/accept",
    Step::Accept,
    "The provider accepts (409 when the offer is full)."
);
step_route!(
    reject,
    "/api/applications/{id}/reject",
    Step::Reject,
    "The provider rejects, with a reason."
);
step_route!(
    cancel,
    "/api/applications/{id}/cancel",
    Step::Cancel,
    "The applicant (or the employer who applied) cancels; a freed place goes to the waiting list."
);
step_route!(
    confirm,
    "/api/applications/{id}/confirm",
    Step::Confirm,
    "The employee accepts the application their employer made."
);
step_route!(
    enrol,
    "/api/applications/{id}/enrol",
    Step::Enrol,
    "The provider records the enrolment (Chamilo will confirm it automatically)."
);
step_route!(
    complete,
    "/api/applications/{id}/complete",
    Step::Complete,
    "The provider marks completion (`outcome`: completed or failed)."
);
