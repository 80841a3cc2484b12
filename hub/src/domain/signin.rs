//! Signing in with e-mail and password, hardened as identity.md asks: failures are counted per
//! normalised e-mail (so `Ana@X.eu` and ` ana@x.eu` share one count); 5 failures in 15 minutes
//! lock the account for 15 minutes; unknown e-mails are checked against a dummy hash so every
//! path costs one argon2 verification; failures from 3+ addresses within 10 minutes alert the
//! superadmins.
//!
//! The argon2 work is split from the database work so callers can run it on the bounded blocking
//! pool ([`crate::http::AppState::hash`]) rather than inside a transaction.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;

use super::accounts::{self, normalise_email};
use super::audit::{self, Action, Actor};
use super::events::{self, EventKind, NewEvent};
use super::notifications;
use super::vocabulary::{AccountStatus, NotificationKind, SubjectType};
use crate::db::schema::{login_attempts, users};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempts: i64,
    pub window: Duration,
    pub lock_for: Duration,
}

/// Addresses that together raise an alert within this long.
const ALERT_WINDOW_MINS: i64 = 10;
const ALERT_IPS: usize = 3;

/// What the database says about an e-mail before the password is checked, and the attempt it
/// reserved for that check.
pub struct Candidate {
    pub email: String,
    pub user_id: Option<String>,
    pub hash: String,
    pub status: Option<AccountStatus>,
    /// Locked before this attempt, or by it (the window's attempts are used up): the password
    /// is not checked at all.
    pub locked: bool,
    /// The `login_attempts` row reserved for this check, counted as a failure until it succeeds.
    attempt: Option<i64>,
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        accounts::hash_password(&crate::crypto::random_token()).expect("argon2 hashes a password")
    })
}

/// Computes the dummy hash ahead of the first sign-in.
pub fn warm_up() {
    dummy_hash();
}

/// Looks the e-mail up and, for an account, reserves one of the window's password checks: in
/// one transaction that holds the account's row (`FOR UPDATE` on PostgreSQL, the single writer
/// on SQLite), it counts the failures since the last success within the window — reservations
/// still being checked count as failures — and either records this attempt as a failure until it
/// succeeds, or, when the window's checks are used up, locks the account and checks nothing. So
/// however many attempts arrive at once, at most `policy.attempts` passwords are checked per
/// account and window. Unknown e-mails get the dummy hash so the next step costs the same.
pub fn candidate(
    conn: &mut DbConnection,
    email: &str,
    ip: Option<&str>,
    policy: Policy,
) -> Result<Candidate, Error> {
    let email = normalise_email(email);
    write_transaction(conn, |conn| {
        if let DbConnection::Postgres(pg) = conn {
            users::table
                .filter(users::email.eq(&email))
                .select(users::id)
                .for_update()
                .first::<String>(pg)
                .optional()?;
        }
        let row: Option<(
            String,
            Option<String>,
            String,
            Option<chrono::NaiveDateTime>,
        )> = users::table
            .filter(users::email.eq(&email))
            .select((
                users::id,
                users::password_hash,
                users::status,
                users::locked_until,
            ))
            .first(conn)
            .optional()?;
        let now = Utc::now().naive_utc();
        let Some((id, hash, status, locked_until)) = row else {
            return Ok(Candidate {
                email,
                user_id: None,
                hash: dummy_hash().to_string(),
                status: None,
                locked: false,
                attempt: None,
            });
        };
        let mut candidate = Candidate {
            hash: hash.unwrap_or_else(|| dummy_hash().to_string()),
            locked: status == AccountStatus::Locked.as_str()
                || locked_until.is_some_and(|t| t > now),
            status: Some(status.try_into()?),
            user_id: Some(id.clone()),
            email,
            attempt: None,
        };
        if candidate.locked {
            return Ok(candidate);
        }
        let failures = failures_in_window(conn, &candidate.email, now, policy)?;
        if failures >= policy.attempts {
            lock(conn, &id, failures, now, ip, policy)?;
            candidate.locked = true;
            return Ok(candidate);
        }
        record(conn, &candidate.email, ip, false)?;
        let reserved: Option<i64> = login_attempts::table
            .filter(login_attempts::email.eq(&candidate.email))
            .select(diesel::dsl::max(login_attempts::id))
            .first(conn)?;
        candidate.attempt = reserved;
        Ok(candidate)
    })
}

/// The slow part: one argon2 verification, whatever the candidate.
pub fn check_password(candidate: &Candidate, password: &str) -> bool {
    accounts::verify_password(password, &candidate.hash) && candidate.user_id.is_some()
}

/// Records the outcome and decides: the user id on success, else why not. The refusal is
/// returned only after the transaction commits: the failure it records must outlive it.
pub fn conclude(
    conn: &mut DbConnection,
    candidate: &Candidate,
    password_ok: bool,
    ip: Option<&str>,
    policy: Policy,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        decide(conn, candidate, password_ok, ip, policy)
    })?
}

