//! In-app notifications (registry.md, Communication). E-mail copies go through the outbox.

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::notifications;
use crate::db::DbConnection;
use crate::error::Error;

pub fn create(
    conn: &mut DbConnection,
    user_id: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<String, Error> {
    let id = Uuid::new_v4().to_string();
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(&id),
            notifications::user_id.eq(user_id),
            notifications::kind.eq(kind),
            notifications::payload.eq(payload.to_string()),
            notifications::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// `(kind, payload)` of a person's notifications, newest first.
pub fn of_user(
    conn: &mut DbConnection,
    user_id: &str,
) -> Result<Vec<(String, serde_json::Value)>, Error> {
    let rows: Vec<(String, String)> = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order(notifications::created_at.desc())
        .select((notifications::kind, notifications::payload))
        .load(conn)?;
    rows.into_iter()
        .map(|(k, p)| Ok((k, serde_json::from_str(&p)?)))
        .collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub created_at: chrono::NaiveDateTime,
    pub read: bool,
}

/// A person's notifications, newest first (at most 200).
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    unread_only: bool,
) -> Result<Vec<Notification>, Error> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order(notifications::created_at.desc())
        .limit(200)
        .select((
            notifications::id,
            notifications::kind,
            notifications::payload,
            notifications::created_at,
            notifications::read_at,
        ))
        .into_boxed();
    if unread_only {
        q = q.filter(notifications::read_at.is_null());
    }
    let rows: Vec<(
        String,
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = q.load(conn)?;
    rows.into_iter()
        .map(|(id, kind, payload, created_at, read_at)| {
            Ok(Notification {
                id,
                kind,
                payload: serde_json::from_str(&payload)?,
                created_at,
                read: read_at.is_some(),
            })
        })
        .collect()
}

pub fn mark_read(conn: &mut DbConnection, user_id: &str, id: &str) -> Result<(), Error> {
    let n = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user_id)),
    )
    .set(notifications::read_at.eq(Utc::now().naive_utc()))
    .execute(conn)?;
    if n == 0 {
        return Err(Error::NotFound(format!("notification {id}")));
    }
    Ok(())
}

/// The notification kinds a person receives no e-mail for.
pub fn opt_outs(conn: &mut DbConnection, user_id: &str) -> Result<Vec<String>, Error> {
    use crate::db::schema::email_opt_outs;
    Ok(email_opt_outs::table
        .filter(email_opt_outs::user_id.eq(user_id))
        .order(email_opt_outs::kind)
        .select(email_opt_outs::kind)
        .load(conn)?)
}

/// Kinds a person may choose not to receive by e-mail.
pub const EMAIL_KINDS: [&str; 5] = [
    "application.status",
    "offer.decision",
    "announcement.matching",
    "deadline.reminder",
    "course.update",
];

pub fn set_opt_outs(conn: &mut DbConnection, user_id: &str, kinds: &[String]) -> Result<(), Error> {
    use crate::db::schema::email_opt_outs;
    for (i, k) in kinds.iter().enumerate() {
        if !EMAIL_KINDS.contains(&k.as_str()) {
            return Err(Error::field(
                format!("opt_out[{i}]"),
                "invalid",
                format!("one of {}", EMAIL_KINDS.join(", ")),
            ));
        }
    }
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(email_opt_outs::table.filter(email_opt_outs::user_id.eq(user_id)))
            .execute(conn)?;
        for k in kinds {
            diesel::insert_into(email_opt_outs::table)
                .values((
                    email_opt_outs::user_id.eq(user_id),
                    email_opt_outs::kind.eq(k),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Tells a person something: the in-app notification `kind` (also the name a person opts out
/// of by e-mail) with `event`'s payload, and `event` itself for the outbox, its payload enriched
/// with what the mail consumer needs to write in the person's language — address, name,
/// language, whether they want the e-mail, and `title`: the subject's name in that language, as
/// `(key, text)`.
pub fn notify(
    conn: &mut DbConnection,
    user: &str,
    kind: &str,
    mut event: crate::db::outbox::NewEvent,
    title: impl FnOnce(&mut DbConnection, &str) -> Result<(&'static str, String), Error>,
) -> Result<(), Error> {
    create(conn, user, kind, &event.payload)?;
    let person = super::accounts::person(conn, user)?;
    let wants_mail = !opt_outs(conn, user)?.iter().any(|k| k == kind);
    let (key, text) = title(conn, &person.language)?;
    if let Some(d) = event.payload.as_object_mut() {
        d.insert(key.into(), text.into());
        d.insert("to".into(), person.email.into());
        d.insert("name".into(), person.first_name.into());
        d.insert("language".into(), person.language.into());
        d.insert("send_email".into(), wants_mail.into());
    }
    crate::db::outbox::append(conn, event)?;
    Ok(())
}
