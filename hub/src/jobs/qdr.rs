//! Publishing to QDR, outside requests: [`Dataset`] makes a new dataset version once the
//! published offers have settled, and [`Push`] delivers each version to the QDR API from the
//! outbox.
//!
//! The dataset follows the event tail like a projection, but keeps no read model: an event that
//! may change what is published (any event about an offer or an organisation) only marks the
//! dataset stale. A version is made once no such event came for the debounce time (approving 50
//! offers in a minute makes one version), or after ten debounce times of steady change. A start
//! counts as a change: the hub may have been down while offers changed, and a version equal to the
//! latest is never stored, so the check costs one document, not a version.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::sync::watch;

use super::tail::{Projection, Tail};
use super::{Consumer, WorkerHandle};
use crate::config::{Config, QdrPush};
use crate::db::outbox::{Delivery, Event};
use crate::db::Db;
use crate::domain::events::EventKind;
use crate::domain::qdr;
use crate::domain::vocabulary::SubjectType;
use crate::error::Error;

/// When the published offers last changed, as far as the dataset knows.
#[derive(Debug, Clone, Copy)]
struct Stale {
    since: Instant,
    last: Instant,
    /// At start: make (or confirm) the version without waiting.
    now: bool,
}

pub struct Dataset {
    base: String,
    /// Whether versions are pushed: then a start also queues a version never pushed.
    pushing: bool,
    debounce: Duration,
    tail: tokio::sync::Mutex<Tail>,
    loaded: AtomicBool,
    stale: Mutex<Option<Stale>>,
}

impl Dataset {
    pub fn new(config: &Config) -> Arc<Self> {
        Arc::new(Self {
            base: config.origin().to_string(),
            pushing: config.qdr_push.is_some(),
            debounce: config.qdr_debounce,
            tail: tokio::sync::Mutex::new(Tail::default()),
            loaded: AtomicBool::new(false),
            stale: Mutex::new(None),
        })
    }

    fn mark(&self, now: bool) {
        let at = Instant::now();
        let mut stale = self.stale.lock().expect("dataset state");
        *stale = Some(match *stale {
            Some(s) => Stale {
                last: at,
                now: s.now || now,
                ..s
            },
            None => Stale {
                since: at,
                last: at,
                now,
            },
        });
    }

    /// Takes the stale mark when a version is due.
    fn take_due(&self) -> Option<Stale> {
        let mut stale = self.stale.lock().expect("dataset state");
        let due = stale.is_some_and(|s| {
            s.now || s.last.elapsed() >= self.debounce || s.since.elapsed() >= self.debounce * 10
        });
        if due {
            stale.take()
        } else {
            None
        }
    }

    /// Puts a mark back after a failed attempt, so the next round tries again.
    fn restore(&self, s: Stale) {
        let mut stale = self.stale.lock().expect("dataset state");
        if stale.is_none() {
            *stale = Some(s);
        }
    }

    /// Makes a version if one is due; the version made, if the offers differed from the latest.
    pub async fn settle(&self, db: &Db) -> Result<Option<qdr::Version>, Error> {
        let Some(due) = self.take_due() else {
            return Ok(None);
        };
        let base = self.base.clone();
        let started = Instant::now();
        match db.run(move |conn| qdr::make_version(conn, &base)).await {
            Ok(Some(v)) => {
                tracing::info!(
                    version = v.number,
                    offers = v.offer_count,
                    left_out = v.excluded.len(),
                    bytes = v.byte_size,
                    ms = started.elapsed().as_millis() as u64,
                    "QDR dataset version made"
                );
                Ok(Some(v))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.restore(due);
                Err(e)
            }
        }
    }
}

impl Projection for Dataset {
    fn name(&self) -> &'static str {
        "QDR dataset"
    }

    fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    fn load<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut tail = self.tail.lock().await;
            *tail = db.run(Tail::starting_now).await?;
            if self.pushing {
                if let Some(n) = db.run(qdr::push_if_never_pushed).await? {
                    tracing::info!(
                        version = n,
                        "QDR: the latest version was never pushed; queued"
                    );
                }
            }
            self.mark(true);
            self.loaded.store(true, Ordering::Release);
            Ok(())
        })
    }

    fn tail(&self) -> &tokio::sync::Mutex<Tail> {
        &self.tail
    }

    fn apply<'a>(&'a self, _db: &'a Db, events: &'a [Event]) -> BoxFuture<'a, Result<(), Error>> {
        let touches = events.iter().any(|e| {
            matches!(
                e.subject_type.parse::<SubjectType>(),
                Ok(SubjectType::Offer | SubjectType::Organisation)
            )
        });
        if touches {
            self.mark(false);
        }
        Box::pin(async { Ok(()) })
    }
}

