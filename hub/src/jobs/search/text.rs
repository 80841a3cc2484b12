//! The catalogue's full-text index: tantivy, in memory, one field pair (title, body) per
//! interface language with that language's stemmer, and one `any` field without stemming that
//! holds every language's text plus the provider's name and the city.
//!
//! Text is folded ([`super::fold`]) before tantivy sees it, and so are queries, so case and
//! diacritics never matter. English, Italian and Greek are stemmed by tantivy's Snowball
//! stemmers after folding. Polish is stemmed before folding, by the Snowball 3 Polish algorithm
//! (`snowstem`; tantivy's stemmers predate it), because its suffix rules read the diacritics;
//! a query typed without them still meets the text in the unstemmed `any` field.

use std::sync::Mutex;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader};
use tantivy::{TantivyDocument, Term};

use super::fold::fold;
use crate::error::Error;

/// The interface languages and tantivy's stemmers for them (`None`: Polish, stemmed before
/// tantivy by [`prepare`]).
const ANALYSERS: [(&str, Option<Language>); 4] = [
    ("en", Some(Language::English)),
    ("pl", None),
    ("it", Some(Language::Italian)),
    ("el", Some(Language::Greek)),
];
/// Title words count this much more than body words.
const TITLE_BOOST: Score = 3.0;
/// Longer "words" are noise (URLs, base64) and only bloat the index.
const LONGEST_WORD: usize = 40;
/// Indexing memory before tantivy flushes a segment; its minimum is 15 MB.
const WRITER_BUDGET: usize = 32_000_000;

/// The text of one offer, per language, ready to index.
pub struct Document {
    /// The catalogue's own number for the offer (a fast field: hits map back without a lookup).
    pub slot: u64,
    /// (language, title, everything else in that language).
    pub texts: Vec<(String, String, String)>,
    /// Words that belong to no language: the provider's name, the city.
    pub names: String,
}

struct Fields {
    slot: Field,
    /// Per entry of [`ANALYSERS`]: (title, body).
    by_language: Vec<(Field, Field)>,
    any: Field,
}

pub struct TextIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

fn analyser(stemmer: Option<Language>) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser);
    match stemmer {
        Some(language) => base.filter(Stemmer::new(language)).build(),
        None => base.build(),
    }
}

fn text_options(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn internal(e: tantivy::TantivyError) -> Error {
    Error::Internal(format!("search index: {e}"))
}

impl TextIndex {
    pub fn new() -> Result<Self, Error> {
        let mut schema = Schema::builder();
        let slot = schema.add_u64_field("slot", NumericOptions::default().set_indexed().set_fast());
        let by_language = ANALYSERS
            .iter()
            .map(|(lang, _)| {
                let tokenizer = format!("hub_{lang}");
                (
                    schema.add_text_field(&format!("title_{lang}"), text_options(&tokenizer)),
                    schema.add_text_field(&format!("body_{lang}"), text_options(&tokenizer)),
                )
            })
            .collect();
        let any = schema.add_text_field("any", text_options("hub_any"));
        let index = Index::create_in_ram(schema.build());
        for (lang, stemmer) in ANALYSERS {
            index
                .tokenizers()
                .register(&format!("hub_{lang}"), analyser(stemmer));
        }
        index.tokenizers().register("hub_any", analyser(None));
        let writer = index
            .writer_with_num_threads(1, WRITER_BUDGET)
            .map_err(internal)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields: Fields {
                slot,
                by_language,
                any,
            },
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the writer leaves tantivy's own state consistent.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the offer's document (or adds it). Seen by searches after [`Self::commit`].
    pub fn put(&self, doc: &Document) -> Result<(), Error> {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_u64(f.slot, doc.slot);
        let mut any = fold(&doc.names);
        for (lang, title, body) in &doc.texts {
            if let Some(i) = ANALYSERS.iter().position(|(l, _)| l == lang) {
                let (title_field, body_field) = f.by_language[i];
                d.add_text(title_field, prepare(lang, title));
                d.add_text(body_field, prepare(lang, body));
            }
            for part in [title, body] {
                any.push('\n');
                any.push_str(&fold(part));
            }
        }
        d.add_text(f.any, &any);
        let writer = self.writer();
        writer.delete_term(Term::from_field_u64(f.slot, doc.slot));
        writer.add_document(d).map_err(internal)?;
        Ok(())
    }

    /// Drops every document (visible after the next commit).
    pub fn clear(&self) -> Result<(), Error> {
        self.writer().delete_all_documents().map_err(internal)?;
        Ok(())
    }

    pub fn remove(&self, slot: u64) {
        self.writer()
            .delete_term(Term::from_field_u64(self.fields.slot, slot));
    }

    /// Makes every put and remove so far visible to searches.
    pub fn commit(&self) -> Result<(), Error> {
        self.writer().commit().map_err(internal)?;
        self.reader.reload().map_err(internal)
    }

    /// The slots of the offers that contain every word of `query` (in some language), with
    /// their relevance. `None` when the query has no words at all.
    pub fn matches(&self, query: &str) -> Result<Option<Vec<(u64, Score)>>, Error> {
        let lower = query.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && w.chars().count() <= LONGEST_WORD)
            .collect();
        if words.is_empty() {
            return Ok(None);
        }
        let mut each_word: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in words {
            let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let f = &self.fields;
            let fields = f
                .by_language
                .iter()
                .zip(ANALYSERS)
                .flat_map(|((t, b), (lang, _))| [(*t, TITLE_BOOST, lang), (*b, 1.0, lang)])
                .chain([(f.any, 1.0, "")]);
            for (field, boost, lang) in fields {
                let mut analyser = self.index.tokenizer_for_field(field).map_err(internal)?;
                let prepared = prepare(lang, word);
                let mut stream = analyser.token_stream(&prepared);
                while let Some(token) = stream.next() {
                    let term = TermQuery::new(
                        Term::from_field_text(field, &token.text),
                        IndexRecordOption::WithFreqs,
                    );
                    either.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(term), boost)),
                    ));
                }
            }
            each_word.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(&BooleanQuery::new(each_word), &EveryHit)
            .map_err(internal)?;
        Ok(Some(hits))
    }
}

