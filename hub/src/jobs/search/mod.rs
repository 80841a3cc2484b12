//! The catalogue's search projection (DESIGN.md, Projections): every published offer's
//! filterable fields in memory and its text in a tantivy index, built from SQL at start and kept
//! current by tailing `events`. It answers which offers match a query, in what order, and the
//! facet counts; the page's offers themselves are then read from SQL.
//!
//! Nothing here is trusted: a restart rebuilds it, and each hub instance keeps its own.

mod fold;
mod tail;
mod text;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::watch;
use uuid::Uuid;

pub use fold::fold;
use tail::Tail;
use text::TextIndex;

use super::WorkerHandle;
use crate::db::outbox::Event;
use crate::db::Db;
use crate::domain::money::{minor_digits, Money};
use crate::domain::offers::{self, Direction, Facets, ListQuery, Offer, Page, SortField};
use crate::error::Error;

/// Offers read from SQL per query while building or catching up.
const BATCH: i64 = 500;

/// What the catalogue filters, counts and sorts on, per published offer. Facet values are small
/// numbers so that counting a hundred thousand offers is a pass over plain integers.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    provider_id: String,
    /// Index into [`Table::industries`].
    industry: u16,
    /// Index into [`offers::MODES`].
    mode: u8,
    /// Bit `i` set: taught in [`offers::LANGUAGES`]`[i]`.
    languages: u8,
    vr_ar: bool,
    microcredential: bool,
    eqf_level: Option<u8>,
    /// Folded, so `Łódź` and `lodz` are the same city.
    city: Option<String>,
    country: Option<String>,
    start_date: NaiveDate,
    /// Days since 1970, for packed ordering ([`Rank`]).
    start_days: i32,
    /// See [`id_key`].
    id_key: u128,
    currency: String,
    /// Millionths of the currency's major unit (see `Filter::price_min`).
    price_micros: i64,
    default_language: usize,
    /// Folded title per [`offers::LANGUAGES`] index, for sorting by title in the shown language.
    titles: [Option<String>; 4],
    created_at: DateTime<Utc>,
    rating: Option<f64>,
}

#[derive(Default)]
struct Table {
    /// Indexed by slot; a withdrawn offer leaves a hole that the next new offer fills.
    slots: Vec<Option<Entry>>,
    by_id: HashMap<String, u64>,
    free: Vec<u64>,
    industries: Vec<String>,
}

impl Table {
    fn slot_for(&mut self, id: &str) -> u64 {
        if let Some(&slot) = self.by_id.get(id) {
            return slot;
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            (self.slots.len() - 1) as u64
        });
        self.by_id.insert(id.to_string(), slot);
        slot
    }

    fn industry(&mut self, name: &str) -> u16 {
        match self.industries.iter().position(|i| i == name) {
            Some(i) => i as u16,
            None => {
                self.industries.push(name.to_string());
                (self.industries.len() - 1) as u16
            }
        }
    }

    fn remove(&mut self, id: &str) -> Option<u64> {
        let slot = self.by_id.remove(id)?;
        self.slots[slot as usize] = None;
        self.free.push(slot);
        Some(slot)
    }
}

fn language_index(lang: &str) -> Option<usize> {
    offers::LANGUAGES.iter().position(|l| *l == lang)
}

