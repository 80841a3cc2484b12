//! Upstream identity providers (brokering, identity.md): a superadmin registers an OpenID
//! Provider; people sign in there, and the hub links that identity to a local account — by a
//! verified e-mail, or by creating one — before continuing whatever flow was in progress.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::accounts::{self, NewUser};
use super::audit::{self, Action, Actor};
use super::vocabulary::{Role, SubjectType};
use crate::crypto::Sealer;
use crate::db::schema::{upstream_flows, upstream_links, upstream_providers};
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewProvider {
    /// Shown on the sign-in button: "Sign in with {name}".
    pub name: String,
    /// The provider's issuer URL (its discovery document is at `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Defaults to `openid email profile`.
    pub scopes: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(skip)]
    pub client_secret: String,
    pub scopes: String,
}

pub fn create(
    conn: &mut DbConnection,
    new: &NewProvider,
    sealer: &Sealer,
    actor: &Actor,
) -> Result<Provider, Error> {
    let mut errors = Vec::new();
    if new.name.trim().is_empty() {
        errors.push(FieldError::new("name", "required", "name the provider"));
    }
    if !url::Url::parse(&new.issuer).is_ok_and(|u| matches!(u.scheme(), "https" | "http")) {
        errors.push(FieldError::new("issuer", "invalid", "an http(s) URL"));
    }
    if new.client_id.trim().is_empty() {
        errors.push(FieldError::new(
            "client_id",
            "required",
            "the client id the provider issued",
        ));
    }
    if new.client_secret.is_empty() {
        errors.push(FieldError::new(
            "client_secret",
            "required",
            "the client secret the provider issued",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let p = Provider {
        id: Uuid::new_v4().simple().to_string(),
        name: new.name.trim().into(),
        issuer: new.issuer.trim_end_matches('/').into(),
        client_id: new.client_id.clone(),
        client_secret: new.client_secret.clone(),
        scopes: new
            .scopes
            .clone()
            .unwrap_or_else(|| "openid email profile".into()),
    };
    write_transaction(conn, |conn| {
        diesel::insert_into(upstream_providers::table)
            .values((
                upstream_providers::id.eq(&p.id),
                upstream_providers::name.eq(&p.name),
                upstream_providers::issuer.eq(&p.issuer),
                upstream_providers::client_id.eq(&p.client_id),
                upstream_providers::client_secret_encrypted
                    .eq(sealer.seal(p.client_secret.as_bytes())),
                upstream_providers::scopes.eq(&p.scopes),
                upstream_providers::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Action::IdentityProviderCreated,
            SubjectType::IdentityProvider,
            Some(&p.id),
            serde_json::json!({ "issuer": p.issuer }),
        )
    })?;
    Ok(p)
}

/// `(id, name)` of every provider, for the sign-in buttons.
pub fn names(conn: &mut DbConnection) -> Result<Vec<(String, String)>, Error> {
    Ok(upstream_providers::table
        .order(upstream_providers::name)
        .select((upstream_providers::id, upstream_providers::name))
        .load(conn)?)
}

pub fn get(conn: &mut DbConnection, id: &str, sealer: &Sealer) -> Result<Provider, Error> {
    let (id, name, issuer, client_id, sealed, scopes): (
        String,
        String,
        String,
        String,
        String,
        String,
    ) = upstream_providers::table
        .filter(upstream_providers::id.eq(id))
        .select((
            upstream_providers::id,
            upstream_providers::name,
            upstream_providers::issuer,
            upstream_providers::client_id,
            upstream_providers::client_secret_encrypted,
            upstream_providers::scopes,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("identity provider {id}")))?;
    let client_secret = String::from_utf8(sealer.open(&sealed)?)
        .map_err(|_| Error::Internal("client secret is not UTF-8".into()))?;
    Ok(Provider {
        id,
        name,
        issuer,
        client_id,
        client_secret,
        scopes,
    })
}

pub struct Flow {
    pub provider_id: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
}

pub fn begin_flow(conn: &mut DbConnection, state: &str, flow: &Flow) -> Result<(), Error> {
    diesel::insert_into(upstream_flows::table)
        .values((
            upstream_flows::state.eq(state),
            upstream_flows::provider_id.eq(&flow.provider_id),
            upstream_flows::nonce.eq(&flow.nonce),
            upstream_flows::pkce_verifier.eq(&flow.pkce_verifier),
            upstream_flows::return_to.eq(&flow.return_to),
            upstream_flows::expires_at.eq(Utc::now().naive_utc() + chrono::Duration::minutes(10)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the flow `state` names (single use, 10 minutes).
pub fn take_flow(conn: &mut DbConnection, state: &str) -> Result<Option<Flow>, Error> {
    write_transaction(conn, |conn| {
        let row: Option<(String, String, String, String, NaiveDateTime)> = upstream_flows::table
            .filter(upstream_flows::state.eq(state))
            .select((
                upstream_flows::provider_id,
                upstream_flows::nonce,
                upstream_flows::pkce_verifier,
                upstream_flows::return_to,
                upstream_flows::expires_at,
            ))
            .first(conn)
            .optional()?;
        diesel::delete(upstream_flows::table.filter(upstream_flows::state.eq(state)))
            .execute(conn)?;
        Ok(row.filter(|r| r.4 > Utc::now().naive_utc()).map(
            |(provider_id, nonce, pkce_verifier, return_to, _)| Flow {
                provider_id,
                nonce,
                pkce_verifier,
                return_to,
            },
        ))
    })
}

/// What the upstream provider said about the person.
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: Option<String>,
}

/// The local account for an upstream identity: already linked, else the account with the same
/// verified e-mail, else a new (confirmed) trainee account. An unverified e-mail never links to
/// an existing account: that would let anyone claim it.
/// `from` is the browser signing in (no one yet; the address it came from).
pub fn link(
    conn: &mut DbConnection,
    provider_id: &str,
    who: &Identity,
    from: &Actor,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let linked: Option<String> = upstream_links::table
            .filter(upstream_links::provider_id.eq(provider_id))
            .filter(upstream_links::subject.eq(&who.subject))
            .select(upstream_links::user_id)
            .first(conn)
            .optional()?;
        if let Some(user_id) = linked {
            return Ok(user_id);
        }
        let email = who.email.clone().ok_or_else(|| {
            Error::Forbidden("the identity provider did not share an e-mail address".into())
        })?;
        let existing = accounts::find_id_by_email(conn, &email)?;
        let user_id = match existing {
            Some(id) if who.email_verified => id,
            Some(_) => {
                return Err(Error::Forbidden(
                    "an account with this e-mail exists; sign in with your password to link it"
                        .into(),
                ))
            }
            None => {
                let language = who
                    .locale
                    .as_deref()
                    .map(|l| crate::i18n::supported(&l[..l.len().min(2)]))
                    .unwrap_or("en");
                let new = NewUser {
                    email: &email,
                    password_hash: None,
                    first_name: who.given_name.as_deref().unwrap_or("-"),
                    last_name: who.family_name.as_deref().unwrap_or("-"),
                    language,
                    roles: &[Role::Trainee],
                    confirmed: who.email_verified,
                };
                accounts::create(conn, &new, &Actor::hub())?
            }
        };
        diesel::insert_into(upstream_links::table)
            .values((
                upstream_links::provider_id.eq(provider_id),
                upstream_links::subject.eq(&who.subject),
                upstream_links::user_id.eq(&user_id),
                upstream_links::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &Actor::person(&user_id, from.ip.clone()),
            Action::UpstreamLinked,
            SubjectType::User,
            Some(&user_id),
            serde_json::json!({ "provider": provider_id }),
        )?;
        Ok(user_id)
    })
}
