//! Partner API keys (identity.md, API tokens): created by a superadmin, shown once, stored as a
//! SHA-256 hash, each with scopes and a rate limit of its own.

use chrono::Utc;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::audit::{self, Action, Actor};
use super::vocabulary::SubjectType;
use crate::crypto::{hash_token, random_token};
use crate::db::schema::api_keys;
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

/// A partner API key's identity and what it may do.
#[derive(Debug, Clone)]
pub struct Partner {
    pub key_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub provider_id: Option<String>,
}

pub const SCOPES: [&str; 3] = ["catalogue:read", "offers:write", "statistics:read"];

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewApiKey {
    pub name: String,
    /// Any of `catalogue:read`, `offers:write` (needs `provider_id`), `statistics:read`.
    pub scopes: Vec<String>,
    pub provider_id: Option<String>,
    /// Requests per minute this key may make (default 120).
    pub per_minute: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it; the key itself is never shown again.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub provider_id: Option<String>,
    pub per_minute: i32,
    pub revoked: bool,
}

/// Creates a key; returns its description and the key itself (to be shown once).
pub fn create(
    conn: &mut DbConnection,
    new: &NewApiKey,
    actor: &Actor,
) -> Result<(ApiKeyInfo, String), Error> {
    let mut errors = Vec::new();
    if new.name.trim().is_empty() {
        errors.push(FieldError::new("name", "required", "name the partner"));
    }
    if new.scopes.is_empty() {
        errors.push(FieldError::new(
            "scopes",
            "required",
            "give the key at least one scope",
        ));
    }
    for (i, s) in new.scopes.iter().enumerate() {
        if !SCOPES.contains(&s.as_str()) {
            errors.push(FieldError::new(
                format!("scopes[{i}]"),
                "invalid",
                format!("one of {}", SCOPES.join(", ")),
            ));
        }
    }
    if new.scopes.iter().any(|s| s == "offers:write") && new.provider_id.is_none() {
        errors.push(FieldError::new(
            "provider_id",
            "required",
            "offers:write acts for one provider",
        ));
    }
    let per_minute = new.per_minute.unwrap_or(120);
    if !(1..=100_000).contains(&per_minute) {
        errors.push(FieldError::new(
            "per_minute",
            "out_of_range",
            "between 1 and 100000",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let key = format!("hubk_{}", random_token());
    let info = ApiKeyInfo {
        id: Uuid::new_v4().to_string(),
        name: new.name.trim().to_string(),
        prefix: key.chars().take(12).collect(),
        scopes: new.scopes.clone(),
        provider_id: new.provider_id.clone(),
        per_minute,
        revoked: false,
    };
    write_transaction(conn, |conn| {
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(&info.id),
                api_keys::name.eq(&info.name),
                api_keys::prefix.eq(&info.prefix),
                api_keys::key_hash.eq(hash_token(&key)),
                api_keys::scopes.eq(serde_json::to_string(&info.scopes)?),
                api_keys::provider_id.eq(&info.provider_id),
                api_keys::per_minute.eq(per_minute),
                api_keys::created_by.eq(actor.id()),
                api_keys::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Action::ApiKeyCreated,
            SubjectType::ApiKey,
            Some(&info.id),
            serde_json::json!({ "name": info.name }),
        )
    })?;
    Ok((info, key))
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    i32,
    Option<chrono::NaiveDateTime>,
);

fn info(row: Row) -> Result<ApiKeyInfo, Error> {
    let (id, name, prefix, scopes, provider_id, per_minute, revoked_at) = row;
    Ok(ApiKeyInfo {
        id,
        name,
        prefix,
        scopes: serde_json::from_str(&scopes)?,
        provider_id,
        per_minute,
        revoked: revoked_at.is_some(),
    })
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<ApiKeyInfo>, Error> {
    let rows: Vec<Row> = api_keys::table
        .order(api_keys::created_at.desc())
        .select((
            api_keys::id,
            api_keys::name,
            api_keys::prefix,
            api_keys::scopes,
            api_keys::provider_id,
            api_keys::per_minute,
            api_keys::revoked_at,
        ))
        .load(conn)?;
    rows.into_iter().map(info).collect()
}

pub fn revoke(conn: &mut DbConnection, id: &str, actor: &Actor) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let n = diesel::update(
            api_keys::table
                .filter(api_keys::id.eq(id))
                .filter(api_keys::revoked_at.is_null()),
        )
        .set(api_keys::revoked_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
        if n == 0 {
            return Err(Error::NotFound(format!("api key {id}")));
        }
        audit::record(
            conn,
            actor,
            Action::ApiKeyRevoked,
            SubjectType::ApiKey,
            Some(id),
            serde_json::json!({}),
        )
    })
}

/// The partner a key names, unless unknown or revoked.
pub fn authenticate(conn: &mut DbConnection, key: &str) -> Result<Option<Partner>, Error> {
    let row: Option<(String, String, String, Option<String>)> = api_keys::table
        .filter(api_keys::key_hash.eq(hash_token(key)))
        .filter(api_keys::revoked_at.is_null())
        .select((
            api_keys::id,
            api_keys::name,
            api_keys::scopes,
            api_keys::provider_id,
        ))
        .first(conn)
        .optional()?;
    row.map(|(key_id, name, scopes, provider_id)| {
        Ok(Partner {
            key_id,
            name,
            scopes: serde_json::from_str(&scopes)?,
            provider_id,
        })
    })
    .transpose()
}

/// The per-minute limit of a key, by id (for the rate limiter).
pub fn per_minute(conn: &mut DbConnection, key: &str) -> Result<Option<(String, i32)>, Error> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(hash_token(key)))
        .filter(api_keys::revoked_at.is_null())
        .select((api_keys::id, api_keys::per_minute))
        .first(conn)
        .optional()?)
}
