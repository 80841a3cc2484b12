//! Sessions: a person signed in, in a browser (cookie) or through the API (tokens). The token is
//! random and stored hashed; a session ends after `HUB_SESSION_IDLE_MINS` without use or
//! `HUB_SESSION_MAX_HOURS` after it began, whichever comes first (identity.md). Ending a session
//! ends every token issued on it.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::audit::{self, Action, Actor};
use super::vocabulary::{vocabulary, SubjectType};
use crate::crypto::{hash_token, random_token};
use crate::db::schema::{refresh_tokens, sessions};
use crate::db::DbConnection;
use crate::error::Error;

vocabulary! {
    /// How a session is held: a browser's cookie, or an API client's refresh token.
    Kind {
        Browser = "browser",
        Api = "api",
    }
}

/// How long sessions live; from the config.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime {
    pub idle: Duration,
    pub max: Duration,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    #[serde(skip)]
    pub user_id: String,
    #[diesel(deserialize_as = String)]
    pub kind: Kind,
    #[serde(skip)]
    pub csrf_token: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    pub last_seen_at: NaiveDateTime,
    #[serde(skip)]
    pub expires_at: NaiveDateTime,
    #[serde(skip)]
    pub ended_at: Option<NaiveDateTime>,
}

/// An API client's session with its first refresh token, in one transaction: a session nobody
/// can refresh is never left behind. Returns the session and the refresh token.
pub fn start_for_api(
    conn: &mut DbConnection,
    user_id: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    lifetime: Lifetime,
) -> Result<(Session, String), Error> {
    crate::db::write_transaction(conn, |conn| {
        let started = start(conn, user_id, Kind::Api, ip, user_agent, lifetime)?;
        let refresh = issue_refresh(conn, &started.session.id)?;
        Ok((started.session, refresh))
    })
}

/// A new session and the secret token that names it (shown to the client once).
pub struct Started {
    pub session: Session,
    pub token: String,
}

pub fn start(
    conn: &mut DbConnection,
    user_id: &str,
    kind: Kind,
    ip: Option<&str>,
    user_agent: Option<&str>,
    lifetime: Lifetime,
) -> Result<Started, Error> {
    let token = random_token();
    let now = Utc::now().naive_utc();
    let session = Session {
        id: Uuid::new_v4().to_string(),
        user_id: user_id.to_string(),
        kind,
        csrf_token: random_token(),
        ip: ip.map(str::to_string),
        user_agent: user_agent.map(|u| u.chars().take(300).collect()),
        created_at: now,
        last_seen_at: now,
        expires_at: now + chrono::Duration::from_std(lifetime.max).unwrap_or_default(),
        ended_at: None,
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session.id),
            sessions::token_hash.eq(hash_token(&token)),
            sessions::user_id.eq(&session.user_id),
            sessions::kind.eq(session.kind.as_str()),
            sessions::csrf_token.eq(&session.csrf_token),
            sessions::ip.eq(&session.ip),
            sessions::user_agent.eq(&session.user_agent),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(session.expires_at),
        ))
        .execute(conn)?;
    Ok(Started { session, token })
}

fn alive(s: &Session, lifetime: Lifetime, now: NaiveDateTime) -> bool {
    let idle = chrono::Duration::from_std(lifetime.idle).unwrap_or_default();
    s.ended_at.is_none() && s.expires_at > now && s.last_seen_at + idle > now
}

/// The live session a browser cookie names, marking it used; `None` when unknown, ended,
/// idle too long or past its absolute end.
pub fn by_token(
    conn: &mut DbConnection,
    token: &str,
    lifetime: Lifetime,
) -> Result<Option<Session>, Error> {
    let found: Option<Session> = sessions::table
        .filter(sessions::token_hash.eq(hash_token(token)))
        .select(Session::as_select())
        .first(conn)
        .optional()?;
    touch_if_alive(conn, found, lifetime)
}

