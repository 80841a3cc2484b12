//! Deadline reminders before an offer's applications close (registry.md, Communication), told
//! without anyone acting: an in-app notification and, unless the person opted out, an e-mail
//! through the outbox. (Course updates are told by the offer workflow that makes them.)

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use crate::db::schema::{applications, offers, reminders_sent};
use crate::db::{write_transaction, DbConnection};
use crate::domain::offers::title_in;
use crate::domain::vocabulary::{
    vocabulary, ApplicationStatus, NotificationKind, OfferStatus, SubjectType,
};
use crate::domain::{notifications, organisations, Actor};
use crate::error::Error;

/// Reminders go out when applications close within this many days.
pub const DEADLINE_NOTICE_DAYS: i64 = 2;

vocabulary! {
    /// Whom a deadline reminder is for, and why (the mail consumer words each its own way).
    Reason {
        /// Their employer applied for them; they have not yet said yes.
        EmployeeToAnswer = "employee",
        /// Their organisation's offer has applications waiting for a decision.
        ProviderToDecide = "provider",
    }
}

/// Sends the deadline reminders due on `today` that were not sent before; returns how many.
/// Runs in one transaction, so a reminder is recorded exactly when its notice is written.
pub fn send_deadline_reminders(conn: &mut DbConnection, today: NaiveDate) -> Result<usize, Error> {
    write_transaction(conn, |conn| {
        let closing: Vec<(String, String, NaiveDate)> = offers::table
            .filter(offers::status.eq(OfferStatus::Published.as_str()))
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
                .filter(applications::status.eq(ApplicationStatus::AwaitingEmployee.as_str()))
                .select(applications::user_id)
                .load(conn)?;
            let waiting: i64 = applications::table
                .filter(applications::offer_id.eq(&offer))
                .filter(applications::status.eq(ApplicationStatus::Pending.as_str()))
                .count()
                .get_result(conn)?;
            let staff: Vec<String> = if waiting > 0 {
                organisations::staff_ids(conn, std::slice::from_ref(&provider))?
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
    notifications::notify(
        conn,
        user,
        NotificationKind::DeadlineReminder,
        (SubjectType::User, user),
        details,
        &Actor::hub(),
        |conn, language| Ok(("offer", title_in(conn, offer, language)?)),
    )?;
    Ok(true)
}
