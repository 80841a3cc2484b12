//! JSON-LD to RDF, then RDFC-1.0 canonical N-Quads: what a Data Integrity proof signs.
//! sophia's JSON-LD parser (with a loader that answers only from [`super::contexts`]) and its
//! RDFC-1.0 implementation; both test vectors' canonical forms are reproduced by them (tests).

use sophia_api::source::QuadSource;
use sophia_inmem::dataset::LightDataset;
use sophia_jsonld::loader::{ClosureLoader, FutureExt};
use sophia_jsonld::{JsonLdOptions, JsonLdParser};

use super::{contexts, CredentialError};

/// The canonical N-Quads of the JSON-LD document `doc`.
pub fn canonical_nquads(doc: &serde_json::Value) -> Result<String, CredentialError> {
    canonical_nquads_with(doc, |url| contexts::context(url).map(str::to_string))
}

/// As [`canonical_nquads`], with the contexts `load` gives (tests compare the hub's own with
/// the official copies this way).
pub fn canonical_nquads_with(
    doc: &serde_json::Value,
    load: fn(&str) -> Option<String>,
) -> Result<String, CredentialError> {
    // The loader keeps the first URL it could not answer, so the error names it.
    let unknown = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let missed = unknown.clone();
    let options = JsonLdOptions::new().with_document_loader_closure(move || {
        let missed = missed.clone();
        ClosureLoader::new(move |iri: sophia_iri::Iri<String>| {
            let url = iri.as_str().to_string();
            let found = load(&url).ok_or_else(|| {
                missed
                    .lock()
                    .expect("not poisoned")
                    .get_or_insert(url.clone());
                format!("unknown context <{url}>")
            });
            async move { found }.boxed()
        })
    });
    let parser = JsonLdParser::new_with_options(options);
    let dataset: LightDataset =
        futures_executor::block_on(parser.async_parse_str(&doc.to_string()))
            .collect_quads()
            .map_err(|e| match unknown.lock().expect("not poisoned").take() {
                Some(url) => CredentialError::UnknownContext(url),
                None => CredentialError::JsonLd(e.to_string()),
            })?;
    let mut out = Vec::new();
    sophia_c14n::rdfc10::normalize(&dataset, &mut out)
        .map_err(|e| CredentialError::JsonLd(e.to_string()))?;
    String::from_utf8(out).map_err(|e| CredentialError::JsonLd(e.to_string()))
}