/// Follows the events and makes versions as they fall due, every `every`, until stopped.
pub fn start(dataset: Arc<Dataset>, db: Db, every: Duration) -> WorkerHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let done = match dataset.is_loaded() {
                false => dataset.load(&db).await,
                true => dataset.catch_up(&db).await.map(drop),
            };
            let done = match done {
                Ok(()) => dataset.settle(&db).await.map(drop),
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, "QDR dataset: could not make a version; retrying");
            }
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
    WorkerHandle::new(stop, task)
}

/// Pushes each new version, and each one a superadmin asks for again, to the QDR API. Every
/// attempt is recorded with QDR's answer; a failed one is retried by the outbox with backoff.
pub struct Push {
    db: Db,
    client: adapters::qdr::Client,
    settings: QdrPush,
    title: String,
    description: String,
}

impl Push {
    pub fn new(config: &Config, settings: QdrPush, db: Db) -> Result<Self, Error> {
        // Shorter than the worker's own limit, so a QDR that hangs still gets its attempt
        // recorded before the worker gives up on the delivery.
        let client = adapters::qdr::Client::new(
            settings.url.clone(),
            settings.api_key.clone(),
            config.delivery_timeout * 4 / 5,
        )
        .map_err(|e| Error::Internal(format!("QDR client: {e}")))?;
        Ok(Self {
            db,
            client,
            settings,
            title: config.qdr_title.clone(),
            description: config.qdr_description.clone(),
        })
    }

    async fn push(&self, delivery: &Delivery) -> Result<(), String> {
        let number: i32 = delivery
            .event
            .subject_id
            .parse()
            .map_err(|_| format!("{:?} is not a version", delivery.event.subject_id))?;
        let version = self
            .db
            .run(move |conn| qdr::version(conn, number))
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("version {number} is gone"))?;
        // A new version's push that waited out a QDR outage must not land after a later
        // version's: QDR would take it for the latest. A superadmin's re-push is always sent.
        if delivery.event.kind == EventKind::QdrVersion.as_str() {
            let latest = self
                .db
                .run(qdr::current)
                .await
                .map_err(|e| e.to_string())?
                .map_or(number, |v| v.number);
            if latest > number {
                let note = format!("not pushed: superseded by version {latest}");
                self.db
                    .run(move |conn| qdr::record_attempt(conn, number, None, false, &note))
                    .await
                    .map_err(|e| e.to_string())?;
                return Ok(());
            }
        }
        let request = adapters::qdr::VersionPush {
            dataset_uri: self.settings.dataset_uri.clone(),
            title_en: self.title.clone(),
            description_en: self.description.clone(),
            version: number,
            notes_en: version.notes.clone(),
            download_url: self
                .settings
                .download_url
                .replace("{n}", &number.to_string()),
        };
        let outcome = self
            .client
            .push(&request, &delivery.idempotency_key())
            .await;
        let (status, ok, said) = match &outcome {
            Ok(answer) => (Some(answer.status), answer.accepted(), answer.body.clone()),
            Err(why) => (None, false, why.clone()),
        };
        let recorded = said.clone();
        self.db
            .run(move |conn| qdr::record_attempt(conn, number, status, ok, &recorded))
            .await
            .map_err(|e| e.to_string())?;
        match outcome {
            Ok(answer) if answer.accepted() => Ok(()),
            Ok(answer) => Err(format!("QDR answered {}", answer.status)),
            Err(why) => Err(why),
        }
    }
}

impl Consumer for Push {
    fn name(&self) -> &'static str {
        qdr::PUSHER
    }

    fn kinds(&self) -> &'static [EventKind] {
        &[EventKind::QdrVersion, EventKind::QdrPush]
    }

    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(self.push(delivery))
    }
}
