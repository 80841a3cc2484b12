//! The public-read cache (DESIGN.md, Reads): finished response bodies of anonymous catalogue
//! reads, kept in memory (moka) under the catalogue's generation.
//!
//! The generation moves on whenever an event changes anything a public read shows, so an entry
//! is never served after such a change, with no invalidation to get wrong: entries of past
//! generations are simply never asked for again and age out. Concurrent misses of one key wait
//! for a single computation instead of each querying the database.

use std::io::Write;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::http::header::{self, ContentType};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use flate2::write::GzEncoder;
use flate2::Compression;
use moka::future::Cache;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// Bodies kept at most, in bytes.
const CAPACITY: u64 = 64 * 1024 * 1024;
/// Past generations' entries are dead weight; this bounds how long they stay.
const LIFETIME: Duration = Duration::from_secs(60);

/// A finished JSON body, its validator, and its gzip form once a client asked for one.
pub struct Cached {
    body: Bytes,
    etag: String,
    /// Compressed once, on the first request that accepts gzip, then served to all of them:
    /// a catalogue page shrinks about sixfold, and the compression middleware leaves a body
    /// that already has a `Content-Encoding` alone.
    gzip: OnceLock<Bytes>,
}

impl Cached {
    /// A body whose tag is a digest of it (weak: equal JSON, maybe not equal bytes after
    /// compression).
    pub fn new(body: Vec<u8>) -> Self {
        let digest = Sha256::digest(&body);
        let etag = format!("W/\"{}\"", crate::crypto::hex(&digest[..12]));
        Self::with_etag(body, etag)
    }

    /// A body with its resource's own tag (a single offer's is its version).
    pub fn with_etag(body: Vec<u8>, etag: String) -> Self {
        Self {
            body: Bytes::from(body),
            etag,
            gzip: OnceLock::new(),
        }
    }

    fn gzipped(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
                // Writing into a Vec cannot fail.
                let _ = encoder.write_all(&self.body);
                Bytes::from(encoder.finish().unwrap_or_default())
            })
            .clone()
    }

    /// 200 with the body, or 304 when `If-None-Match` names this body's tag (compared weakly,
    /// as RFC 9110 says for `If-None-Match`).
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',').map(str::trim).any(|t| {
                    t == "*" || t.trim_start_matches("W/") == self.etag.trim_start_matches("W/")
                })
            });
        if unchanged {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, self.etag.as_str()))
                .finish();
        }
        let gzip = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(accepts_gzip);
        let mut res = HttpResponse::Ok();
        res.content_type(ContentType::json())
            .insert_header((header::ETAG, self.etag.as_str()))
            .insert_header((header::VARY, "Accept-Encoding"));
        if gzip {
            res.insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(self.gzipped())
        } else {
            res.body(self.body.clone())
        }
    }
}

/// Whether an `Accept-Encoding` value allows gzip (and does not refuse it with `q=0`).
pub(crate) fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|part| {
        let mut pieces = part.split(';').map(str::trim);
        let coding = pieces.next().unwrap_or_default();
        let refused = pieces.any(|p| p.replace(' ', "") == "q=0" || p.replace(' ', "") == "q=0.0");
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

pub struct PublicReads {
    cache: Cache<(u64, String), Arc<Cached>>,
}

impl Default for PublicReads {
    fn default() -> Self {
        Self {
            cache: Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(|_, v: &Arc<Cached>| u32::try_from(v.body.len()).unwrap_or(u32::MAX))
                .time_to_live(LIFETIME)
                .build(),
        }
    }
}

impl PublicReads {
    /// The answer cached for `key` at `generation`, or the one `make` produces (then cached).
    pub async fn get_or_make(
        &self,
        generation: u64,
        key: String,
        make: impl std::future::Future<Output = Result<Cached, Error>>,
    ) -> Result<Arc<Cached>, Error> {
        self.cache
            .try_get_with((generation, key), async move { make.await.map(Arc::new) })
            .await
            .map_err(|shared| Arc::try_unwrap(shared).unwrap_or_else(|e| e.shared_copy()))
    }
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_taken_when_offered_and_not_refused() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("identity"));
    }
}
