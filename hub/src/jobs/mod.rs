//! Work done outside requests: the outbox worker that delivers events to consumers (Chamilo, QDR,
//! mail, webhooks as they arrive) and, later, the projections that tail the events.
//!
//! A request never calls a downstream system: it appends an event (`db::outbox::append`) and a
//! [`Consumer`] delivers it here, with retries and backoff, so a system that is down delays its
//! deliveries and loses nothing.

pub mod archive;
pub mod badges;
pub mod chamilo;
pub mod linked_data;
pub mod mail;
pub mod purge;
pub mod qdr;
pub mod reminders;
pub mod search;
pub mod tail;
mod worker;

use std::sync::Arc;

use futures_util::future::BoxFuture;

pub use worker::{backoff, Worker, WorkerHandle};

use crate::db::outbox::Delivery;
use crate::domain::events::EventKind;

/// Something that acts on events: each delivery is retried until it succeeds or is set aside.
/// Deliveries are at-least-once (a worker may die after acting but before recording it), so
/// a consumer passes [`Delivery::idempotency_key`] on to the system it calls.
pub trait Consumer: Send + Sync + 'static {
    /// Stable name: deliveries are recorded under it.
    fn name(&self) -> &'static str;
    /// The event kinds it wants; recorded as subscriptions when its worker starts.
    fn kinds(&self) -> &'static [EventKind];
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>>;
}

/// The consumers the hub runs: badge issuing and mail; QDR pushes when QDR is configured (else nothing
/// subscribes to new versions and QDR is never called); Chamilo provisioning when Chamilo is
/// (the same one that polls results, returned apart so the server starts its polling too).
pub async fn built_in(
    config: &crate::config::Config,
    sealer: crate::crypto::Sealer,
    db: crate::db::Db,
) -> Result<(Vec<Arc<dyn Consumer>>, Option<Arc<chamilo::Provisioning>>), crate::error::Error> {
    let sealer_for_chamilo = sealer.clone();
    let mut all: Vec<Arc<dyn Consumer>> = vec![
        Arc::new(badges::Issuing::new(config, db.clone(), sealer.clone())),
        Arc::new(mail::Mail::new(config, sealer)?),
    ];
    if let Some(settings) = &config.qdr_push {
        all.push(Arc::new(qdr::Push::new(
            config,
            settings.clone(),
            db.clone(),
        )?));
    }
    let chamilo = match chamilo::Provisioning::new(config, db, sealer_for_chamilo).await? {
        Some(provisioning) => {
            let provisioning = Arc::new(provisioning);
            all.push(provisioning.clone());
            Some(provisioning)
        }
        None => {
            tracing::info!("Chamilo is not configured (HUB_CHAMILO_URL): nothing is provisioned");
            None
        }
    };
    Ok((all, chamilo))
}

/// Runs `work` at start and then every `every` until stopped. What it reports (`Some`) is
/// logged as `what`; a failure is logged and the next round tries again. Scheduled work is
/// written so that several hubs running it at once is harmless.
pub fn every<T: std::fmt::Debug + Send + 'static>(
    db: crate::db::Db,
    every: std::time::Duration,
    what: &'static str,
    work: impl Fn(&mut crate::db::DbConnection) -> Result<Option<T>, crate::error::Error>
        + Send
        + Sync
        + Copy
        + 'static,
) -> WorkerHandle {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            match db.run(work).await {
                Ok(Some(report)) => tracing::info!(?report, "{what}"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "{what}: failed"),
            }
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
    WorkerHandle::new(stop, task)
}
