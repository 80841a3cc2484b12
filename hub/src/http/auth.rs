//! Who is calling: the [`Caller`] extractor reads a bearer access token (API), the session cookie
//! (pages) or a partner key (`X-Api-Key`), and every check of a live session happens here, so a
//! handler that takes a `Caller` cannot forget one. Handlers then ask for what they need
//! (`caller.person()?`, `caller.superadmin()?`), which answers 401 or 403 with the reason.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::domain::accounts::{self, Person};
use crate::domain::sessions::{self, Lifetime, Session};
use crate::error::Error;

pub const SESSION_COOKIE: &str = "hub_session";
/// The header a script on the hub's own pages sends the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A state-changing call of the JSON API (pages have their own CSRF field in each form).
fn api_write(req: &HttpRequest) -> bool {
    decoded_path(req.path()).starts_with("/api/") && !req.method().is_safe()
}

/// The path as the router will read it: `/%61pi/…` is routed as `/api/…`, so every decision by
/// path is made on the decoded form.
pub fn decoded_path(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}
pub const API_AUDIENCE: &str = "hub-api";
/// Access tokens are short-lived: revoking the session stops refreshes at once and access within
/// this long at most (and at once where the session is checked, which is every request here).
pub const ACCESS_TOKEN_SECS: i64 = 15 * 60;

/// The signing keys of API access tokens (HS256, derived from the master key): only the hub
/// itself verifies them, unlike ID tokens, which are RS256 for relying parties.
#[derive(Clone)]
pub struct ApiTokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub sid: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub roles: Vec<crate::domain::vocabulary::Role>,
}

impl ApiTokenKeys {
    pub fn new(master: &crate::config::MasterKey, issuer: &str) -> Self {
        use sha2::{Digest, Sha256};
        let secret = Sha256::new()
            .chain_update(b"hub-api-access-token")
            .chain_update(master.bytes())
            .finalize();
        Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            issuer: issuer.to_string(),
        }
    }

    pub fn issue(&self, person: &Person, session_id: &str) -> Result<String, Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: person.id.clone(),
            sid: session_id.to_string(),
            aud: API_AUDIENCE.into(),
            iat: now,
            exp: now + ACCESS_TOKEN_SECS,
            roles: person.roles.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("jwt: {e}")))
    }

    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_audience(&[API_AUDIENCE]);
        v.set_issuer(&[&self.issuer]);
        v.leeway = 5;
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &v)
            .ok()
            .map(|d| d.claims)
    }
}

pub use crate::domain::api_keys::Partner;

/// Built once per request and never stored, so the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    /// Signed in: through a browser session or an API token tied to a session.
    Person {
        person: Person,
        session: Session,
        via_cookie: bool,
    },
    Partner(Partner),
}

impl Caller {
    pub fn person(&self) -> Result<&Person, Error> {
        match self {
            Self::Person { person, .. } => Ok(person),
            Self::Partner(_) => Err(Error::Forbidden(
                "partner keys cannot act for a person".into(),
            )),
            Self::Anonymous => Err(Error::Unauthenticated),
        }
    }

    pub fn session(&self) -> Result<&Session, Error> {
        match self {
            Self::Person { session, .. } => Ok(session),
            Self::Partner(_) => Err(Error::Forbidden("partner keys have no session".into())),
            Self::Anonymous => Err(Error::Unauthenticated),
        }
    }

    /// The signed-in person as the actor of what they do, with the address they came from.
    pub fn actor(&self, req: &HttpRequest) -> Result<crate::domain::Actor, Error> {
        Ok(crate::domain::Actor::person(
            &self.person()?.id,
            client_ip(req),
        ))
    }

    pub fn superadmin(&self) -> Result<&Person, Error> {
        let person = self.person()?;
        if person.is_superadmin() {
            Ok(person)
        } else {
            Err(Error::Forbidden("superadmins only".into()))
        }
    }

    /// Cookie-authenticated state changes must carry the session's CSRF token.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), Error> {
        match self {
            Self::Person {
                session,
                via_cookie: true,
                ..
            } => {
                let ok = submitted.is_some_and(|t| crate::crypto::equal(t, &session.csrf_token));
                if ok {
                    Ok(())
                } else {
                    Err(Error::Forbidden(
                        "the form is stale or forged (CSRF token missing)".into(),
                    ))
                }
            }
            _ => Ok(()),
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Person { person, .. } => Some(&person.id),
            _ => None,
        }
    }
}

pub fn lifetime(state: &AppState) -> Lifetime {
    Lifetime {
        idle: state.config.session_idle,
        max: state.config.session_max,
    }
}

enum Credential {
    Bearer(String),
    Cookie(String),
    ApiKey(String),
    None,
}

fn credential(req: &HttpRequest) -> Credential {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(token) = header("authorization").and_then(|v| v.strip_prefix("Bearer ")) {
        return Credential::Bearer(token.trim().to_string());
    }
    if let Some(key) = header("x-api-key") {
        return Credential::ApiKey(key.to_string());
    }
    match req.cookie(SESSION_COOKIE) {
        Some(c) => Credential::Cookie(c.value().to_string()),
        None => Credential::None,
    }
}

impl FromRequest for Caller {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    /// Resolved once per request and kept in its extensions: the admin layer and the handler
    /// behind it ask for the caller, and the database answers only the first time.
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        if let Some(known) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(async move { Ok(known) });
        }
        let request = req.clone();
        Box::pin(async move {
            let caller = resolve(&request).await?;
            request.extensions_mut().insert(caller.clone());
            Ok(caller)
        })
    }
}

