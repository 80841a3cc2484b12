//! Operations endpoints: liveness, readiness and Prometheus metrics (api.md, Health).

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::db;
use crate::http::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    pub database: bool,
    pub migrations: bool,
    /// The catalogue's search index has been loaded from the database.
    pub catalogue: bool,
    /// The linked-data store (SPARQL, `/id/…`) has been built from the database.
    pub linked_data: bool,
    pub backend: &'static str,
    /// Whether Chamilo is provisioned (`HUB_CHAMILO_URL`): `off` is no fault, only a fact.
    pub chamilo: &'static str,
    /// Whether dataset versions are pushed to QDR.
    pub qdr_push: &'static str,
}

/// The process is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers, has every migration this build expects, and the projections (the
/// catalogue's search index, the linked data) are built.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend().name();
    let checked = state.db.run(db::migrations_applied).await;
    let (database, migrations) = match checked {
        Ok(applied) => (true, applied),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            (false, false)
        }
    };
    let catalogue = state.catalogue.is_loaded();
    let linked_data = state.linked_data.is_loaded();
    let ready = database && migrations && catalogue && linked_data;
    let body = Readiness {
        status: if ready { "ready" } else { "not_ready" },
        database,
        migrations,
        catalogue,
        linked_data,
        backend,
        chamilo: if state.config.chamilo.is_some() {
            "on"
        } else {
            "off"
        },
        qdr_push: if state.config.qdr_push.is_some() {
            "on"
        } else {
            "off"
        },
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text format. Pool, outbox and catalogue gauges are read at scrape time.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (open, idle) = state.db.pool_state();
    state.metrics.set_pool(open, idle, state.db.pool_size());
    match state.db.run(db::outbox::backlog).await {
        Ok((pending, dead)) => state.metrics.set_outbox(pending, dead),
        Err(e) => tracing::warn!(error = %e, "metrics: outbox backlog unavailable"),
    }
    let position = state.catalogue.position().await;
    match state.db.run(|conn| db::outbox::latest_ids(conn, 1)).await {
        Ok(latest) => {
            let behind = latest
                .first()
                .map_or(0, |newest| (newest - position).max(0));
            state.metrics.set_catalogue(state.catalogue.len(), behind);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: newest event unavailable"),
    }
    state.metrics.set_limits(state.limits.entries());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
