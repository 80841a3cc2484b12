//! The hub's life: prepare the database, start the HTTP server and the outbox workers, and stop
//! them in order on SIGTERM/SIGINT (stop accepting, let in-flight requests finish within
//! `HUB_SHUTDOWN_TIMEOUT_SECS`, then stop the workers, which finish the delivery in hand).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::web;

use crate::config::Config;
use crate::db::{self, Db};
use crate::demo;
use crate::error::Error;
use crate::http::AppState;
use crate::jobs::{Consumer, Worker, WorkerHandle};

/// Connects, migrates, and (when the database is empty and demo data is enabled) seeds it.
/// Returns the demo credentials when it created them, for the caller to print once.
pub async fn prepare(config: &Config) -> Result<(Db, Option<Vec<demo::Credential>>), Error> {
    let db = Db::connect(&config.database_url, config.db_pool_size)?;
    let ran = db.run(db::migrate).await?;
    if ran > 0 {
        tracing::info!(
            migrations = ran,
            backend = db.backend().name(),
            "database migrated"
        );
    }
    // The built-in consumers' subscriptions exist before the first request can append an event.
    db.run(|conn| {
        let kinds: Vec<&str> = crate::jobs::mail::KINDS
            .iter()
            .map(|k| k.as_str())
            .collect();
        crate::db::outbox::subscribe(conn, "mail", &kinds)
    })
    .await?;
    let credentials = if config.demo_data {
        db.run(|conn| {
            if crate::domain::offers::count_all(conn)? > 0 {
                Ok(None)
            } else {
                demo::ensure(conn)
            }
        })
        .await?
    } else {
        None
    };
    Ok((db, credentials))
}

/// A started hub: its address, its state (for in-process tests) and what stopping needs.
pub struct Running {
    pub addr: SocketAddr,
    pub state: web::Data<AppState>,
    server: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    workers: Vec<WorkerHandle>,
}

/// Starts serving on `listener` (or `config.bind`) with one outbox worker per consumer: the
/// built-in ones and `extra_consumers`.
pub async fn start(
    config: Config,
    db: Db,
    listener: Option<TcpListener>,
    extra_consumers: Vec<Arc<dyn Consumer>>,
) -> Result<Running, Error> {
    let master = config
        .resolve_master_key()
        .map_err(|e| Error::Internal(format!("master key: {e}")))?;
    let config = Arc::new(config);
    // Loaded before serving when the database allows; else the tail keeps trying, and searches
    // answer 503 until it succeeds.
    let catalogue = crate::jobs::search::Catalogue::new()?;
    if let Err(e) = catalogue.load(&db).await {
        tracing::warn!(error = %e, "catalogue search not loaded yet; will retry");
    }
    let linked_data = crate::jobs::linked_data::LinkedData::new(config.origin())?;
    {
        use crate::jobs::tail::Projection;
        if let Err(e) = linked_data.load(&db).await {
            tracing::warn!(error = %e, "linked data not built yet; will retry");
        }
    }
    let state = web::Data::new(AppState::new(
        config.clone(),
        db.clone(),
        &master,
        catalogue.clone(),
        linked_data.clone(),
    ));
    // The dummy hash that unknown e-mails are checked against exists before the first sign-in,
    // so no sign-in pays for it and the timing of the two paths stays the same.
    tokio::task::spawn_blocking(crate::domain::signin::warm_up)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let (mut all, chamilo) =
        crate::jobs::built_in(&config, state.sealer.clone(), db.clone()).await?;
    all.extend(extra_consumers);
    // Subscriptions are recorded before any job can append an event (the QDR dataset job does
    // at start). Each worker records them too, but in a task of its own that may come late; and
    // where the database is not up yet, the workers keep trying.
    for consumer in &all {
        let name = consumer.name();
        let kinds: Vec<&'static str> = consumer.kinds().iter().map(|k| k.as_str()).collect();
        if let Err(e) = db
            .run(move |conn| crate::db::outbox::subscribe(conn, name, &kinds))
            .await
        {
            tracing::warn!(consumer = name, error = %e, "subscriptions not recorded yet");
        }
    }
    let mut workers = Vec::new();
    for consumer in all {
        let worker = Worker::new(
            db.clone(),
            consumer,
            config.outbox_poll,
            config.outbox_max_attempts,
        )
        .concurrency(config.outbox_concurrency)
        .lease(config.outbox_lease)
        .timeout(config.delivery_timeout);
        workers.push(worker.start().await?);
    }
    workers.push(crate::jobs::purge::start(
        db.clone(),
        std::time::Duration::from_secs(3600),
    ));
    workers.push(crate::jobs::tail::follow(
        catalogue.clone(),
        db.clone(),
        config.outbox_poll,
    ));
    workers.push(crate::jobs::tail::follow(
        linked_data,
        db.clone(),
        config.outbox_poll,
    ));
    workers.push(crate::jobs::qdr::start(
        crate::jobs::qdr::Dataset::new(&config),
        db.clone(),
        config.outbox_poll,
    ));
    if let Some(chamilo) = chamilo {
        workers.push(crate::jobs::chamilo::start_polling(
            chamilo,
            config.chamilo_poll,
        ));
    }
    workers.push(crate::jobs::reminders::start(
        db.clone(),
        std::time::Duration::from_secs(3600),
    ));
    workers.push(crate::jobs::archive::start(
        db.clone(),
        std::time::Duration::from_secs(3600),
    ));
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind(config.bind)
            .map_err(|e| Error::Internal(format!("cannot listen on {}: {e}", config.bind)))?,
    };
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Internal(e.to_string()))?;
    let server = crate::http::listener::serve(
        listener,
        state.clone(),
        config.workers,
        config.shutdown_timeout,
    )
    .map_err(|e| Error::Internal(format!("cannot serve on {addr}: {e}")))?;
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(%addr, base_url = %config.base_url, backend = db.backend().name(), "hub listening");
    Ok(Running {
        addr,
        state,
        server: handle,
        task,
        workers,
    })
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, then stops the outbox workers.
    pub async fn stop(self) {
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        self.state.metrics.set_down();
        self.server.stop(true).await;
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "HTTP server ended with an error"),
            Err(e) => tracing::warn!(error = %e, "HTTP server task failed"),
        }
        for worker in self.workers {
            worker.stop().await;
        }
        tracing::info!("shutdown complete");
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully.
    pub async fn until_signal(self) {
        wait_for_signal().await;
        self.stop().await;
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = int.recv() => tracing::info!("SIGINT received"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
