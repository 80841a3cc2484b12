//! The HTTP edge: one route table (`routes`), JSON handlers (`api`), pages (`pages`), and the
//! middleware every request passes. Handlers parse and check input, call `domain`, and shape the
//! answer; the rules themselves live in `domain`.

pub mod api;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod routes;

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;

/// What every handler can reach.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub metrics: metrics::Metrics,
}
