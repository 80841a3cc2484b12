//! The hub's one configuration: every setting declared once, in [`Config::from_sources`], with its
//! environment variable, its `hub.toml` key, its default and a line of documentation.
//!
//! Precedence is environment, then `hub.toml`, then the default; defaults are chosen so that a bare
//! `cargo run` works. `hub check-config` prints [`Config::explain`], which is why every setting
//! records where its value came from. Secrets are never printed (they show as `***`).

mod master_key;

use std::collections::HashMap;
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub use master_key::MasterKey;

/// Where a setting's value came from, for `hub check-config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Environment,
    File,
    Default,
}

/// One line of `hub check-config`.
#[derive(Debug, Clone)]
pub struct Setting {
    pub env: &'static str,
    pub value: String,
    pub origin: Origin,
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err("expected `text` or `json`".into()),
        }
    }
}

impl Display for LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
        })
    }
}

/// A setting that could not be read; names the variable so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub base_url: url::Url,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub db_pool_size: u32,
    pub mail_url: String,
    pub master_key: Option<MasterKey>,
    pub log: String,
    pub log_format: LogFormat,
    pub demo_data: bool,
    pub workers: usize,
    pub max_body_bytes: usize,
    /// Longest URL (path and query) answered; longer ones get 414.
    pub max_url_bytes: usize,
    /// Largest sum of header fields answered; larger ones get 431.
    pub max_header_bytes: usize,
    pub request_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` name the client (CIDRs).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub outbox_poll: Duration,
    pub outbox_max_attempts: i32,
    /// Deliveries each consumer's worker keeps in progress at once.
    pub outbox_concurrency: usize,
    /// How long one delivery may take before it counts as failed.
    pub delivery_timeout: Duration,
    /// How long a claimed delivery stays a dead worker's before another takes it.
    pub outbox_lease: Duration,
    /// SPARQL queries' time and result-size limits: anyone, and partner keys.
    pub sparql_timeout: Duration,
    pub sparql_partner_timeout: Duration,
    pub sparql_max_results: usize,
    pub sparql_partner_max_results: usize,
    /// The QDR dataset as the hub describes it (DCAT, pushes).
    pub qdr_title: String,
    pub qdr_description: String,
    /// How long the published offers must stay unchanged before a new dataset version is made;
    /// a stream of changes still makes one after ten times this.
    pub qdr_debounce: Duration,
    /// Where to push each version; pushing is off unless the QDR URL, key and dataset are set.
    pub qdr_push: Option<QdrPush>,
    /// The Chamilo the hub provisions; off unless its URL is set.
    pub chamilo: Option<Chamilo>,
    /// How often results of enrolments in progress are asked of Chamilo.
    pub chamilo_poll: Duration,
    /// HTTP Basic credentials Chamilo's xapi plugin sends statements with; unset, the
    /// statements endpoint takes none.
    pub xapi: Option<(String, String)>,
    /// Whether the badge verifier may fetch other issuers' keys and status lists from private
    /// and loopback addresses (tests, closed networks); never by default.
    pub verify_private_addresses: bool,
    pub mail_from: String,
    pub lockout_attempts: i64,
    pub lockout_window: Duration,
    pub lockout_duration: Duration,
    pub session_idle: Duration,
    pub session_max: Duration,
    pub rate_per_minute: u32,
    pub signin_rate_per_minute: u32,
    explained: Vec<Setting>,
}

/// The QDR API a dataset's versions are pushed to (europass.md, "API update").
#[derive(Clone)]
pub struct QdrPush {
    pub url: url::Url,
    pub api_key: String,
    /// The dataset's URI in QDR (`masterDatasetUri`).
    pub dataset_uri: String,
    /// Where QDR fetches a version's XML: `{n}` is its number.
    pub download_url: String,
}

/// The Chamilo LMS the hub keeps in step (chamilo.md): a platform admin's credentials for REST v2.
#[derive(Clone)]
pub struct Chamilo {
    /// Where the hub calls Chamilo (may be an internal name).
    pub url: url::Url,
    /// Where browsers reach Chamilo: the course links.
    pub public_url: url::Url,
    pub username: String,
    pub password: String,
    /// Chamilo's `$_configuration['security_key']`: with it, learning-path progress is polled
    /// over SOAP.
    pub security_key: Option<String>,
    /// The hub's address as Chamilo sees it (its `testip.php` says), part of the SOAP key.
    pub caller_ip: Option<String>,
}

/// Reads one setting after another, remembering each value's origin.
struct Reader<'a> {
    env: &'a HashMap<String, String>,
    file: &'a toml::Table,
    explained: Vec<Setting>,
}

impl Reader<'_> {
    /// `key` is the `hub.toml` name: the variable without `HUB_`, in lower case.
    fn read<T>(
        &mut self,
        env: &'static str,
        default: impl Display,
        doc: &'static str,
    ) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.read_raw(env, Some(default.to_string()), doc, false)
            .map(|v| v.expect("a default was given"))
    }

    fn read_raw<T>(
        &mut self,
        env: &'static str,
        default: Option<String>,
        doc: &'static str,
        secret: bool,
    ) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let key = env.trim_start_matches("HUB_").to_ascii_lowercase();
        let (raw, origin) = if let Some(v) = self.env.get(env) {
            (Some(v.clone()), Origin::Environment)
        } else if let Some(v) = self.file.get(&key) {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (Some(text), Origin::File)
        } else {
            (default, Origin::Default)
        };
        let value = match &raw {
            Some(text) => Some(text.parse::<T>().map_err(|e| ConfigError {
                setting: env.to_string(),
                message: format!("cannot use {:?}: {e}", if secret { "***" } else { text }),
            })?),
            None => None,
        };
        let shown = match (&raw, secret) {
            (None, _) => "(not set)".to_string(),
            (Some(_), true) => "***".to_string(),
            (Some(text), false) => redact_password(text),
        };
        self.explained.push(Setting {
            env,
            value: shown,
            origin,
            doc,
        });
        Ok(value)
    }
}

impl Config {
    /// Reads the process environment and `hub.toml` (or the file `HUB_CONFIG` names).
    pub fn load() -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let explicit = env.get("HUB_CONFIG").map(PathBuf::from);
        let path = explicit
            .clone()
            .unwrap_or_else(|| PathBuf::from("hub.toml"));
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => text.parse::<toml::Table>().map_err(|e| ConfigError {
                setting: path.display().to_string(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                toml::Table::new()
            }
            Err(e) => {
                return Err(ConfigError {
                    setting: "HUB_CONFIG".into(),
                    message: e.to_string(),
                })
            }
        };
        Self::from_sources(&env, &file)
    }

    /// Every setting of the hub, in the order `hub check-config` shows them.
    pub fn from_sources(
        env: &HashMap<String, String>,
        file: &toml::Table,
    ) -> Result<Self, ConfigError> {
        let mut r = Reader {
            env,
            file,
            explained: Vec::new(),
        };
        let bind: SocketAddr = r.read(
            "HUB_BIND",
            "127.0.0.1:8080",
            "address and port the HTTP server listens on",
        )?;
        let base_url: url::Url = r.read(
            "HUB_BASE_URL",
            format!("http://{bind}/"),
            "public URL of the hub, used in links, e-mails, issuer and RDF identifiers",
        )?;
        let data_dir: PathBuf = r.read(
            "HUB_DATA_DIR",
            "./data",
            "directory for the SQLite file, mail and keys",
        )?;
        let database_url: String = r.read(
            "DATABASE_URL",
            format!("sqlite://{}", data_dir.join("hub.db").display()),
            "sqlite://PATH (embedded) or postgres://USER@HOST/DB",
        )?;
        let db_pool_size: u32 = r.read(
            "HUB_DB_POOL_SIZE",
            10,
            "database connections kept open at most",
        )?;
        let mail_url: String = r.read(
            "HUB_MAIL_URL",
            format!("file://{}", data_dir.join("mail").display()),
            "smtp://[user:password@]host:port[?tls=starttls] or file:///dir (one .eml per message)",
        )?;
        let master_key: Option<MasterKey> = r.read_raw(
            "HUB_MASTER_KEY",
            None,
            "base64 of 32 bytes that encrypt secrets at rest; generated into HUB_DATA_DIR/master.key when unset",
            true,
        )?;
        // tantivy reports every index commit at INFO: useful to nobody running the hub.
        let log: String = r.read(
            "HUB_LOG",
            "info,tantivy=warn",
            "log filter (tracing EnvFilter syntax)",
        )?;
        let log_format: LogFormat = r.read("HUB_LOG_FORMAT", "text", "`text` or `json`")?;
        let demo_data: bool = r.read(
            "HUB_DEMO_DATA",
            true,
            "create demo organisations, users and offers when the database is empty",
        )?;
        let workers: usize = r.read(
            "HUB_WORKERS",
            std::thread::available_parallelism().map_or(2, |n| n.get()),
            "HTTP worker threads",
        )?;
        let max_body_bytes: usize = r.read(
            "HUB_MAX_BODY_BYTES",
            1_048_576,
            "largest request body accepted, in bytes",
        )?;
        let max_url_bytes: usize = r.read(
            "HUB_MAX_URL_BYTES",
            8_192,
            "longest URL answered, in bytes (longer: 414)",
        )?;
        let max_header_bytes: usize = r.read(
            "HUB_MAX_HEADER_BYTES",
            32_768,
            "largest sum of request header fields answered, in bytes (larger: 431)",
        )?;
        // The HTTP server buffers at most 128 KiB of a request head; limits must fit inside.
        for (name, n) in [
            ("HUB_MAX_URL_BYTES", max_url_bytes),
            ("HUB_MAX_HEADER_BYTES", max_header_bytes),
        ] {
            if !(256..=65_536).contains(&n) {
                return Err(ConfigError {
                    setting: name.into(),
                    message: format!("{n} is outside 256 to 65536"),
                });
            }
        }
        let request_timeout: u64 = r.read(
            "HUB_REQUEST_TIMEOUT_SECS",
            30,
            "seconds a request may take before it gets 503",
        )?;
        let proxies: String = r.read(
            "HUB_TRUSTED_PROXIES",
            "",
            "reverse proxies (comma-separated CIDRs) whose X-Forwarded-For names the client",
        )?;
        let trusted_proxies = proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|e| ConfigError {
                        setting: "HUB_TRUSTED_PROXIES".into(),
                        message: format!("cannot use {p:?}: {e}"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let shutdown_timeout: u64 = r.read(
            "HUB_SHUTDOWN_TIMEOUT_SECS",
            30,
            "seconds in-flight requests get to finish after SIGTERM",
        )?;
        let outbox_poll: u64 = r.read(
            "HUB_OUTBOX_POLL_MS",
            500,
            "milliseconds the outbox worker and the search projection wait when they found nothing new",
        )?;
        let outbox_max_attempts: i32 = r.read(
            "HUB_OUTBOX_MAX_ATTEMPTS",
            12,
            "delivery attempts before an event is set aside as dead for an operator",
        )?;
        let outbox_concurrency: usize = r.read(
            "HUB_OUTBOX_CONCURRENCY",
            4,
            "deliveries each consumer keeps in progress at once (a slow recipient holds only one)",
        )?;
        let delivery_timeout: u64 = r.read(
            "HUB_DELIVERY_TIMEOUT_SECS",
            30,
            "seconds one delivery may take before it counts as failed and is retried",
        )?;
        let outbox_lease: u64 = r.read(
            "HUB_OUTBOX_LEASE_SECS",
            20,
            "seconds a claimed delivery stays with a worker that stopped answering (renewed while it works)",
        )?;
        if !(3..=30).contains(&outbox_lease) {
            return Err(ConfigError {
                setting: "HUB_OUTBOX_LEASE_SECS".into(),
                message: format!("{outbox_lease} is outside 3 to 30"),
            });
        }
        let sparql_timeout: u64 = r.read(
            "HUB_SPARQL_TIMEOUT_MS",
            2_000,
            "milliseconds a SPARQL query may run (anonymous callers)",
        )?;
        let sparql_partner_timeout: u64 = r.read(
            "HUB_SPARQL_PARTNER_TIMEOUT_MS",
            10_000,
            "milliseconds a SPARQL query may run for a partner key",
        )?;
        let sparql_max_results: usize = r.read(
            "HUB_SPARQL_MAX_RESULTS",
            10_000,
            "results (rows or triples) a SPARQL query may return (anonymous callers)",
        )?;
        let sparql_partner_max_results: usize = r.read(
            "HUB_SPARQL_PARTNER_MAX_RESULTS",
            100_000,
            "results a SPARQL query may return for a partner key",
        )?;
        let qdr_title: String = r.read(
            "HUB_QDR_TITLE",
            "Training Registry Hub: learning opportunities in Modern Business Services",
            "title of the QDR dataset (DCAT and pushes)",
        )?;
        let qdr_description: String = r.read(
            "HUB_QDR_DESCRIPTION",
            "Training offers approved in the Training Registry Hub, as ELM learning opportunities (LOQ 3.3.1).",
            "description of the QDR dataset",
        )?;
        let qdr_debounce: u64 = r.read(
            "HUB_QDR_DEBOUNCE_MS",
            60_000,
            "milliseconds the published offers stay unchanged before a new QDR dataset version is made",
        )?;
        let qdr_url: Option<url::Url> = r.read_raw(
            "HUB_QDR_URL",
            None,
            "QDR's base URL, to push dataset versions to",
            false,
        )?;
        let qdr_api_key: Option<String> =
            r.read_raw("HUB_QDR_API_KEY", None, "the API key QDR issued", true)?;
        let qdr_dataset_uri: Option<String> = r.read_raw(
            "HUB_QDR_DATASET_URI",
            None,
            "the dataset's URI in QDR (masterDatasetUri)",
            false,
        )?;
        let qdr_download_url: String = r.read(
            "HUB_QDR_DOWNLOAD_URL",
            format!(
                "{}/qdr/versions/{{n}}.xml",
                base_url.as_str().trim_end_matches('/')
            ),
            "where QDR fetches a pushed version's XML ({n} is its number)",
        )?;
        let qdr_push = match (qdr_url, qdr_api_key, qdr_dataset_uri) {
            (None, None, None) => None,
            (Some(url), Some(api_key), Some(dataset_uri)) => Some(QdrPush {
                url,
                api_key,
                dataset_uri,
                download_url: qdr_download_url,
            }),
            (url, key, _) => {
                let missing = if url.is_none() {
                    "HUB_QDR_URL"
                } else if key.is_none() {
                    "HUB_QDR_API_KEY"
                } else {
                    "HUB_QDR_DATASET_URI"
                };
                return Err(ConfigError {
                    setting: missing.into(),
                    message: "pushing to QDR needs HUB_QDR_URL, HUB_QDR_API_KEY and HUB_QDR_DATASET_URI together".into(),
                });
            }
        };
        let chamilo_url: Option<url::Url> = r.read_raw(
            "HUB_CHAMILO_URL",
            None,
            "Chamilo's root URL; unset, nothing is provisioned in Chamilo",
            false,
        )?;
        let chamilo_username: String = r.read(
            "HUB_CHAMILO_USERNAME",
            "admin",
            "a Chamilo platform admin the hub calls REST v2 as",
        )?;
        let chamilo_password: Option<String> = r.read_raw(
            "HUB_CHAMILO_PASSWORD",
            None,
            "that admin's Chamilo password",
            true,
        )?;
        let chamilo_poll: u64 = r.read(
            "HUB_CHAMILO_POLL_SECS",
            900,
            "seconds between asking Chamilo for the results of enrolments in progress",
        )?;
        let verify_private_addresses: bool = r.read(
            "HUB_VERIFY_PRIVATE_ADDRESSES",
            false,
            "let the badge verifier fetch keys and status lists from private addresses",
        )?;
        let security_key: Option<String> = r.read_raw(
            "HUB_CHAMILO_SECURITY_KEY",
            None,
            "Chamilo's security_key, for its SOAP gradebook service (learning-path progress)",
            true,
        )?;
        let caller_ip: Option<String> = r.read_raw(
            "HUB_CHAMILO_CALLER_IP",
            None,
            "the hub's address as Chamilo sees it (unset where Chamilo's webservice-auth-ip.conf.php lists the hub)",
            false,
        )?;
        let chamilo_public: Option<url::Url> = r.read_raw(
            "HUB_CHAMILO_PUBLIC_URL",
            None,
            "Chamilo's root URL as browsers reach it, for course links (default: HUB_CHAMILO_URL)",
            false,
        )?;
        let with_slash = |url: url::Url| {
            if url.path().ends_with('/') {
                url
            } else {
                let mut u = url;
                let path = format!("{}/", u.path());
                u.set_path(&path);
                u
            }
        };
        let chamilo = match (chamilo_url, chamilo_password) {
            (None, _) => None,
            (Some(url), Some(password)) => Some(Chamilo {
                // A root without its final slash would lose its last segment when joined.
                public_url: with_slash(chamilo_public.unwrap_or_else(|| url.clone())),
                url: with_slash(url),
                username: chamilo_username,
                password,
                security_key,
                caller_ip,
            }),
            (Some(_), None) => {
                return Err(ConfigError {
                    setting: "HUB_CHAMILO_PASSWORD".into(),
                    message: "HUB_CHAMILO_URL is set: the hub needs the admin's password too"
                        .into(),
                })
            }
        };
        let xapi_username: Option<String> = r.read_raw(
            "HUB_XAPI_USERNAME",
            None,
            "user name Chamilo's xapi plugin sends statements to /xapi/ with",
            false,
        )?;
        let xapi_password: Option<String> =
            r.read_raw("HUB_XAPI_PASSWORD", None, "its password", true)?;
        let xapi = match (xapi_username, xapi_password) {
            (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => Some((u, p)),
            (None, None) => None,
            _ => {
                return Err(ConfigError {
                    setting: "HUB_XAPI_PASSWORD".into(),
                    message: "HUB_XAPI_USERNAME and HUB_XAPI_PASSWORD go together, neither empty"
                        .into(),
                })
            }
        };
        let mail_from: String = r.read(
            "HUB_MAIL_FROM",
            "Training Registry Hub <no-reply@hub.invalid>",
            "sender of the hub's e-mails",
        )?;
        let lockout_attempts: i64 = r.read(
            "HUB_LOCKOUT_ATTEMPTS",
            5,
            "failed sign-ins within the window that lock an account",
        )?;
        let lockout_window: u64 = r.read(
            "HUB_LOCKOUT_WINDOW_MINS",
            15,
            "minutes in which failed sign-ins are counted",
        )?;
        let lockout_duration: u64 = r.read(
            "HUB_LOCKOUT_MINS",
            15,
            "minutes a locked account stays locked",
        )?;
        let session_idle: u64 = r.read(
            "HUB_SESSION_IDLE_MINS",
            30,
            "minutes of inactivity that end a session",
        )?;
        let session_max: u64 = r.read(
            "HUB_SESSION_MAX_HOURS",
            12,
            "hours after which any session ends",
        )?;
        let rate_per_minute: u32 = r.read(
            "HUB_RATE_PER_MINUTE",
            600,
            "requests per minute one IP address may make (partner keys have their own)",
        )?;
        let signin_rate_per_minute: u32 = r.read(
            "HUB_SIGNIN_RATE_PER_MINUTE",
            30,
            "sign-in, registration and reset attempts per minute from one IP address",
        )?;

        let positive = |name: &str, v: u64| {
            if v == 0 {
                Err(ConfigError {
                    setting: name.into(),
                    message: "must be greater than 0".into(),
                })
            } else {
                Ok(v)
            }
        };
        positive("HUB_DB_POOL_SIZE", db_pool_size.into())?;
        positive("HUB_WORKERS", workers as u64)?;
        positive("HUB_REQUEST_TIMEOUT_SECS", request_timeout)?;
        positive("HUB_OUTBOX_POLL_MS", outbox_poll)?;
        positive("HUB_QDR_DEBOUNCE_MS", qdr_debounce)?;
        positive("HUB_OUTBOX_MAX_ATTEMPTS", outbox_max_attempts.max(0) as u64)?;
        positive("HUB_OUTBOX_CONCURRENCY", outbox_concurrency as u64)?;
        positive("HUB_DELIVERY_TIMEOUT_SECS", delivery_timeout)?;
        positive("HUB_LOCKOUT_ATTEMPTS", lockout_attempts.max(0) as u64)?;
        positive("HUB_SESSION_IDLE_MINS", session_idle)?;
        positive("HUB_SESSION_MAX_HOURS", session_max)?;
        positive("HUB_RATE_PER_MINUTE", rate_per_minute.into())?;
        positive("HUB_SIGNIN_RATE_PER_MINUTE", signin_rate_per_minute.into())?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(ConfigError {
                setting: "HUB_BASE_URL".into(),
                message: "must be an http or https URL".into(),
            });
        }
        adapters::mail::Transport::from_url(&mail_url).map_err(|e| ConfigError {
            setting: "HUB_MAIL_URL".into(),
            message: e.to_string(),
        })?;
        crate::db::Backend::from_url(&database_url).map_err(|e| ConfigError {
            setting: "DATABASE_URL".into(),
            message: e.to_string(),
        })?;

        Ok(Self {
            bind,
            base_url,
            data_dir,
            database_url,
            db_pool_size,
            mail_url,
            master_key,
            log,
            log_format,
            demo_data,
            workers,
            max_body_bytes,
            max_url_bytes,
            max_header_bytes,
            request_timeout: Duration::from_secs(request_timeout),
            shutdown_timeout: Duration::from_secs(shutdown_timeout),
            trusted_proxies,
            outbox_poll: Duration::from_millis(outbox_poll),
            outbox_max_attempts,
            outbox_concurrency,
            delivery_timeout: Duration::from_secs(delivery_timeout),
            outbox_lease: Duration::from_secs(outbox_lease),
            sparql_timeout: Duration::from_millis(sparql_timeout),
            sparql_partner_timeout: Duration::from_millis(sparql_partner_timeout),
            sparql_max_results,
            sparql_partner_max_results,
            qdr_title,
            qdr_description,
            qdr_debounce: Duration::from_millis(qdr_debounce),
            qdr_push,
            chamilo,
            chamilo_poll: Duration::from_secs(chamilo_poll.max(1)),
            xapi,
            verify_private_addresses,
            mail_from,
            lockout_attempts,
            lockout_window: Duration::from_secs(lockout_window * 60),
            lockout_duration: Duration::from_secs(lockout_duration * 60),
            session_idle: Duration::from_secs(session_idle * 60),
            session_max: Duration::from_secs(session_max * 3600),
            rate_per_minute,
            signin_rate_per_minute,
            explained: r.explained,
        })
    }

    /// Each setting with its value (secrets masked), where it came from, and what it does.
    pub fn explain(&self) -> &[Setting] {
        &self.explained
    }

    /// HSTS is only meaningful, and only safe to send, when the hub is served over TLS.
    pub fn is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// The base URL without its trailing slash, for building absolute links.
    pub fn origin(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// The configured master key, or the one kept in the data directory (created on first use).
    pub fn resolve_master_key(&self) -> std::io::Result<MasterKey> {
        match &self.master_key {
            Some(key) => Ok(key.clone()),
            None => MasterKey::load_or_create(&self.data_dir.join("master.key")),
        }
    }

    pub fn data_path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.data_dir.join(name)
    }
}

/// Shown instead of the configuration so that a stray `{:?}` can never log a secret.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for s in &self.explained {
            map.entry(&s.env, &s.value);
        }
        map.finish()
    }
}

/// `postgres://hub:s3cret@db/hub` is shown as `postgres://hub:***@db/hub`.
fn redact_password(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_bare_start_gets_working_defaults() {
        let c = Config::from_sources(&env(&[]), &toml::Table::new()).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(c.database_url, "sqlite://./data/hub.db");
        assert_eq!(c.mail_url, "file://./data/mail");
        assert!(c.explain().iter().all(|s| s.origin == Origin::Default));
    }

    #[test]
    fn environment_beats_file_beats_default() {
        let file: toml::Table = "bind = \"0.0.0.0:9000\"\nlog = \"debug\"".parse().unwrap();
        let c = Config::from_sources(&env(&[("HUB_LOG", "warn")]), &file).unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.log, "warn");
        let origin = |name| c.explain().iter().find(|s| s.env == name).unwrap().origin;
        assert_eq!(origin("HUB_BIND"), Origin::File);
        assert_eq!(origin("HUB_LOG"), Origin::Environment);
        assert_eq!(origin("HUB_DATA_DIR"), Origin::Default);
    }

    #[test]
    fn a_bad_value_names_its_setting() {
        let err = Config::from_sources(&env(&[("HUB_BIND", "nowhere")]), &toml::Table::new())
            .unwrap_err();
        assert_eq!(err.setting, "HUB_BIND");
        let err = Config::from_sources(&env(&[("DATABASE_URL", "mysql://x")]), &toml::Table::new())
            .unwrap_err();
        assert_eq!(err.setting, "DATABASE_URL");
    }

    #[test]
    fn secrets_never_show() {
        let key = MasterKey::generate().to_base64();
        let c =
            Config::from_sources(&env(&[("HUB_MASTER_KEY", &key)]), &toml::Table::new()).unwrap();
        let shown = c
            .explain()
            .iter()
            .find(|s| s.env == "HUB_MASTER_KEY")
            .unwrap();
        assert_eq!(shown.value, "***");
        assert!(!format!("{c:?}").contains(&key));
        let c = Config::from_sources(
            &env(&[("DATABASE_URL", "postgres://hub:s3cret@db.example/hub")]),
            &toml::Table::new(),
        )
        .unwrap();
        assert!(format!("{c:?}").contains("postgres://hub:***@db.example/hub"));
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
