//! The linked-data projection (DESIGN.md, Projections): every published offer as its ELM graph in
//! an in-memory Oxigraph store, one named graph per offer (`{base}id/offer/{id}`), built from SQL
//! at start and kept current by the same event tail as the search projection. SPARQL and the
//! dereferenceable IRIs read it; nothing writes it but this module.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use oxigraph::model::{Quad, TermRef};
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
/// The planner's guess for a pattern whose only constant is a literal (statistics are kept for
/// IRIs): after every counted one, before those without a constant.
const LITERAL_ESTIMATE: usize = 1_000_000;

/// Quads per (predicate, object IRI), for the IRIs several offers share (vocabulary values,
/// providers); IRIs minted for one offer are left out, so the table stays as small as the
/// vocabularies are. Keyed by a hash of the pair, so counting a quad allocates nothing (a
/// collision only blurs an estimate).
type Statistics = HashMap<u64, usize>;

fn statistics_key(predicate: &str, object: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    predicate.hash(&mut h);
    object.hash(&mut h);
    h.finish()
}

pub struct LinkedData {
    store: Store,
    /// The hub's public URL: the IRIs' base.
    base: String,
    loaded: AtomicBool,
    tail: tokio::sync::Mutex<Tail>,
    /// Each provider's offers in the store, so a change of the provider reaches them all.
    offers_of: Mutex<HashMap<String, HashSet<String>>>,
    /// Kept with every change to the store, for the planner ([`LinkedData::plan`]).
    statistics: Mutex<Statistics>,
    /// `{base}/id/offer/`: IRIs under it belong to one offer and are not counted.
    offer_prefix: String,
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
            statistics: Mutex::default(),
            offer_prefix: format!("{}/", rdf::elm::minted(base, &["offer"]).as_str()),
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
            self.remove_graph(&offer.id)?;
            let Some(provider) = providers.get(&offer.provider.id) else {
                continue;
            };
            let lo = europass::learning_opportunity(offer, provider, &self.base);
            match rdf::elm::learning_opportunity(&lo, &self.base) {
                Ok(quads) => {
                    self.tally(quads.iter(), true);
                    self.store.extend(quads).map_err(store_err)?
                }
                Err(e) => {
                    tracing::warn!(offer = %offer.id, error = %e, "offer left out of the linked data")
                }
            }
        }
        Ok(())
    }

    /// Counts `quads` into the statistics, or out of them.
    fn tally<'q>(&self, quads: impl Iterator<Item = &'q Quad>, add: bool) {
        let mut statistics = self.statistics.lock().expect("statistics");
        for q in quads {
            let TermRef::NamedNode(object) = q.object.as_ref() else {
                continue;
            };
            if object.as_str().starts_with(&self.offer_prefix) {
                continue;
            }
            let key = statistics_key(q.predicate.as_str(), object.as_str());
            if add {
                *statistics.entry(key).or_default() += 1;
            } else if let Some(n) = statistics.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    statistics.remove(&key);
                }
            }
        }
    }

    /// Takes an offer's graph out of the store and its quads out of the statistics.
    fn remove_graph(&self, id: &str) -> Result<(), Error> {
        let store_err =
            |e: oxigraph::store::StorageError| Error::Internal(format!("RDF store: {e}"));
        let graph = rdf::elm::offer_graph(&self.base, id);
        let old: Vec<Quad> = self
            .store
            .quads_for_pattern(None, None, None, Some(graph.as_ref().into()))
            .collect::<Result<_, _>>()
            .map_err(store_err)?;
        self.tally(old.iter(), false);
        self.store.remove_named_graph(&graph).map_err(store_err)?;
        Ok(())
    }

    fn remove(&self, id: &str) -> Result<(), Error> {
        self.remove_graph(id)?;
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
        self.statistics.lock().expect("statistics").clear();
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

/// Query planning with the store's own numbers. Oxigraph orders a basic graph pattern's triples
/// by their shape alone (how many of subject, predicate, object are bound), so every
/// `?x p <constant>` looks alike and the first one written runs first: a partner who names the
/// mode before the ESCO skill starts from a quarter of the catalogue instead of a fiftieth
/// (500 ms against 7 ms at 100,000 offers). Sorting each pattern's triples by how many quads
/// match their constants, before Oxigraph plans, makes the query as fast whichever way it was
/// written. A basic graph pattern is a conjunction: its order changes nothing in the answer.
///
/// The counts come from [`Statistics`], kept as graphs come and go: counting matches in the
/// store when a query arrives cost more than the query (tens of milliseconds for a mode shared
/// by a quarter of 100,000 offers).
impl LinkedData {
    pub fn plan(&self, mut query: spargebra::Query) -> spargebra::Query {
        use spargebra::Query as Q;
        let (Q::Select { pattern, .. }
        | Q::Construct { pattern, .. }
        | Q::Describe { pattern, .. }
        | Q::Ask { pattern, .. }) = &mut query;
        self.order(pattern);
        query
    }

    fn order(&self, pattern: &mut spargebra::algebra::GraphPattern) {
        use spargebra::algebra::GraphPattern as P;
        match pattern {
            P::Bgp { patterns } => {
                let mut estimated: Vec<_> =
                    patterns.drain(..).map(|t| (self.estimate(&t), t)).collect();
                // Stable: equal estimates keep the order they were written in.
                estimated.sort_by_key(|(n, _)| *n);
                patterns.extend(estimated.into_iter().map(|(_, t)| t));
            }
            P::Join { left, right }
            | P::LeftJoin { left, right, .. }
            | P::Lateral { left, right }
            | P::Union { left, right }
            | P::Minus { left, right } => {
                self.order(left);
                self.order(right);
            }
            P::Filter { inner, .. }
            | P::Graph { inner, .. }
            | P::Extend { inner, .. }
            | P::OrderBy { inner, .. }
            | P::Project { inner, .. }
            | P::Distinct { inner }
            | P::Reduced { inner }
            | P::Slice { inner, .. }
            | P::Group { inner, .. }
            | P::Service { inner, .. } => self.order(inner),
            P::Path { .. } | P::Values { .. } => {}
        }
    }

    /// About how many quads match the triple's constants: a constant subject names one
    /// resource; a constant object IRI is looked up in the statistics (absent there: one offer's
    /// own IRI, or a value no offer has); a triple without a constant subject or object is taken
    /// as the largest.
    fn estimate(&self, t: &spargebra::term::TriplePattern) -> usize {
        use spargebra::term::{NamedNodePattern, TermPattern};
        if matches!(t.subject, TermPattern::NamedNode(_)) {
            return 1;
        }
        match (&t.predicate, &t.object) {
            (NamedNodePattern::NamedNode(p), TermPattern::NamedNode(o)) => self
                .statistics
                .lock()
                .expect("statistics")
                .get(&statistics_key(p.as_str(), o.as_str()))
                .copied()
                .unwrap_or(1),
            (NamedNodePattern::Variable(_), TermPattern::NamedNode(_))
            | (_, TermPattern::Literal(_)) => LITERAL_ESTIMATE,
            _ => usize::MAX,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphName, NamedNode, Quad};

    fn iri(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("https://x.example/{s}"))
    }

    /// Adds quads as `put` does: into the store and the statistics.
    fn add(data: &LinkedData, quads: Vec<Quad>) {
        data.tally(quads.iter(), true);
        data.store.extend(quads).unwrap();
    }

    #[test]
    fn the_rarer_constant_is_matched_first_whatever_the_order_written() {
        let data = LinkedData::new("https://hub.example/").unwrap();
        let graph = GraphName::NamedNode(iri("g"));
        let mut quads: Vec<Quad> = (0..20)
            .map(|i| {
                Quad::new(
                    iri(&format!("o{i}")),
                    iri("mode"),
                    iri("blended"),
                    graph.clone(),
                )
            })
            .collect();
        quads.push(Quad::new(iri("o3"), iri("skill"), iri("excel"), graph));
        add(&data, quads);
        let query = "SELECT ?o WHERE { ?o <https://x.example/mode> <https://x.example/blended> . \
                     ?o <https://x.example/skill> <https://x.example/excel> . ?o ?p ?v }";
        let planned = data
            .plan(spargebra::SparqlParser::new().parse_query(query).unwrap())
            .to_string();
        let at = |s: &str| {
            planned
                .find(s)
                .unwrap_or_else(|| panic!("{s} in {planned}"))
        };
        assert!(at("excel") < at("blended"), "{planned}");
        assert!(at("blended") < at("?p"), "no constant: last: {planned}");
    }

    #[test]
    fn statistics_follow_the_graphs_in_and_out() {
        let data = LinkedData::new("https://hub.example/").unwrap();
        let offer = rdf::elm::offer_graph("https://hub.example/", "a");
        let graph = GraphName::NamedNode(offer.clone());
        add(
            &data,
            vec![
                Quad::new(offer.clone(), iri("mode"), iri("blended"), graph.clone()),
                // One offer's own IRIs are not counted.
                Quad::new(
                    offer.clone(),
                    iri("page"),
                    rdf::elm::minted("https://hub.example/", &["offer", "a", "homepage"]),
                    graph,
                ),
            ],
        );
        assert_eq!(
            *data.statistics.lock().unwrap(),
            Statistics::from([(
                statistics_key(&iri("mode").into_string(), &iri("blended").into_string()),
                1
            )])
        );
        data.remove_graph("a").unwrap();
        assert!(data.statistics.lock().unwrap().is_empty());
        assert!(data.store.is_empty().unwrap());
    }
}
