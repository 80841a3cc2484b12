//! What every black-box test stands on: a fresh database of either backend, and a real hub on a
//! random loopback port in front of it.
//!
//! PostgreSQL comes from `HUB_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test creates its own database there and drops it afterwards. Where no PostgreSQL answers,
//! the PostgreSQL half of the suite says so and passes, unless `HUB_TEST_REQUIRE_POSTGRES=1`
//! (which CI sets) makes that a failure.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;

use diesel::{Connection, PgConnection, RunQueryDsl};
use hub::config::Config;
use hub::db::Db;
use hub::jobs::Consumer;
use hub::server::{self, Running};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test once per backend: `both_backends!(a, b)` makes `sqlite::a`,
/// `postgres::a`, `sqlite::b`, `postgres::b`, each calling `a(Backend::…)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::support::postgres_available() {
                        super::$name($crate::support::Backend::Postgres).await
                    }
                }
            )*
        }
    };
}

fn admin_url() -> String {
    std::env::var("HUB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// True when PostgreSQL answers; otherwise explains the skip, or fails when CI requires it.
pub fn postgres_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let result = AVAILABLE.get_or_init(|| {
        PgConnection::establish(&admin_url())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => true,
        Err(e) if std::env::var("HUB_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!(
                "HUB_TEST_REQUIRE_POSTGRES=1 but PostgreSQL at {} is unreachable: {e}",
                admin_url()
            )
        }
        Err(e) => {
            eprintln!("skipping the PostgreSQL half of this test: no PostgreSQL ({e})");
            false
        }
    }
}

/// A database that exists for one test: a SQLite file in a temporary directory, or a PostgreSQL
/// database created for it and dropped (with its connections) when the test ends.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("hub.db").display());
                Self {
                    url,
                    backend,
                    dir,
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("hub_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url()).expect("PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url()).expect("HUB_TEST_POSTGRES_URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    backend,
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Owns nothing and drops nothing: what is left behind when a hub's database moves on.
    fn placeholder() -> Self {
        Self {
            url: String::new(),
            backend: Backend::Sqlite,
            dir: tempfile::tempdir().expect("temporary directory"),
            pg_name: None,
        }
    }

    /// The settings a test hub runs with; `extra` overrides any of them.
    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        let mut env: HashMap<String, String> = [
            ("DATABASE_URL", self.url.as_str()),
            (
                "HUB_DATA_DIR",
                self.dir.path().to_str().expect("UTF-8 path"),
            ),
            ("HUB_WORKERS", "2"),
            ("HUB_DB_POOL_SIZE", "4"),
            ("HUB_LOG", "warn"),
            ("HUB_OUTBOX_POLL_MS", "20"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        Config::from_sources(&env, &toml::Table::new()).expect("test configuration")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(&admin_url()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// A running hub on its own database.
pub struct TestHub {
    pub db: TestDb,
    pub running: Option<Running>,
    pub base: String,
    pub client: reqwest::Client,
}

impl TestHub {
    /// Prepared as `hub serve` prepares (migrations, demo data) and serving on a random port.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[], Vec::new()).await
    }

    /// A hub without demo data: tests make exactly the people and offers they need.
    pub async fn empty(backend: Backend) -> Self {
        Self::start_with(backend, &[("HUB_DEMO_DATA", "false")], Vec::new()).await
    }

    /// A hub without demo data that sends its mail to `smtp`.
    pub async fn with_mail(backend: Backend, smtp: &crate::smtp::SmtpServer) -> Self {
        let url = smtp.url();
        Self::start_with(
            backend,
            &[("HUB_DEMO_DATA", "false"), ("HUB_MAIL_URL", &url)],
            Vec::new(),
        )
        .await
    }

    pub async fn start_with(
        backend: Backend,
        extra: &[(&str, &str)],
        consumers: Vec<Arc<dyn Consumer>>,
    ) -> Self {
        let db = TestDb::new(backend);
        let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
        let base_url = format!("http://{}/", listener.local_addr().expect("address"));
        let mut settings = vec![("HUB_BASE_URL", base_url.as_str())];
        settings.extend_from_slice(extra); // later entries win
        let config = db.config(&settings);
        let (pool, _) = server::prepare(&config).await.expect("prepare database");
        Self::serve_on(listener, db, config, pool, consumers).await
    }

    /// Serves `pool` as it is, without preparing it.
    pub async fn serve_on(
        listener: TcpListener,
        db: TestDb,
        config: Config,
        pool: Db,
        consumers: Vec<Arc<dyn Consumer>>,
    ) -> Self {
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let running = server::start(config, pool, Some(listener), consumers)
            .await
            .expect("start");
        // No idle keep-alive connections: a graceful stop waits for open connections to close.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("HTTP client");
        Self {
            db,
            running: Some(running),
            base,
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn pool(&self) -> Db {
        self.running.as_ref().expect("running").state.db.clone()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.json().await.expect("JSON body"))
    }

    /// Stops this hub and starts a new one on the same database and data directory, as a
    /// restarted process would be: nothing in memory survives.
    pub async fn restart(self) -> Self {
        self.restart_with(&[]).await
    }

    /// [`TestHub::restart`] with these settings.
    pub async fn restart_with(mut self, extra: &[(&str, &str)]) -> Self {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
        let base_url = format!("http://{}/", listener.local_addr().expect("address"));
        let mut settings = vec![("HUB_BASE_URL", base_url.as_str())];
        settings.extend_from_slice(extra);
        let config = self.db.config(&settings);
        let (pool, _) = server::prepare(&config).await.expect("prepare database");
        let db = std::mem::replace(&mut self.db, TestDb::placeholder());
        Self::serve_on(listener, db, config, pool, Vec::new()).await
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }
}

/// The items of a list answer, after checking its envelope (api.md, Conventions: `{data, meta:
/// {pagination: {page, page_size, total}}}`).
pub fn items(list: serde_json::Value) -> serde_json::Value {
    let pagination = &list["meta"]["pagination"];
    assert!(
        pagination["page"].is_i64()
            && pagination["page_size"].is_i64()
            && pagination["total"].is_i64(),
        "a list answers with meta.pagination: {list}"
    );
    assert!(list["data"].is_array(), "a list answers with data: {list}");
    list["data"].clone()
}

/// Whether Python can import `module` (a reference tool the suite drives). Where it cannot, the
/// test says so and passes, unless `require` (`HUB_TEST_REQUIRE_…=1`, as CI sets) is on.
pub fn python_module(module: &str, require: &str) -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let required = std::env::var(require).is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{module} is required here ({require}=1): python3 -m pip install {module}"
        );
        eprintln!("skipped: {module} is not installed (python3 -m pip install {module})");
    }
    found
}

/// Runs a Python script with `args`, `input` on its standard input; its status and output.
pub fn python(script: &str, args: &[&std::ffi::OsStr], input: &[u8]) -> (bool, String) {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("python3 output");
    feeder
        .join()
        .expect("feeding python3")
        .expect("python3 stdin");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Validates with libxml2 (through lxml), printing the first errors with their lines.
const XSD: &str = r#"
import sys
from lxml import etree
schema = etree.XMLSchema(etree.parse(sys.argv[1]))
doc = etree.parse(sys.stdin.buffer)
if schema.validate(doc):
    sys.exit(0)
for e in list(schema.error_log)[:20]:
    print(e.line, e.message)
sys.exit(1)
"#;

/// The official LOQ 3.3.1 schema's verdict on `xml`: `None` when lxml is missing (and allowed
/// to be), else `Err` with libxml2's errors.
pub fn loq_xsd(xml: &[u8]) -> Option<Result<(), String>> {
    if !python_module("lxml", "HUB_TEST_REQUIRE_LXML") {
        return None;
    }
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/loq-3.3.1/loq.xsd");
    assert!(
        schema.exists(),
        "the official schema at {}",
        schema.display()
    );
    let (valid, report) = python(XSD, &[schema.as_os_str()], xml);
    Some(if valid { Ok(()) } else { Err(report) })
}
