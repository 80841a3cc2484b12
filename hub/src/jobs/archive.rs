//! The scheduled archiving of ended offers (registry.md: `published -> archived` after the end
//! date). Runs at start and then every interval; several hubs running it at once is harmless,
//! since each offer moves once inside a write transaction.

use std::time::Duration;

use super::WorkerHandle;
use crate::db::Db;
use crate::domain::offers::workflow;

pub fn start(db: Db, every: Duration) -> WorkerHandle {
    super::every(db, every, "ended offers archived", |conn| {
        let archived = workflow::archive_ended(conn, chrono::Utc::now().date_naive())?;
        Ok((archived > 0).then_some(archived))
    })
}
