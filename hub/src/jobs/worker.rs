//! The outbox worker: one task per consumer, claiming due deliveries in batches under a lease,
//! delivering them, and recording the outcome. Several workers (in one hub or many) may serve the
//! same consumer; the lease keeps each delivery with one of them.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Consumer;
use crate::db::{outbox, Db};
use crate::error::Error;

const BATCH: i64 = 20;
/// Longer than any delivery may take: a delivery is cut off at half of it.
const LEASE_SECS: i64 = 120;

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
        }
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
        tracing::info!(worker = %self.id, "outbox worker started");
        while !*stopped.borrow() {
            let handled = match self.round(&stopped).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "outbox round failed");
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    _ = stopped.changed() => {}
                    _ = tokio::time::sleep(self.poll) => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "outbox worker stopped");
    }

    /// Claims one batch and works through it; returns how many deliveries it tried.
    async fn round(&self, stopped: &watch::Receiver<bool>) -> Result<usize, Error> {
        let (consumer, worker) = (self.consumer.name(), self.id.clone());
        let batch = self
            .db
            .run(move |conn| {
                outbox::claim(
                    conn,
                    consumer,
                    &worker,
                    BATCH,
                    chrono::Duration::seconds(LEASE_SECS),
                )
            })
            .await?;
        let mut tried = 0;
        for delivery in batch {
            let worker = self.id.clone();
            if *stopped.borrow() {
                self.db
                    .run(move |conn| outbox::release(conn, delivery.id, &worker))
                    .await?;
                continue;
            }
            tried += 1;
            let limit = Duration::from_secs(LEASE_SECS as u64 / 2);
            let outcome = match tokio::time::timeout(limit, self.consumer.deliver(&delivery)).await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("no answer within {}s", limit.as_secs())),
            };
            let (id, attempts, max) = (delivery.id, delivery.attempts, self.max_attempts);
            match outcome {
                Ok(()) => {
                    self.db
                        .run(move |conn| outbox::complete(conn, id, &worker))
                        .await?;
                }
                Err(error) => {
                    let give_up = attempts >= max;
                    tracing::warn!(
                        consumer, event = delivery.event.id, attempts, give_up, %error,
                        "delivery failed"
                    );
                    let retry_at = Utc::now().naive_utc()
                        + chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
                    self.db
                        .run(move |conn| outbox::fail(conn, id, &worker, &error, retry_at, give_up))
                        .await?;
                }
            }
        }
        Ok(tried)
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
