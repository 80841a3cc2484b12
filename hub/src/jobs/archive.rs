//! The scheduled archiving of ended offers (registry.md: `published -> archived` after the end
//! date). Runs at start and then every interval; several hubs running it at once is harmless,
//! since each offer moves once inside a write transaction.

use std::time::Duration;

use tokio::sync::watch;

use super::WorkerHandle;
use crate::db::Db;
use crate::domain::offers::workflow;

pub fn start(db: Db, every: Duration) -> WorkerHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let today = chrono::Utc::now().date_naive();
            match db
                .run(move |conn| workflow::archive_ended(conn, today))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(archived = n, "ended offers archived"),
                Err(e) => tracing::warn!(error = %e, "archiving ended offers failed"),
            }
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
    WorkerHandle::new(stop, task)
}
