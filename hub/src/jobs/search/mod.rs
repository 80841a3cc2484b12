//! The catalogue's search projection (DESIGN.md, Projections): every published offer's
//! filterable fields in memory and its text in a tantivy index, built from SQL at start and kept
//! current by tailing `events`. It answers which offers match a query, in what order, and the
//! facet counts; the page's offers themselves are then read from SQL.
//!
//! Nothing here is trusted: a restart rebuilds it, and each hub instance keeps its own.

mod fold;
mod rank;
mod table;
mod text;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use futures_util::future::BoxFuture;

use crate::jobs::tail::{Projection, Tail};
pub use fold::fold;
use table::Table;
use text::TextIndex;

use crate::db::outbox::Event;
use crate::db::Db;
use crate::domain::catalogue::{self, OfferView as Offer};
use crate::domain::offers::{ListQuery, Page};
use crate::domain::vocabulary::SubjectType;
use crate::error::Error;

/// Offers read from SQL per query while building or catching up.
/// Offers read from SQL at once while loading.
const LOAD_BATCH: i64 = 500;

pub struct Catalogue {
    /// False until the first full read from SQL succeeded: until then searches answer 503 and
    /// events are not applied (there is nothing to apply them to).
    loaded: AtomicBool,
    table: RwLock<Table>,
    text: TextIndex,
    /// Held while applying events, so batches apply in order and one at a time.
    tail: tokio::sync::Mutex<Tail>,
    /// Moves on whenever anything a public read shows may have changed: the key under which
    /// cached reads are kept (so a changed catalogue is never served from the cache).
    generation: AtomicU64,
    /// Searches run on the blocking pool, at most one per core: more at once would not finish
    /// sooner, only hold more memory (each holds its match set).
    searching: tokio::sync::Semaphore,
}

