//! A person's own changes to their account: name and language. Others keep copies of these
//! (Chamilo's account, the e-mails' language), so every change is told as `account.updated`.
//!
//! The e-mail address is not changed here: it is the sign-in name, the Chamilo login name and
//! the badge recipient, and a change would need the new address confirmed first.

use chrono::Utc;
use diesel::prelude::*;

use super::{person, person_field_errors, Person};
use crate::db::schema::users;
use crate::db::{write_transaction, DbConnection};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::SubjectType;
use crate::domain::Actor;
use crate::error::Error;

/// What a person may change of their own account.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub first_name: String,
    pub last_name: String,
    /// `en`, `pl`, `it` or `el`: the interface's and the e-mails' language.
    pub language: String,
}

/// Sets the account `id`, read at version `expected`, to `new`; 412 when it moved on since.
pub fn update_profile(
    conn: &mut DbConnection,
    id: &str,
    new: &Profile,
    expected: i32,
    actor: &Actor,
) -> Result<Person, Error> {
    write_transaction(conn, |conn| {
        let before = person(conn, id)?;
        let errors = person_field_errors(
            &before.email,
            &new.first_name,
            &new.last_name,
            &new.language,
        );
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        if before.version != expected {
            return Err(Error::PreconditionFailed);
        }
        let (first, last) = (new.first_name.trim(), new.last_name.trim());
        if (first, last, new.language.as_str())
            == (
                before.first_name.as_str(),
                before.last_name.as_str(),
                before.language.as_str(),
            )
        {
            return Ok(before);
        }
        diesel::update(users::table.find(id))
            .set((
                users::first_name.eq(first),
                users::last_name.eq(last),
                users::language.eq(&new.language),
                users::version.eq(users::version + 1),
                users::updated_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::AccountUpdated,
                SubjectType::User,
                id,
                serde_json::json!({}),
            ),
        )?;
        person(conn, id)
    })
}
