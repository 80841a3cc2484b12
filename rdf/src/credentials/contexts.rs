//! The JSON-LD contexts the hub reads credentials with, by URL. They are the project's own files
//! in `schemas/` (a test holds each to the official copy): a credential naming any other context
//! is refused, since fetching contexts from the network would let whoever serves them change what
//! a signature covers.

macro_rules! schema {
    ($file:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/", $file))
    };
}

pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_V3P0: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
pub const OB_EXTENSIONS: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";
pub const CREDENTIALS_EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// Every context by URL, with the file it is read from.
pub const ALL: &[(&str, &str, &str)] = &[
    (
        CREDENTIALS_V2,
        "credentials-v2.jsonld",
        schema!("credentials-v2.jsonld"),
    ),
    (
        OB_V3P0,
        "ob-v3p0-context-3.0.3.jsonld",
        schema!("ob-v3p0-context-3.0.3.jsonld"),
    ),
    (
        OB_EXTENSIONS,
        "ob-v3p0-extensions.jsonld",
        schema!("ob-v3p0-extensions.jsonld"),
    ),
    (
        DATA_INTEGRITY_V2,
        "data-integrity-v2.jsonld",
        schema!("data-integrity-v2.jsonld"),
    ),
    (
        MULTIKEY_V1,
        "multikey-v1.jsonld",
        schema!("multikey-v1.jsonld"),
    ),
    (
        CREDENTIALS_EXAMPLES_V2,
        "credentials-examples-v2.jsonld",
        schema!("credentials-examples-v2.jsonld"),
    ),
];

/// The context document published at `url`, when the hub holds it.
pub fn context(url: &str) -> Option<&'static str> {
    ALL.iter()
        .find(|(u, _, _)| *u == url)
        .map(|(_, _, text)| *text)
}

/// The two terms of a controller document that none of the contexts above defines at the top
/// level (VC 2.0 defines them only inside a proof), with the IRIs VC 2.0 gives them. An issuer
/// profile lists its keys with them; without a definition, a JSON-LD processor in safe mode
/// (Digital Bazaar's, checking a proof's purpose) refuses the profile.
pub fn controller_terms() -> serde_json::Value {
    serde_json::json!({
        "verificationMethod": {
            "@id": "https://w3id.org/security#verificationMethod",
            "@type": "@id"
        },
        "assertionMethod": {
            "@id": "https://w3id.org/security#assertionMethod",
            "@type": "@id",
            "@container": "@set"
        }
    })
}