/// The price in millionths of the major unit; `None` for an amount the currency cannot hold.
pub fn price_micros(price: &Money) -> Option<i64> {
    let digits = minor_digits(&price.currency)?;
    let minor = Money::parse_minor(&price.amount, &price.currency)?;
    minor.checked_mul(10i64.checked_pow(6u32.checked_sub(digits)?)?)
}

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
                .run(move |conn| offers::published_batch(conn, from.as_deref(), BATCH))
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
        let table = self.read();
        let slot = *table.by_id.get(id)?;
        table.slots[slot as usize]
            .as_ref()
            .map(|e| e.provider_id.clone())
    }

    /// Adds or replaces a published offer (text visible after the next commit).
    fn put(&self, offer: &Offer) -> Result<(), Error> {
        let mut titles: [Option<String>; 4] = Default::default();
        let mut texts = Vec::new();
        let all = std::iter::once((&offer.default_language, &offer.text))
            .chain(offer.translations.iter());
        for (lang, t) in all {
            if let Some(i) = language_index(lang) {
                titles[i] = Some(fold(&t.title));
            }
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
        let city = offer.address.as_ref().and_then(|a| a.city.clone());
        let names = format!(
            "{} {} {}",
            offer.provider.name,
            city.as_deref().unwrap_or_default(),
            offer.industry
        );
        let slot = {
            let mut table = self.write();
            let slot = table.slot_for(&offer.id);
            let entry = Entry {
                id: offer.id.clone(),
                provider_id: offer.provider.id.clone(),
                industry: table.industry(&offer.industry),
                mode: offers::MODES
                    .iter()
                    .position(|m| *m == offer.mode)
                    .unwrap_or(u8::MAX as usize) as u8,
                languages: offer
                    .languages
                    .iter()
                    .filter_map(|l| language_index(l))
                    .fold(0, |bits, i| bits | (1 << i)),
                vr_ar: offer.vr_ar,
                microcredential: offer.microcredential,
                eqf_level: offer.eqf_level.and_then(|l| u8::try_from(l).ok()),
                city: city.as_deref().map(fold),
                country: offer
                    .address
                    .as_ref()
                    .and_then(|a| a.country.as_ref())
                    .map(|c| c.to_ascii_uppercase()),
                start_date: offer.start_date,
                start_days: (offer.start_date - NaiveDate::default()).num_days() as i32,
                id_key: id_key(&offer.id),
                currency: offer.price.currency.clone(),
                price_micros: price_micros(&offer.price).unwrap_or(i64::MAX),
                default_language: language_index(&offer.default_language).unwrap_or(0),
                titles,
                created_at: offer.created_at,
                rating: offer.rating.average,
            };
            table.slots[slot as usize] = Some(entry);
            slot
        };
        self.text.put(&text::Document { slot, texts, names })
    }

    fn remove(&self, id: &str) {
        if let Some(slot) = self.write().remove(id) {
            self.text.remove(slot);
        }
    }

    /// Applies every event not yet applied; returns how many there were. Requests that wrote
    /// call this before answering, so their writer's next read sees the change at once; the
    /// tailing task calls it for everything else (other instances, scheduled jobs).
    pub async fn catch_up(&self, db: &Db) -> Result<usize, Error> {
        let mut tail = self.tail.lock().await;
        if !self.is_loaded() {
            return Ok(0);
        }
        let mut applied = 0;
        loop {
            let mut reading = tail.clone();
            let (reading, events) = db
                .run(move |conn| {
                    let events = reading.next(conn, BATCH)?;
                    Ok((reading, events))
                })
                .await?;
            if events.is_empty() {
                return Ok(applied);
            }
            applied += events.len();
            let ids = self.offers_touched(&events);
            if !ids.is_empty() {
                let wanted = ids.clone();
                let published = db
                    .run(move |conn| offers::published_in_order(conn, &wanted))
                    .await?;
                let still: HashSet<&str> = published.iter().map(|o| o.id.as_str()).collect();
                for id in ids.iter().filter(|id| !still.contains(id.as_str())) {
                    self.remove(id);
                }
                for offer in &published {
                    self.put(offer)?;
                }
                self.text.commit()?;
                self.generation.fetch_add(1, Ordering::AcqRel);
            }
            *tail = reading;
        }
    }

    /// The offers whose public view an event may change: the offer it is about, the offer an
    /// application or rating belongs to, or every offer of an organisation that changed.
    fn offers_touched(&self, events: &[Event]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for e in events {
            match e.subject_type.as_str() {
                "offer" => ids.push(e.subject_id.clone()),
                "organisation" => {
                    let table = self.read();
                    ids.extend(
                        table
                            .slots
                            .iter()
                            .flatten()
                            .filter(|entry| entry.provider_id == e.subject_id)
                            .map(|entry| entry.id.clone()),
                    );
                }
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

    /// Loads the catalogue if it is not yet loaded (the database may come up after the hub),
    /// then tails `events` every `every` until stopped.
    pub fn start_tailing(self: Arc<Self>, db: Db, every: Duration) -> WorkerHandle {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let done = match self.is_loaded() {
                    false => self.load(&db).await,
                    true => self.catch_up(&db).await.map(drop),
                };
                if let Err(e) = done {
                    tracing::warn!(error = %e, "catalogue search could not load or catch up; retrying");
                }
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(every) => {}
                }
            }
        });
        WorkerHandle::new(stop, task)
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
        let f = &q.filter;
        let industry = match &f.industry {
            Some(name) => match table.industries.iter().position(|i| i == name) {
                Some(i) => Some(i as u16),
                None => return Ok(empty_page()),
            },
            None => None,
        };
        let mode = f.mode.as_ref().map(|m| {
            offers::MODES
                .iter()
                .position(|x| x == m)
                .unwrap_or(usize::MAX) as u8
        });
        let language = f
            .language
            .as_deref()
            .map(|l| language_index(l).map_or(0u8, |i| 1 << i));
        let city = f.city.as_deref().map(fold);
        let country = f.country.as_ref().map(|c| c.to_ascii_uppercase());
        let currency = f.currency.as_ref().map(|c| c.to_ascii_uppercase());
        let eqf = f.eqf_level.and_then(|l| u8::try_from(l).ok());

        let mut found: Vec<(&Entry, f32)> = Vec::new();
        let mut counts = Counts::new(table.industries.len());
        // With a text query only its hits are looked at; without one, every offer.
        let candidates: Box<dyn Iterator<Item = (&Entry, f32)>> = match &hits {
            Some(hits) => Box::new(hits.iter().filter_map(|(slot, score)| {
                let entry = table.slots.get(*slot as usize)?.as_ref()?;
                Some((entry, *score))
            })),
            None => Box::new(table.slots.iter().flatten().map(|e| (e, 0.0))),
        };
        for (e, score) in candidates {
            let keep = industry.is_none_or(|v| e.industry == v)
                && mode.is_none_or(|v| e.mode == v)
                && language.is_none_or(|bit| e.languages & bit != 0)
                && f.vr_ar.is_none_or(|v| e.vr_ar == v)
                && f.microcredential.is_none_or(|v| e.microcredential == v)
                && (f.eqf_level.is_none() || e.eqf_level == eqf)
                && city.as_ref().is_none_or(|v| e.city.as_ref() == Some(v))
                && country
                    .as_ref()
                    .is_none_or(|v| e.country.as_ref() == Some(v))
                && f.provider.as_ref().is_none_or(|v| &e.provider_id == v)
                && f.starts_after.is_none_or(|d| e.start_date >= d)
                && f.starts_before.is_none_or(|d| e.start_date <= d)
                && currency.as_ref().is_none_or(|v| &e.currency == v)
                && f.price_min.is_none_or(|p| e.price_micros >= p)
                && f.price_max.is_none_or(|p| e.price_micros <= p);
            if keep {
                counts.add(e);
                found.push((e, score));
            }
        }

        let total = found.len();
        let page_size = q.page_size.max(1) as usize;
        let skip = (q.page.max(1) as usize - 1).saturating_mul(page_size);
        let wanted = skip.saturating_add(page_size).min(total);
        let items = if skip >= total {
            Vec::new()
        } else {
            page_of(found, q, skip, wanted)
        };
        Ok(Page {
            items,
            total: total as i64,
            facets: counts.into_facets(&table.industries),
        })
    }

    /// How many offers the catalogue holds.
    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the matches are ordered by, packed so that comparing two is comparing integers: the
