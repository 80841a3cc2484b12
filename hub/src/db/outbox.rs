//! The outbox: events appended inside the writing transaction, and their deliveries to consumers.
//!
//! `append` must be called with the same connection, inside the same transaction, as the write it
//! records: then a rolled-back write leaves no event, and a committed one always has its
//! deliveries. Deliveries are claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
//! single writer lock on SQLite), so two workers never hold the same delivery; a worker that dies
//! leaves its lease to expire and the delivery is tried again. Consumers are therefore
//! at-least-once and must be idempotent on [`Delivery::idempotency_key`].

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{deliveries, events, subscriptions};
use super::{write_transaction, DbConnection};
use crate::error::Error;

/// Runs the same diesel code against whichever backend the connection is, for the few queries
/// (`RETURNING`, `FOR UPDATE SKIP LOCKED`) that `MultiConnection` cannot express once for both.
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            DbConnection::Postgres($c) => $body,
            DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Where a delivery is. Stored as TEXT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or for a worker that holds its lease).
    Pending,
    Delivered,
    /// Set aside after the last attempt failed: an operator's to look at.
    Dead,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }
}

/// An event to append: what happened, to what, by whom, with a JSON payload.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub subject_type: &'static str,
    pub subject_id: String,
    pub actor_id: Option<String>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: String,
    pub actor_id: Option<String>,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

/// A claimed delivery: the event and the consumer it is for.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub consumer: String,
    pub attempts: i32,
    pub event: Event,
}

impl Delivery {
    /// Stable across retries, so a downstream system can drop a repeat.
    pub fn idempotency_key(&self) -> String {
        format!("hub-{}-{}", self.consumer, self.event.id)
    }
}

/// Appends `event` and one pending delivery per consumer subscribed to its kind. Returns the id.
pub fn append(conn: &mut DbConnection, event: NewEvent) -> Result<i64, Error> {
    let now = Utc::now().naive_utc();
    let payload = serde_json::to_string(&event.payload)?;
    let row = (
        events::kind.eq(event.kind),
        events::subject_type.eq(event.subject_type),
        events::subject_id.eq(&event.subject_id),
        events::actor_id.eq(&event.actor_id),
        events::payload.eq(&payload),
        events::created_at.eq(now),
    );
    let id: i64 = per_backend!(conn, c => diesel::insert_into(events::table)
        .values(row)
        .returning(events::id)
        .get_result(c)?);
    let fan_out = subscriptions::table
        .filter(subscriptions::kind.eq(event.kind))
        .select((
            id.into_sql::<diesel::sql_types::BigInt>(),
            subscriptions::consumer,
            DeliveryStatus::Pending
                .as_str()
                .into_sql::<diesel::sql_types::Text>(),
            0.into_sql::<diesel::sql_types::Integer>(),
            now.into_sql::<diesel::sql_types::Timestamp>(),
        ));
    per_backend!(conn, c => diesel::insert_into(deliveries::table)
        .values(fan_out)
        .into_columns((
            deliveries::event_id,
            deliveries::consumer,
            deliveries::status,
            deliveries::attempts,
            deliveries::next_attempt_at,
        ))
        .execute(c)?);
    Ok(id)
}

