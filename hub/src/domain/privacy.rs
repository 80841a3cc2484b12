//! Privacy across every concept (registry.md, Privacy; GDPR): what the hub holds about a
//! person (export), erasing it while keeping the rows others' records point to, and the
//! scheduled purge of accounts never confirmed and of credentials that can no longer be used.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::accounts::{self, person};
use super::audit::{self, Action};
use super::events::{self, EventKind, NewEvent};
use super::vocabulary::{AccountStatus, OrganisationStatus, SubjectType};
use super::{notifications, sessions, Actor};
use crate::db::schema::{
    self, audit_log, consents, credentials, email_tokens, login_attempts, memberships, oidc_codes,
    organisations, refresh_tokens, upstream_flows, users, xapi_statements,
};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;

/// Everything the hub holds about a person (GDPR export), secrets excluded.
pub fn export(
    conn: &mut DbConnection,
    id: &str,
    actor: &Actor,
) -> Result<serde_json::Value, Error> {
    write_transaction(conn, |conn| {
        audit::record(
            conn,
            actor,
            Action::AccountExported,
            SubjectType::User,
            Some(id),
            serde_json::json!({}),
        )?;
        collect(conn, id)
    })
}

fn collect(conn: &mut DbConnection, id: &str) -> Result<serde_json::Value, Error> {
    let p = person(conn, id)?;
    let (created_at, email_verified): (chrono::NaiveDateTime, bool) = users::table
        .filter(users::id.eq(id))
        .select((users::created_at, users::email_verified))
        .first(conn)?;
    let consents: Vec<(String, String, chrono::NaiveDateTime)> = consents::table
        .filter(consents::user_id.eq(id))
        .select((consents::document, consents::version, consents::at))
        .load(conn)?;
    let sessions: Vec<sessions::Session> = schema::sessions::table
        .filter(schema::sessions::user_id.eq(id))
        .select(sessions::Session::as_select())
        .load(conn)?;
    let attempts: Vec<(Option<String>, chrono::NaiveDateTime, bool)> = login_attempts::table
        .filter(login_attempts::email.eq(&p.email))
        .select((
            login_attempts::ip,
            login_attempts::at,
            login_attempts::success,
        ))
        .load(conn)?;
    let audit: Vec<(chrono::NaiveDateTime, String, Option<String>)> = audit_log::table
        .filter(audit_log::actor_id.eq(id).or(audit_log::subject_id.eq(id)))
        .select((audit_log::at, audit_log::action, audit_log::ip))
        .load(conn)?;
    let badges: Vec<String> = credentials::table
        .filter(credentials::user_id.eq(id))
        .filter(credentials::document.ne(ERASED))
        .select(credentials::document)
        .load(conn)?;
    Ok(serde_json::json!({
        "account": p,
        "created_at": created_at.and_utc(),
        "email_verified": email_verified,
        "consents": consents.iter().map(|(d, v, at)| serde_json::json!({"document": d, "version": v, "at": at.and_utc()})).collect::<Vec<_>>(),
        "sessions": sessions,
        "sign_ins": attempts.iter().map(|(ip, at, ok)| serde_json::json!({"ip": ip, "at": at.and_utc(), "success": ok})).collect::<Vec<_>>(),
        "notifications": notifications::of_user(conn, id)?.into_iter().map(|(k, p)| serde_json::json!({"kind": k, "payload": p})).collect::<Vec<_>>(),
        "audit": audit.iter().map(|(at, action, ip)| serde_json::json!({"at": at.and_utc(), "action": action, "ip": ip})).collect::<Vec<_>>(),
        "badges": badges.iter().filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok()).collect::<Vec<_>>(),
    }))
}

