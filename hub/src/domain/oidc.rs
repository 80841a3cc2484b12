//! The hub as an OpenID Provider (identity.md): clients, authorization codes, access tokens, ID
//! tokens and their RS256 signing keys.
//!
//! Codes are single-use and live 60 s; a code presented twice revokes the tokens it issued.
//! Access tokens are opaque (stored hashed) and die with the session they were issued on. Signing
//! keys are kept encrypted with the master key; `hub keys rotate` adds a key and retires the old
//! one, which stays in the JWKS until every ID token it signed has expired.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::accounts::Person;
use super::audit::{self, Action, Actor};
use super::vocabulary::{OrganisationKind, Role, SubjectType};
use crate::crypto::{equal, hash_token, random_token, Sealer};
use crate::db::schema::{
    oidc_clients, oidc_codes, oidc_grants, oidc_refresh_tokens, oidc_tokens, sessions, signing_keys,
};
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

pub const CODE_SECS: i64 = 60;
pub const TOKEN_SECS: i64 = 3600;
/// A retired key stays published this long: longer than any token it signed lives.
const RETIRED_PUBLISHED_SECS: i64 = TOKEN_SECS * 2;
pub const SCOPES: [&str; 5] = ["openid", "profile", "email", "chamilo", "offline_access"];
/// How long a refresh token lasts unused (the hub session ends it sooner).
pub const REFRESH_DAYS: i64 = 30;

// ---------------------------------------------------------------------------------------------
// Clients

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oidc_clients)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub first_party: bool,
    pub created_at: NaiveDateTime,
}

impl Client {
    /// Public clients (no secret) must use PKCE.
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    pub fn redirect_uris(&self) -> Vec<String> {
        serde_json::from_str(&self.redirect_uris).unwrap_or_default()
    }

    pub fn post_logout_redirect_uris(&self) -> Vec<String> {
        serde_json::from_str(&self.post_logout_redirect_uris).unwrap_or_default()
    }

