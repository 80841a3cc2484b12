//! The scheduled deadline reminders (`domain::reminders`): each is sent once, so running hourly
//! on every hub is harmless.

use std::time::Duration;

use super::WorkerHandle;
use crate::db::Db;
use crate::domain::reminders;

pub fn start(db: Db, every: Duration) -> WorkerHandle {
    super::every(db, every, "deadline reminders sent", |conn| {
        let sent = reminders::send_deadline_reminders(conn, chrono::Utc::now().date_naive())?;
        Ok((sent > 0).then_some(sent))
    })
}
