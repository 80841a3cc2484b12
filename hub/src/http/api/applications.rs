//! Applications (api.md): trainees apply (or employer staff for a named employee), providers
//! decide and mark completion, applicants cancel; every step is the domain's to allow.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::accounts;
use crate::domain::applications::{self, Application, Listed, Step};
use crate::domain::offers;
use crate::error::Error;
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
    caller: Caller,
    id: web::Path<String>,
    body: Option<web::Json<ApplyBody>>,
) -> Result<HttpResponse, Error> {
    let person = caller.person()?.clone();
    let offer_id = id.into_inner();
    let employee = body.and_then(|b| b.into_inner().employee_email);
    let application = state
        .db
        .run(move |conn| {
            let participant = match employee {
                Some(email) => {
                    let employer = person
                        .memberships
                        .iter()
                        .any(|m| m.kind == "employer" && m.status == "confirmed");
                    if !employer {
                        return Err(Error::Forbidden(
                            "only employer staff apply for someone else".into(),
                        ));
                    }
                    let id = accounts::find_id_by_email(conn, &email)?.ok_or_else(|| {
                        Error::field("employee_email", "unknown", "no account with this e-mail")
                    })?;
                    if !accounts::person(conn, &id)?
                        .roles
                        .iter()
                        .any(|r| r == "trainee")
                    {
                        return Err(Error::field(
                            "employee_email",
                            "not_trainee",
                            "this account cannot take part in trainings",
                        ));
                    }
                    id
                }
                None => {
                    if !person.roles.iter().any(|r| r == "trainee") {
                        return Err(Error::Forbidden(
                            "only trainees apply (trainers cannot apply as trainees)".into(),
                        ));
                    }
                    person.id.clone()
                }
            };
            applications::apply(conn, &offer_id, &participant, &person.id)
        })
        .await?;
    Ok(HttpResponse::Created().json(application))
}

/// The caller's own applications.
#[utoipa::path(get, path = "/api/me/applications", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = Vec<Application>), (status = 401)))]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<Application>>, Error> {
    let id = caller.person()?.id.clone();
    Ok(web::Json(
        state
            .db
            .run(move |conn| applications::of_user(conn, &id))
            .await?,
    ))
}

/// True when the caller is staff of the offer's provider (or a superadmin).
fn staff_of(caller: &Caller, provider: &str) -> Result<bool, Error> {
    let p = caller.person()?;
    Ok(p.is_superadmin()
        || p.memberships.iter().any(|m| {
            m.organisation_id == provider && m.kind == "provider" && m.status == "confirmed"
        }))
}

/// Applications to an offer, for its provider's staff.
#[utoipa::path(get, path = "/api/offers/{id}/applications", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Listed>), (status = 403)))]
pub async fn of_offer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Vec<Listed>>, Error> {
    let offer_id = id.into_inner();
    let oid = offer_id.clone();
    let (provider, _) = state
        .db
        .run(move |conn| offers::provider_and_status(conn, &oid))
        .await?;
    if !staff_of(&caller, &provider)? {
        return Err(Error::Forbidden(
            "only the provider's staff see its applications".into(),
        ));
    }
    Ok(web::Json(
        state
            .db
            .run(move |conn| applications::of_offer(conn, &offer_id))
            .await?,
    ))
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
    caller: Caller,
    id: String,
    step: Step,
    body: StepBody,
) -> Result<HttpResponse, Error> {
    let person = caller.person()?.clone();
    let superadmin = person.is_superadmin();
    let memberships = person.memberships.clone();
    let step = match (step, body.outcome.as_deref()) {
        (Step::Complete, Some("failed")) => Step::Fail,
        (Step::Complete, None | Some("completed")) => Step::Complete,
        (Step::Complete, Some(_)) => {
            return Err(Error::field("outcome", "invalid", "completed or failed"))
        }
        (s, _) => s,
    };
    let updated = state
        .db
        .run(move |conn| {
            let a = applications::get(conn, &id)?;
            let (provider, _) = offers::provider_and_status(conn, &a.offer_id)?;
            let staff = superadmin
                || memberships.iter().any(|m| {
                    m.organisation_id == provider && m.kind == "provider" && m.status == "confirmed"
                });
            let allowed = match step {
                Step::Confirm => a.user_id == person.id,
                Step::Cancel => a.user_id == person.id || a.applied_by == person.id,
                _ => staff,
            };
            if !allowed {
                let mine = a.user_id == person.id || a.applied_by == person.id;
                return Err(if staff || mine {
                    Error::Forbidden("this step is not yours to take".into())
                } else {
                    Error::NotFound(format!("application {id}"))
                });
            }
            applications::step(conn, &id, step, body.reason.as_deref(), &person.id)
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
        pub async fn $name(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Option<web::Json<StepBody>>) -> Result<HttpResponse, Error> {
            act(state, caller, id.into_inner(), $step, body.map(|b| b.into_inner()).unwrap_or_default()).await
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
