//! The operator's view of the outbox (chamilo.md: "failures … show on the admin page"): every
//! delivery of an event to a consumer (Chamilo, QDR, mail), where it stands, how often it was
//! tried and why it last failed, and a way to try one again now.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Action, Actor};
use super::vocabulary::SubjectType;
use crate::db::outbox::DeliveryStatus;
use crate::db::schema::{deliveries, events};
use crate::db::{write_transaction, DbConnection, Paged, Window};
use crate::error::Error;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub consumer: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::db::utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<NaiveDateTime>,
    pub event_id: i64,
    /// What happened: the event's kind and subject.
    pub kind: String,
    pub subject_type: String,
    pub subject_id: String,
}

type Row = (
    i64,
    String,
    String,
    i32,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
    i64,
    String,
    String,
    String,
);

/// Deliveries, newest first, of one consumer and in one state when asked.
pub fn list(
    conn: &mut DbConnection,
    consumer: Option<&str>,
    status: Option<&str>,
    window: Window,
) -> Result<Paged<Delivery>, Error> {
    let filtered = || {
        let mut q = deliveries::table.inner_join(events::table).into_boxed();
        if let Some(c) = consumer {
            q = q.filter(deliveries::consumer.eq(c.to_string()));
        }
        if let Some(s) = status {
            q = q.filter(deliveries::status.eq(s.to_string()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows: Vec<Row> = filtered()
        .order(deliveries::id.desc())
        .offset(window.offset())
        .limit(window.limit())
        .select((
            deliveries::id,
            deliveries::consumer,
            deliveries::status,
            deliveries::attempts,
            deliveries::next_attempt_at,
            deliveries::last_error,
            deliveries::delivered_at,
            events::id,
            events::kind,
            events::subject_type,
            events::subject_id,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| Delivery {
            id: r.0,
            consumer: r.1,
            status: r.2,
            attempts: r.3,
            next_attempt_at: r.4,
            last_error: r.5,
            delivered_at: r.6,
            event_id: r.7,
            kind: r.8,
            subject_type: r.9,
            subject_id: r.10,
        })
        .collect();
    Ok(Paged { items, total })
}

/// Makes a pending or dead delivery due now (a dead one gets its attempts back); a delivered
/// one is left alone (409). Audited.
pub fn retry(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let status: Option<String> = deliveries::table
            .find(id)
            .select(deliveries::status)
            .first(conn)
            .optional()?;
        match status.as_deref() {
            None => return Err(Error::NotFound(format!("delivery {id}"))),
            Some(s) if s == DeliveryStatus::Delivered.as_str() => {
                return Err(Error::Conflict("this delivery arrived already".into()))
            }
            Some(_) => {}
        }
        diesel::update(deliveries::table.find(id))
            .set((
                deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                deliveries::next_attempt_at.eq(chrono::Utc::now().naive_utc()),
                deliveries::attempts.eq(0),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Action::DeliveryRetried,
            SubjectType::Delivery,
            Some(&id.to_string()),
            serde_json::json!({}),
        )
    })
}