/// Records that `consumer` wants every future event of these kinds (idempotent).
pub fn subscribe(conn: &mut DbConnection, consumer: &str, kinds: &[&str]) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        for kind in kinds {
            let exists: i64 = subscriptions::table
                .filter(subscriptions::consumer.eq(consumer))
                .filter(subscriptions::kind.eq(kind))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                diesel::insert_into(subscriptions::table)
                    .values((
                        subscriptions::consumer.eq(consumer),
                        subscriptions::kind.eq(kind),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// Claims up to `limit` due deliveries of `consumer` for `lease` seconds on behalf of `worker`.
pub fn claim(
    conn: &mut DbConnection,
    consumer: &str,
    worker: &str,
    limit: i64,
    lease: chrono::Duration,
) -> Result<Vec<Delivery>, Error> {
    let now = Utc::now().naive_utc();
    let due = deliveries::table
        .filter(deliveries::consumer.eq(consumer))
        .filter(deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(
            deliveries::lease_until
                .is_null()
                .or(deliveries::lease_until.lt(now)),
        )
        .order(deliveries::id)
        .limit(limit)
        .select(deliveries::id);
    let claimed: Vec<(i64, i32, Event)> = write_transaction(conn, |conn| {
        let ids: Vec<i64> = match conn {
            DbConnection::Postgres(c) => due.for_update().skip_locked().load(c)?,
            DbConnection::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set((
                deliveries::lease_owner.eq(worker),
                deliveries::lease_until.eq(now + lease),
                deliveries::attempts.eq(deliveries::attempts + 1),
            ))
            .execute(conn)?;
        Ok(deliveries::table
            .inner_join(events::table)
            .filter(deliveries::id.eq_any(&ids))
            .order(deliveries::id)
            .select((deliveries::id, deliveries::attempts, Event::as_select()))
            .load(conn)?)
    })?;
    Ok(claimed
        .into_iter()
        .map(|(id, attempts, event)| Delivery {
            id,
            consumer: consumer.to_string(),
            attempts,
            event,
        })
        .collect())
}

/// Marks a delivery done, if `worker` still holds its lease.
pub fn complete(conn: &mut DbConnection, delivery_id: i64, worker: &str) -> Result<bool, Error> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(delivery_id))
            .filter(deliveries::lease_owner.eq(worker)),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
        deliveries::delivered_at.eq(Utc::now().naive_utc()),
        deliveries::lease_owner.eq(None::<String>),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
        deliveries::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: retried at `retry_at`, or set aside as `dead` when `give_up`.
pub fn fail(
    conn: &mut DbConnection,
    delivery_id: i64,
    worker: &str,
    error: &str,
    retry_at: NaiveDateTime,
    give_up: bool,
) -> Result<(), Error> {
    diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(delivery_id))
            .filter(deliveries::lease_owner.eq(worker)),
    )
    .set((
        deliveries::status.eq(if give_up {
            DeliveryStatus::Dead
        } else {
            DeliveryStatus::Pending
        }
        .as_str()),
        deliveries::next_attempt_at.eq(retry_at),
        deliveries::lease_owner.eq(None::<String>),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
        deliveries::last_error.eq(error.chars().take(2000).collect::<String>()),
    ))
    .execute(conn)?;
    Ok(())
}

/// Extends `worker`'s lease on a delivery it is still working on; false when the lease is no
/// longer its own (it ran out and another worker claimed the delivery).
pub fn renew(
    conn: &mut DbConnection,
    delivery_id: i64,
    worker: &str,
    until: NaiveDateTime,
) -> Result<bool, Error> {
    let n = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(delivery_id))
            .filter(deliveries::lease_owner.eq(worker))
            .filter(deliveries::status.eq(DeliveryStatus::Pending.as_str())),
    )
    .set(deliveries::lease_until.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deliveries waiting (pending) and set aside (dead), for the `/metrics` outbox gauges.
pub fn backlog(conn: &mut DbConnection) -> Result<(i64, i64), Error> {
    let count = |conn: &mut DbConnection, status: DeliveryStatus| -> Result<i64, Error> {
        Ok(deliveries::table
            .filter(deliveries::status.eq(status.as_str()))
            .count()
            .get_result(conn)?)
    };
    Ok((
        count(conn, DeliveryStatus::Pending)?,
        count(conn, DeliveryStatus::Dead)?,
    ))
}

/// Events after `after`, oldest first: how projections tail the outbox.
pub fn events_after(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<Event>, Error> {
    Ok(events::table
        .filter(events::id.gt(after))
        .order(events::id)
        .limit(limit)
        .select(Event::as_select())
        .load(conn)?)
}

/// These events, where they exist: a projection re-reads ids it saw skipped, since on
/// PostgreSQL a transaction may commit after one that took a later id.
pub fn events_with_ids(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<Event>, Error> {
    Ok(events::table
        .filter(events::id.eq_any(ids))
        .order(events::id)
        .select(Event::as_select())
        .load(conn)?)
}

/// The ids of the latest `n` events, newest first: where a projection starts tailing.
pub fn latest_ids(conn: &mut DbConnection, n: i64) -> Result<Vec<i64>, Error> {
    Ok(events::table
        .order(events::id.desc())
        .limit(n)
        .select(events::id)
        .load(conn)?)
}
