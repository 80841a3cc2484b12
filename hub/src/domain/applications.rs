//! Applications and enrolment (registry.md): `pending -> accepted | rejected | cancelled`,
//! `accepted -> enrolled -> completed | failed`; a full offer puts new applications on a waiting
//! list, promoted in order when a place frees; an employer may apply for a named employee, who
//! must accept first. Places are derived from the rows, never stored.

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{applications, memberships, offers, users};
use crate::db::{write_transaction, DbConnection};
use crate::domain::accounts::{self, Person};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::{
    ApplicationStatus as Status, MembershipRole, NotificationKind, OfferStatus, OrganisationKind,
    Role, SubjectType,
};
use crate::domain::{notifications, offers as offer, Actor};
use crate::error::Error;

fn texts(set: &[Status]) -> Vec<&'static str> {
    Status::texts(set)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub offer_id: String,
    /// The participant.
    pub user_id: String,
    /// The participant, or the employer staff member who applied for them.
    pub applied_by: String,
    #[diesel(deserialize_as = String)]
    pub status: Status,
    pub reason: Option<String>,
    pub version: i32,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<Utc>)]
    pub created_at: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<Utc>)]
    pub updated_at: chrono::NaiveDateTime,
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Application, Error> {
    applications::table
        .filter(applications::id.eq(id))
        .select(Application::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("application {id}")))
}

/// Places taken on an offer.
/// An application with its completion record: what a badge's `evidence` points at.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Record {
    #[serde(flatten)]
    pub application: Application,
    /// How it was completed: the learning results (statement ids, polled results) or `by_hand`.
    #[schema(value_type = Option<Object>)]
    pub completion_evidence: Option<serde_json::Value>,
}

/// The application `id` with its completion record, for its participant, whoever applied for
/// them, the offer's provider staff and superadmins; 404 for anyone else (it names a person).
pub fn record(conn: &mut DbConnection, person: &Person, id: &str) -> Result<Record, Error> {
    let a = get(conn, id)?;
    let (provider, _) = offer::provider_and_status(conn, &a.offer_id)?;
    let allowed = a.user_id == person.id
        || a.applied_by == person.id
        || person.provider_staff_or_superadmin(&provider).is_ok();
    if !allowed {
        return Err(Error::NotFound(format!("application {id}")));
    }
    let evidence: Option<String> = applications::table
        .find(id)
        .select(applications::completion_evidence)
        .first(conn)?;
    Ok(Record {
        application: a,
        completion_evidence: evidence.and_then(|e| serde_json::from_str(&e).ok()),
    })
}

pub fn seated(conn: &mut DbConnection, offer_id: &str) -> Result<i64, Error> {
    Ok(applications::table
        .filter(applications::offer_id.eq(offer_id))
        .filter(applications::status.eq_any(texts(&Status::SEATED)))
        .count()
        .get_result(conn)?)
}

fn capacity(conn: &mut DbConnection, offer_id: &str) -> Result<i64, Error> {
    let max: i32 = offers::table
        .filter(offers::id.eq(offer_id))
        .select(offers::max_participants)
        .first(conn)?;
    Ok(i64::from(max))
}

