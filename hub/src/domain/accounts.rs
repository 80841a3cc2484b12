//! People's accounts: e-mail identity, password policy and hashing, roles.
//!
//! E-mails are normalised (surrounding spaces, Unicode NFC, case) before they are stored or
//! compared, so `Ana@X.eu` and ` ana@x.eu` are one account and one lockout counter (identity.md).
//! Passwords are argon2id with OWASP's parameters; hashing is deliberately slow, so callers on
//! async threads must run it on the blocking pool.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Utc;
use diesel::prelude::*;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::crypto::{hash_token, random_token, Sealer};
use crate::db::outbox::{self, NewEvent};
use crate::db::schema::{consents, email_tokens, memberships, organisations, user_roles, users};
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

/// Roles a person holds on their own account (staff roles are memberships).
pub const PERSON_ROLES: [&str; 3] = ["trainee", "trainer", "superadmin"];

pub fn normalise_email(email: &str) -> String {
    email.trim().nfc().collect::<String>().to_lowercase()
}

/// identity.md: 12+ characters with a letter, a digit and a special character, not one of the
/// common passwords that meet those rules anyway, and not the e-mail's local part.
pub fn check_password_policy(password: &str, email: &str) -> Result<(), FieldError> {
    let refuse = |message: &str| Err(FieldError::new("password", "weak", message));
    if password.chars().count() < 12 {
        return refuse("use at least 12 characters");
    }
    if !password.chars().any(char::is_alphabetic)
        || !password.chars().any(|c| c.is_ascii_digit())
        || !password.chars().any(|c| !c.is_alphanumeric())
    {
        return refuse("use a letter, a digit and a special character");
    }
    let lowered = password.to_lowercase();
    let common = include_str!("common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .any(|l| l == lowered);
    if common {
        return refuse("this password is among the most common ones; choose another");
    }
    let local = normalise_email(email)
        .split('@')
        .next()
        .unwrap_or_default()
        .to_string();
    if local.chars().count() >= 3 && password.to_lowercase().contains(&local) {
        return refuse("do not use your e-mail address in the password");
    }
    Ok(())
}

/// argon2id, m=19 MiB, t=2, p=1 (the crate's defaults are OWASP's recommendation).
pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("random: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<String>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub language: &'a str,
    pub roles: &'a [&'a str],
    pub confirmed: bool,
}

/// The checks every account's own fields must pass, named as the API spells them.
pub fn person_field_errors(
    email: &str,
    first: &str,
    last: &str,
    language: &str,
) -> Vec<FieldError> {
    let email = normalise_email(email);
    let mut errors = Vec::new();
    let (local, domain) = email.split_once('@').unwrap_or(("", ""));
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || email.contains(' ') {
        errors.push(FieldError::new("email", "invalid", "not an e-mail address"));
    }
    if first.trim().is_empty() {
        errors.push(FieldError::new(
            "first_name",
            "required",
            "enter a first name",
        ));
    }
    if last.trim().is_empty() {
        errors.push(FieldError::new(
            "last_name",
            "required",
            "enter a last name",
        ));
    }
    if !crate::domain::offers::LANGUAGES.contains(&language) {
        errors.push(FieldError::new(
            "language",
            "invalid",
            "must be en, pl, it or el",
        ));
    }
    errors
}