impl Catalogue {
    /// An empty catalogue; [`Self::load`] fills it.
    pub fn new() -> Result<Arc<Self>, Error> {
        Ok(Arc::new(Self {
            loaded: AtomicBool::new(false),
            table: RwLock::default(),
            text: TextIndex::new()?,
            tail: tokio::sync::Mutex::new(Tail::default()),
            generation: AtomicU64::new(1),
            searching: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }))
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Reads every published offer from SQL. The tail starts at the newest event *before* the
    /// read, so whatever is written meanwhile is applied again afterwards (applying is
    /// idempotent). A failed load leaves the catalogue unloaded, to be tried again.
    pub async fn load(&self, db: &Db) -> Result<(), Error> {
        let started = std::time::Instant::now();
        let mut tail = self.tail.lock().await;
        *self.write() = Table::default();
        self.text.clear()?;
        *tail = db.run(Tail::starting_now).await?;
        let mut after: Option<String> = None;
        let mut count = 0;
        loop {
            let from = after.clone();
            let batch = db
                .run(move |conn| catalogue::published_batch(conn, from.as_deref(), LOAD_BATCH))
                .await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id.clone());
            count += batch.len();
            for offer in &batch {
                self.put(offer)?;
            }
        }
        self.text.commit()?;
        self.loaded.store(true, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
        tracing::info!(
            offers = count,
            after_event = tail.position(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue search index built"
        );
        drop(tail);
        self.catch_up(db).await?;
        Ok(())
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The provider of a published offer, or `None` when the offer is not public.
    pub fn provider_of(&self, id: &str) -> Option<String> {
        self.read().provider_of(id).map(str::to_string)
    }

    /// Adds or replaces a published offer (text visible after the next commit).
    fn put(&self, offer: &Offer) -> Result<(), Error> {
        let mut texts = Vec::new();
        let all = std::iter::once((&offer.default_language, &offer.text))
            .chain(offer.translations.iter());
        for (lang, t) in all {
            let body = [&t.description]
                .into_iter()
                .chain(&t.learning_outcomes)
                .chain(&t.acquired_documents)
                .chain(
                    [
                        &t.validation,
                        &t.target_group,
                        &t.participant_requirements,
                        &t.staff_requirements,
                        &t.vr_ar_instructions,
                    ]
                    .into_iter()
                    .flatten(),
                )
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("\n");
            texts.push((lang.clone(), t.title.clone(), body));
        }
        let city = offer.address.as_ref().and_then(|a| a.city.as_deref());
        let names = format!(
            "{} {} {}",
            offer.provider.name,
            city.unwrap_or_default(),
            offer.industry
        );
        let slot = self.write().put(offer);
        self.text.put(&text::Document {
            slot: u64::from(slot),
            texts,
            names,
        })
    }

    /// Drops the offer if the catalogue holds it; returns whether it did.
    fn remove(&self, id: &str) -> bool {
        let removed = self.write().remove(id);
        if let Some(slot) = removed {
            self.text.remove(u64::from(slot));
        }
        removed.is_some()
    }

    /// Puts the offers a batch touched back as SQL now has them, dropping those no longer
    /// published.
    async fn apply_batch(&self, db: &Db, events: &[Event]) -> Result<(), Error> {
        let ids = self.offers_touched(events);
        if ids.is_empty() {
            return Ok(());
        }
        let wanted = ids.clone();
        let published = db
            .run(move |conn| catalogue::published_in_order(conn, &wanted))
            .await?;
        let still: HashSet<&str> = published.iter().map(|o| o.id.as_str()).collect();
        let mut changed = !published.is_empty();
        for id in ids.iter().filter(|id| !still.contains(id.as_str())) {
            changed |= self.remove(id);
        }
        for offer in &published {
            self.put(offer)?;
        }
        // Edits of drafts and offers under review change nothing public: the cache keeps its
        // answers.
        if changed {
            self.text.commit()?;
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// The offers whose public view an event may change: the offer it is about, the offer an
    /// application or rating belongs to, or every offer of an organisation that changed.
    fn offers_touched(&self, events: &[Event]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for e in events {
            match e.subject_type.parse::<SubjectType>() {
                Ok(SubjectType::Offer) => ids.push(e.subject_id.clone()),
                Ok(SubjectType::Organisation) => ids.extend(self.read().offers_of(&e.subject_id)),
                _ => {
                    let payload: serde_json::Value =
                        serde_json::from_str(&e.payload).unwrap_or_default();
                    if let Some(id) = payload.get("offer_id").and_then(|v| v.as_str()) {
                        ids.push(id.to_string());
                    }
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// [`Self::search`] off the async threads (a search of a large catalogue is milliseconds of
    /// CPU; the HTTP workers meanwhile keep answering from the cache), a bounded number at once.
    pub async fn search_in_background(
        self: &Arc<Self>,
        q: ListQuery,
    ) -> Result<Page<String>, Error> {
        let _permit = self
            .searching
            .acquire()
            .await
            .map_err(|_| Error::ShuttingDown)?;
        let catalogue = self.clone();
        tokio::task::spawn_blocking(move || catalogue.search(&q))
            .await
            .map_err(|e| Error::Internal(format!("search task: {e}")))?
    }

    /// The ids of the page asked for, the total and the facets of the whole matching set.
    pub fn search(&self, q: &ListQuery) -> Result<Page<String>, Error> {
        if !self.is_loaded() {
            return Err(Error::Unavailable("the catalogue is still loading".into()));
        }
        let hits: Option<Vec<(u64, f32)>> = match q.text.as_deref() {
            Some(text) => self.text.matches(text)?,
            None => None,
        };
        let table = self.read();
        let (found, facets) = table.scan(&q.filter, hits.as_deref());
        let total = found.len();
        let page_size = q.page_size.max(1) as usize;
        let skip = (q.page.max(1) as usize - 1).saturating_mul(page_size);
        let wanted = skip.saturating_add(page_size).min(total);
        let items = if skip >= total {
            Vec::new()
        } else {
            rank::page_of(&table, found, q, skip, wanted)
        };
        Ok(Page {
            items,
            total: total as i64,
            facets,
        })
    }

    /// The id of the last event applied (0 before loading).
    pub async fn position(&self) -> i64 {
        self.tail.lock().await.position()
    }

    /// How many offers the catalogue holds.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Projection for Catalogue {
    fn name(&self) -> &'static str {
        "catalogue search"
    }

    fn is_loaded(&self) -> bool {
        Catalogue::is_loaded(self)
    }

    fn load<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(Catalogue::load(self, db))
    }

    fn tail(&self) -> &tokio::sync::Mutex<Tail> {
        &self.tail
    }

    fn apply<'a>(&'a self, db: &'a Db, events: &'a [Event]) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.apply_batch(db, events))
    }
}
