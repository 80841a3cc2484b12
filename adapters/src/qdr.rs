//! The Europass Qualification Dataset Register's API for publishing a dataset version
//! (europass.md, "API update"): `POST {base}/api/esco/qdr/api-key/dataset_versions` with the
//! dataset's URI as `masterDatasetUri`, the key QDR issued in `x-api-key`, and a JSON body that
//! describes the version and links to its XML.
//!
//! The body's exact form is not public (reference facts, §5): it is the seed's, one function
//! ([`body`]) writes it, and where QDR fetches the XML from is the hub's setting.

use std::time::Duration;

use serde_json::json;

/// A version as QDR is told of it.
#[derive(Debug, Clone)]
pub struct VersionPush {
    pub dataset_uri: String,
    pub title_en: String,
    pub description_en: String,
    pub version: i32,
    pub notes_en: String,
    /// Where QDR fetches the version's XML.
    pub download_url: String,
}

/// What QDR answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    api_key: String,
}

/// The key must never reach a log line.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("api_key", &"***")
            .finish()
    }
}

/// The JSON body of a push.
pub fn body(v: &VersionPush) -> serde_json::Value {
    json!({
        "containsAccreditation": false,
        "title_en": v.title_en,
        "description_en": v.description_en,
        "version": v.version.to_string(),
        "versionNotes_en": v.notes_en,
        "_links": {
            "mediaType": "application/xml",
            "download": { "href": v.download_url },
        },
    })
}

impl Client {
    pub fn new(base: url::Url, api_key: String, timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()?;
        Ok(Self {
            http,
            base,
            api_key,
        })
    }

    /// The endpoint for `dataset_uri`, under whatever path QDR's base URL has.
    pub fn endpoint(&self, dataset_uri: &str) -> url::Url {
        let mut url = self.base.clone();
        let path = format!(
            "{}/api/esco/qdr/api-key/dataset_versions",
            url.path().trim_end_matches('/')
        );
        url.set_path(&path);
        url.set_query(None);
        url.query_pairs_mut()
            .append_pair("masterDatasetUri", dataset_uri);
        url
    }

    /// Pushes one version. An answer of any status is an `Ok` (the caller records it); `Err` is
    /// no answer at all, said in words fit for the history.
    pub async fn push(&self, v: &VersionPush, idempotency_key: &str) -> Result<Answer, String> {
        let response = self
            .http
            .post(self.endpoint(&v.dataset_uri))
            .header("x-api-key", &self.api_key)
            .header("Idempotency-Key", idempotency_key)
            .json(&body(v))
            .send()
            .await
            .map_err(|e| format!("no answer from QDR: {}", crate::unreached(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| format!("QDR's answer could not be read: {}", crate::unreached(&e)))?;
        Ok(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_keeps_the_base_path_and_encodes_the_dataset() {
        let client = Client::new(
            "https://europa.eu/europass/qdr/".parse().unwrap(),
            "k".into(),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            client.endpoint("http://data.europa.eu/snb/dataset/a b&c").as_str(),
            "https://europa.eu/europass/qdr/api/esco/qdr/api-key/dataset_versions?masterDatasetUri=http%3A%2F%2Fdata.europa.eu%2Fsnb%2Fdataset%2Fa+b%26c"
        );
        assert!(!format!("{client:?}").contains("\"k\""));
    }
}