/// Creates an account; 409 when the (normalised) e-mail is taken.
pub fn create(
    conn: &mut DbConnection,
    new: &NewUser<'_>,
    actor: Option<&str>,
) -> Result<String, Error> {
    let email = normalise_email(new.email);
    let mut errors = person_field_errors(new.email, new.first_name, new.last_name, new.language);
    if let Some(bad) = new.roles.iter().find(|r| !PERSON_ROLES.contains(r)) {
        errors.push(FieldError::new(
            "role",
            "invalid",
            format!("unknown role {bad}"),
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = Uuid::new_v4().to_string();
    let now = Utc::now().naive_utc();
    write_transaction(conn, |conn| {
        let taken: i64 = users::table
            .filter(users::email.eq(&email))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(Error::Conflict("an account with this e-mail exists".into()));
        }
        diesel::insert_into(users::table)
            .values((
                users::id.eq(&id),
                users::email.eq(&email),
                users::password_hash.eq(&new.password_hash),
                users::first_name.eq(new.first_name.trim()),
                users::last_name.eq(new.last_name.trim()),
                users::language.eq(new.language),
                users::status.eq(if new.confirmed {
                    "active"
                } else {
                    "unconfirmed"
                }),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        for role in new.roles {
            diesel::insert_into(user_roles::table)
                .values((user_roles::user_id.eq(&id), user_roles::role.eq(*role)))
                .execute(conn)?;
        }
        outbox::append(
            conn,
            NewEvent {
                kind: "account.created",
                subject_type: "user",
                subject_id: id.clone(),
                actor_id: actor.map(str::to_string),
                payload: serde_json::json!({ "roles": new.roles }),
            },
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// The version of the terms and privacy policy a registration accepts.
pub const TERMS_VERSION: &str = "2026-11";

/// What the registration form and `POST /api/auth/register` ask (api.md, Accounts).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    /// en, pl, it or el.
    pub language: String,
    /// trainee, trainer, provider or employer.
    pub role: String,
    pub accept_terms: bool,
    /// Required for provider and employer: the organisation, pending a superadmin's confirmation.
    pub organisation_name: Option<String>,
}

pub const REGISTRATION_ROLES: [&str; 4] = ["trainee", "trainer", "provider", "employer"];

impl Registration {
    /// Every rule a registration must meet before its password is hashed.
    pub fn validate(&self) -> Result<(), Error> {
        let mut errors = person_field_errors(
            &self.email,
            &self.first_name,
            &self.last_name,
            &self.language,
        );
        if !REGISTRATION_ROLES.contains(&self.role.as_str()) {
            errors.push(FieldError::new(
                "role",
                "invalid",
                "must be trainee, trainer, provider or employer",
            ));
        }
        if !self.accept_terms {
            errors.push(FieldError::new(
                "accept_terms",
                "required",
                "the terms must be accepted",
            ));
        }
        if matches!(self.role.as_str(), "provider" | "employer")
            && self
                .organisation_name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
        {
            errors.push(FieldError::new(
                "organisation_name",
                "required",
                "name your organisation",
            ));
        }
        if let Err(e) = check_password_policy(&self.password, &self.email) {
            errors.push(e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(errors))
        }
    }
}

/// Seals a link token into an event payload: the mail consumer needs it, nobody else may read it.
fn link_payload(sealer: &Sealer, user: &Person, token: &str) -> serde_json::Value {
    serde_json::json!({
        "to": user.email, "name": user.first_name, "language": user.language,
        "token_sealed": sealer.seal(token.as_bytes()),
    })
}

fn issue_email_token(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: &str,
    valid: chrono::Duration,
) -> Result<String, Error> {
    let token = random_token();
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(hash_token(&token)),
            email_tokens::user_id.eq(user_id),
            email_tokens::purpose.eq(purpose),
            email_tokens::expires_at.eq(Utc::now().naive_utc() + valid),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Creates an unconfirmed account (and, for provider and employer staff, their organisation
/// pending confirmation), records consent, and queues the confirmation e-mail.
pub fn register(
    conn: &mut DbConnection,
    r: &Registration,
    password_hash: String,
    sealer: &Sealer,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let roles: &[&str] = match r.role.as_str() {
            "trainee" => &["trainee"],
            "trainer" => &["trainer"],
            _ => &[],
        };
        let new = NewUser {
            email: &r.email,
            password_hash: Some(password_hash),
            first_name: &r.first_name,
            last_name: &r.last_name,
            language: &r.language,
            roles,
            confirmed: false,
        };
        let id = create(conn, &new, None)?;
        if let Some(name) = r.organisation_name.as_deref().filter(|_| roles.is_empty()) {
            let kind = if r.role == "provider" {
                super::organisations::Kind::Provider
            } else {
                super::organisations::Kind::Employer
            };
            let org = super::organisations::NewOrganisation {
                kind,
                name,
                city: None,
                country: None,
                website: None,
                confirmed: false,
            };
            let org_id = super::organisations::create(conn, &org, Some(&id))?;
            super::organisations::add_member(conn, &org_id, &id, true)?;
        }
        diesel::insert_into(consents::table)
            .values((
                consents::user_id.eq(&id),
                consents::document.eq("terms-and-privacy"),
                consents::version.eq(TERMS_VERSION),
                consents::at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        let token = issue_email_token(conn, &id, "confirm", chrono::Duration::hours(48))?;
        let person = person(conn, &id)?;
        outbox::append(
            conn,
            NewEvent {
                kind: "account.registered",
                subject_type: "user",
                subject_id: id.clone(),
                actor_id: Some(id.clone()),
                payload: link_payload(sealer, &person, &token),
            },
        )?;
        Ok(id)
    })
}

/// Uses up a single-use e-mail token of `purpose`; returns its account.
fn redeem_email_token(
    conn: &mut DbConnection,
    token: &str,
    purpose: &str,
) -> Result<String, Error> {
    let now = Utc::now().naive_utc();
    let invalid = || Error::field("token", "invalid", "this link is invalid, used or expired");
    let user_id: Option<String> = email_tokens::table
        .filter(email_tokens::token_hash.eq(hash_token(token)))
        .filter(email_tokens::purpose.eq(purpose))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(now))
        .select(email_tokens::user_id)
        .first(conn)
        .optional()?;
    let user_id = user_id.ok_or_else(invalid)?;
    let used = diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(hash_token(token)))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now))
    .execute(conn)?;
    if used != 1 {
        return Err(invalid());
    }
    Ok(user_id)
}

/// The e-mail of the account a still-valid token belongs to.
pub fn email_of_token(
    conn: &mut DbConnection,
    token: &str,
    purpose: &str,
) -> Result<Option<String>, Error> {
    Ok(email_tokens::table
        .inner_join(users::table)
        .filter(email_tokens::token_hash.eq(hash_token(token)))
        .filter(email_tokens::purpose.eq(purpose))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(Utc::now().naive_utc()))
        .select(users::email)
        .first(conn)
        .optional()?)
}

pub fn confirm(conn: &mut DbConnection, token: &str) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let id = redeem_email_token(conn, token, "confirm")?;
        diesel::update(
            users::table
                .filter(users::id.eq(&id))
                .filter(users::status.eq("unconfirmed")),
        )
        .set((users::status.eq("active"), users::email_verified.eq(true)))
        .execute(conn)?;
        Ok(id)
    })
}

/// Queues a reset link when the e-mail names an active account; says nothing either way.
pub fn request_reset(conn: &mut DbConnection, email: &str, sealer: &Sealer) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let Some(id) = find_id_by_email(conn, email)? else {
            return Ok(());
        };
        let p = person(conn, &id)?;
        if p.status != "active" && p.status != "locked" {
            return Ok(());
        }
        let token = issue_email_token(conn, &id, "reset", chrono::Duration::hours(1))?;
        outbox::append(
            conn,
            NewEvent {
                kind: "account.password_reset_requested",
                subject_type: "user",
                subject_id: id.clone(),
                actor_id: None,
                payload: link_payload(sealer, &p, &token),
            },
        )?;
        Ok(())
    })
}

