//! The HTTP edge: one route table (`routes`), JSON handlers (`api`), pages (`pages`), and the
//! middleware every request passes. Handlers parse and check input, call `domain`, and shape the
//! answer; the rules themselves live in `domain`.

pub mod api;
pub mod auth;
pub mod cache;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod oidc;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod qdr;
pub mod rate_limit;
pub mod routes;
pub mod sparql;
pub mod upstream;
pub mod xapi;

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::config::Config;
use crate::crypto::Sealer;
use crate::db::Db;
use crate::error::Error;

/// What every handler can reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub metrics: metrics::Metrics,
    pub sealer: Sealer,
    pub api_tokens: auth::ApiTokenKeys,
    pub limits: rate_limit::RateLimits,
    pub oidc: crate::domain::oidc::Keys,
    /// The search projection the public catalogue reads (DESIGN.md, Projections).
    pub catalogue: Arc<crate::jobs::search::Catalogue>,
    /// The linked-data projection SPARQL and the `/id/…` IRIs read.
    pub linked_data: Arc<crate::jobs::linked_data::LinkedData>,
    /// Finished anonymous catalogue reads, keyed by the catalogue's generation.
    pub public_reads: cache::PublicReads,
    /// argon2 runs with at most this many at once, so a burst of sign-ins queues here instead of
    /// occupying every blocking thread the database needs.
    hashing: Semaphore,
}

impl AppState {
    pub fn new(
        config: Arc<Config>,
        db: Db,
        master: &crate::config::MasterKey,
        catalogue: Arc<crate::jobs::search::Catalogue>,
        linked_data: Arc<crate::jobs::linked_data::LinkedData>,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            sealer: Sealer::new(master),
            api_tokens: auth::ApiTokenKeys::new(master, config.origin()),
            limits: rate_limit::RateLimits::new(
                config.rate_per_minute,
                config.signin_rate_per_minute,
            ),
            oidc: crate::domain::oidc::Keys::new(Sealer::new(master)),
            hashing: Semaphore::new(cores),
            metrics: metrics::Metrics::new(),
            catalogue,
            linked_data,
            public_reads: cache::PublicReads::default(),
            config,
            db,
        }
    }

    /// Runs password hashing work on the blocking pool, a bounded number at a time.
    pub async fn blocking_hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| Error::ShuttingDown)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Internal(format!("hashing: {e}")))
    }

    pub async fn hash_password(&self, password: String) -> Result<String, Error> {
        self.blocking_hash(move || crate::domain::accounts::hash_password(&password))
            .await?
    }

    /// Signs a person in with e-mail and password (lockout, timing and alerts included).
    pub async fn sign_in(
        &self,
        email: String,
        password: String,
        ip: Option<String>,
    ) -> Result<String, Error> {
        api::auth::sign_in(self, email, password, ip).await
    }
}
