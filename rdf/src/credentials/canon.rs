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
    let options = JsonLdOptions::new().with_document_loader_closure(move || {
        ClosureLoader::new(move |iri: sophia_iri::Iri<String>| {
            let url = iri.as_str().to_string();
            async move { load(&url).ok_or_else(|| format!("unknown context <{url}>")) }.boxed()
        })
    });
    let parser = JsonLdParser::new_with_options(options);
    let dataset: LightDataset =
        futures_executor::block_on(parser.async_parse_str(&doc.to_string()))
            .collect_quads()
            .map_err(|e| {
                let text = e.to_string();
                match text.find("unknown context <") {
                    Some(at) => CredentialError::UnknownContext(
                        text[at + 17..]
                            .split('>')
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                    ),
                    None => CredentialError::JsonLd(text),
                }
            })?;
    let mut out = Vec::new();
    sophia_c14n::rdfc10::normalize(&dataset, &mut out)
        .map_err(|e| CredentialError::JsonLd(e.to_string()))?;
    String::from_utf8(out).map_err(|e| CredentialError::JsonLd(e.to_string()))
}
