//! Issued credentials: the holder's list, the public document by its unguessable id, revocation
//! by the issuer's staff or a superadmin (audited, and in the status list at once), and what the
//! issuer publishes about itself (profile with keys, status list).

use chrono::Utc;
use diesel::prelude::*;
use serde_json::Value;

use super::keys;
use crate::db::schema::{badges, credentials, organisations};
use crate::db::{write_transaction, DbConnection, Paged, Window};
use crate::domain::accounts::Person;
use crate::domain::audit::{self, Action};
use crate::domain::privacy::ERASED;
use crate::domain::vocabulary::SubjectType;
use crate::domain::Actor;
use crate::error::{Error, FieldError};

/// A credential as its holder sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CredentialView {
    pub id: String,
    pub badge_id: String,
    pub offer_id: String,
    pub name: String,
    pub issuer: String,
    #[serde(serialize_with = "crate::db::utc")]
    pub issued_at: chrono::NaiveDateTime,
    pub valid_until: Option<String>,
    pub revoked: bool,
    pub revoked_reason: Option<String>,
    /// The credential itself, as signed.
    #[schema(value_type = Object)]
    pub credential: Value,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    String,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

fn view(row: Row) -> Result<CredentialView, Error> {
    let (id, badge_id, offer_id, name, issuer, issued_at, document, revoked_at, reason) = row;
    let credential: Value = serde_json::from_str(&document)?;
    Ok(CredentialView {
        valid_until: credential["validUntil"].as_str().map(str::to_string),
        id,
        badge_id,
        offer_id,
        name,
        issuer,
        issued_at,
        revoked: revoked_at.is_some(),
        revoked_reason: reason,
        credential,
    })
}

macro_rules! selection {
    () => {
        (
            credentials::id,
            credentials::badge_id,
            badges::offer_id,
            badges::name,
            organisations::name,
            credentials::issued_at,
            credentials::document,
            credentials::revoked_at,
            credentials::revoked_reason,
        )
    };
}

/// The person's credentials, newest first.
pub fn mine(
    conn: &mut DbConnection,
    user: &str,
    window: Window,
) -> Result<Paged<CredentialView>, Error> {
    let total: i64 = credentials::table
        .filter(credentials::user_id.eq(user))
        .filter(credentials::document.ne(ERASED))
        .count()
        .get_result(conn)?;
    let rows: Vec<Row> = credentials::table
        .inner_join(badges::table)
        .inner_join(organisations::table.on(organisations::id.eq(credentials::organisation_id)))
        .filter(credentials::user_id.eq(user))
        .filter(credentials::document.ne(ERASED))
        .order((credentials::issued_at.desc(), credentials::id.asc()))
        .offset(window.offset())
        .limit(window.limit())
        .select(selection!())
        .load(conn)?;
    Ok(Paged {
        items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
        total,
    })
}

/// One credential, by its id (public: the id is unguessable).
pub fn get(conn: &mut DbConnection, id: &str) -> Result<CredentialView, Error> {
    let row: Row = credentials::table
        .inner_join(badges::table)
        .inner_join(organisations::table.on(organisations::id.eq(credentials::organisation_id)))
        .filter(credentials::id.eq(id))
        .filter(credentials::document.ne(ERASED))
        .select(selection!())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("badge {id}")))?;
    view(row)
}

/// Revokes credential `id` for `reason`: the issuer's staff or a superadmin. Its bit in the
/// status list is set by this very commit.
pub fn revoke(
    conn: &mut DbConnection,
    person: &Person,
    id: &str,
    reason: &str,
    actor: &Actor,
) -> Result<(), Error> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(Error::Validation(vec![FieldError::new(
            "reason",
            "required",
            "say why, in at most 1000 characters",
        )]));
    }
    write_transaction(conn, |conn| {
        let row: Option<(String, Option<chrono::NaiveDateTime>)> = credentials::table
            .find(id)
            .select((credentials::organisation_id, credentials::revoked_at))
            .first(conn)
            .optional()?;
        let (organisation, revoked) = row.ok_or_else(|| Error::NotFound(format!("badge {id}")))?;
        person.provider_staff_or_superadmin(&organisation)?;
        if revoked.is_some() {
            return Err(Error::Conflict("the badge is revoked already".into()));
        }
        diesel::update(credentials::table.find(id))
            .set((
                credentials::revoked_at.eq(Utc::now().naive_utc()),
                credentials::revoked_reason.eq(reason),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Action::BadgeRevoked,
            SubjectType::Credential,
            Some(id),
            serde_json::json!({ "reason": reason }),
        )
    })
}

/// What an issuer publishes: its name and site, its keys, and the revoked entries of its list.
#[derive(Debug, Clone)]
pub struct Publication {
    pub name: String,
    pub website: Option<String>,
    pub keys: Vec<keys::PublicKey>,
    pub revoked: Vec<usize>,
    /// Entries the list must hold: one past the highest index handed out.
    pub size: usize,
}

/// The issuer `organisation` as it publishes itself; 404 unless it has ever had a key.
pub fn issuer(conn: &mut DbConnection, organisation: &str) -> Result<Publication, Error> {
    let keys = keys::all(conn, organisation)?;
    if keys.is_empty() {
        return Err(Error::NotFound(format!("issuer {organisation}")));
    }
    let (name, website): (String, Option<String>) = organisations::table
        .find(organisation)
        .select((organisations::name, organisations::website))
        .first(conn)?;
    let revoked: Vec<i32> = credentials::table
        .filter(credentials::organisation_id.eq(organisation))
        .filter(credentials::revoked_at.is_not_null())
        .select(credentials::status_index)
        .load(conn)?;
    let highest: Option<i32> = credentials::table
        .filter(credentials::organisation_id.eq(organisation))
        .select(diesel::dsl::max(credentials::status_index))
        .first(conn)?;
    Ok(Publication {
        name,
        website,
        keys,
        revoked: revoked.into_iter().map(|i| i as usize).collect(),
        size: highest.map_or(0, |h| h as usize + 1),
    })
}
