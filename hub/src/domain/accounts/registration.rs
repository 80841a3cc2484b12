//! Registration, e-mail confirmation and password reset: the single-use links sent by e-mail
//! (stored only as SHA-256) and what redeeming them does.

use chrono::Utc;
use diesel::prelude::*;
use uuid::Uuid;

use super::{
    check_password_policy, find_id_by_email, normalise_email, person, person_field_errors, Person,
};
use crate::crypto::{hash_token, random_token, Sealer};
use crate::db::schema::{consents, email_tokens, user_roles, users};
use crate::db::{write_transaction, DbConnection};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::organisations::{self, NewOrganisation};
use crate::domain::sessions;
use crate::domain::vocabulary::{
    vocabulary, AccountStatus, OrganisationKind, RegistrationRole, Role, SubjectType,
};
use crate::domain::Actor;
use crate::error::{Error, FieldError};

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<String>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub language: &'a str,
    pub roles: &'a [Role],
    pub confirmed: bool,
}

/// Creates an account; 409 when the (normalised) e-mail is taken.
pub fn create(conn: &mut DbConnection, new: &NewUser<'_>, actor: &Actor) -> Result<String, Error> {
    let email = normalise_email(new.email);
    let errors = person_field_errors(new.email, new.first_name, new.last_name, new.language);
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
                    AccountStatus::Active
                } else {
                    AccountStatus::Unconfirmed
                }
                .as_str()),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        for role in new.roles {
            diesel::insert_into(user_roles::table)
                .values((
                    user_roles::user_id.eq(&id),
                    user_roles::role.eq(role.as_str()),
                ))
                .execute(conn)?;
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::AccountCreated,
                SubjectType::User,
                &id,
                serde_json::json!({ "roles": new.roles }),
            ),
        )?;
        Ok(())
    })?;
    Ok(id)
}

vocabulary! {
    /// What a link sent by e-mail is for.
    LinkPurpose {
        Confirm = "confirm",
        Reset = "reset",
    }
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

impl Registration {
    /// Every rule a registration must meet before its password is hashed.
    pub fn validate(&self) -> Result<(), Error> {
        let mut errors = person_field_errors(
            &self.email,
            &self.first_name,
            &self.last_name,
            &self.language,
        );
        let role = self.role.parse::<RegistrationRole>().ok();
        if role.is_none() {
            errors.push(FieldError::new(
                "role",
                "invalid",
                format!("must be {}", RegistrationRole::spelled()),
            ));
        }
        if !self.accept_terms {
            errors.push(FieldError::new(
                "accept_terms",
                "required",
                "the terms must be accepted",
            ));
        }
        if matches!(
            role,
            Some(RegistrationRole::Provider | RegistrationRole::Employer)
        ) && self
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
    purpose: LinkPurpose,
    valid: chrono::Duration,
) -> Result<String, Error> {
    let token = random_token();
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(hash_token(&token)),
            email_tokens::user_id.eq(user_id),
            email_tokens::purpose.eq(purpose.as_str()),
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
    from: &Actor,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let role: RegistrationRole = r
            .role
            .parse()
            .map_err(|_| Error::field("role", "invalid", RegistrationRole::spelled()))?;
        let (roles, organisation): (&[Role], _) = match role {
            RegistrationRole::Trainee => (&[Role::Trainee], None),
            RegistrationRole::Trainer => (&[Role::Trainer], None),
            RegistrationRole::Provider => (&[], Some(OrganisationKind::Provider)),
            RegistrationRole::Employer => (&[], Some(OrganisationKind::Employer)),
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
        let id = create(conn, &new, &Actor::hub())?;
        let registrant = Actor::person(&id, from.ip.clone());
        if let (Some(kind), Some(name)) = (organisation, r.organisation_name.as_deref()) {
            let org = NewOrganisation {
                kind,
                name,
                city: None,
                country: None,
                website: None,
                confirmed: false,
            };
            let org_id = organisations::create(conn, &org, &registrant)?;
            organisations::add_member(conn, &org_id, &id, true)?;
        }
        diesel::insert_into(consents::table)
            .values((
                consents::user_id.eq(&id),
                consents::document.eq("terms-and-privacy"),
                consents::version.eq(TERMS_VERSION),
                consents::at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        let token =
            issue_email_token(conn, &id, LinkPurpose::Confirm, chrono::Duration::hours(48))?;
        let person = person(conn, &id)?;
        events::record(
            conn,
            &registrant,
            NewEvent::new(
                EventKind::AccountRegistered,
                SubjectType::User,
                &id,
                link_payload(sealer, &person, &token),
            ),
        )?;
        Ok(id)
    })
}

/// Uses up a single-use e-mail token of `purpose`; returns its account.
fn redeem_email_token(
    conn: &mut DbConnection,
    token: &str,
    purpose: LinkPurpose,
) -> Result<String, Error> {
    let now = Utc::now().naive_utc();
    let invalid = || Error::field("token", "invalid", "this link is invalid, used or expired");
    let user_id: Option<String> = email_tokens::table
        .filter(email_tokens::token_hash.eq(hash_token(token)))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
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
    purpose: LinkPurpose,
) -> Result<Option<String>, Error> {
    Ok(email_tokens::table
        .inner_join(users::table)
        .filter(email_tokens::token_hash.eq(hash_token(token)))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(Utc::now().naive_utc()))
        .select(users::email)
        .first(conn)
        .optional()?)
}

/// Confirms the account a link names: it becomes active, and `account.confirmed` tells whoever
/// provisions accounts elsewhere (the Chamilo consumer to come). `from` is whoever followed it.
pub fn confirm(conn: &mut DbConnection, token: &str, from: &Actor) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let id = redeem_email_token(conn, token, LinkPurpose::Confirm)?;
        let n = diesel::update(
            users::table
                .filter(users::id.eq(&id))
                .filter(users::status.eq(AccountStatus::Unconfirmed.as_str())),
        )
        .set((
            users::status.eq(AccountStatus::Active.as_str()),
            users::email_verified.eq(true),
        ))
        .execute(conn)?;
        if n == 1 {
            events::record(
                conn,
                &Actor::person(&id, from.ip.clone()),
                NewEvent::new(
                    EventKind::AccountConfirmed,
                    SubjectType::User,
                    &id,
                    serde_json::json!({}),
                ),
            )?;
        }
        Ok(id)
    })
}

