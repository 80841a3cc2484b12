//! What the hub tells people without anyone acting (registry.md, Communication): deadline
//! reminders before an offer's applications close, and course updates when an offer people
//! applied for changes or is withdrawn. Each is an in-app notification and, unless the person
//! opted out, an e-mail through the outbox.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use super::notifications;
use crate::db::outbox::NewEvent;
use crate::db::schema::{applications, memberships, offers, reminders_sent};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;

/// Reminders go out when applications close within this many days.
pub const DEADLINE_NOTICE_DAYS: i64 = 2;

/// Applications whose people a change to the offer concerns: still waiting or taking part.
const CONCERNED: [&str; 5] = [
    "awaiting_employee",
    "pending",
    "waitlisted",
    "accepted",
    "enrolled",
];

/// Whom a deadline reminder is for, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// Their employer applied for them; they have not yet said yes.
    EmployeeToAnswer,
    /// Their organisation's offer has applications waiting for a decision.
    ProviderToDecide,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::EmployeeToAnswer => "employee",
            Reason::ProviderToDecide => "provider",
        }
    }
}

/// Sends the deadline reminders due on `today` that were not sent before; returns how many.
/// Runs in one transaction, so a reminder is recorded exactly when its notice is written.
pub fn send_deadline_reminders(conn: &mut DbConnection, today: NaiveDate) -> Result<usize, Error> {
    write_transaction(conn, |conn| {
        let closing: Vec<(String, String, NaiveDate)> = offers::table
            .filter(offers::status.eq("published"))
            .filter(offers::application_deadline.ge(today))
            .filter(
                offers::application_deadline
                    .le(today + chrono::Duration::days(DEADLINE_NOTICE_DAYS)),
            )
            .select((
                offers::id,
                offers::provider_id,
                offers::application_deadline.assume_not_null(),
            ))
            .load(conn)?;
        let mut sent = 0;
        for (offer, provider, deadline) in closing {
            let employees: Vec<String> = applications::table
                .filter(applications::offer_id.eq(&offer))
                .filter(applications::status.eq("awaiting_employee"))
                .select(applications::user_id)
                .load(conn)?;
            let waiting: i64 = applications::table
                .filter(applications::offer_id.eq(&offer))
                .filter(applications::status.eq("pending"))
                .count()
                .get_result(conn)?;
            let staff: Vec<String> = if waiting > 0 {
                memberships::table
                    .filter(memberships::organisation_id.eq(&provider))
                    .select(memberships::user_id)
                    .load(conn)?
            } else {
                Vec::new()
            };
            let recipients = employees
                .into_iter()
                .map(|u| (u, Reason::EmployeeToAnswer))
                .chain(staff.into_iter().map(|u| (u, Reason::ProviderToDecide)));
            for (user, reason) in recipients {
                if remind(conn, &offer, &user, reason, deadline, waiting)? {
                    sent += 1;
                }
            }
        }
        Ok(sent)
    })
}

/// One reminder, unless it was sent before. Returns whether it was sent now.
fn remind(
    conn: &mut DbConnection,
    offer: &str,
    user: &str,
    reason: Reason,
    deadline: NaiveDate,
    waiting: i64,
) -> Result<bool, Error> {
    let before: i64 = reminders_sent::table
        .filter(reminders_sent::offer_id.eq(offer))
        .filter(reminders_sent::user_id.eq(user))
        .filter(reminders_sent::reason.eq(reason.as_str()))
        .count()
        .get_result(conn)?;
    if before > 0 {
        return Ok(false);
    }
    diesel::insert_into(reminders_sent::table)
        .values((
            reminders_sent::offer_id.eq(offer),
            reminders_sent::user_id.eq(user),
            reminders_sent::reason.eq(reason.as_str()),
            reminders_sent::sent_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    let details = serde_json::json!({
        "offer_id": offer, "deadline": deadline, "reason": reason.as_str(), "waiting": waiting,
    });
    tell(
        conn,
        user,
        offer,
        ("deadline.reminder", "deadline.reminded"),
        details,
    )?;
    Ok(true)
}

/// Tells everyone who applied for the offer (and has not dropped out) that it changed:
/// `change` is `updated` (an approved revision: dates, place or price may differ) or `withdrawn`.
pub fn course_changed(conn: &mut DbConnection, offer: &str, change: &str) -> Result<(), Error> {
    let people: Vec<String> = applications::table
        .filter(applications::offer_id.eq(offer))
        .filter(applications::status.eq_any(CONCERNED))
        .select(applications::user_id)
        .distinct()
        .load(conn)?;
    for user in people {
        let details = serde_json::json!({ "offer_id": offer, "change": change });
        tell(
            conn,
            &user,
            offer,
            ("course.update", "course.updated"),
            details,
        )?;
    }
    Ok(())
}

/// A notice to `user` about `offer`, titled with the offer's title in the person's language.
fn tell(
    conn: &mut DbConnection,
    user: &str,
    offer: &str,
    (kind, event): (&str, &'static str),
    details: serde_json::Value,
) -> Result<(), Error> {
    let event = NewEvent {
        kind: event,
        subject_type: "user",
        subject_id: user.to_string(),
        actor_id: None,
        payload: details,
    };
    notifications::notify(conn, user, kind, event, |conn, language| {
        Ok(("offer", super::offers::title_in(conn, offer, language)?))
    })
}
