//! Projections' building block: reading `events` in id order without missing one that commits
//! late, and [`follow`], the task that keeps a [`Projection`] current. The catalogue's search
//! index is one projection, the linked-data store another; each supplies how to apply a batch.
//!
//! Ids come from a sequence, but on PostgreSQL a transaction that took id 10 may commit after
//! one that took id 11. A reader that only asked for "ids after the last one seen" would skip 10
//! for good. So every id jumped over is remembered as a gap and asked for again until it shows
//! up or is old enough to be a rolled-back transaction's.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::WorkerHandle;
use crate::db::outbox::{self, Event};
use crate::db::{Db, DbConnection};
use crate::error::Error;

/// A read model built from SQL and kept current by applying `events` (DESIGN.md, Projections):
/// rebuilt, never trusted, one per hub instance.
pub trait Projection: Send + Sync + 'static {
    /// For the logs.
    fn name(&self) -> &'static str;
    fn is_loaded(&self) -> bool;
    /// Reads the whole state from SQL, positioning its [`Tail`] first (see
    /// [`Tail::starting_now`]) so that nothing written meanwhile is missed.
    fn load<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<(), Error>>;
    /// Where the projection has read to. Held while a batch is applied, so batches apply in
    /// order and one position is never applied twice.
    fn tail(&self) -> &tokio::sync::Mutex<Tail>;
    /// Applies one batch of events, in id order.
    fn apply<'a>(&'a self, db: &'a Db, events: &'a [Event]) -> BoxFuture<'a, Result<(), Error>>;

    /// Applies every event not yet applied; returns how many there were. Requests that wrote
    /// call this before answering, so their writer's next read sees the change at once; the
    /// tailing task calls it for everything else (other instances, scheduled jobs).
    fn catch_up<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<usize, Error>> {
        Box::pin(async move {
            let mut tail = self.tail().lock().await;
            if !self.is_loaded() {
                return Ok(0);
            }
            let mut applied = 0;
            loop {
                let (reading, events) = tail.peek(db, BATCH).await?;
                if events.is_empty() {
                    return Ok(applied);
                }
                applied += events.len();
                self.apply(db, &events).await?;
                *tail = reading;
            }
        })
    }
}

/// Events a projection reads and applies at once.
const BATCH: i64 = 500;

/// Loads `projection` if it is not loaded yet (the database may come up after the hub), then
/// applies new events every `every` until stopped. A failure is logged and tried again.
pub fn follow(projection: Arc<dyn Projection>, db: Db, every: Duration) -> WorkerHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let done = match projection.is_loaded() {
                false => projection.load(&db).await,
                true => projection.catch_up(&db).await.map(drop),
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, projection = projection.name(), "could not load or catch up; retrying");
            }
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
    WorkerHandle::new(stop, task)
}

/// How long a skipped id is waited for. Writes are short transactions; one that took longer
/// than this has rolled back (its id is never used) or the hub would have timed it out.
const GAP_WAIT: Duration = Duration::from_secs(60);
/// At most this many skipped ids are remembered (a sequence can jump after a crash).
const MAX_GAPS: usize = 10_000;
/// How many ids below the start are treated as possibly still in flight.
const START_WINDOW: i64 = 256;

