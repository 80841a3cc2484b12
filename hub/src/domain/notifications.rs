//! In-app notifications (registry.md, Communication). E-mail copies go through the outbox.

use chrono::Utc;
use diesel::prelude::*;
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