/// Erases a person's personal data, keeping the row others' records point to: e-mail and names
/// are replaced, the password, memberships and sessions go, sign-in attempts under the old
/// e-mail are deleted. The account must still be at version `expected` (412 otherwise); the last
/// active superadmin cannot erase themselves (409).
pub fn erase(conn: &mut DbConnection, id: &str, expected: i32, actor: &Actor) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let p = person(conn, id)?;
        if p.version != expected {
            return Err(Error::PreconditionFailed);
        }
        accounts::keep_a_superadmin(conn, &p, "erase")?;
        diesel::update(users::table.filter(users::id.eq(id)))
            .set((
                users::email.eq(format!("erased-{id}@invalid")),
                users::first_name.eq(""),
                users::last_name.eq(""),
                users::password_hash.eq(None::<String>),
                users::status.eq(AccountStatus::Deleted.as_str()),
                users::version.eq(users::version + 1),
                users::updated_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        diesel::delete(login_attempts::table.filter(login_attempts::email.eq(&p.email)))
            .execute(conn)?;
        diesel::delete(memberships::table.filter(memberships::user_id.eq(id))).execute(conn)?;
        // The hub's public copies of the person's badges go (the salted hash of their e-mail is
        // in them); the rows stay, so their status bits are never handed to another badge.
        diesel::update(credentials::table.filter(credentials::user_id.eq(id)))
            .set(credentials::document.eq(ERASED))
            .execute(conn)?;
        // Learning results stay as facts about an offer; the statements Chamilo sent name the
        // person (their address, their name) and go.
        diesel::update(xapi_statements::table.filter(xapi_statements::user_id.eq(id)))
            .set(xapi_statements::body.eq("{}"))
            .execute(conn)?;
        sessions::end_all(conn, id, None)?;
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::AccountErased,
                SubjectType::User,
                id,
                serde_json::json!({}),
            ),
        )?;
        Ok(())
    })
}

/// What an erased person's badge documents become.
pub const ERASED: &str = "null";

/// Unconfirmed accounts go a week after registering (their link was valid for 48 hours).
const UNCONFIRMED_DAYS: i64 = 7;
/// Ended or expired sessions, and used or expired tokens, are kept this long for support.
const STALE_DAYS: i64 = 30;

/// What one purge removed, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub accounts: usize,
    pub organisations: usize,
    pub tokens: usize,
    pub sessions: usize,
}

/// The scheduled clean-up of registry.md's Privacy section: accounts never confirmed (their
/// link expired long ago), the organisations only they belonged to, and tokens, codes, sign-in
/// flows and sessions that can no longer be used.
pub fn purge(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Purged, Error> {
    write_transaction(conn, |conn| {
        let stale = now - chrono::Duration::days(STALE_DAYS);
        let unconfirmed: Vec<String> = users::table
            .filter(users::status.eq(AccountStatus::Unconfirmed.as_str()))
            .filter(users::created_at.lt(now - chrono::Duration::days(UNCONFIRMED_DAYS)))
            .select(users::id)
            .load(conn)?;
        let their_orgs: Vec<String> = memberships::table
            .filter(memberships::user_id.eq_any(&unconfirmed))
            .select(memberships::organisation_id)
            .load(conn)?;
        let accounts =
            diesel::delete(users::table.filter(users::id.eq_any(&unconfirmed))).execute(conn)?;
        // Pending organisations left without anyone (their memberships went with the accounts).
        let still_staffed: Vec<String> = memberships::table
            .filter(memberships::organisation_id.eq_any(&their_orgs))
            .select(memberships::organisation_id)
            .load(conn)?;
        let orphans: Vec<&String> = their_orgs
            .iter()
            .filter(|o| !still_staffed.contains(o))
            .collect();
        let organisations = diesel::delete(
            organisations::table
                .filter(organisations::id.eq_any(orphans))
                .filter(organisations::status.eq(OrganisationStatus::Pending.as_str())),
        )
        .execute(conn)?;
        let mut tokens =
            diesel::delete(email_tokens::table.filter(email_tokens::expires_at.lt(stale)))
                .execute(conn)?;
        tokens += diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now)))
            .execute(conn)?;
        tokens += diesel::delete(oidc_codes::table.filter(oidc_codes::expires_at.lt(stale)))
            .execute(conn)?;
        tokens += diesel::delete(upstream_flows::table.filter(upstream_flows::expires_at.lt(now)))
            .execute(conn)?;
        let ended = diesel::delete(
            schema::sessions::table.filter(
                schema::sessions::ended_at
                    .lt(stale)
                    .or(schema::sessions::expires_at.lt(stale)),
            ),
        )
        .execute(conn)?;
        Ok(Purged {
            accounts,
            organisations,
            tokens,
            sessions: ended,
        })
    })
}