/// Sets a new password from a reset link and ends every session of the account.
pub fn reset_password(
    conn: &mut DbConnection,
    token: &str,
    password_hash: String,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let id = redeem_email_token(conn, token, "reset")?;
        diesel::update(users::table.filter(users::id.eq(&id)))
            .set((
                users::password_hash.eq(password_hash),
                users::locked_until.eq(None::<chrono::NaiveDateTime>),
                users::updated_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        super::sessions::end_all(conn, &id, None)?;
        super::audit::record(
            conn,
            super::audit::Entry {
                actor_id: Some(&id),
                action: "account.password_reset",
                subject_type: "user",
                subject_id: Some(&id),
                ip: None,
                detail: serde_json::json!({}),
            },
        )?;
        Ok(id)
    })
}

/// The account as `/api/me` shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub language: String,
    #[serde(skip)]
    pub status: String,
    pub roles: Vec<String>,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Membership {
    pub organisation_id: String,
    /// `staff` or `admin` of the organisation.
    pub role: String,
    /// `provider` or `employer`.
    pub kind: String,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
}

impl Person {
    pub fn is_superadmin(&self) -> bool {
        self.roles.iter().any(|r| r == "superadmin")
    }
}

pub fn person(conn: &mut DbConnection, id: &str) -> Result<Person, Error> {
    let (id, email, first_name, last_name, language, status): (
        String,
        String,
        String,
        String,
        String,
        String,
    ) = users::table
        .filter(users::id.eq(id))
        .select((
            users::id,
            users::email,
            users::first_name,
            users::last_name,
            users::language,
            users::status,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
    let roles: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(&id))
        .order(user_roles::role)
        .select(user_roles::role)
        .load(conn)?;
    let memberships = memberships::table
        .inner_join(organisations::table)
        .filter(memberships::user_id.eq(&id))
        .select((
            memberships::organisation_id,
            memberships::role,
            organisations::kind,
            organisations::status,
        ))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(organisation_id, role, kind, status)| Membership {
            organisation_id,
            role,
            kind,
            status,
        })
        .collect();
    Ok(Person {
        id,
        email,
        first_name,
        last_name,
        language,
        status,
        roles,
        memberships,
    })
}