/// Text as a language's fields hold it: Polish stemmed word by word and then folded; every
/// other language (and `""`, no language) folded, for tantivy's analyser to stem.
fn prepare(lang: &str, text: &str) -> String {
    if lang != "pl" {
        return fold(text);
    }
    let stemmer = snowstem::Stemmer::create(snowstem::Algorithm::Polish);
    let mut out = String::with_capacity(text.len());
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= LONGEST_WORD)
    {
        out.push_str(&fold(&stemmer.stem(word)));
        out.push(' ');
    }
    out
}

/// Collects every matching document's slot and score (tantivy's own collectors keep a top-N;
/// the catalogue filters, counts and sorts the whole match set itself).
struct EveryHit;

struct SegmentHits {
    slots: Column<u64>,
    hits: Vec<(u64, Score)>,
}

impl Collector for EveryHit {
    type Fruit = Vec<(u64, Score)>;
    type Child = SegmentHits;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            slots: segment.fast_fields().u64("slot")?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<(u64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(slot) = self.slots.first(doc) {
            self.hits.push((slot, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(slot: u64, lang: &str, title: &str, body: &str) -> Document {
        Document {
            slot,
            texts: vec![(lang.into(), title.into(), body.into())],
            names: String::new(),
        }
    }

    fn slots(index: &TextIndex, q: &str) -> Vec<u64> {
        let mut s: Vec<u64> = index
            .matches(q)
            .unwrap()
            .unwrap_or_default()
            .into_iter()
            .map(|(slot, _)| slot)
            .collect();
        s.sort_unstable();
        s
    }

    fn index() -> TextIndex {
        let index = TextIndex::new().unwrap();
        index
            .put(&doc(
                1,
                "pl",
                "Szkolenie z obsługi klienta w Łodzi",
                "Komunikacja, zażalenia",
            ))
            .unwrap();
        index
            .put(&doc(
                2,
                "el",
                "Εκπαίδευση στην τεχνολογία",
                "Ψηφιακές δεξιότητες για επαγγελματίες",
            ))
            .unwrap();
        index
            .put(&doc(
                3,
                "en",
                "Managing remote teams",
                "Leadership for managers",
            ))
            .unwrap();
        index
            .put(&doc(
                4,
                "it",
                "Formazione per la città",
                "Competenze digitali",
            ))
            .unwrap();
        index.commit().unwrap();
        index
    }

    #[test]
    fn polish_matches_with_and_without_diacritics_and_any_case() {
        let index = index();
        assert_eq!(slots(&index, "obsługi"), vec![1]);
        assert_eq!(slots(&index, "OBSLUGI lodzi"), vec![1]);
        assert_eq!(slots(&index, "zazalenia"), vec![1]);
    }

    #[test]
    fn polish_is_stemmed() {
        let index = index();
        // "obsługą" (instrumental) and "szkolenia" (plural) meet "obsługi" and "Szkolenie".
        assert_eq!(slots(&index, "obsługą"), vec![1]);
        assert_eq!(slots(&index, "szkolenia klienci"), Vec::<u64>::new());
        assert_eq!(slots(&index, "szkolenia"), vec![1]);
        assert_eq!(slots(&index, "SZKOLEŃ"), vec![1]);
    }

    #[test]
    fn greek_ignores_accents_and_stems() {
        let index = index();
        assert_eq!(slots(&index, "ΕΚΠΑΙΔΕΥΣΗ"), vec![2]);
        assert_eq!(slots(&index, "εκπαιδευση"), vec![2]);
        // Plural and singular meet in the stem.
        assert_eq!(slots(&index, "δεξιότητα"), vec![2]);
    }

    #[test]
    fn english_and_italian_stem() {
        let index = index();
        assert_eq!(slots(&index, "manage team"), vec![3]);
        assert_eq!(slots(&index, "leader"), Vec::<u64>::new());
        assert_eq!(slots(&index, "competenza digitale"), vec![4]);
        assert_eq!(slots(&index, "citta"), vec![4]);
    }

    #[test]
    fn every_word_must_match_and_punctuation_is_not_syntax() {
        let index = index();
        assert_eq!(slots(&index, "managing klienta"), Vec::<u64>::new());
        assert_eq!(slots(&index, "remote: (teams) -\""), vec![3]);
        assert!(index.matches("  ?! ").unwrap().is_none());
    }

    #[test]
    fn put_replaces_and_remove_deletes() {
        let index = index();
        index.put(&doc(3, "en", "Excel for analysts", "")).unwrap();
        index.remove(1);
        index.commit().unwrap();
        assert!(slots(&index, "teams").is_empty());
        assert_eq!(slots(&index, "excel"), vec![3]);
        assert!(slots(&index, "obsługi").is_empty());
    }

    #[test]
    fn titles_rank_above_bodies() {
        let index = TextIndex::new().unwrap();
        index
            .put(&doc(1, "en", "Budgeting", "Excel is used throughout"))
            .unwrap();
        index
            .put(&doc(2, "en", "Excel essentials", "Spreadsheets"))
            .unwrap();
        index.commit().unwrap();
        let mut hits = index.matches("excel").unwrap().unwrap();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1));
        assert_eq!(hits[0].0, 2);
    }
}
