//! Organisations: training providers and employers. An organisation is created by its first staff
//! member and confirmed by a superadmin (registry.md, Roles).

use chrono::Utc;
use diesel::prelude::*;
use uuid::Uuid;

use super::events::{self, EventKind, NewEvent};
use super::vocabulary::{MembershipRole, OrganisationKind, OrganisationStatus, SubjectType};
use super::Actor;
use crate::db::schema::{memberships, organisations};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;

pub use super::vocabulary::OrganisationKind as Kind;

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
    actor: &Actor,
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
                    OrganisationStatus::Confirmed
                } else {
                    OrganisationStatus::Pending
                }
                .as_str()),
                organisations::city.eq(new.city),
                organisations::country.eq(new.country),
                organisations::website.eq(new.website),
                organisations::created_at.eq(now),
                organisations::updated_at.eq(now),
            ))
            .execute(conn)?;
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::OrganisationCreated,
                SubjectType::Organisation,
                &id,
                serde_json::json!({ "kind": new.kind }),
            ),
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

/// The people who act for the organisation (staff and admins; not its employees).
pub fn staff_ids(
    conn: &mut DbConnection,
    organisation_ids: &[String],
) -> Result<Vec<String>, Error> {
    Ok(memberships::table
        .filter(memberships::organisation_id.eq_any(organisation_ids))
        .filter(memberships::role.eq_any(MembershipRole::STAFF.map(|r| r.as_str())))
        .select(memberships::user_id)
        .distinct()
        .load(conn)?)
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
            memberships::role.eq(if admin {
                MembershipRole::Admin
            } else {
                MembershipRole::Staff
            }
            .as_str()),
            memberships::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: String,
    pub kind: OrganisationKind,
    pub name: String,
    pub status: OrganisationStatus,
    pub city: Option<String>,
    pub country: Option<String>,
}

/// Organisations (of one status, when given), oldest first, one window of them and the total.
pub fn list(
    conn: &mut DbConnection,
    status: Option<OrganisationStatus>,
    window: crate::db::Window,
) -> Result<crate::db::Paged<Organisation>, Error> {
    let filtered = || {
        let mut q = organisations::table.into_boxed();
        if let Some(status) = status {
            q = q.filter(organisations::status.eq(status.as_str()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let q = filtered()
        .order((organisations::created_at, organisations::id))
        .offset(window.offset())
        .limit(window.limit())
        .select((
            organisations::id,
            organisations::kind,
            organisations::name,
            organisations::status,
            organisations::city,
            organisations::country,
        ));
    let items = q
        .load::<(
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        )>(conn)?
        .into_iter()
        .map(|(id, kind, name, status, city, country)| {
            Ok(Organisation {
                id,
                kind: kind.try_into()?,
                name,
                status: status.try_into()?,
                city,
                country,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(crate::db::Paged { items, total })
}

/// A superadmin's decision on a pending organisation (audited).
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    confirm: bool,
    actor: &Actor,
) -> Result<OrganisationStatus, Error> {
    let (status, kind) = if confirm {
        (
            OrganisationStatus::Confirmed,
            EventKind::OrganisationConfirmed,
        )
    } else {
        (
            OrganisationStatus::Rejected,
            EventKind::OrganisationRejected,
        )
    };
    write_transaction(conn, |conn| {
        let n = diesel::update(
            organisations::table
                .filter(organisations::id.eq(id))
                .filter(organisations::status.eq(OrganisationStatus::Pending.as_str())),
        )
        .set((
            organisations::status.eq(status.as_str()),
            organisations::updated_at.eq(Utc::now().naive_utc()),
            organisations::version.eq(organisations::version + 1),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(Error::Conflict(
                "no pending organisation with this id".into(),
            ));
        }
        events::record(
            conn,
            actor,
            NewEvent::new(kind, SubjectType::Organisation, id, serde_json::json!({})),
        )?;
        Ok(status)
    })
}