/// sort key (already turned for the direction), then start date, then id (ties never depend on
/// where an offer sits in memory, so a restarted hub pages the same way).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    key: i64,
    start: i32,
    id: u128,
}

/// Orders only as much as the page needs: the first `wanted` are selected in linear time and
/// only they are sorted.
fn page_of(found: Vec<(&Entry, f32)>, q: &ListQuery, skip: usize, wanted: usize) -> Vec<String> {
    let (field, direction) = q.order();
    let turn = |v: i64| match direction {
        Direction::Asc => v,
        Direction::Desc => -v,
    };
    let mut ranked: Vec<(Rank, &Entry)> = found
        .into_iter()
        .map(|(e, score)| {
            let key = match field {
                SortField::StartDate | SortField::Title => 0,
                SortField::Price => turn(e.price_micros),
                SortField::CreatedAt => turn(e.created_at.timestamp_micros()),
                // Unrated offers come last in either direction.
                SortField::Rating => e
                    .rating
                    .map_or(i64::MAX, |r| turn((r * 1_000_000.0) as i64)),
                SortField::Relevance => turn((f64::from(score) * 1_000_000.0) as i64),
            };
            let start = match (field, direction) {
                (SortField::StartDate, Direction::Desc) => -e.start_days,
                _ => e.start_days,
            };
            (
                Rank {
                    key,
                    start,
                    id: e.id_key,
                },
                e,
            )
        })
        .collect();
    if field == SortField::Title {
        let lang = q.lang.as_deref().and_then(language_index);
        let compare = |a: &(Rank, &Entry), b: &(Rank, &Entry)| {
            let by_title = title(a.1, lang).cmp(title(b.1, lang));
            match direction {
                Direction::Asc => by_title,
                Direction::Desc => by_title.reverse(),
            }
            .then(a.0.cmp(&b.0))
        };
        select_then_sort(&mut ranked, wanted, compare);
    } else {
        select_then_sort(&mut ranked, wanted, |a, b| a.0.cmp(&b.0));
    }
    ranked[skip..wanted]
        .iter()
        .map(|(_, e)| e.id.clone())
        .collect()
}