fn decide(
    conn: &mut DbConnection,
    candidate: &Candidate,
    password_ok: bool,
    ip: Option<&str>,
    policy: Policy,
) -> Result<Result<String, Error>, Error> {
    let now = Utc::now().naive_utc();
    // Refused unchecked: not a failed check, so it counts towards nothing (else anyone could
    // keep an account locked for good by trying it now and then).
    if candidate.locked {
        return Ok(Err(Error::Locked));
    }
    let active = candidate.status == Some(AccountStatus::Active);
    if let (true, true, Some(id), Some(attempt)) = (
        password_ok,
        active,
        candidate.user_id.as_deref(),
        candidate.attempt,
    ) {
        diesel::update(login_attempts::table.filter(login_attempts::id.eq(attempt)))
            .set(login_attempts::success.eq(true))
            .execute(conn)?;
        audit::record(
            conn,
            &Actor::person(id, ip.map(str::to_string)),
            Action::SignedIn,
            SubjectType::User,
            Some(id),
            serde_json::json!({}),
        )?;
        return Ok(Ok(id.to_string()));
    }
    // A reserved attempt is already recorded as a failure; an unknown e-mail's is recorded now.
    if candidate.attempt.is_none() {
        record(conn, &candidate.email, ip, false)?;
    }
    if let Some(user_id) = &candidate.user_id {
        let failures = failures_in_window(conn, &candidate.email, now, policy)?;
        if failures >= policy.attempts {
            lock(conn, user_id, failures, now, ip, policy)?;
        }
    }
    alert_on_spread(conn, &candidate.email, ip, now)?;
    Ok(Err(Error::Unauthenticated))
}

/// Failed attempts since the later of the last success and the window's start.
fn failures_in_window(
    conn: &mut DbConnection,
    email: &str,
    now: chrono::NaiveDateTime,
    policy: Policy,
) -> Result<i64, Error> {
    let since_success: Option<chrono::NaiveDateTime> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::success.eq(true))
        .select(diesel::dsl::max(login_attempts::at))
        .first(conn)?;
    let window_start = now - chrono::Duration::from_std(policy.window).unwrap_or_default();
    let from = since_success.map_or(window_start, |s| s.max(window_start));
    Ok(login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::success.eq(false))
        .filter(login_attempts::at.gt(from))
        .count()
        .get_result(conn)?)
}

/// Locks the account for the policy's time, once: an account already locked keeps its time.
fn lock(
    conn: &mut DbConnection,
    user_id: &str,
    failures: i64,
    now: chrono::NaiveDateTime,
    ip: Option<&str>,
    policy: Policy,
) -> Result<(), Error> {
    let until = now + chrono::Duration::from_std(policy.lock_for).unwrap_or_default();
    let newly = diesel::update(
        users::table.filter(users::id.eq(user_id)).filter(
            users::locked_until
                .is_null()
                .or(users::locked_until.le(now)),
        ),
    )
    .set(users::locked_until.eq(until))
    .execute(conn)?;
    if newly > 0 {
        audit::record(
            conn,
            &Actor {
                user_id: None,
                ip: ip.map(str::to_string),
            },
            Action::AccountLocked,
            SubjectType::User,
            Some(user_id),
            serde_json::json!({ "failures": failures, "until": until.and_utc() }),
        )?;
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    email: &str,
    ip: Option<&str>,
    success: bool,
) -> Result<(), Error> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::at.eq(Utc::now().naive_utc()),
            login_attempts::success.eq(success),
        ))
        .execute(conn)?;
    Ok(())
}

/// When this failure makes the failing addresses reach [`ALERT_IPS`], tell every superadmin once.
fn alert_on_spread(
    conn: &mut DbConnection,
    email: &str,
    ip: Option<&str>,
    now: chrono::NaiveDateTime,
) -> Result<(), Error> {
    let since = now - chrono::Duration::minutes(ALERT_WINDOW_MINS);
    let ips: Vec<Option<String>> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::success.eq(false))
        .filter(login_attempts::at.gt(since))
        .select(login_attempts::ip)
        .load(conn)?;
    let distinct: HashSet<_> = ips.iter().flatten().collect();
    let this_ip_earlier = ips
        .iter()
        .flatten()
        .filter(|i| Some(i.as_str()) == ip)
        .count()
        > 1;
    if distinct.len() != ALERT_IPS || this_ip_earlier {
        return Ok(());
    }
    let addresses: Vec<&String> = distinct.into_iter().collect();
    let detail = serde_json::json!({ "email": email, "ips": addresses, "window_minutes": ALERT_WINDOW_MINS });
    let from = Actor {
        user_id: None,
        ip: ip.map(str::to_string),
    };
    audit::record(
        conn,
        &from,
        Action::SecurityAlert,
        SubjectType::Email,
        Some(email),
        detail.clone(),
    )?;
    for admin in accounts::superadmins(conn)? {
        notifications::create(conn, &admin.id, NotificationKind::SecurityAlert, &detail)?;
        events::record(
            conn,
            &from,
            NewEvent::new(
                EventKind::SecurityAlert,
                SubjectType::User,
                &admin.id,
                serde_json::json!({
                    "to": admin.email, "name": admin.first_name, "language": admin.language,
                    "email": email, "count": ALERT_IPS,
                }),
            ),
        )?;
    }
    Ok(())
}
