//! Clients of systems the hub does not own: Chamilo (REST v2 and SOAP), Europass QDR, mail (SMTP),
//! upstream OpenID Providers.
//!
//! Nothing here knows the hub's domain: each adapter takes its own plain input types and the hub
//! maps onto them (DESIGN.md: `hub -> adapters`, never the other way).

pub mod chamilo;
pub mod mail;
pub mod qdr;
pub mod upstream_oidc;
pub mod web_documents;

/// A transport error in words fit for a history or a log line, without the URL reqwest appends
/// (it may carry query parameters the operator need not see again).
pub(crate) fn unreached(e: &reqwest::Error) -> String {
    let mut kind = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    if let Some(source) = std::error::Error::source(e) {
        kind.push_str(&format!(": {source}"));
    }
    kind
}