pub fn superadmins(conn: &mut DbConnection) -> Result<Vec<Person>, Error> {
    let ids: Vec<String> = user_roles::table
        .inner_join(users::table)
        .filter(user_roles::role.eq("superadmin"))
        .filter(users::status.eq("active"))
        .select(users::id)
        .load(conn)?;
    ids.iter().map(|id| person(conn, id)).collect()
}

/// Everything the hub holds about a person (GDPR export), secrets excluded.
pub fn export(conn: &mut DbConnection, id: &str) -> Result<serde_json::Value, Error> {
    use crate::db::schema::{audit_log, login_attempts, sessions};
    let p = person(conn, id)?;
    let (created_at, email_verified): (chrono::NaiveDateTime, bool) = users::table
        .filter(users::id.eq(id))
        .select((users::created_at, users::email_verified))
        .first(conn)?;
    let consents: Vec<(String, String, chrono::NaiveDateTime)> = consents::table
        .filter(consents::user_id.eq(id))
        .select((consents::document, consents::version, consents::at))
        .load(conn)?;
    let sessions: Vec<super::sessions::Session> = sessions::table
        .filter(sessions::user_id.eq(id))
        .select(super::sessions::Session::as_select())
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
    Ok(serde_json::json!({
        "account": p,
        "created_at": created_at,
        "email_verified": email_verified,
        "consents": consents.iter().map(|(d, v, at)| serde_json::json!({"document": d, "version": v, "at": at})).collect::<Vec<_>>(),
        "sessions": sessions,
        "sign_ins": attempts.iter().map(|(ip, at, ok)| serde_json::json!({"ip": ip, "at": at, "success": ok})).collect::<Vec<_>>(),
        "notifications": super::notifications::of_user(conn, id)?.into_iter().map(|(k, p)| serde_json::json!({"kind": k, "payload": p})).collect::<Vec<_>>(),
        "audit": audit.iter().map(|(at, action, ip)| serde_json::json!({"at": at, "action": action, "ip": ip})).collect::<Vec<_>>(),
    }))
}

/// Erases a person's personal data, keeping the row others' records point to (registry.md,
/// Privacy): e-mail and names are replaced, the password and sessions go, sign-in attempts
/// under the old e-mail are deleted.
pub fn erase(conn: &mut DbConnection, id: &str, ip: Option<&str>) -> Result<(), Error> {
    use crate::db::schema::login_attempts;
    write_transaction(conn, |conn| {
        let p = person(conn, id)?;
        diesel::update(users::table.filter(users::id.eq(id)))
            .set((
                users::email.eq(format!("erased-{id}@invalid")),
                users::first_name.eq(""),
                users::last_name.eq(""),
                users::password_hash.eq(None::<String>),
                users::status.eq("deleted"),
                users::updated_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        diesel::delete(login_attempts::table.filter(login_attempts::email.eq(&p.email)))
            .execute(conn)?;
        diesel::delete(memberships::table.filter(memberships::user_id.eq(id))).execute(conn)?;
        super::sessions::end_all(conn, id, None)?;
        super::audit::record(
            conn,
            super::audit::Entry {
                actor_id: Some(id),
                action: "account.erased",
                subject_type: "user",
                subject_id: Some(id),
                ip,
                detail: serde_json::json!({}),
            },
        )?;
        outbox::append(
            conn,
            NewEvent {
                kind: "account.erased",
                subject_type: "user",
                subject_id: id.to_string(),
                actor_id: Some(id.to_string()),
                payload: serde_json::json!({}),
            },
        )?;
        Ok(())
    })
}

pub fn password_hash(conn: &mut DbConnection, id: &str) -> Result<Option<String>, Error> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(users::password_hash)
        .first(conn)?)
}

