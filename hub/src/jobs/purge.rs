//! The scheduled clean-up of registry.md's Privacy section: accounts never confirmed (their link
//! expired long ago), the organisations only they belonged to, and tokens, codes, sign-in flows
//! and sessions that can no longer be used.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::WorkerHandle;
use crate::db::schema::{
    email_tokens, memberships, oidc_codes, organisations, refresh_tokens, sessions, upstream_flows,
    users,
};
use crate::db::{write_transaction, Db, DbConnection};
use crate::error::Error;

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

pub fn purge(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Purged, Error> {
    write_transaction(conn, |conn| {
        let stale = now - chrono::Duration::days(STALE_DAYS);
        let unconfirmed: Vec<String> = users::table
            .filter(users::status.eq("unconfirmed"))
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
                .filter(organisations::status.eq("pending")),
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
        let sessions = diesel::delete(
            sessions::table.filter(
                sessions::ended_at
                    .lt(stale)
                    .or(sessions::expires_at.lt(stale)),
            ),
        )
        .execute(conn)?;
        Ok(Purged {
            accounts,
            organisations,
            tokens,
            sessions,
        })
    })
}

pub fn start(db: Db, every: Duration) -> WorkerHandle {
    super::every(db, every, "purged stale accounts and tokens", |conn| {
        let p = purge(conn, Utc::now().naive_utc())?;
        Ok((p != Purged::default()).then_some(p))
    })
}