fn select_then_sort<T>(
    items: &mut Vec<T>,
    wanted: usize,
    compare: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
) {
    if wanted > 0 && wanted < items.len() {
        items.select_nth_unstable_by(wanted - 1, compare);
        items.truncate(wanted);
    }
    items.sort_unstable_by(compare);
}

/// The id as a number ordered as the id's text is: a UUID's canonical form is fixed-width
/// lower-case hex, so its numeric and textual orders agree. Other ids keep their first 16 bytes.
fn id_key(id: &str) -> u128 {
    match Uuid::parse_str(id) {
        Ok(uuid) => uuid.as_u128(),
        Err(_) => {
            let mut bytes = [0u8; 16];
            for (b, c) in bytes.iter_mut().zip(id.bytes()) {
                *b = c;
            }
            u128::from_be_bytes(bytes)
        }
    }
}

fn title(e: &Entry, lang: Option<usize>) -> &str {
    lang.and_then(|i| e.titles[i].as_deref())
        .or(e.titles[e.default_language].as_deref())
        .unwrap_or_default()
}

fn empty_page() -> Page<String> {
    Page {
        items: Vec::new(),
        total: 0,
        facets: Facets::default(),
    }
}

/// Facet counts as plain arrays while scanning.
struct Counts {
    industry: Vec<i64>,
    mode: [i64; offers::MODES.len()],
    language: [i64; offers::LANGUAGES.len()],
    eqf_level: [i64; 9],
}

impl Counts {
    fn new(industries: usize) -> Self {
        Self {
            industry: vec![0; industries],
            mode: Default::default(),
            language: Default::default(),
            eqf_level: Default::default(),
        }
    }

    fn add(&mut self, e: &Entry) {
        self.industry[e.industry as usize] += 1;
        if let Some(n) = self.mode.get_mut(e.mode as usize) {
            *n += 1;
        }
        for (i, n) in self.language.iter_mut().enumerate() {
            if e.languages & (1 << i) != 0 {
                *n += 1;
            }
        }
        if let Some(n) = e.eqf_level.and_then(|l| self.eqf_level.get_mut(l as usize)) {
            *n += 1;
        }
    }

    fn into_facets(self, industries: &[String]) -> Facets {
        fn named<'a>(
            names: impl Iterator<Item = String> + 'a,
            counts: impl Iterator<Item = i64> + 'a,
        ) -> std::collections::BTreeMap<String, i64> {
            names.zip(counts).filter(|(_, n)| *n > 0).collect()
        }
        Facets {
            industry: named(industries.iter().cloned(), self.industry.into_iter()),
            mode: named(
                offers::MODES.iter().map(|m| m.to_string()),
                self.mode.into_iter(),
            ),
            language: named(
                offers::LANGUAGES.iter().map(|l| l.to_string()),
                self.language.into_iter(),
            ),
            eqf_level: named((0..9).map(|l| l.to_string()), self.eqf_level.into_iter()),
        }
    }
}