    /// Exact match only (identity.md): no prefixes, no wildcards.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris().iter().any(|u| u == uri)
    }

    /// The secret as given by `client_secret_basic` or `client_secret_post`.
    pub fn secret_matches(&self, secret: Option<&str>) -> bool {
        match (&self.secret_hash, secret) {
            (None, _) => true,
            (Some(hash), Some(secret)) => equal(hash, &hash_token(secret)),
            (Some(_), None) => false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NewClientCredentials {
    pub client_id: String,
    pub client_secret: Option<String>,
}

fn check_uri(field: &str, uri: &str) -> Result<(), FieldError> {
    match url::Url::parse(uri) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.fragment().is_none() => Ok(()),
        _ => Err(FieldError::new(
            field,
            "invalid",
            "an absolute http(s) URL without a fragment",
        )),
    }
}

pub fn create_client(
    conn: &mut DbConnection,
    name: &str,
    redirect_uris: &[String],
    post_logout_redirect_uris: &[String],
    first_party: bool,
    public: bool,
    actor: &Actor,
) -> Result<NewClientCredentials, Error> {
    let mut errors = Vec::new();
    if name.trim().is_empty() {
        errors.push(FieldError::new("name", "required", "name the client"));
    }
    if redirect_uris.is_empty() {
        errors.push(FieldError::new(
            "redirect_uri",
            "required",
            "register at least one redirect URI",
        ));
    }
    for uri in redirect_uris {
        errors.extend(check_uri("redirect_uri", uri).err());
    }
    for uri in post_logout_redirect_uris {
        errors.extend(check_uri("post_logout_redirect_uri", uri).err());
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = Uuid::new_v4().simple().to_string();
    let secret = (!public).then(random_token);
    write_transaction(conn, |conn| {
        diesel::insert_into(oidc_clients::table)
            .values((
                oidc_clients::id.eq(&id),
                oidc_clients::name.eq(name.trim()),
                oidc_clients::secret_hash.eq(secret.as_deref().map(hash_token)),
                oidc_clients::redirect_uris.eq(serde_json::to_string(redirect_uris)?),
                oidc_clients::post_logout_redirect_uris
                    .eq(serde_json::to_string(post_logout_redirect_uris)?),
                oidc_clients::first_party.eq(first_party),
                oidc_clients::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Action::OidcClientCreated,
            SubjectType::OidcClient,
            Some(&id),
            serde_json::json!({ "name": name.trim() }),
        )
    })?;
    Ok(NewClientCredentials {
        client_id: id,
        client_secret: secret,
    })
}

pub fn client(conn: &mut DbConnection, id: &str) -> Result<Option<Client>, Error> {
    Ok(oidc_clients::table
        .filter(oidc_clients::id.eq(id))
        .select(Client::as_select())
        .first(conn)
        .optional()?)
}

pub fn client_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Client>, Error> {
    Ok(oidc_clients::table
        .filter(oidc_clients::name.eq(name))
        .select(Client::as_select())
        .first(conn)
        .optional()?)
}

// ---------------------------------------------------------------------------------------------
// Consent

/// True when the person already granted `client` every scope asked for.
pub fn granted(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    scope: &str,
) -> Result<bool, Error> {
    let have: Option<String> = oidc_grants::table
        .filter(oidc_grants::user_id.eq(user_id))
        .filter(oidc_grants::client_id.eq(client_id))
        .select(oidc_grants::scope)
        .first(conn)
        .optional()?;
    let have: Vec<&str> = have.as_deref().unwrap_or("").split(' ').collect();
    Ok(scope.split(' ').all(|s| have.contains(&s)))
}

/// The actor consents to `client_id` receiving `scope` (audited).
pub fn grant(
    conn: &mut DbConnection,
    client_id: &str,
    scope: &str,
    actor: &Actor,
) -> Result<(), Error> {
    let user_id = actor.person_id()?;
    write_transaction(conn, |conn| {
        diesel::delete(
            oidc_grants::table
                .filter(oidc_grants::user_id.eq(user_id))
                .filter(oidc_grants::client_id.eq(client_id)),
        )
        .execute(conn)?;
        diesel::insert_into(oidc_grants::table)
            .values((
                oidc_grants::user_id.eq(user_id),
                oidc_grants::client_id.eq(client_id),
                oidc_grants::scope.eq(scope),
                oidc_grants::at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Action::OidcConsentGranted,
            SubjectType::OidcClient,
            Some(client_id),
            serde_json::json!({ "scope": scope }),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Codes and tokens

pub struct CodeRequest<'a> {
    pub client_id: &'a str,
    pub session_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
}

pub fn issue_code(conn: &mut DbConnection, r: &CodeRequest<'_>) -> Result<String, Error> {
    let code = random_token();
    diesel::insert_into(oidc_codes::table)
        .values((
            oidc_codes::code_hash.eq(hash_token(&code)),
            oidc_codes::client_id.eq(r.client_id),
            oidc_codes::session_id.eq(r.session_id),
            oidc_codes::redirect_uri.eq(r.redirect_uri),
            oidc_codes::scope.eq(r.scope),
            oidc_codes::nonce.eq(r.nonce),
            oidc_codes::code_challenge.eq(r.code_challenge),
            oidc_codes::expires_at
                .eq(Utc::now().naive_utc() + chrono::Duration::seconds(CODE_SECS)),
        ))
        .execute(conn)?;
    Ok(code)
}

/// Why a code is refused: RFC 6749's `invalid_grant`, with the reason for the log and the client.
#[derive(Debug, PartialEq, Eq)]
pub enum GrantError {
    InvalidGrant(&'static str),
}

/// What a redeemed code grants.
pub struct Granted {
    pub session_id: String,
    pub user_id: String,
    pub auth_time: NaiveDateTime,
    pub scope: String,
    pub nonce: Option<String>,
    pub access_token: String,
    /// When the client asked for `offline_access`.
    pub refresh_token: Option<String>,
}

/// S256: BASE64URL(SHA256(verifier)) must equal the challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let digest = Sha256::digest(verifier.as_bytes());
    equal(&URL_SAFE_NO_PAD.encode(digest), challenge)
}

/// Redeems a code for `client`; a replay revokes what the code issued before.
pub fn redeem_code(
    conn: &mut DbConnection,
    code: &str,
    client: &Client,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<Result<Granted, GrantError>, Error> {
    write_transaction(conn, |conn| {
        redeem_code_in(conn, code, client, redirect_uri, verifier)
    })
}

/// [`redeem_code`] inside its transaction: checking and using up the code are one step.
fn redeem_code_in(
    conn: &mut DbConnection,
    code: &str,
    client: &Client,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<Result<Granted, GrantError>, Error> {
    let now = Utc::now().naive_utc();
    let code_hash = hash_token(code);
    type Row = (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let row: Option<Row> = oidc_codes::table
        .filter(oidc_codes::code_hash.eq(&code_hash))
        .select((
            oidc_codes::client_id,
            oidc_codes::session_id,
            oidc_codes::redirect_uri,
            oidc_codes::scope,
            oidc_codes::nonce,
            oidc_codes::code_challenge,
            oidc_codes::expires_at,
            oidc_codes::used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((client_id, session_id, code_redirect, scope, nonce, challenge, expires_at, used_at)) =
        row
    else {
        return Ok(Err(GrantError::InvalidGrant("unknown code")));
    };
    if used_at.is_some() {
        let revoked =
            diesel::update(oidc_tokens::table.filter(oidc_tokens::code_hash.eq(&code_hash)))
                .set(oidc_tokens::revoked_at.eq(now))
                .execute(conn)?;
        diesel::update(
            oidc_refresh_tokens::table
                .filter(oidc_refresh_tokens::family.eq(&code_hash))
                .filter(oidc_refresh_tokens::used_at.is_null()),
        )
        .set(oidc_refresh_tokens::used_at.eq(now))
        .execute(conn)?;
        tracing::warn!(client = %client_id, revoked, "an authorization code was replayed; its tokens are revoked");
        return Ok(Err(GrantError::InvalidGrant("code already used")));
    }
    if client_id != client.id {
        return Ok(Err(GrantError::InvalidGrant(
            "code issued to another client",
        )));
    }
    if expires_at <= now {
        return Ok(Err(GrantError::InvalidGrant("code expired")));
    }
    if redirect_uri != Some(code_redirect.as_str()) {
        return Ok(Err(GrantError::InvalidGrant(
            "redirect_uri differs from the authorization request",
        )));
    }
    match (challenge.as_deref(), verifier) {
        (Some(c), Some(v)) if pkce_matches(v, c) => {}
        (Some(_), _) => return Ok(Err(GrantError::InvalidGrant("PKCE verification failed"))),
        (None, Some(_)) => return Ok(Err(GrantError::InvalidGrant("no PKCE challenge was given"))),
        (None, None) if client.is_public() => {
            return Ok(Err(GrantError::InvalidGrant("PKCE required")))
        }
        (None, None) => {}
    }
    let marked = diesel::update(
        oidc_codes::table
            .filter(oidc_codes::code_hash.eq(&code_hash))
            .filter(oidc_codes::used_at.is_null()),
    )
    .set(oidc_codes::used_at.eq(now))
    .execute(conn)?;
    if marked != 1 {
        return Ok(Err(GrantError::InvalidGrant("code already used")));
    }
    let session: Option<(String, NaiveDateTime, Option<NaiveDateTime>)> = sessions::table
        .filter(sessions::id.eq(&session_id))
        .select((sessions::user_id, sessions::created_at, sessions::ended_at))
        .first(conn)
        .optional()?;
    let Some((user_id, auth_time, None)) = session else {
        return Ok(Err(GrantError::InvalidGrant(
            "the sign-in behind this code has ended",
        )));
    };
    let (access_token, refresh_token) = issue_tokens(
        conn,
        &code_hash,
        &client.id,
        &session_id,
        &scope,
        now + chrono::Duration::days(REFRESH_DAYS),
    )?;
    Ok(Ok(Granted {
        session_id,
        user_id,
        auth_time,
        scope,
        nonce,
        access_token,
        refresh_token,
    }))
}

/// An access token, and a refresh token (valid until `refresh_until`, the family's end) when
/// the scope holds `offline_access`; both of the family `family` (the hash of the code that
/// began it).
fn issue_tokens(
    conn: &mut DbConnection,
    family: &str,
    client_id: &str,
    session_id: &str,
    scope: &str,
    refresh_until: NaiveDateTime,
) -> Result<(String, Option<String>), Error> {
    let now = Utc::now().naive_utc();
    let access_token = random_token();
    diesel::insert_into(oidc_tokens::table)
        .values((
            oidc_tokens::jti.eq(hash_token(&access_token)),
            oidc_tokens::code_hash.eq(family),
            oidc_tokens::client_id.eq(client_id),
            oidc_tokens::scope.eq(scope),
            oidc_tokens::session_id.eq(session_id),
            oidc_tokens::expires_at.eq(now + chrono::Duration::seconds(TOKEN_SECS)),
        ))
        .execute(conn)?;
    if !scope.split(' ').any(|s| s == "offline_access") {
        return Ok((access_token, None));
    }
    let refresh = random_token();
    diesel::insert_into(oidc_refresh_tokens::table)
        .values((
            oidc_refresh_tokens::token_hash.eq(hash_token(&refresh)),
            oidc_refresh_tokens::family.eq(family),
            oidc_refresh_tokens::client_id.eq(client_id),
            oidc_refresh_tokens::session_id.eq(session_id),
            oidc_refresh_tokens::scope.eq(scope),
            oidc_refresh_tokens::expires_at.eq(refresh_until),
        ))
        .execute(conn)?;
    Ok((access_token, Some(refresh)))
}

/// Ends every token of a family: a used refresh token came back, so one was copied.
fn revoke_family(conn: &mut DbConnection, family: &str, now: NaiveDateTime) -> Result<(), Error> {
    diesel::update(
        oidc_refresh_tokens::table
            .filter(oidc_refresh_tokens::family.eq(family))
            .filter(oidc_refresh_tokens::used_at.is_null()),
    )
    .set(oidc_refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    diesel::update(
        oidc_tokens::table
            .filter(oidc_tokens::code_hash.eq(family))
            .filter(oidc_tokens::revoked_at.is_null()),
    )
    .set(oidc_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Trades a refresh token for new tokens (the old one is used up; the family keeps its end).
/// One presented again was copied: its whole family, access tokens too, is revoked. None
/// outlives the hub session, ended or run out (`lifetime`).
pub fn refresh(
    conn: &mut DbConnection,
    token: &str,
    client: &Client,
    lifetime: super::sessions::Lifetime,
) -> Result<Result<Granted, GrantError>, Error> {
    write_transaction(conn, |conn| {
        let now = Utc::now().naive_utc();
        let hash = hash_token(token);
        type Row = (
            String,
            String,
            String,
            String,
            NaiveDateTime,
            Option<NaiveDateTime>,
        );
        let row: Option<Row> = oidc_refresh_tokens::table
            .find(&hash)
            .select((
                oidc_refresh_tokens::family,
                oidc_refresh_tokens::client_id,
                oidc_refresh_tokens::session_id,
                oidc_refresh_tokens::scope,
                oidc_refresh_tokens::expires_at,
                oidc_refresh_tokens::used_at,
            ))
            .first(conn)
            .optional()?;
        let Some((family, client_id, session_id, scope, expires_at, used_at)) = row else {
            return Ok(Err(GrantError::InvalidGrant("unknown refresh token")));
        };
        if used_at.is_some() {
            revoke_family(conn, &family, now)?;
            tracing::warn!(client = %client_id, "a used refresh token came back: its family is revoked");
            return Ok(Err(GrantError::InvalidGrant("refresh token already used")));
        }
        if client_id != client.id {
            return Ok(Err(GrantError::InvalidGrant(
                "refresh token of another client",
            )));
        }
        if expires_at <= now {
            return Ok(Err(GrantError::InvalidGrant("refresh token expired")));
        }
        let Some(session) = super::sessions::by_id(conn, &session_id, lifetime)? else {
            return Ok(Err(GrantError::InvalidGrant(
                "the sign-in behind this token has ended",
            )));
        };
        let (user_id, auth_time) = (session.user_id.clone(), session.created_at);
        let used = diesel::update(
            oidc_refresh_tokens::table
                .find(&hash)
                .filter(oidc_refresh_tokens::used_at.is_null()),
        )
        .set(oidc_refresh_tokens::used_at.eq(now))
        .execute(conn)?;
        if used != 1 {
            // Used by another request at this very moment: a copy all the same.
            revoke_family(conn, &family, now)?;
            return Ok(Err(GrantError::InvalidGrant("refresh token already used")));
        }
        let (access_token, refresh_token) =
            issue_tokens(conn, &family, &client.id, &session_id, &scope, expires_at)?;
        Ok(Ok(Granted {
            session_id,
            user_id,
            auth_time,
            scope,
            nonce: None,
            access_token,
            refresh_token,
        }))
    })
}

/// The person and scope behind a live access token (for userinfo).
pub fn token_owner(
    conn: &mut DbConnection,
    access_token: &str,
) -> Result<Option<(String, String)>, Error> {
    let now = Utc::now().naive_utc();
    Ok(oidc_tokens::table
        .inner_join(sessions::table)
        .filter(oidc_tokens::jti.eq(hash_token(access_token)))
        .filter(oidc_tokens::revoked_at.is_null())
        .filter(oidc_tokens::expires_at.gt(now))
        .filter(sessions::ended_at.is_null())
        .select((sessions::user_id, oidc_tokens::scope))
        .first(conn)
        .optional()?)
}

/// Chamilo's oauth2 plugin maps one scalar status: 1 course manager (teacher), 5 student.
pub fn chamilo_status(person: &Person) -> i32 {
    let teaches = person.has_role(Role::Trainer)
        || !person
            .staff_organisations(OrganisationKind::Provider)
            .is_empty();
    if teaches {
        1
    } else {
        5
    }
}

/// The claims a scope set releases (OIDC Core §5.4, plus `chamilo_status`).
pub fn claims(
    person: &Person,
    scope: &str,
    email_verified: bool,
) -> serde_json::Map<String, serde_json::Value> {
    let mut c = serde_json::Map::new();
    c.insert("sub".into(), person.id.clone().into());
    let scopes: Vec<&str> = scope.split(' ').collect();
    if scopes.contains(&"profile") {
        c.insert(
            "name".into(),
            format!("{} {}", person.first_name, person.last_name).into(),
        );
        c.insert("given_name".into(), person.first_name.clone().into());
        c.insert("family_name".into(), person.last_name.clone().into());
        c.insert("preferred_username".into(), person.email.clone().into());
        c.insert("locale".into(), person.language.clone().into());
    }
    if scopes.contains(&"email") {
        c.insert("email".into(), person.email.clone().into());
        c.insert("email_verified".into(), email_verified.into());
    }
    if scopes.contains(&"chamilo") {
        c.insert("chamilo_status".into(), chamilo_status(person).into());
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Signing keys

/// The RS256 signing keys, decrypted once per key id and kept in memory.
pub struct Keys {
    sealer: Sealer,
    decrypted: Mutex<HashMap<String, EncodingKey>>,
}

fn jwk(kid: &str, key: &rsa::RsaPublicKey) -> serde_json::Value {
    serde_json::json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    })
}

impl Keys {
    pub fn new(sealer: Sealer) -> Self {
        Self {
            sealer,
            decrypted: Mutex::new(HashMap::new()),
        }
    }

    /// Adds a new key and retires every other; returns the new key id.
    pub fn rotate(&self, conn: &mut DbConnection) -> Result<String, Error> {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .map_err(|e| Error::Internal(format!("RSA key generation: {e}")))?;
        let pem = private
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(|e| Error::Internal(format!("PKCS#8: {e}")))?;
        let kid = Uuid::new_v4().simple().to_string()[..16].to_string();
        let now = Utc::now().naive_utc();
        let public = jwk(&kid, &private.to_public_key());
        write_transaction(conn, |conn| {
            diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
                .set(signing_keys::retired_at.eq(now))
                .execute(conn)?;
            diesel::insert_into(signing_keys::table)
                .values((
                    signing_keys::kid.eq(&kid),
                    signing_keys::private_key_encrypted.eq(self.sealer.seal(pem.as_bytes())),
                    signing_keys::public_jwk.eq(public.to_string()),
                    signing_keys::created_at.eq(now),
                ))
                .execute(conn)?;
            Ok(())
        })?;
        Ok(kid)
    }

    /// The current key, created on first use.
    fn current(&self, conn: &mut DbConnection) -> Result<(String, EncodingKey), Error> {
        let row: Option<(String, String)> = signing_keys::table
            .filter(signing_keys::retired_at.is_null())
            .order(signing_keys::created_at.desc())
            .select((signing_keys::kid, signing_keys::private_key_encrypted))
            .first(conn)
            .optional()?;
        let (kid, sealed) = match row {
            Some(r) => r,
            None => {
                self.rotate(conn)?;
                return self.current(conn);
            }
        };
        let mut cache = self.decrypted.lock().expect("key cache");
        if let Some(key) = cache.get(&kid) {
            return Ok((kid, key.clone()));
        }
        let pem = String::from_utf8(self.sealer.open(&sealed)?)
            .map_err(|_| Error::Internal("signing key is not UTF-8".into()))?;
        rsa::RsaPrivateKey::from_pkcs8_pem(&pem)
            .map_err(|e| Error::Internal(format!("signing key: {e}")))?;
        let key = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| Error::Internal(format!("signing key: {e}")))?;
        cache.insert(kid.clone(), key.clone());
        Ok((kid, key))
    }

    pub fn sign(&self, conn: &mut DbConnection, claims: &impl Serialize) -> Result<String, Error> {
        let (kid, key) = self.current(conn)?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid);
        jsonwebtoken::encode(&header, claims, &key)
            .map_err(|e| Error::Internal(format!("jwt: {e}")))
    }

    /// The published keys: the current one and those retired too recently to drop.
    pub fn jwks(&self, conn: &mut DbConnection) -> Result<serde_json::Value, Error> {
        self.current(conn)?;
        let cutoff = Utc::now().naive_utc() - chrono::Duration::seconds(RETIRED_PUBLISHED_SECS);
        let keys: Vec<String> = signing_keys::table
            .filter(
                signing_keys::retired_at
                    .is_null()
                    .or(signing_keys::retired_at.gt(cutoff)),
            )
            .order(signing_keys::created_at.desc())
            .select(signing_keys::public_jwk)
            .load(conn)?;
        let keys: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| serde_json::from_str(k))
            .collect::<Result<_, _>>()?;
        Ok(serde_json::json!({ "keys": keys }))
    }
}

/// `at_hash`: the left half of SHA-256 of the access token, base64url (OIDC Core §3.1.3.6).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "another-verifier",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
