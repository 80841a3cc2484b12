//! In-app notifications (registry.md, Communication). E-mail copies go through the outbox.

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::events::{self, EventKind, NewEvent};
use super::vocabulary::{NotificationKind, SubjectType};
use super::Actor;
use crate::db::schema::{notifications, users};
use crate::db::DbConnection;
use crate::error::Error;

pub fn create(
    conn: &mut DbConnection,
    user_id: &str,
    kind: NotificationKind,
    payload: &serde_json::Value,
) -> Result<String, Error> {
    let id = Uuid::new_v4().to_string();
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(&id),
            notifications::user_id.eq(user_id),
            notifications::kind.eq(kind.as_str()),
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
    pub kind: NotificationKind,
    pub payload: serde_json::Value,
    pub created_at: chrono::DateTime<Utc>,
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
                kind: kind.try_into()?,
                payload: serde_json::from_str(&payload)?,
                created_at: created_at.and_utc(),
                read: read_at.is_some(),
            })
        })
        .collect()
}

/// The actor marks one of their notifications read.
pub fn mark_read(conn: &mut DbConnection, id: &str, actor: &Actor) -> Result<(), Error> {
    let user_id = actor.person_id()?;
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
pub fn opt_outs(conn: &mut DbConnection, user_id: &str) -> Result<Vec<NotificationKind>, Error> {
    use crate::db::schema::email_opt_outs;
    email_opt_outs::table
        .filter(email_opt_outs::user_id.eq(user_id))
        .order(email_opt_outs::kind)
        .select(email_opt_outs::kind)
        .load::<String>(conn)?
        .into_iter()
        .map(|k| Ok(k.try_into()?))
        .collect()
}

/// Checks a person's e-mail opt-outs as submitted: each must be one of
/// [`NotificationKind::EMAILED`], named by its index when it is not.
pub fn parse_opt_outs(kinds: &[String]) -> Result<Vec<NotificationKind>, Error> {
    let emailed =
        || crate::domain::vocabulary::listed(NotificationKind::EMAILED.iter().map(|k| k.as_str()));
    kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            k.parse::<NotificationKind>()
                .ok()
                .filter(|k| NotificationKind::EMAILED.contains(k))
                .ok_or_else(|| {
                    Error::field(
                        format!("opt_out[{i}]"),
                        "invalid",
                        format!("one of {}", emailed()),
                    )
                })
        })
        .collect()
}

/// The actor's e-mail opt-outs become `kinds`.
pub fn set_opt_outs(
    conn: &mut DbConnection,
    kinds: &[NotificationKind],
    actor: &Actor,
) -> Result<(), Error> {
    let user_id = actor.person_id()?;
    use crate::db::schema::email_opt_outs;
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(email_opt_outs::table.filter(email_opt_outs::user_id.eq(user_id)))
            .execute(conn)?;
        for k in kinds {
            diesel::insert_into(email_opt_outs::table)
                .values((
                    email_opt_outs::user_id.eq(user_id),
                    email_opt_outs::kind.eq(k.as_str()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Tells a person something: the in-app notification `kind` with `payload`, and the outbox
/// event of the same name (`application.status`, `offer.decision`, …: one name per happening),
/// its payload enriched with what the mail consumer needs to write in the person's language —
/// address, name, language, whether they want the e-mail, and `title`: the subject's name in
/// that language, as `(key, text)`.
pub fn notify(
    conn: &mut DbConnection,
    user: &str,
    kind: NotificationKind,
    (subject_type, subject_id): (SubjectType, &str),
    payload: serde_json::Value,
    actor: &Actor,
    title: impl FnOnce(&mut DbConnection, &str) -> Result<(&'static str, String), Error>,
) -> Result<(), Error> {
    let event_kind: EventKind = kind.as_str().parse()?;
    create(conn, user, kind, &payload)?;
    let (email, first_name, language): (String, String, String) = users::table
        .filter(users::id.eq(user))
        .select((users::email, users::first_name, users::language))
        .first(conn)?;
    let wants_mail = !opt_outs(conn, user)?.contains(&kind);
    let (key, text) = title(conn, &language)?;
    let mut payload = payload;
    if let Some(d) = payload.as_object_mut() {
        d.insert(key.into(), text.into());
        d.insert("to".into(), email.into());
        d.insert("name".into(), first_name.into());
        d.insert("language".into(), language.into());
        d.insert("send_email".into(), wants_mail.into());
    }
    events::record(
        conn,
        actor,
        NewEvent::new(event_kind, subject_type, subject_id, payload),
    )?;
    Ok(())
}
