//! Organisations: training providers and employers. An organisation is created by its first staff
//! member and confirmed by a superadmin (registry.md, Roles).

use chrono::Utc;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::outbox::{self, NewEvent};
use crate::db::schema::{memberships, organisations};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Provider,
    Employer,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Employer => "employer",
        }
    }
}

pub struct NewOrganisation<'a> {
    pub kind: Kind,
    pub name: &'a str,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub website: Option<&'a str>,
    pub confirmed: bool,
}

pub fn create(
    conn: &mut DbConnection,
    new: &NewOrganisation<'_>,
    actor: Option<&str>,
) -> Result<String, Error> {
    if new.name.trim().is_empty() {
        return Err(Error::field(
            "organisation_name",
            "required",
            "an organisation needs a name",
        ));
    }
    let id = Uuid::new_v4().to_string();
    let now = Utc::now().naive_utc();
    write_transaction(conn, |conn| {
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(&id),
                organisations::kind.eq(new.kind.as_str()),
                organisations::name.eq(new.name.trim()),
                organisations::status.eq(if new.confirmed {
                    "confirmed"
                } else {
                    "pending"
                }),
                organisations::city.eq(new.city),
                organisations::country.eq(new.country),
                organisations::website.eq(new.website),
                organisations::created_at.eq(now),
                organisations::updated_at.eq(now),
            ))
            .execute(conn)?;
        outbox::append(
            conn,
            NewEvent {
                kind: "organisation.created",
                subject_type: "organisation",
                subject_id: id.clone(),
                actor_id: actor.map(str::to_string),
                payload: serde_json::json!({ "kind": new.kind.as_str() }),
            },
        )?;
        Ok(())
    })?;
    Ok(id)
}

pub fn find_by_name(
    conn: &mut DbConnection,
    kind: Kind,
    name: &str,
) -> Result<Option<String>, Error> {
    Ok(organisations::table
        .filter(organisations::kind.eq(kind.as_str()))
        .filter(organisations::name.eq(name))
        .select(organisations::id)
        .first(conn)
        .optional()?)
}

/// Adds `user_id` to the organisation's staff (`admin` may invite other staff).
pub fn add_member(
    conn: &mut DbConnection,
    organisation_id: &str,
    user_id: &str,
    admin: bool,
) -> Result<(), Error> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::user_id.eq(user_id),
            memberships::organisation_id.eq(organisation_id),
            memberships::role.eq(if admin { "admin" } else { "staff" }),
            memberships::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: String,
    /// `provider` or `employer`.
    pub kind: String,
    pub name: String,
    /// `pending`, `confirmed` or `rejected`.
    pub status: String,
    pub city: Option<String>,
    pub country: Option<String>,
}

pub fn list(conn: &mut DbConnection, status: Option<&str>) -> Result<Vec<Organisation>, Error> {
    let mut q = organisations::table
        .order(organisations::created_at)
        .select((
            organisations::id,
            organisations::kind,
            organisations::name,
            organisations::status,
            organisations::city,
            organisations::country,
        ))
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(organisations::status.eq(status.to_string()));
    }
    Ok(q.load::<(
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    )>(conn)?
        .into_iter()
        .map(|(id, kind, name, status, city, country)| Organisation {
            id,
            kind,
            name,
            status,
            city,
            country,
        })
        .collect())
}

/// A superadmin's decision on a pending organisation (audited).
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    confirm: bool,
    actor: &str,
    ip: Option<&str>,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let n = diesel::update(
            organisations::table
                .filter(organisations::id.eq(id))
                .filter(organisations::status.eq("pending")),
        )
        .set((
            organisations::status.eq(if confirm { "confirmed" } else { "rejected" }),
            organisations::updated_at.eq(Utc::now().naive_utc()),
            organisations::version.eq(organisations::version + 1),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(Error::Conflict(
                "no pending organisation with this id".into(),
            ));
        }
        let action = if confirm {
            "organisation.confirmed"
        } else {
            "organisation.rejected"
        };
        super::audit::record(
            conn,
            super::audit::Entry {
                actor_id: Some(actor),
                action,
                subject_type: "organisation",
                subject_id: Some(id),
                ip,
                detail: serde_json::json!({}),
            },
        )?;
        outbox::append(
            conn,
            NewEvent {
                kind: action,
                subject_type: "organisation",
                subject_id: id.to_string(),
                actor_id: Some(actor.to_string()),
                payload: serde_json::json!({}),
            },
        )?;
        Ok(())
    })
}