fn set_status(
    conn: &mut DbConnection,
    a: &Application,
    status: Status,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<(), Error> {
    let n = diesel::update(
        applications::table
            .filter(applications::id.eq(&a.id))
            .filter(applications::version.eq(a.version)),
    )
    .set((
        applications::status.eq(status.as_str()),
        applications::reason.eq(reason),
        applications::version.eq(applications::version + 1),
        applications::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    if n != 1 {
        return Err(Error::Conflict(
            "the application changed meanwhile; reload it".into(),
        ));
    }
    notifications::notify(
        conn,
        &a.user_id,
        NotificationKind::ApplicationStatus,
        (SubjectType::Application, &a.id),
        serde_json::json!({ "offer_id": a.offer_id, "status": status, "reason": reason }),
        actor,
        |conn, language| Ok(("offer", offer::title_in(conn, &a.offer_id, language)?)),
    )
}

/// Whom an application is for: the caller themselves, or (employer staff) a named employee.
pub enum Applicant<'a> {
    Myself,
    Employee { email: &'a str },
}

/// `person` applies for the offer, for themselves or for an employee: a trainee applies for
/// themselves; confirmed employer staff for an account that takes part in trainings.
pub fn apply_as(
    conn: &mut DbConnection,
    offer_id: &str,
    person: &Person,
    applicant: Applicant<'_>,
    actor: &Actor,
) -> Result<Application, Error> {
    let participant = match applicant {
        Applicant::Employee { email } => {
            let employers = person.staff_organisations(OrganisationKind::Employer);
            if employers.is_empty() {
                return Err(Error::Forbidden(
                    "only employer staff apply for someone else".into(),
                ));
            }
            // Only the employer's own people (employees who accepted its invitation, or its
            // staff), and one answer for every other address: the form is no way to learn who
            // has an account.
            let employee: Option<String> = users::table
                .inner_join(memberships::table)
                .filter(users::email.eq(accounts::normalise_email(email)))
                .filter(memberships::organisation_id.eq_any(&employers))
                // Its employees, and its own confirmed staff (who may be trainees too).
                .filter(memberships::role.eq_any([
                    MembershipRole::Employee.as_str(),
                    MembershipRole::Staff.as_str(),
                    MembershipRole::Admin.as_str(),
                ]))
                .select(users::id)
                .first(conn)
                .optional()?;
            let trainee = match employee {
                Some(id) => accounts::person(conn, &id)?
                    .has_role(Role::Trainee)
                    .then_some(id),
                None => None,
            };
            trainee.ok_or_else(|| {
                Error::field(
                    "employee_email",
                    "not_an_employee",
                    "none of your employees has this e-mail; invite them first",
                )
            })?
        }
        Applicant::Myself => {
            if !person.has_role(Role::Trainee) {
                return Err(Error::Forbidden(
                    "only trainees apply (trainers cannot apply as trainees)".into(),
                ));
            }
            person.id.clone()
        }
    };
    apply(conn, offer_id, &participant, actor)
}

/// Applies `user_id` for the offer; the actor is the person or their employer's staff.
fn apply(
    conn: &mut DbConnection,
    offer_id: &str,
    user_id: &str,
    actor: &Actor,
) -> Result<Application, Error> {
    let applied_by = actor.person_id()?;
    write_transaction(conn, |conn| {
        let offer: Option<(String, Option<chrono::NaiveDate>, chrono::NaiveDate)> = offers::table
            .filter(offers::id.eq(offer_id))
            .select((
                offers::status,
                offers::application_deadline,
                offers::start_date,
            ))
            .first(conn)
            .optional()?;
        let Some((_, deadline, start)) = offer.filter(|o| o.0 == OfferStatus::Published.as_str())
        else {
            return Err(Error::NotFound(format!("offer {offer_id}")));
        };
        let today = Utc::now().date_naive();
        if deadline.unwrap_or(start) < today {
            return Err(Error::Conflict(
                "applications for this offer have closed".into(),
            ));
        }
        let already: i64 = applications::table
            .filter(applications::offer_id.eq(offer_id))
            .filter(applications::user_id.eq(user_id))
            .filter(applications::status.eq_any(texts(&Status::ACTIVE)))
            .count()
            .get_result(conn)?;
        if already > 0 {
            return Err(Error::Conflict("already applied for this offer".into()));
        }
        let status = if applied_by != user_id {
            Status::AwaitingEmployee
        } else if seated(conn, offer_id)? >= capacity(conn, offer_id)? {
            Status::Waitlisted
        } else {
            Status::Pending
        };
        let now = Utc::now().naive_utc();
        let a = Application {
            id: Uuid::new_v4().to_string(),
            offer_id: offer_id.into(),
            user_id: user_id.into(),
            applied_by: applied_by.into(),
            status,
            reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(applications::table)
            .values((
                applications::id.eq(&a.id),
                applications::offer_id.eq(&a.offer_id),
                applications::user_id.eq(&a.user_id),
                applications::applied_by.eq(&a.applied_by),
                applications::status.eq(a.status.as_str()),
                applications::created_at.eq(now),
                applications::updated_at.eq(now),
            ))
            .execute(conn)?;
        if status == Status::AwaitingEmployee {
            notifications::create(
                conn,
                user_id,
                NotificationKind::ApplicationForYou,
                &serde_json::json!({ "offer_id": offer_id, "application_id": a.id }),
            )?;
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::ApplicationCreated,
                SubjectType::Application,
                &a.id,
                serde_json::json!({ "offer_id": offer_id, "status": status }),
            ),
        )?;
        Ok(a)
    })
}

/// What a person or the provider does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The employee agrees to the application their employer made.
    Confirm,
    Accept,
    Reject,
    Cancel,
    Enrol,
    Complete,
    Fail,
}

/// `person` moves an application one step, if it is theirs to take and the rules allow it
/// from where the application is: the participant confirms, the participant (or the employer
/// who applied) cancels, the provider's staff or a superadmin do the rest.
pub fn step(
    conn: &mut DbConnection,
    id: &str,
    step: Step,
    reason: Option<&str>,
    person: &Person,
    actor: &Actor,
) -> Result<Application, Error> {
    write_transaction(conn, |conn| {
        let a = get(conn, id)?;
        let (provider, _) = offer::provider_and_status(conn, &a.offer_id)?;
        let staff = person.provider_staff_or_superadmin(&provider).is_ok();
        let mine = a.user_id == person.id || a.applied_by == person.id;
        let allowed = match step {
            Step::Confirm => a.user_id == person.id,
            Step::Cancel => mine,
            _ => staff,
        };
        if !allowed {
            return Err(if staff || mine {
                Error::Forbidden("this step is not yours to take".into())
            } else {
                Error::NotFound(format!("application {id}"))
            });
        }
        let from = a.status;
        let refuse = || {
            Err(Error::Conflict(format!(
                "a {from} application cannot be moved this way"
            )))
        };
        let to = match (step, from) {
            (Step::Confirm, Status::AwaitingEmployee) => {
                if seated(conn, &a.offer_id)? >= capacity(conn, &a.offer_id)? {
                    Status::Waitlisted
                } else {
                    Status::Pending
                }
            }
            (Step::Accept, Status::Pending) => {
                if seated(conn, &a.offer_id)? >= capacity(conn, &a.offer_id)? {
                    return Err(Error::Conflict("the offer is full".into()));
                }
                Status::Accepted
            }
            (Step::Reject, Status::Pending | Status::Waitlisted | Status::AwaitingEmployee) => {
                if reason.is_none_or(|r| r.trim().is_empty()) {
                    return Err(Error::field(
                        "reason",
                        "required",
                        "say why the application is rejected",
                    ));
                }
                Status::Rejected
            }
            (
                Step::Cancel,
                Status::AwaitingEmployee | Status::Pending | Status::Waitlisted | Status::Accepted,
            ) => Status::Cancelled,
            (Step::Enrol, Status::Accepted) => Status::Enrolled,
            (Step::Complete, Status::Accepted | Status::Enrolled) => Status::Completed,
            (Step::Fail, Status::Accepted | Status::Enrolled) => Status::Failed,
            _ => return refuse(),
        };
        set_status(conn, &a, to, reason.map(str::trim), actor)?;
        if matches!(step, Step::Complete | Step::Fail) {
            // Recorded as what it is: a person's decision, not results.
            set_evidence(conn, id, &serde_json::json!({ "by_hand": person.id }))?;
        }
        if from.is_seated() && !to.is_seated() {
            promote(conn, &a.offer_id, actor)?;
        }
        get(conn, id)
    })
}

/// Chamilo enrolled the participant of an accepted application: it becomes `enrolled`. False
/// when it is no longer accepted (enrolled already, or cancelled meanwhile).
pub fn enrolled_by_engine(conn: &mut DbConnection, id: &str, actor: &Actor) -> Result<bool, Error> {
    write_transaction(conn, |conn| {
        let a = get(conn, id)?;
        if a.status != Status::Accepted {
            return Ok(false);
        }
        set_status(conn, &a, Status::Enrolled, None, actor)?;
        Ok(true)
    })
}

/// The participant's results met the offer's completion rule: an accepted or enrolled
/// application becomes `completed`, with `evidence` (the statements that met it). False when it
/// is not one of those (completed already, cancelled): a completion is recorded once.
pub fn completed_by_engine(
    conn: &mut DbConnection,
    id: &str,
    evidence: serde_json::Value,
    actor: &Actor,
) -> Result<bool, Error> {
    write_transaction(conn, |conn| {
        let a = get(conn, id)?;
        if !matches!(a.status, Status::Accepted | Status::Enrolled) {
            return Ok(false);
        }
        set_status(conn, &a, Status::Completed, None, actor)?;
        set_evidence(conn, id, &evidence)?;
        Ok(true)
    })
}

fn set_evidence(
    conn: &mut DbConnection,
    id: &str,
    evidence: &serde_json::Value,
) -> Result<(), Error> {
    diesel::update(applications::table.find(id))
        .set(applications::completion_evidence.eq(evidence.to_string()))
        .execute(conn)?;
    Ok(())
}

/// A place freed: the longest-waiting application moves up to `pending` for the provider.
fn promote(conn: &mut DbConnection, offer_id: &str, actor: &Actor) -> Result<(), Error> {
    if seated(conn, offer_id)? >= capacity(conn, offer_id)? {
        return Ok(());
    }
    let next: Option<Application> = applications::table
        .filter(applications::offer_id.eq(offer_id))
        .filter(applications::status.eq(Status::Waitlisted.as_str()))
        .order((applications::created_at.asc(), applications::id.asc()))
        .select(Application::as_select())
        .first(conn)
        .optional()?;
    if let Some(next) = next {
        set_status(conn, &next, Status::Pending, None, actor)?;
    }
    Ok(())
}

/// An application with the participant's name, for the provider's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Listed {
    #[serde(flatten)]
    pub application: Application,
    pub participant: String,
}

pub fn of_offer(conn: &mut DbConnection, offer_id: &str) -> Result<Vec<Listed>, Error> {
    let rows: Vec<(Application, String, String)> = applications::table
        .inner_join(users::table.on(users::id.eq(applications::user_id)))
        .filter(applications::offer_id.eq(offer_id))
        .order(applications::created_at.asc())
        .select((
            Application::as_select(),
            users::first_name,
            users::last_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(application, first, last)| Listed {
            application,
            participant: format!("{first} {last}"),
        })
        .collect())
}

pub fn of_user(conn: &mut DbConnection, user_id: &str) -> Result<Vec<Application>, Error> {
    Ok(applications::table
        .filter(applications::user_id.eq(user_id))
        .order(applications::created_at.desc())
        .select(Application::as_select())
        .load(conn)?)
}
