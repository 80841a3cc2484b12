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

use crate::db::outbox::{self, NewEvent};
use crate::db::schema::{user_roles, users};
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

/// Roles a person holds on their own account (staff roles are memberships).
pub const PERSON_ROLES: [&str; 3] = ["trainee", "trainer", "superadmin"];

pub fn normalise_email(email: &str) -> String {
    email.trim().nfc().collect::<String>().to_lowercase()
}

/// identity.md: 12+ characters with a letter, a digit and a special character, and not the
/// e-mail's local part.
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

/// Creates an account; 409 when the (normalised) e-mail is taken.
pub fn create(
    conn: &mut DbConnection,
    new: &NewUser<'_>,
    actor: Option<&str>,
) -> Result<String, Error> {
    let email = normalise_email(new.email);
    let mut errors = Vec::new();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        errors.push(FieldError::new("email", "invalid", "not an e-mail address"));
    }
    if new.first_name.trim().is_empty() {
        errors.push(FieldError::new(
            "first_name",
            "required",
            "enter a first name",
        ));
    }
    if new.last_name.trim().is_empty() {
        errors.push(FieldError::new(
            "last_name",
            "required",
            "enter a last name",
        ));
    }
    if !crate::domain::offers::LANGUAGES.contains(&new.language) {
        errors.push(FieldError::new(
            "language",
            "invalid",
            "must be en, pl, it or el",
        ));
    }
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
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let h = hash_password("correct-horse-7-battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct-horse-7-battery", &h));
        assert!(!verify_password("correct-horse-7-batterY", &h));
    }
}
