//! Runs `domain::privacy::purge` every hour: accounts never confirmed, the organisations only they
//! belonged to, and tokens, codes, sign-in flows and sessions that can no longer be used.

use std::time::Duration;

use chrono::Utc;

use super::WorkerHandle;
use crate::db::Db;
pub use crate::domain::privacy::{purge, Purged};

pub fn start(db: Db, every: Duration) -> WorkerHandle {
    super::every(db, every, "purged stale accounts and tokens", |conn| {
        let p = purge(conn, Utc::now().naive_utc())?;
        Ok((p != Purged::default()).then_some(p))
    })
}
