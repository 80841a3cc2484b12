//! Storage: one diesel code path over SQLite (embedded default) and PostgreSQL (production).
//!
//! [`DbConnection`] is diesel's `MultiConnection` over both backends; [`Db`] is the pool with the
//! one way to use it from async code ([`Db::run`]), which keeps blocking database work off the
//! async threads and bounds it to the pool's size. Migrations for both backends are embedded and
//! applied at start. Code that needs backend-specific SQL matches on the [`DbConnection`] variant.

pub mod outbox;
pub mod schema;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::Semaphore;

use crate::error::Error;

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database a URL names, and what to hand the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    /// A file path (or `:memory:`): diesel's SQLite takes a path, not a `sqlite://` URL.
    Sqlite(String),
}

#[derive(Debug, thiserror::Error)]
#[error("expected sqlite://PATH or postgres://…, got a URL starting {0:?}")]
pub struct UnknownBackend(String);

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, UnknownBackend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_string()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Self::Sqlite(path.to_string()))
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(Self::Sqlite(path.to_string()))
        } else {
            Err(UnknownBackend(url.chars().take(12).collect()))
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// Opens connections of the configured backend directly (rather than letting `MultiConnection`
/// try each backend in turn) and prepares every SQLite connection the same way.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.backend {
            Backend::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the one writer; the busy timeout makes writers
                // queue instead of failing; foreign keys are off in SQLite unless asked for.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        r2d2::R2D2Connection::ping(conn).map_err(r2d2::Error::QueryError)
    }

    /// A connection whose transaction was left open (a panic mid-transaction) is not reused.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The pool, shared by the HTTP workers, the outbox worker and the CLI.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Arc<Backend>,
    /// As many permits as connections: callers wait here (cheaply, asynchronously) rather than
    /// parking a blocking thread inside r2d2.
    permits: Arc<Semaphore>,
}

impl Db {
    /// Connects, creating the SQLite file and its directory when they do not exist yet.
    pub fn connect(url: &str, pool_size: u32) -> Result<Self, Error> {
        let backend = Backend::from_url(url).map_err(|e| Error::Internal(e.to_string()))?;
        if let Backend::Sqlite(path) = &backend {
            let file = path.strip_prefix("file:").unwrap_or(path);
            if let Some(dir) = std::path::Path::new(file).parent() {
                if !dir.as_os_str().is_empty() && !file.starts_with(':') {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::Internal(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
        }
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager {
                backend: backend.clone(),
            })
            .map_err(|e| Error::Unavailable(format!("database: {e}")))?;
        Ok(Self {
            pool,
            backend: Arc::new(backend),
            permits: Arc::new(Semaphore::new(pool_size as usize)),
        })
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A connection for synchronous callers (CLI, start-up, the outbox worker's blocking tasks).
    pub fn get(&self) -> Result<PooledConn, Error> {
        self.pool
            .get()
            .map_err(|e| Error::Unavailable(format!("database: {e}")))
    }

    /// Runs `f` with a connection on the blocking pool; the async caller only awaits.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::ShuttingDown)?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(format!("database task failed: {e}")))?
    }

    /// Connections open and idle, for the `/metrics` pool gauges.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }
}

/// Applies every embedded migration not yet applied; returns how many ran.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, Error> {
    let ran = match conn {
        DbConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    ran.map_err(|e| Error::Internal(format!("migration failed: {e}")))
}

/// True when the database has every migration this binary embeds (for `/readyz`).
pub fn migrations_applied(conn: &mut DbConnection) -> Result<bool, Error> {
    let pending = match conn {
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    };
    pending
        .map(|p| !p)
        .map_err(|e| Error::Unavailable(format!("database: {e}")))
}

/// Runs `f` in a transaction. On SQLite the transaction takes the write lock at `BEGIN`
/// (`IMMEDIATE`), so two writers queue on the busy timeout instead of one failing half-way with
/// `SQLITE_BUSY` when it upgrades a read lock. `f` may nest `conn.transaction` (savepoints).
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, Error>,
) -> Result<T, Error> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let outermost = match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::transaction_manager_status_mut(sqlite)
                .transaction_depth()?
                .is_none()
        }
        DbConnection::Postgres(_) => false,
    };
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    if !outermost {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        unreachable!("the variant cannot change")
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(sqlite) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(sqlite);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(
            Backend::from_url("sqlite://./data/hub.db").unwrap(),
            Backend::Sqlite("./data/hub.db".into())
        );
        assert_eq!(
            Backend::from_url("postgres://postgres@127.0.0.1/hub")
                .unwrap()
                .name(),
            "postgres"
        );
        assert!(Backend::from_url("mysql://x").is_err());
    }
}

/// One page of a list, as `?page=&page_size=` ask for it (api.md, Conventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub page: i64,
    pub page_size: i64,
}

impl Window {
    pub fn offset(self) -> i64 {
        (self.page - 1).max(0) * self.page_size
    }

    pub fn limit(self) -> i64 {
        self.page_size
    }

    /// The items of this window out of a list already in memory (for lists bounded by their
    /// owner, such as one offer's applications).
    pub fn of<T>(self, all: Vec<T>) -> Paged<T> {
        let total = all.len() as i64;
        let items = all
            .into_iter()
            .skip(self.offset() as usize)
            .take(self.limit() as usize)
            .collect();
        Paged { items, total }
    }
}

/// A window of a list and the length of the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Serialises a stored UTC time (diesel reads `Timestamp` as `NaiveDateTime`) with its offset,
/// `…Z`, as api.md asks: `#[serde(serialize_with = "crate::db::utc")]`.
pub fn utc<S: serde::Serializer>(t: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&t.and_utc(), s)
}

/// [`utc`] for an optional time.
pub fn utc_opt<S: serde::Serializer>(
    t: &Option<chrono::NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&t.map(|t| t.and_utc()), s)
}
