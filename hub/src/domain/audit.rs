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

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Record {
    pub id: i64,
    pub at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

/// The newest entries matching every filter given, at most `limit`.
pub fn search(
    conn: &mut DbConnection,
    actor: Option<&str>,
    action: Option<&str>,
    since: Option<chrono::NaiveDateTime>,
    limit: i64,
) -> Result<Vec<Record>, Error> {
    let mut q = audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(a) = actor {
        q = q.filter(audit_log::actor_id.eq(a.to_string()));
    }
    if let Some(a) = action {
        q = q.filter(audit_log::action.eq(a.to_string()));
    }
    if let Some(s) = since {
        q = q.filter(audit_log::at.ge(s));
    }
    let rows: Vec<AuditRow> = q.select(AuditRow::as_select()).load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(Record {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                action: r.action,
                subject_type: r.subject_type,
                subject_id: r.subject_id,
                ip: r.ip,
                detail: serde_json::from_str(&r.detail)?,
            })
        })
        .collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: i64,
    at: chrono::NaiveDateTime,
    actor_id: Option<String>,
    action: String,
    subject_type: String,
    subject_id: Option<String>,
    ip: Option<String>,
    detail: String,
}
