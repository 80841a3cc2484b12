//! Passwords: identity.md's policy, and argon2id with OWASP's parameters. Hashing is
//! deliberately slow, so callers on async threads run it on the blocking pool.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use diesel::prelude::*;

use super::normalise_email;
use crate::db::schema::users;
use crate::db::DbConnection;
use crate::error::{Error, FieldError};

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

pub fn password_hash(conn: &mut DbConnection, id: &str) -> Result<Option<String>, Error> {
    Ok(users::table
        .filter(users::id.eq(id))
        .select(users::password_hash)
        .first(conn)?)
}
