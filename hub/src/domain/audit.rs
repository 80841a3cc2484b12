//! The audit log: who did which security-relevant thing to what, from where, and when
//! (DESIGN.md, Conventions). Written in the same transaction as the action it records.

use chrono::Utc;
use diesel::prelude::*;

use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::error::Error;

pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: serde_json::Value,
}

pub fn record(conn: &mut DbConnection, e: Entry<'_>) -> Result<(), Error> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(Utc::now().naive_utc()),
            audit_log::actor_id.eq(e.actor_id),
            audit_log::action.eq(e.action),
            audit_log::subject_type.eq(e.subject_type),
            audit_log::subject_id.eq(e.subject_id),
            audit_log::ip.eq(e.ip),
            audit_log::detail.eq(e.detail.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}
