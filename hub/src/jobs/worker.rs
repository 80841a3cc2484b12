//! The outbox worker: one task per consumer, keeping up to `concurrency` deliveries in progress,
//! each claimed under a short lease that is renewed while the delivery is really under way and
//! cut off after a timeout. Several workers (in one hub or many) may serve the same consumer; the
//! lease keeps each delivery with one of them, and a dead worker's deliveries are claimed again
//! once their lease runs out (within [`LEASE`]).
//!
//! At-least-once stays the promise. A delivery can still be made twice when its worker dies (or
//! loses the database for longer than a lease) after the downstream system took it and before
//! the outcome was recorded; consumers pass [`crate::db::outbox::Delivery::idempotency_key`] on
//! so the downstream system can drop the repeat.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::Consumer;
use crate::db::outbox::{self, Delivery};
use crate::db::Db;
use crate::error::Error;

/// How long a claim holds without renewal: a dead worker's deliveries resume after this.
pub const LEASE: Duration = Duration::from_secs(20);
/// Deliveries in progress at once per worker, unless configured.
pub const CONCURRENCY: usize = 4;
/// How long one delivery may take before it counts as failed, unless configured.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Exponential backoff from 2 s, doubling per attempt, capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 12) as u32 - 1;
    Duration::from_secs((2u64 << exp).min(3600))
}

pub struct Worker {
    db: Db,
    consumer: Arc<dyn Consumer>,
    id: String,
    poll: Duration,
    max_attempts: i32,
    concurrency: usize,
    lease: Duration,
    timeout: Duration,
}

/// Stops the worker: it finishes the delivery in hand, gives back the rest of its batch and ends.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    pub(super) fn new(stop: watch::Sender<bool>, task: JoinHandle<()>) -> Self {
        Self { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Ends the worker where it stands, recording nothing more, as a killed process would
    /// (`kill -9`): what it held stays leased until the lease runs out.
    pub async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

impl Worker {
    pub fn new(db: Db, consumer: Arc<dyn Consumer>, poll: Duration, max_attempts: i32) -> Self {
        let id = format!("{}-{}", consumer.name(), uuid::Uuid::new_v4());
        Self {
            db,
            consumer,
            id,
            poll,
            max_attempts,
            concurrency: CONCURRENCY,
            lease: LEASE,
            timeout: TIMEOUT,
        }
    }

    /// Deliveries in progress at once (at least one).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How long a claim holds without renewal (renewed every third of it while delivering).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long one delivery may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs until stopped. Its first act is to record the consumer's subscriptions, retried until
    /// the database takes them (a hub may start before its database is migrated or reachable).
    pub async fn start(self) -> Result<WorkerHandle, Error> {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        Ok(WorkerHandle { stop, task })
    }

    async fn subscribe(&self, stopped: &mut watch::Receiver<bool>) -> bool {
        let name = self.consumer.name();
        let kinds: Vec<&'static str> = self.consumer.kinds().iter().map(|k| k.as_str()).collect();
        loop {
            match self
                .db
                .run({
                    let kinds = kinds.clone();
                    move |conn| outbox::subscribe(conn, name, &kinds)
                })
                .await
            {
                Ok(()) => return true,
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "cannot record subscriptions yet")
                }
            }
            tokio::select! {
                _ = stopped.changed() => return false,
                _ = tokio::time::sleep(self.poll.max(Duration::from_millis(500))) => {}
            }
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        if !self.subscribe(&mut stopped).await {
            return;
        }
        tracing::info!(worker = %self.id, concurrency = self.concurrency, "outbox worker started");
        // Each delivery is a task of its own, so it keeps running (and releases what it holds)
        // while this loop waits for the database to claim more.
        let this = Arc::new(self);
        let mut in_flight = JoinSet::new();
        loop {
            let stopping = *stopped.borrow();
            if stopping && in_flight.is_empty() {
                break;
            }
            // Claim only what can start now: nothing waits under a lease behind a slow delivery.
            let free = this.concurrency - in_flight.len();
            let mut claimed = 0;
            if free > 0 && !stopping {
                match this.claim(free).await {
                    Ok(batch) => {
                        claimed = batch.len();
                        for delivery in batch {
                            let worker = this.clone();
                            in_flight.spawn(async move { worker.deliver(delivery).await });
                        }
                    }
                    Err(e) => tracing::warn!(worker = %this.id, error = %e, "outbox claim failed"),
                }
            }
            if claimed > 0 && in_flight.len() < this.concurrency {
                // There may be more due right away.
                continue;
            }
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = stopped.changed(), if !stopping => {}
                _ = tokio::time::sleep(this.poll) => {}
            }
        }
        tracing::info!(worker = %this.id, "outbox worker stopped");
    }

    async fn claim(&self, n: usize) -> Result<Vec<Delivery>, Error> {
        let (consumer, worker) = (self.consumer.name(), self.id.clone());
        let lease = chrono::Duration::from_std(self.lease).unwrap_or_default();
        self.db
            .run(move |conn| outbox::claim(conn, consumer, &worker, n as i64, lease))
            .await
    }

    /// Delivers one, renewing its lease every third of it until the consumer answers or the
    /// timeout cuts it off, then records the outcome. Failures to record are logged: the lease
    /// then runs out and the delivery is tried again.
    async fn deliver(&self, delivery: Delivery) {
        let work = tokio::time::timeout(self.timeout, self.consumer.deliver(&delivery));
        tokio::pin!(work);
        let mut renew = tokio::time::interval(self.lease / 3);
        renew.tick().await;
        let outcome = loop {
            tokio::select! {
                done = &mut work => break match done {
                    Ok(outcome) => outcome,
                    Err(_) => Err(format!("no answer within {}s", self.timeout.as_secs())),
                },
                _ = renew.tick() => {
                    let (id, worker) = (delivery.id, self.id.clone());
                    let until = Utc::now().naive_utc()
                        + chrono::Duration::from_std(self.lease).unwrap_or_default();
                    let held = self
                        .db
                        .run(move |conn| outbox::renew(conn, id, &worker, until))
                        .await;
                    if !matches!(held, Ok(true)) {
                        tracing::warn!(worker = %self.id, delivery = id, "lease not renewed");
                    }
                }
            }
        };
        let (id, attempts, worker) = (delivery.id, delivery.attempts, self.id.clone());
        let consumer = self.consumer.name();
        let recorded = match outcome {
            Ok(()) => self
                .db
                .run(move |conn| outbox::complete(conn, id, &worker))
                .await
                .map(drop),
            Err(error) => {
                let give_up = attempts >= self.max_attempts;
                tracing::warn!(
                    consumer, event = delivery.event.id, attempts, give_up, %error,
                    "delivery failed"
                );
                let retry_at = Utc::now().naive_utc()
                    + chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
                self.db
                    .run(move |conn| outbox::fail(conn, id, &worker, &error, retry_at, give_up))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(consumer, delivery = id, error = %e, "delivery outcome not recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(40), Duration::from_secs(3600));
    }
}
