//! The linked-data projection (DESIGN.md, Projections): every published offer as its ELM graph in
//! an in-memory Oxigraph store, one named graph per offer (`{base}id/offer/{id}`), built from SQL
//! at start and kept current by the same event tail as the search projection. SPARQL and the
//! dereferenceable IRIs read it; nothing writes it but this module.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use oxigraph::store::Store;

use crate::db::outbox::Event;
use crate::db::Db;
use crate::domain::catalogue::OfferView;
use crate::domain::europass::{self, Provider};
use crate::domain::vocabulary::SubjectType;
use crate::error::Error;
use crate::jobs::tail::{Projection, Tail};

/// Offers read from SQL at once while loading.
const LOAD_BATCH: i64 = 500;

pub struct LinkedData {
    store: Store,
    /// The hub's public URL: the IRIs' base.
    base: String,
    loaded: AtomicBool,
    tail: tokio::sync::Mutex<Tail>,
    /// Each provider's offers in the store, so a change of the provider reaches them all.
    offers_of: Mutex<HashMap<String, HashSet<String>>>,
    /// One running SPARQL query per core: a burst of expensive queries waits here instead of
    /// taking every thread of the blocking pool the database calls also need.
    query_slots: tokio::sync::Semaphore,
}

impl LinkedData {
    pub fn new(base: &str) -> Result<Arc<Self>, Error> {
        Ok(Arc::new(Self {
            store: Store::new().map_err(|e| Error::Internal(format!("RDF store: {e}")))?,
            base: base.to_string(),
            loaded: AtomicBool::new(false),
            tail: tokio::sync::Mutex::new(Tail::default()),
            offers_of: Mutex::default(),
            query_slots: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }))
    }

    /// The store, for queries (never for writes).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The permits a SPARQL query holds while it runs.
    pub fn query_slots(&self) -> &tokio::sync::Semaphore {
        &self.query_slots
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Replaces `offers`' graphs with their current ones (an offer mapped with an error is left
    /// out, and said so in the log: its graph would not be ELM).
    fn put(
        &self,
        offers: &[OfferView],
        providers: &BTreeMap<String, Provider>,
    ) -> Result<(), Error> {
        let store_err =
            |e: oxigraph::store::StorageError| Error::Internal(format!("RDF store: {e}"));
        for offer in offers {
            // Known under its provider before it is mapped, so a provider's change reaches it
            // even when this mapping fails.
            self.offers_of
                .lock()
                .expect("offers by provider")
                .entry(offer.provider.id.clone())
                .or_default()
                .insert(offer.id.clone());
            let graph = rdf::elm::offer_graph(&self.base, &offer.id);
            self.store.remove_named_graph(&graph).map_err(store_err)?;
            let Some(provider) = providers.get(&offer.provider.id) else {
                continue;
            };
            let lo = europass::learning_opportunity(offer, provider, &self.base);
            match rdf::elm::learning_opportunity(&lo, &self.base) {
                Ok(quads) => self.store.extend(quads).map_err(store_err)?,
                Err(e) => {
                    tracing::warn!(offer = %offer.id, error = %e, "offer left out of the linked data")
                }
            }
        }
        Ok(())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        let graph = rdf::elm::offer_graph(&self.base, id);
        self.store
            .remove_named_graph(&graph)
            .map_err(|e| Error::Internal(format!("RDF store: {e}")))?;
        for offers in self
            .offers_of
            .lock()
            .expect("offers by provider")
            .values_mut()
        {
            offers.remove(id);
        }
        Ok(())
    }

    async fn load_all(&self, db: &Db) -> Result<(), Error> {
        let started = std::time::Instant::now();
        let mut tail = self.tail.lock().await;
        self.store
            .clear()
            .map_err(|e| Error::Internal(format!("RDF store: {e}")))?;
        self.offers_of.lock().expect("offers by provider").clear();
        *tail = db.run(Tail::starting_now).await?;
        let mut after: Option<String> = None;
        let mut count = 0;
        loop {
            let from = after.clone();
            let (batch, providers) = db
                .run(move |conn| europass::published_batch(conn, from.as_deref(), LOAD_BATCH))
                .await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id.clone());
            count += batch.len();
            self.put(&batch, &providers)?;
        }
        self.loaded.store(true, Ordering::Release);
        tracing::info!(
            offers = count,
            after_event = tail.position(),
            ms = started.elapsed().as_millis() as u64,
            "linked data built"
        );
        drop(tail);
        self.catch_up(db).await?;
        Ok(())
    }

    /// The offers whose ELM graph an event may change: the offer it is about, or every offer of
    /// an organisation that changed. Applications and ratings are no part of ELM.
    fn touched(&self, events: &[Event]) -> Vec<String> {
        let mut ids = Vec::new();
        for e in events {
            match e.subject_type.parse::<SubjectType>() {
                Ok(SubjectType::Offer) => ids.push(e.subject_id.clone()),
                Ok(SubjectType::Organisation) => ids.extend(
                    self.offers_of
                        .lock()
                        .expect("offers by provider")
                        .get(&e.subject_id)
                        .into_iter()
                        .flatten()
                        .cloned(),
                ),
                _ => {}
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Puts the offers a batch touched back as SQL now has them, dropping those no longer
    /// published.
    async fn apply_batch(&self, db: &Db, events: &[Event]) -> Result<(), Error> {
        let ids = self.touched(events);
        if ids.is_empty() {
            return Ok(());
        }
        let wanted = ids.clone();
        let (published, providers) = db
            .run(move |conn| europass::published(conn, &wanted))
            .await?;
        let still: HashSet<&str> = published.iter().map(|o| o.id.as_str()).collect();
        for id in ids.iter().filter(|id| !still.contains(id.as_str())) {
            self.remove(id)?;
        }
        self.put(&published, &providers)
    }
}

impl Projection for LinkedData {
    fn name(&self) -> &'static str {
        "linked data"
    }

    fn is_loaded(&self) -> bool {
        LinkedData::is_loaded(self)
    }

    fn load<'a>(&'a self, db: &'a Db) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.load_all(db))
    }

    fn tail(&self) -> &tokio::sync::Mutex<Tail> {
        &self.tail
    }

    fn apply<'a>(&'a self, db: &'a Db, events: &'a [Event]) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.apply_batch(db, events))
    }
}