async fn resolve(req: &HttpRequest) -> Result<Caller, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let credential = credential(req);
    let state = state.ok_or_else(|| Error::Internal("no application state".into()))?;
    let life = lifetime(&state);
    match credential {
        Credential::None => Ok(Caller::Anonymous),
        Credential::Bearer(token) => {
            let claims = state
                .api_tokens
                .verify(&token)
                .ok_or(Error::Unauthenticated)?;
            let found = state
                .db
                .run(move |conn| {
                    let Some(session) = sessions::by_id(conn, &claims.sid, life)? else {
                        return Ok(None);
                    };
                    if session.user_id != claims.sub {
                        return Ok(None);
                    }
                    Ok(Some((accounts::person(conn, &claims.sub)?, session)))
                })
                .await?;
            match found {
                Some((person, session)) if person.is_active() => Ok(Caller::Person {
                    person,
                    session,
                    via_cookie: false,
                }),
                _ => Err(Error::Unauthenticated),
            }
        }
        Credential::Cookie(token) => {
            let found = state
                .db
                .run(move |conn| {
                    let Some(session) = sessions::by_token(conn, &token, life)? else {
                        return Ok(None);
                    };
                    Ok(Some((accounts::person(conn, &session.user_id)?, session)))
                })
                .await?;
            // A stale cookie is no error: the visitor is simply not signed in.
            let caller = match found {
                Some((person, session)) if person.is_active() => Caller::Person {
                    person,
                    session,
                    via_cookie: true,
                },
                _ => Caller::Anonymous,
            };
            // A browser sends the cookie with any cross-site form post: a JSON API write that
            // rides on it must prove it comes from the hub's own page (the session's CSRF token
            // in `X-CSRF-Token`). Pages check their forms' hidden field themselves.
            if api_write(req) {
                let token = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                caller.check_csrf(token)?;
            }
            Ok(caller)
        }
        Credential::ApiKey(key) => {
            // The rate limiter looked it up a moment ago and found nothing: no second lookup.
            if state.limits.is_known_miss(&key) {
                return Err(Error::Unauthenticated);
            }
            let partner = state
                .db
                .run(move |conn| crate::domain::api_keys::authenticate(conn, &key))
                .await?;
            partner.map(Caller::Partner).ok_or(Error::Unauthenticated)
        }
    }
}

/// Someone not signed in, as the actor of what they start (registration, a reset): only the
/// address they came from.
pub fn visitor(req: &HttpRequest) -> crate::domain::Actor {
    crate::domain::Actor {
        user_id: None,
        ip: client_ip(req),
    }
}

/// The client's address as the hub sees it (see [`client_addr`]).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    client_addr(req).map(|a| a.to_string())
}

/// The client's address: the TCP peer, unless the peer is one of `HUB_TRUSTED_PROXIES`; then the
/// address that proxy (and any trusted proxy before it) says it forwarded for, read from the
/// right of `X-Forwarded-For` (or `Forwarded: for=`) past every trusted hop. A header from any
/// other peer is ignored, so a client cannot choose its own address for rate limits or the audit
/// log.
pub fn client_addr(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.trusted_proxies.clone())
        .unwrap_or_default();
    Some(forwarded_client(peer, &trusted, req.headers()))
}

fn forwarded_client(
    peer: std::net::IpAddr,
    trusted: &[ipnet::IpNet],
    headers: &actix_web::http::header::HeaderMap,
) -> std::net::IpAddr {
    // A dual-stack listener sees IPv4 clients as `::ffff:a.b.c.d`: one form for the CIDRs.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &std::net::IpAddr| {
        let ip = ip.to_canonical();
        trusted.iter().any(|net| net.contains(&ip))
    };
    if !is_trusted(&peer) {
        return peer;
    }
    let mut hops: Vec<std::net::IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        if let Ok(v) = value.to_str() {
            hops.extend(
                v.split(',')
                    .filter_map(|h| h.trim().parse::<std::net::IpAddr>().ok()),
            );
        }
    }
    if hops.is_empty() {
        for value in headers.get_all("forwarded") {
            if let Ok(v) = value.to_str() {
                hops.extend(v.split([',', ';']).filter_map(|part| {
                    let (k, v) = part.trim().split_once('=')?;
                    if !k.eq_ignore_ascii_case("for") {
                        return None;
                    }
                    let v = v.trim_matches('"');
                    let v = v
                        .strip_prefix('[')
                        .map_or(v, |v| v.split(']').next().unwrap_or(v));
                    v.parse::<std::net::IpAddr>()
                        .ok()
                        .or_else(|| v.rsplit_once(':')?.0.parse().ok())
                }));
            }
        }
    }
    hops.into_iter()
        .rev()
        .map(|ip| ip.to_canonical())
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let spoof = headers(&[("x-forwarded-for", "198.51.100.9, 203.0.113.7")]);
        assert_eq!(
            forwarded_client(proxy, &trusted, &spoof),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap(),
            "the rightmost untrusted hop: what the trusted proxy saw"
        );
        let stranger: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(forwarded_client(stranger, &trusted, &spoof), stranger);
        let standard = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]);
        assert_eq!(
            forwarded_client(proxy, &trusted, &standard),
            "2001:db8::1".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(forwarded_client(proxy, &trusted, &HeaderMap::new()), proxy);
        let mapped: std::net::IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert_eq!(
            forwarded_client(mapped, &trusted, &spoof),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap(),
            "an IPv4 proxy seen through a dual-stack socket is still the trusted proxy"
        );
    }
}