/// The live session with this id (API tokens carry it as `sid`), marking it used.
pub fn by_id(
    conn: &mut DbConnection,
    id: &str,
    lifetime: Lifetime,
) -> Result<Option<Session>, Error> {
    let found: Option<Session> = sessions::table
        .filter(sessions::id.eq(id))
        .select(Session::as_select())
        .first(conn)
        .optional()?;
    touch_if_alive(conn, found, lifetime)
}

fn touch_if_alive(
    conn: &mut DbConnection,
    found: Option<Session>,
    lifetime: Lifetime,
) -> Result<Option<Session>, Error> {
    let now = Utc::now().naive_utc();
    let Some(mut s) = found.filter(|s| alive(s, lifetime, now)) else {
        return Ok(None);
    };
    // One write a minute at most per session, not one per request.
    if now - s.last_seen_at > chrono::Duration::seconds(60) {
        diesel::update(sessions::table.filter(sessions::id.eq(&s.id)))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
        s.last_seen_at = now;
    }
    Ok(Some(s))
}

/// The person's live sessions, newest first.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    lifetime: Lifetime,
) -> Result<Vec<Session>, Error> {
    let now = Utc::now().naive_utc();
    let all: Vec<Session> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .order(sessions::created_at.desc())
        .select(Session::as_select())
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|s| alive(s, lifetime, now))
        .collect())
}

/// Ends one session of `user_id`; false when it is not theirs or already ended.
/// The actor ends one of their own sessions (signing out, or from the list of sessions);
/// false when it was not theirs or had ended already.
pub fn end(conn: &mut DbConnection, session_id: &str, actor: &Actor) -> Result<bool, Error> {
    let user_id = actor.person_id()?;
    crate::db::write_transaction(conn, |conn| {
        let n = diesel::update(
            sessions::table
                .filter(sessions::id.eq(session_id))
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::ended_at.is_null()),
        )
        .set(sessions::ended_at.eq(Utc::now().naive_utc()))
        .execute(conn)?;
        if n == 1 {
            audit::record(
                conn,
                actor,
                Action::SessionEnded,
                SubjectType::User,
                Some(user_id),
                serde_json::json!({ "session": session_id }),
            )?;
        }
        Ok(n == 1)
    })
}

/// Ends every session of `user_id` except `keep`; returns how many ended.
pub fn end_all(conn: &mut DbConnection, user_id: &str, keep: Option<&str>) -> Result<usize, Error> {
    let query = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")));
    Ok(diesel::update(query)
        .set(sessions::ended_at.eq(Utc::now().naive_utc()))
        .execute(conn)?)
}

const REFRESH_DAYS: i64 = 30;

/// A new refresh token on `session_id`.
pub fn issue_refresh(conn: &mut DbConnection, session_id: &str) -> Result<String, Error> {
    let token = random_token();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash_token(&token)),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::expires_at
                .eq(Utc::now().naive_utc() + chrono::Duration::days(REFRESH_DAYS)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Trades a refresh token for the session it belongs to, using the token up. A token presented a
/// second time means it was copied: the whole session ends (identity.md, rotating tokens).
pub fn redeem_refresh(
    conn: &mut DbConnection,
    token: &str,
    lifetime: Lifetime,
) -> Result<Session, Error> {
    let now = Utc::now().naive_utc();
    let row: Option<(String, NaiveDateTime, Option<NaiveDateTime>)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash_token(token)))
        .select((
            refresh_tokens::session_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
        ))
        .first(conn)
        .optional()?;
    let invalid = || {
        Error::field(
            "refresh_token",
            "invalid",
            "unknown, used or expired refresh token",
        )
    };
    let (session_id, expires_at, used_at) = row.ok_or_else(invalid)?;
    if used_at.is_some() {
        diesel::update(sessions::table.filter(sessions::id.eq(&session_id)))
            .set(sessions::ended_at.eq(now))
            .execute(conn)?;
        tracing::warn!(session = %session_id, "a used refresh token came back: session ended");
        return Err(invalid());
    }
    if expires_at <= now {
        return Err(invalid());
    }
    let used = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(hash_token(token)))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    if used != 1 {
        return Err(invalid());
    }
    by_id(conn, &session_id, lifetime)?.ok_or_else(invalid)
}
