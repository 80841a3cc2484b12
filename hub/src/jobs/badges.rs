//! Issuing badges outside requests: each application that moves is looked at once it is
//! `completed`, and the badges its results earned are signed and stored
//! (`domain::badges::issuing`). A failure (the database, the master key) leaves nothing written
//! and the delivery is retried with backoff, so a completion never loses its badge.

use futures_util::future::BoxFuture;

use super::Consumer;
use crate::crypto::Sealer;
use crate::db::outbox::Delivery;
use crate::db::Db;
use crate::domain::badges::{issuing, Urls};
use crate::domain::events::EventKind;

pub struct Issuing {
    db: Db,
    sealer: Sealer,
    urls: Urls,
}

impl Issuing {
    pub fn new(config: &crate::config::Config, db: Db, sealer: Sealer) -> Self {
        Self {
            db,
            sealer,
            urls: Urls::new(&config.base_url),
        }
    }
}

impl Consumer for Issuing {
    fn name(&self) -> &'static str {
        "badges"
    }

    fn kinds(&self) -> &'static [EventKind] {
        &[EventKind::ApplicationStatus]
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let (sealer, urls) = (self.sealer.clone(), self.urls.clone());
            let id = delivery.event.subject_id.clone();
            let issued = self
                .db
                .run(move |conn| issuing::issue_for(conn, &sealer, &urls, &id))
                .await
                .map_err(|e| e.to_string())?;
            if !issued.is_empty() {
                tracing::info!(application = %delivery.event.subject_id, count = issued.len(), "badges issued");
            }
            Ok(())
        })
    }
}