pub fn find_id_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<String>, Error> {
    Ok(users::table
        .filter(users::email.eq(normalise_email(email)))
        .select(users::id)
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_that_differ_only_in_case_space_or_composition_are_one() {
        // "é" precomposed vs "e" + combining acute accent.
        assert_eq!(
            normalise_email(" Zoë@Example.EU "),
            normalise_email("zoe\u{308}@example.eu")
        );
    }

    #[test]
    fn password_policy() {
        assert!(check_password_policy("short1!", "a@x.eu").is_err());
        assert!(check_password_policy("longbutnodigits!", "a@x.eu").is_err());
        assert!(check_password_policy("anna.kowalska-1!", "Anna.Kowalska@x.eu").is_err());
        assert!(check_password_policy("correct-horse-7-battery", "anna@x.eu").is_ok());
        assert!(
            check_password_policy("P@ssw0rd1234", "anna@x.eu").is_err(),
            "a common password"
        );
        assert!(
            check_password_policy("Qwerty123456!", "anna@x.eu").is_err(),
            "case does not matter"
        );
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let h = hash_password("correct-horse-7-battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct-horse-7-battery", &h));
        assert!(!verify_password("correct-horse-7-batterY", &h));
    }
}

pub fn email_verified(conn: &mut DbConnection, id: &str) -> Result<bool, Error> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(users::email_verified)
        .first(conn)?)
}

diesel::define_sql_function! {
    /// SQL `lower()`, which both backends have.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// People whose e-mail or name contains `q` (case-insensitively), for the superadmin.
pub fn search(conn: &mut DbConnection, q: Option<&str>, limit: i64) -> Result<Vec<Person>, Error> {
    let mut query = users::table
        .order(users::created_at.desc())
        .limit(limit)
        .select(users::id)
        .into_boxed();
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        // A superadmin's search string: wildcards in it only widen the search.
        let pattern = format!("%{}%", q.trim().to_lowercase());
        query = query.filter(
            users::email
                .like(pattern.clone())
                .or(lower(users::first_name).like(pattern.clone()))
                .or(lower(users::last_name).like(pattern)),
        );
    }
    let ids: Vec<String> = query.load(conn)?;
    ids.iter().map(|id| person(conn, id)).collect()
}

/// A superadmin's action on an account, audited with actor and IP.
pub enum AdminAction<'a> {
    Lock,
    Unlock,
    SetRoles(&'a [String]),
}

pub fn administer(
    conn: &mut DbConnection,
    id: &str,
    action: AdminAction<'_>,
    actor: &str,
    ip: Option<&str>,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let before = person(conn, id)?;
        let (name, detail) = match action {
            AdminAction::Lock => {
                diesel::update(users::table.filter(users::id.eq(id)))
                    .set(users::status.eq("locked"))
                    .execute(conn)?;
                super::sessions::end_all(conn, id, None)?;
                ("user.locked", serde_json::json!({}))
            }
            AdminAction::Unlock => {
                let status = if before.status == "locked" {
                    "active"
                } else {
                    before.status.as_str()
                };
                diesel::update(users::table.filter(users::id.eq(id)))
                    .set((
                        users::status.eq(status),
                        users::locked_until.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(conn)?;
                ("user.unlocked", serde_json::json!({}))
            }
            AdminAction::SetRoles(roles) => {
                for (i, r) in roles.iter().enumerate() {
                    if !PERSON_ROLES.contains(&r.as_str()) {
                        return Err(Error::field(
                            format!("roles[{i}]"),
                            "invalid",
                            "trainee, trainer or superadmin",
                        ));
                    }
                }
                diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id)))
                    .execute(conn)?;
                for r in roles {
                    diesel::insert_into(user_roles::table)
                        .values((user_roles::user_id.eq(id), user_roles::role.eq(r)))
                        .execute(conn)?;
                }
                (
                    "user.roles_changed",
                    serde_json::json!({ "before": before.roles, "after": roles }),
                )
            }
        };
        super::audit::record(
            conn,
            super::audit::Entry {
                actor_id: Some(actor),
                action: name,
                subject_type: "user",
                subject_id: Some(id),
                ip,
                detail,
            },
        )?;
        Ok(())
    })
}

/// A superadmin sends a reset link to someone (the same link the person could ask for).
pub fn admin_reset(
    conn: &mut DbConnection,
    id: &str,
    actor: &str,
    ip: Option<&str>,
    sealer: &Sealer,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let p = person(conn, id)?;
        let token = issue_email_token(conn, id, "reset", chrono::Duration::hours(1))?;
        outbox::append(
            conn,
            NewEvent {
                kind: "account.password_reset_requested",
                subject_type: "user",
                subject_id: id.to_string(),
                actor_id: Some(actor.to_string()),
                payload: link_payload(sealer, &p, &token),
            },
        )?;
        super::audit::record(
            conn,
            super::audit::Entry {
                actor_id: Some(actor),
                action: "user.reset_sent",
                subject_type: "user",
                subject_id: Some(id),
                ip,
                detail: serde_json::json!({}),
            },
        )?;
        Ok(())
    })
}