#[derive(Debug, Clone, Default)]
pub struct Tail {
    last: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Tail {
    /// Positioned after the newest event, with the ids missing among the latest ones treated as
    /// gaps: a transaction still in flight may hold them. The caller reads its projection's
    /// state from SQL after this, so every event at or before the position is already in it.
    pub fn starting_now(conn: &mut DbConnection) -> Result<Self, Error> {
        let ids = outbox::latest_ids(conn, START_WINDOW)?;
        let mut tail = Tail::default();
        let Some(&newest) = ids.first() else {
            return Ok(tail);
        };
        tail.last = newest;
        let now = Instant::now();
        let seen: std::collections::HashSet<i64> = ids.into_iter().collect();
        for id in (newest - START_WINDOW).max(0) + 1..newest {
            if !seen.contains(&id) {
                tail.gaps.insert(id, now);
            }
        }
        Ok(tail)
    }

    pub fn position(&self) -> i64 {
        self.last
    }

    /// The next events (at most `limit`), read on the blocking pool, and the tail as it will be
    /// once they are applied. This tail does not move: the caller applies the events and only
    /// then takes the returned tail, so a batch that failed to apply is read again.
    pub async fn peek(&self, db: &Db, limit: i64) -> Result<(Tail, Vec<Event>), Error> {
        let mut reading = self.clone();
        db.run(move |conn| {
            let events = reading.next(conn, limit)?;
            Ok((reading, events))
        })
        .await
    }

    /// The next events: those after the position (at most `limit`) and any gap that has since
    /// committed. The position moves past what is returned.
    pub fn next(&mut self, conn: &mut DbConnection, limit: i64) -> Result<Vec<Event>, Error> {
        let now = Instant::now();
        self.gaps
            .retain(|_, since| now.duration_since(*since) < GAP_WAIT);
        let mut found = if self.gaps.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<i64> = self.gaps.keys().copied().collect();
            outbox::events_with_ids(conn, &ids)?
        };
        for e in &found {
            self.gaps.remove(&e.id);
        }
        let newer = outbox::events_after(conn, self.last, limit)?;
        for e in &newer {
            for skipped in self.last + 1..e.id {
                if self.gaps.len() < MAX_GAPS {
                    self.gaps.insert(skipped, now);
                }
            }
            self.last = e.id;
        }
        found.extend(newer);
        Ok(found)
    }

    #[cfg(test)]
    pub(crate) fn gaps(&self) -> Vec<i64> {
        self.gaps.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::outbox::NewEvent;
    use crate::db::Db;

    fn event(conn: &mut DbConnection, n: usize) -> i64 {
        outbox::append(
            conn,
            NewEvent {
                kind: "test.tail",
                subject_type: "test",
                subject_id: n.to_string(),
                actor_id: None,
                payload: serde_json::json!({}),
            },
        )
        .unwrap()
    }

    fn database() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tail.db").display());
        let db = Db::connect(&url, 2).unwrap();
        db.get()
            .map(|mut c| crate::db::migrate(&mut c).unwrap())
            .unwrap();
        (dir, db)
    }

    #[test]
    fn a_skipped_id_is_read_once_it_commits() {
        let (_dir, db) = database();
        let mut conn = db.get().unwrap();
        let mut tail = Tail::starting_now(&mut conn).unwrap();
        let first = event(&mut conn, 1);
        let second = event(&mut conn, 2);
        let third = event(&mut conn, 3);
        // Pretend `second` had not committed yet when the tail read: hide it, read, restore it.
        let flip = |conn: &mut DbConnection, id: i64| {
            diesel::sql_query(format!("UPDATE events SET id = -id WHERE id = {id}"))
                .execute(conn)
                .unwrap();
        };
        fn read(tail: &mut Tail, conn: &mut DbConnection) -> Vec<i64> {
            tail.next(conn, 100).unwrap().iter().map(|e| e.id).collect()
        }
        flip(&mut conn, second);
        assert_eq!(read(&mut tail, &mut conn), vec![first, third]);
        assert_eq!(tail.gaps(), vec![second]);
        flip(&mut conn, -second);
        assert_eq!(read(&mut tail, &mut conn), vec![second]);
        assert!(tail.gaps().is_empty());
        assert!(read(&mut tail, &mut conn).is_empty());
        assert_eq!(tail.position(), third);
    }

    #[test]
    fn starting_now_skips_history_but_waits_for_missing_recent_ids() {
        let (_dir, db) = database();
        let mut conn = db.get().unwrap();
        let ids: Vec<i64> = (0..5).map(|n| event(&mut conn, n)).collect();
        diesel::sql_query(format!("DELETE FROM events WHERE id = {}", ids[2]))
            .execute(&mut conn)
            .unwrap();
        let mut tail = Tail::starting_now(&mut conn).unwrap();
        assert_eq!(tail.position(), ids[4]);
        assert!(tail.gaps().contains(&ids[2]));
        assert!(tail.next(&mut conn, 100).unwrap().is_empty());
    }

    use diesel::RunQueryDsl;
}
