//! Applications and enrolment (registry.md): `pending -> accepted | rejected | cancelled`,
//! `accepted -> enrolled -> completed | failed`; a full offer puts new applications on a waiting
//! list, promoted in order when a place frees; an employer may apply for a named employee, who
//! must accept first. Places are derived from the rows, never stored.

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::outbox::{self, NewEvent};
use crate::db::schema::{applications, offers, users};
use crate::db::{write_transaction, DbConnection};
use crate::domain::notifications;
use crate::error::Error;

/// Statuses that hold one of the offer's places.
pub const SEATED: [&str; 4] = ["accepted", "enrolled", "completed", "failed"];
/// Statuses that still count as "already applied".
const ACTIVE: [&str; 7] = [
    "awaiting_employee",
    "pending",
    "waitlisted",
    "accepted",
    "enrolled",
    "completed",
    "failed",
];

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub offer_id: String,
    /// The participant.
    pub user_id: String,
    /// The participant, or the employer staff member who applied for them.
    pub applied_by: String,
    pub status: String,
    pub reason: Option<String>,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
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
pub fn seated(conn: &mut DbConnection, offer_id: &str) -> Result<i64, Error> {
    Ok(applications::table
        .filter(applications::offer_id.eq(offer_id))
        .filter(applications::status.eq_any(SEATED))
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
    status: &str,
    reason: Option<&str>,
    actor: &str,
) -> Result<(), Error> {
    let n = diesel::update(
        applications::table
            .filter(applications::id.eq(&a.id))
            .filter(applications::version.eq(a.version)),
    )
    .set((
        applications::status.eq(status),
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
    let event = NewEvent {
        kind: "application.changed",
        subject_type: "application",
        subject_id: a.id.clone(),
        actor_id: Some(actor.to_string()),
        payload: serde_json::json!({ "offer_id": a.offer_id, "status": status, "reason": reason }),
    };
    notifications::notify(
        conn,
        &a.user_id,
        "application.status",
        event,
        |conn, language| {
            Ok((
                "offer",
                super::offers::title_in(conn, &a.offer_id, language)?,
            ))
        },
    )
}

/// Applies `user_id` for the offer; `applied_by` is the person or their employer's staff.
pub fn apply(
    conn: &mut DbConnection,
    offer_id: &str,
    user_id: &str,
    applied_by: &str,
) -> Result<Application, Error> {
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
        let Some((_, deadline, start)) = offer.filter(|o| o.0 == "published") else {
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
            .filter(applications::status.eq_any(ACTIVE))
            .count()
            .get_result(conn)?;
        if already > 0 {
            return Err(Error::Conflict("already applied for this offer".into()));
        }
        let status = if applied_by != user_id {
            "awaiting_employee"
        } else if seated(conn, offer_id)? >= capacity(conn, offer_id)? {
            "waitlisted"
        } else {
            "pending"
        };
        let now = Utc::now().naive_utc();
        let a = Application {
            id: Uuid::new_v4().to_string(),
            offer_id: offer_id.into(),
            user_id: user_id.into(),
            applied_by: applied_by.into(),
            status: status.into(),
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
                applications::status.eq(&a.status),
                applications::created_at.eq(now),
                applications::updated_at.eq(now),
            ))
            .execute(conn)?;
        if status == "awaiting_employee" {
            notifications::create(
                conn,
                user_id,
                "application.for_you",
                &serde_json::json!({ "offer_id": offer_id, "application_id": a.id }),
            )?;
        }
        outbox::append(
            conn,
            NewEvent {
                kind: "application.created",
                subject_type: "application",
                subject_id: a.id.clone(),
                actor_id: Some(applied_by.to_string()),
                payload: serde_json::json!({ "offer_id": offer_id, "status": status }),
            },
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

/// Moves an application one step, if the rules allow it from where it is.
pub fn step(
    conn: &mut DbConnection,
    id: &str,
    step: Step,
    reason: Option<&str>,
    actor: &str,
) -> Result<Application, Error> {
    write_transaction(conn, |conn| {
        let a = get(conn, id)?;
        let from = a.status.as_str();
        let refuse = || {
            Err(Error::Conflict(format!(
                "a {from} application cannot be moved this way"
            )))
        };
        let to = match (step, from) {
            (Step::Confirm, "awaiting_employee") => {
                if seated(conn, &a.offer_id)? >= capacity(conn, &a.offer_id)? {
                    "waitlisted"
                } else {
                    "pending"
                }
            }
            (Step::Accept, "pending") => {
                if seated(conn, &a.offer_id)? >= capacity(conn, &a.offer_id)? {
                    return Err(Error::Conflict("the offer is full".into()));
                }
                "accepted"
            }
            (Step::Reject, "pending" | "waitlisted" | "awaiting_employee") => {
                if reason.is_none_or(|r| r.trim().is_empty()) {
                    return Err(Error::field(
                        "reason",
                        "required",
                        "say why the application is rejected",
                    ));
                }
                "rejected"
            }
            (Step::Cancel, "awaiting_employee" | "pending" | "waitlisted" | "accepted") => {
                "cancelled"
            }
            (Step::Enrol, "accepted") => "enrolled",
            (Step::Complete, "accepted" | "enrolled") => "completed",
            (Step::Fail, "accepted" | "enrolled") => "failed",
            _ => return refuse(),
        };
        set_status(conn, &a, to, reason.map(str::trim), actor)?;
        if SEATED.contains(&from) && !SEATED.contains(&to) {
            promote(conn, &a.offer_id, actor)?;
        }
        get(conn, id)
    })
}

/// A place freed: the longest-waiting application moves up to `pending` for the provider.
fn promote(conn: &mut DbConnection, offer_id: &str, actor: &str) -> Result<(), Error> {
    if seated(conn, offer_id)? >= capacity(conn, offer_id)? {
        return Ok(());
    }
    let next: Option<Application> = applications::table
        .filter(applications::offer_id.eq(offer_id))
        .filter(applications::status.eq("waitlisted"))
        .order((applications::created_at.asc(), applications::id.asc()))
        .select(Application::as_select())
        .first(conn)
        .optional()?;
    if let Some(next) = next {
        set_status(conn, &next, "pending", None, actor)?;
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

/// Whether the person completed the offer (the right to rate it).
pub fn completed(conn: &mut DbConnection, offer_id: &str, user_id: &str) -> Result<bool, Error> {
    let n: i64 = applications::table
        .filter(applications::offer_id.eq(offer_id))
        .filter(applications::user_id.eq(user_id))
        .filter(applications::status.eq("completed"))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