/// Queues a reset link when the e-mail names an active account; says nothing either way.
/// `from` is whoever asked (no one signed in; the address they came from).
pub fn request_reset(
    conn: &mut DbConnection,
    email: &str,
    sealer: &Sealer,
    from: &Actor,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let Some(id) = find_id_by_email(conn, email)? else {
            return Ok(());
        };
        let p = person(conn, &id)?;
        if !matches!(p.status, AccountStatus::Active | AccountStatus::Locked) {
            return Ok(());
        }
        send_reset_link(conn, &p, from, sealer)
    })
}

/// Sets a new password from a reset link and ends every session of the account.
pub fn reset_password(
    conn: &mut DbConnection,
    token: &str,
    password_hash: String,
    from: &Actor,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let id = redeem_email_token(conn, token, LinkPurpose::Reset)?;
        diesel::update(users::table.filter(users::id.eq(&id)))
            .set((
                users::password_hash.eq(password_hash),
                users::locked_until.eq(None::<chrono::NaiveDateTime>),
                users::updated_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        sessions::end_all(conn, &id, None)?;
        events::record(
            conn,
            &Actor::person(&id, from.ip.clone()),
            NewEvent::new(
                EventKind::AccountPasswordReset,
                SubjectType::User,
                &id,
                serde_json::json!({}),
            ),
        )?;
        Ok(id)
    })
}

/// Issues a reset link for `p` and queues its e-mail: asked for by the person, or sent by a
/// superadmin (`admin::admin_reset`).
pub fn send_reset_link(
    conn: &mut DbConnection,
    p: &Person,
    actor: &Actor,
    sealer: &Sealer,
) -> Result<(), Error> {
    let token = issue_email_token(conn, &p.id, LinkPurpose::Reset, chrono::Duration::hours(1))?;
    events::record(
        conn,
        actor,
        NewEvent::new(
            EventKind::AccountPasswordResetRequested,
            SubjectType::User,
            &p.id,
            link_payload(sealer, p, &token),
        ),
    )?;
    Ok(())
}
